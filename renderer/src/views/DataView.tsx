import { Fragment, useEffect, useState } from 'react';
import type { LakePartition, LakeSeries, SeriesCoverage } from '../../../core/common/lake/types';
import { client } from '../api';
import { fmtBytes, fmtInt, fmtTime } from '../format';
import { ConfirmDialog } from '../ConfirmDialog';
import { CoverageStrip } from './CoverageStrip';
import { QaPanel } from './QaPanel';
import { RejectsPanel } from './RejectsPanel';
import { SqlConsole } from './SqlConsole';

type Tab = 'series' | 'rejects' | 'sql';

export function DataView({ dataVersion, onBackfill, onImport }: { dataVersion: number; onBackfill: () => void; onImport: () => void }) {
  const [tab, setTab] = useState<Tab>('series');
  const [qa, setQa] = useState<{ symbol: string; timeframe: string } | null>(null);
  const [series, setSeries] = useState<LakeSeries[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [parts, setParts] = useState<LakePartition[]>([]);

  const [coverage, setCoverage] = useState<SeriesCoverage[]>([]);
  const [deleting, setDeleting] = useState<LakeSeries | null>(null);
  const [deleted, setDeleted] = useState<string | null>(null);

  useEffect(() => {
    void client.call('lake.summary', {}).then(setSeries);
    void client.call('lake.coverage', {}).then(setCoverage);
  }, [dataVersion]);

  useEffect(() => {
    if (open === null) return;
    const [symbol, table, timeframe] = open.split('|') as [string, 'bars', '1m'];
    void client.call('lake.partitions', { symbol, table, timeframe }).then(setParts);
  }, [open, dataVersion]);

  const total = (series ?? []).reduce((s, r) => s + r.rows, 0);
  return (
    <div className="data-view">
      <div className="toolbar">
        <h2>Lake</h2>
        <span className="muted" data-testid="lake-total">
          {fmtInt(total)} bars in {series?.length ?? 0} series
        </span>
        <button className="primary" onClick={onBackfill} data-testid="open-backfill">
          Backfill…
        </button>
        <button onClick={onImport} data-testid="open-import">
          Import…
        </button>
        <div className="segmented" role="tablist">
          {(['series', 'rejects', 'sql'] as const).map((t) => (
            <button key={t} role="tab" aria-selected={tab === t} className={tab === t ? 'active' : ''} onClick={() => setTab(t)} data-testid={`data-tab-${t}`}>
              {t === 'series' ? 'Series' : t === 'rejects' ? 'Rejects' : 'SQL'}
            </button>
          ))}
        </div>
      </div>
      {tab === 'rejects' && <RejectsPanel dataVersion={dataVersion} />}
      {tab === 'sql' && <SqlConsole />}
      {tab === 'series' && qa && <QaPanel symbol={qa.symbol} timeframe={qa.timeframe} onClose={() => setQa(null)} />}
      {tab === 'series' && (
      <table className="grid" data-testid="lake-table">
        <thead>
          <tr>
            <th>Symbol</th>
            <th>Table</th>
            <th>Timeframe</th>
            <th className="num">Rows</th>
            <th className="num">Partitions</th>
            <th className="num">Bytes</th>
            <th>First (UTC)</th>
            <th>Last (UTC)</th>
            <th>Coverage (sessions by month)</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {(series ?? []).map((r) => {
            const key = `${r.symbol}|${r.table}|${r.timeframe}`;
            const events = r.timeframe === 'tick';
            return (
              <Fragment key={key}>
                <tr className="clickable" onClick={() => setOpen(open === key ? null : key)} data-testid={`series-${r.symbol}`}>
                  <td>
                    {open === key ? '▾' : '▸'} {r.symbol}
                  </td>
                  <td>{r.table}</td>
                  <td>{r.timeframe}</td>
                  <td className="num" data-testid={events ? `rows-${r.symbol}-${r.table}` : `rows-${r.symbol}`}>
                    {fmtInt(r.rows)}
                  </td>
                  <td className="num">{r.partitions}</td>
                  <td className="num">{fmtBytes(r.bytes)}</td>
                  <td>{fmtTime(r.first)}</td>
                  <td>{fmtTime(r.last)}</td>
                  <td>{!events && <CoverageStrip symbol={r.symbol} coverage={coverage.find((c) => c.symbol === r.symbol && c.timeframe === r.timeframe)?.coverage} />}</td>
                  <td>
                    {!events && (
                      <button
                        onClick={(e) => {
                          e.stopPropagation();
                          setQa({ symbol: r.symbol, timeframe: r.timeframe });
                        }}
                        data-testid={`qa-${r.symbol}`}
                      >
                        QA
                      </button>
                    )}
                    <button
                      className="danger"
                      onClick={(e) => {
                        e.stopPropagation();
                        setDeleting(r);
                      }}
                      data-testid={events ? `delete-${r.symbol}-${r.table}` : `delete-${r.symbol}-${r.timeframe}`}
                    >
                      Delete…
                    </button>
                  </td>
                </tr>
                {open === key &&
                  parts.map((p) => (
                    <tr key={`${key}|${p.partition}`} className="sub">
                      <td colSpan={3}>{p.partition}</td>
                      <td className="num">{fmtInt(p.rows)}</td>
                      <td className="num">{p.files} files</td>
                      <td className="num">{fmtBytes(p.bytes)}</td>
                      <td>{fmtTime(p.first)}</td>
                      <td>{fmtTime(p.last)}</td>
                      <td />
                      <td />
                    </tr>
                  ))}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      )}
      {deleted && (
        <p className="muted" data-testid="series-deleted">
          {deleted}
        </p>
      )}
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.symbol} ${seriesName(deleting)}`}
          text={`Delete all ${fmtInt(deleting.rows)} ${deleting.timeframe === 'tick' ? `${deleting.table} rows` : `${deleting.timeframe} bars`} of ${deleting.symbol} (${fmtTime(deleting.first)} to ${fmtTime(deleting.last)}, ${fmtBytes(deleting.bytes)})? They are removed from the lake and a later backfill fetches them again. The rejected rows of the imports that wrote them stay under Rejects. Feature builds, models and backtests made from them are kept.`}
          verb="Delete"
          testId="delete-series"
          action={async () => {
            const r = await client.call('lake.delete', { symbol: deleting.symbol, timeframe: deleting.timeframe, ...(deleting.timeframe === 'tick' ? { table: deleting.table as 'trades' } : {}) });
            setDeleted(`Deleted ${r.symbol} ${seriesName(r)}: ${fmtInt(r.rows)} rows in ${r.files} files, ${fmtBytes(r.bytes)} freed.`);
            if (open === `${r.symbol}|${r.table}|${r.timeframe}`) setOpen(null);
          }}
          onDone={() => setDeleting(null)}
          onClose={() => setDeleting(null)}
        />
      )}
      {tab === 'series' && series !== null && series.length === 0 && <p className="muted">The lake is empty. Backfill some bars to begin.</p>}
    </div>
  );
}

/** A series as the user knows it: its timeframe for bars, its table for market events. */
function seriesName(r: { table: string; timeframe: string }): string {
  return r.timeframe === 'tick' ? r.table : r.timeframe;
}
