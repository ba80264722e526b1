import { useRef, useState } from 'react';
import type { SqlResult } from '../../../core/common/lake/types';
import { client } from '../api';

const ROW_HEIGHT = 24;
const VIEW_ROWS = 18;

function toCsv(r: SqlResult): string {
  const cell = (x: unknown): string => {
    const s = x === null || x === undefined ? '' : String(x);
    return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [r.columns.map((c) => cell(c.name)).join(','), ...r.rows.map((row) => row.map(cell).join(','))].join('\n');
}

/** Read-only SQL over the lake with a virtually scrolled result table and CSV export. */
export function SqlConsole() {
  const [query, setQuery] = useState('SELECT symbol, tf, count(*) AS bars, min(ts) AS first, max(ts) AS last\nFROM bars GROUP BY ALL ORDER BY symbol');
  const [result, setResult] = useState<SqlResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [timeoutSeconds, setTimeoutSeconds] = useState(60);
  const [top, setTop] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const running = useRef<string | null>(null);

  const run = async (): Promise<void> => {
    if (running.current) return;
    // The old result goes as the new query starts: what is shown (and exported) is always the last query's.
    setResult(null);
    setBusy(true);
    setError(null);
    const queryId = `ui-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    running.current = queryId;
    try {
      setResult(await client.call('lake.sql', { query, limit: 100_000, timeoutSeconds, queryId }));
      setTop(0);
      if (scroller.current) scroller.current.scrollTop = 0;
    } catch (e) {
      setError((e as Error).message);
    } finally {
      running.current = null;
      setBusy(false);
    }
  };
  const stop = (): void => {
    if (running.current) void client.call('lake.sqlCancel', { queryId: running.current });
  };
  const exportCsv = (): void => {
    if (!result) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([toCsv(result)], { type: 'text/csv' }));
    a.download = 'query.csv';
    a.click();
    URL.revokeObjectURL(a.href);
  };

  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - 5);
  const rows = result?.rows.slice(first, first + VIEW_ROWS + 10) ?? [];
  return (
    <div className="sql-console">
      <textarea
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            void run();
          }
        }}
        rows={5}
        spellCheck={false}
        data-testid="sql-input"
      />
      <div className="toolbar">
        <button className="primary" onClick={() => void run()} disabled={busy} data-testid="sql-run">
          Run (Ctrl+Enter)
        </button>
        <button onClick={stop} disabled={!busy} data-testid="sql-stop">
          Stop
        </button>
        <label className="muted">
          Time limit{' '}
          <input type="number" min={1} max={3600} value={timeoutSeconds} onChange={(e) => setTimeoutSeconds(Math.min(3600, Math.max(1, Number(e.target.value) || 60)))} style={{ width: '5em' }} data-testid="sql-timeout" /> s
        </label>
        <button onClick={exportCsv} disabled={!result || busy} data-testid="sql-export">
          Export CSV
        </button>
        <span className="muted" data-testid="sql-status">
          {busy ? 'Running… (Stop cancels it)' : result ? `${result.rows.length.toLocaleString('en-US')} rows${result.truncated ? ' (first 100,000)' : ''} in ${result.elapsedMs} ms` : 'Views: bars, trades, rejects — read-only'}
        </span>
      </div>
      {error && <div className="error" data-testid="sql-error">{error}</div>}
      {result && (
        <div className="sql-results" ref={scroller} style={{ height: ROW_HEIGHT * (VIEW_ROWS + 1) }} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
          <table className="grid" data-testid="sql-table">
            <thead>
              <tr>
                {result.columns.map((c) => (
                  <th key={c.name} title={c.type}>
                    {c.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              <tr style={{ height: first * ROW_HEIGHT }} />
              {rows.map((row, i) => (
                <tr key={first + i} style={{ height: ROW_HEIGHT }}>
                  {row.map((x, j) => (
                    <td key={j}>{x === null ? 'NULL' : String(x)}</td>
                  ))}
                </tr>
              ))}
              <tr style={{ height: Math.max(0, (result.rows.length - first - rows.length) * ROW_HEIGHT) }} />
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
