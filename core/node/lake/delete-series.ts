import { ApiError } from '../../common/errors';
import type { DeletedSeries } from '../../common/lake/types';
import type { Catalog } from '../catalog';
import { retireLakeFiles } from './retired-files';

/** Job kinds that write bars: a series is not deleted under one of them. */
const WRITING_KINDS = new Set(['import', 'backfill', 'retention', 'continuous', 'snapshots', 'materialize']);

/**
 * Deletes one stored series (every part file of symbol × timeframe in one table: bars and continuous
 * bars when no table is named, trades for `tick` without one) from the catalog first, so readers stop
 * seeing it at once, then from disk once a query that listed it a moment earlier is done ({@link retireLakeFiles}). Its backfill coverage goes too (a later backfill fetches it
 * again) and, for bars, so do the symbol's materialized resamples; the reject history of the imports
 * that wrote it stays. Refused while a job that writes to the lake is queued or running.
 */
export function deleteSeries(catalog: Catalog, symbol: string, timeframe: string, table?: string): DeletedSeries {
  const busy = catalog.listJobs({ all: true }).find((j) => (j.status === 'running' || j.status === 'queued') && WRITING_KINDS.has(j.kind));
  if (busy) throw new ApiError('conflict', `job ${busy.id} (${busy.kind}) is ${busy.status} and may write bars; wait for it or cancel it, then delete ${symbol} ${timeframe}`, 'symbol');
  const dataset = table ?? (timeframe === 'tick' ? 'trades' : undefined);
  const files = catalog.barFiles({ symbol, timeframe, ...(dataset ? { dataset } : {}) });
  const what = `${timeframe === 'tick' ? (dataset ?? 'trades') : `${timeframe}${dataset && dataset !== 'bars' ? ` ${dataset}` : ''}`} series of ${symbol}`;
  if (files.length === 0) throw new ApiError('not_found', `the lake holds no ${what}; \`quantdesk lake ls\` lists what it holds`, 'symbol');
  // Resamples are made from bars: deleting a table of market events leaves them.
  const materialized = timeframe === 'tick' ? [] : (catalog.db.prepare('SELECT path FROM materialized WHERE symbol = ?').all(symbol) as { path: string }[]);
  catalog.db.transaction(() => {
    const del = catalog.db.prepare('DELETE FROM bar_files WHERE id = ?');
    for (const f of files) del.run(f.id);
    catalog.db.prepare('DELETE FROM backfill_coverage WHERE symbol = ? AND timeframe = ?').run(symbol, timeframe);
    if (timeframe !== 'tick') catalog.db.prepare('DELETE FROM materialized WHERE symbol = ?').run(symbol);
  })();
  retireLakeFiles(catalog, [...files.map((f) => f.path), ...materialized.map((m) => m.path)]);
  return { symbol, timeframe, table: dataset ?? 'bars', files: files.length, rows: files.reduce((a, f) => a + f.rows, 0), bytes: files.reduce((a, f) => a + f.bytes, 0) };
}
