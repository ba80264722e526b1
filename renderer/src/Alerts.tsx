import { useEffect, useState } from 'react';
import type { PaperAlert } from '../../core/common/trading/types';
import { client, inElectron } from './api';
import { fmtTime } from './format';

/** How long a toast stays up unless dismissed. */
const TOAST_MS = 15_000;

/** Journaled alerts, newest first, and each new one as it is raised. */
export function useAlerts(limit = 50): PaperAlert[] {
  const [alerts, setAlerts] = useState<PaperAlert[]>([]);
  useEffect(() => {
    void client.call('paper.alerts', { limit }).then(setAlerts);
    return client.on('paper.alert', (a) => setAlerts((prev) => [a, ...prev].slice(0, limit)));
  }, [limit]);
  return alerts;
}

/**
 * Alerts as they are raised, over whatever view is open: each stays until dismissed or for a while;
 * the browser host also asks for a desktop notification where the user allowed them (the desktop
 * app's main process shows its own).
 */
export function AlertToasts({ onOpen }: { onOpen: () => void }) {
  const [shown, setShown] = useState<(PaperAlert & { id: number })[]>([]);
  useEffect(() => {
    let next = 0;
    return client.on('paper.alert', (a) => {
      const id = next++;
      setShown((prev) => [...prev.slice(-3), { ...a, id }]);
      setTimeout(() => setShown((prev) => prev.filter((x) => x.id !== id)), TOAST_MS);
      if (!inElectron && typeof Notification !== 'undefined' && Notification.permission === 'granted') new Notification(a.title, { body: a.body });
    });
  }, []);
  if (shown.length === 0) return null;
  return (
    <div className="toasts" role="alert" aria-live="assertive" data-testid="alert-toasts">
      {shown.map((a) => (
        <div key={a.id} className={`toast ${a.kind}`} data-testid="alert-toast">
          <button className="toast-body" onClick={onOpen} title="Open the Paper view">
            <strong>{a.title}</strong>
            <span>{a.body}</span>
          </button>
          <button className="toast-close" onClick={() => setShown((prev) => prev.filter((x) => x.id !== a.id))} aria-label="Dismiss">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}

/** The alert log of the Paper view: what tripped, which sessions stopped, which models drift. */
export function AlertList() {
  const alerts = useAlerts();
  const [asking, setAsking] = useState(false);
  const canAsk = !inElectron && typeof Notification !== 'undefined' && Notification.permission === 'default';
  return (
    <section data-testid="paper-alerts">
      <h3>Alerts</h3>
      {canAsk && !asking && (
        <button onClick={() => void Notification.requestPermission().then(() => setAsking(true))} data-testid="alerts-notify">
          Also show alerts as desktop notifications
        </button>
      )}
      {alerts.length === 0 ? (
        <p className="muted">No alerts: trips, stopped sessions and model warnings show here.</p>
      ) : (
        <table className="grid">
          <thead>
            <tr>
              <th>time</th>
              <th>kind</th>
              <th>alert</th>
              <th>details</th>
            </tr>
          </thead>
          <tbody>
            {alerts.map((a, i) => (
              <tr key={`${a.at}-${i}`} className={a.kind}>
                <td>{fmtTime(a.at)}</td>
                <td>{a.kind}</td>
                <td>{a.title}</td>
                <td>{a.body}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
