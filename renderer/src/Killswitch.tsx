import { useEffect, useState } from 'react';
import { Modal } from './Modal';
import type { StateChange, TradingState } from '../../core/common/trading/risk';
import { client } from './api';
import { submitWith } from './forms';
import { useKillswitch } from './hooks';

const LABEL: Record<TradingState, string> = { active: 'Trading active', reducing: 'Reducing only', halted: 'HALTED' };

/**
 * The killswitch in the status bar: always visible in its state's colour; a click opens the control
 * (halt, halt and flatten side by side, reduce, or an explicit re-arm, each with a reason for the
 * audit log, kept in the field for the next action). `haltRequest` and `flattenRequest` change when
 * the menu's Halt All Trading or Halt and Flatten All Positions is chosen.
 */
export function Killswitch({ haltRequest, flattenRequest }: { haltRequest: number; flattenRequest: number }) {
  const [status, setStatus] = useKillswitch();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (haltRequest > 0) void client.call('paper.killswitch.set', { state: 'halted', reason: 'Halt All Trading from the menu', source: 'menu' }).then(setStatus);
  }, [haltRequest]);
  useEffect(() => {
    if (flattenRequest > 0) void client.call('paper.killswitch.set', { state: 'halted', reason: 'Halt and Flatten All Positions from the menu', source: 'menu', flatten: true }).then(setStatus);
  }, [flattenRequest]);

  // The reason stays in the field: under stress, the next action should not need it typed again.
  const set = async (state: TradingState, flatten = false): Promise<void> => {
    setError(null);
    try {
      setStatus(await client.call('paper.killswitch.set', { state, reason, source: 'ui', ...(flatten ? { flatten: true } : {}) }));
      setOpen(false);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const state = status?.state ?? 'active';
  return (
    <>
      <button className={`killswitch ${state}`} onClick={() => setOpen(true)} data-testid="killswitch-badge" title="Killswitch (Ctrl/Cmd+Shift+K halts)">
        {LABEL[state]}
      </button>
      {open && (
        <Modal label="Killswitch" testId="killswitch-dialog" onClose={() => setOpen(false)}>
          <h2>Killswitch: {LABEL[state]}</h2>
          <form onSubmit={submitWith(() => set(state === 'halted' ? 'active' : 'halted'))}>
            <label>
              Reason (kept in the audit log)
              <input value={reason} onChange={(e) => setReason(e.target.value)} data-testid="killswitch-reason" />
            </label>
            <div className="actions">
              <button type="button" onClick={() => setOpen(false)}>
                Close
              </button>
              {state !== 'reducing' && (
                <button type="button" onClick={() => void set('reducing')} data-testid="killswitch-reduce">
                  Reduce only
                </button>
              )}
              <button type="button" className="halt" onClick={() => void set('halted', true)} data-testid="killswitch-flatten">
                {state === 'halted' ? 'Flatten all positions' : 'Halt and flatten'}
              </button>
              <button type="submit" className="primary" data-testid="killswitch-toggle">
                {state === 'halted' ? 'Re-arm (resume trading)' : 'Halt all trading'}
              </button>
            </div>
            {error && (
              <p className="error" role="alert" data-testid="killswitch-error">
                {error}
              </p>
            )}
          </form>
          <KillswitchHistory history={status?.history ?? []} testId="killswitch-history" />
        </Modal>
      )}
    </>
  );
}

/** The killswitch's audit log, newest first: when, from → to, who, why. */
export function KillswitchHistory({ history, testId, rows = 10 }: { history: StateChange[]; testId: string; rows?: number }) {
  return (
    <table className="grid" data-testid={testId}>
      <tbody>
        {history.slice(0, rows).map((h, i) => (
          <tr key={i}>
            <td>{new Date(h.at).toISOString().slice(0, 19).replace('T', ' ')}</td>
            <td>
              {h.from} → {h.to}
            </td>
            <td>{h.source}</td>
            <td>{h.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
