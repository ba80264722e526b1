import { useEffect, useState } from 'react';
import type { QaReport } from '../../../core/common/lake/types';
import { client } from '../api';

/** The QA report of one series, with its checks and first examples. */
export function QaPanel({ symbol, timeframe, onClose }: { symbol: string; timeframe: string; onClose: () => void }) {
  const [report, setReport] = useState<QaReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setReport(null);
    client
      .call('lake.qa', { symbol, timeframe: timeframe as '1m' })
      .then(setReport)
      .catch((e: Error) => setError(e.message));
  }, [symbol, timeframe]);
  const checks: [string, number, string][] = report
    ? [
        ['Duplicate timestamps', report.duplicates, ''],
        ['Gaps in trading hours', report.gaps.count, `${report.gaps.missingBars} bars missing${report.gaps.examples[0] ? `; first after ${report.gaps.examples[0].after}` : ''}`],
        ['OHLC inconsistent', report.ohlcInconsistent.count, report.ohlcInconsistent.examples.slice(0, 3).join(', ')],
        ['Zero or negative prices', report.nonPositivePrices.count, report.nonPositivePrices.examples.slice(0, 3).join(', ')],
        [`Spikes (> ${report.spikes.threshold} local σ)`, report.spikes.count, report.spikes.examples.slice(0, 3).map((x) => x.at).join(', ')],
        [`Stale runs (≥ ${report.staleRuns.minBars} bars)`, report.staleRuns.count, `longest ${report.staleRuns.longest} bars`],
        ['Zero-volume bars', report.volume.zeroBars, ''],
        ['Volume anomalies', report.volume.anomalies, report.volume.examples.slice(0, 3).map((x) => x.at).join(', ')],
      ]
    : [];
  return (
    <div className="panel" data-testid="qa-panel">
      <div className="toolbar">
        <h3>
          QA · {symbol} {timeframe}
        </h3>
        {report && <span className="muted">{report.rows.toLocaleString('en-US')} bars, {report.first} → {report.last}</span>}
        <button onClick={onClose}>Close</button>
      </div>
      {error && <div className="error">{error}</div>}
      {!report && !error && <p className="muted">Checking…</p>}
      {report && (
        <table className="grid">
          <tbody>
            {checks.map(([name, count, detail]) => (
              <tr key={name}>
                <td>{name}</td>
                <td className={`num ${count > 0 ? 'warn' : 'ok'}`}>{count.toLocaleString('en-US')}</td>
                <td className="muted">{detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
