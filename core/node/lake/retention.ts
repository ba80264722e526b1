import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RetentionResult } from '../../common/lake/types';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { randomUUID } from 'node:crypto';
import { BarWriter, monthBounds, monthOf } from './bar-store';
import { rowFields } from '../../common/bar-gate';
import { gatedParts } from '../ingest/gated-parts';
import { storeRejects } from '../ingest/reject-store';
import { readFloat64Columns, sqlString } from './duck-columns';
import { retireLakeFiles } from './retired-files';

const DAY_MS = 86_400_000;

/** Setting that holds the retention policy: days of 1-minute bars to keep. */
export const RETENTION_SETTING = 'retention.minute-days';

/** The stored retention policy (default 90 days of 1-minute bars). */
export function retentionMinuteDays(catalog: Catalog): number {
  const v = Number(catalog.getSetting(RETENTION_SETTING));
  return Number.isInteger(v) && v > 0 ? v : 90;
}

/**
 * Keeps 1-minute bars for the last `minuteDays` days: each older whole month of 1-minute bars is
 * aggregated to a new 5-minute partition, and the 1-minute files are dropped in the same catalog
 * transaction (then removed from disk). Nothing is rewritten in place; readers switch per month.
 */
export async function applyRetention(deps: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection }, minuteDays: number, now = Date.now()): Promise<RetentionResult> {
  const keepFrom = monthBounds(monthOf(now - minuteDays * DAY_MS))[0];
  const old = deps.catalog.barFiles({ timeframe: '1m', dataset: 'bars' }).filter((f) => monthBounds(f.month)[1] <= keepFrom);
  const groups = new Map<string, typeof old>();
  for (const f of old) groups.set(`${f.symbol}|${f.month}`, [...(groups.get(`${f.symbol}|${f.month}`) ?? []), f]);
  const writer = new BarWriter(deps.home, deps.catalog, deps.con);
  const result: RetentionResult = { minuteDays, keptFrom: new Date(keepFrom).toISOString().slice(0, 10), months: 0, minuteBarsRemoved: 0, fiveMinuteBarsWritten: 0, rejected: 0, symbols: [] };
  // The rewrite is an ingest run of its own, so what the gate refuses (a 5-minute bar the lake already
  // stores with other values) is listed with the other rejects.
  let runId: string | null = null;
  const run = (): string => {
    if (runId === null) {
      runId = randomUUID();
      deps.catalog.startIngestRun({ id: runId, jobId: null, source: 'retention', request: { minuteDays }, startedAt: Date.now(), status: 'succeeded' });
    }
    return runId;
  };
  for (const [key, files] of groups) {
    const [symbol, month] = key.split('|') as [string, string];
    const list = files.map((f) => sqlString(path.join(deps.home.lake, f.path))).join(', ');
    const [t, o, h, l, c, v] = await readFloat64Columns(
      deps.con,
      `SELECT epoch_ms(time_bucket(INTERVAL 5 MINUTE, ts))::DOUBLE AS t, arg_min(open, ts), max(high), min(low), arg_max(close, ts), sum(volume)
       FROM read_parquet([${list}], hive_partitioning = false) GROUP BY 1 ORDER BY 1`,
    );
    const bars = { t: t!, o: o!, h: h!, l: l!, c: c!, v: v! };
    const rows = Uint32Array.from({ length: bars.t.length }, (_, i) => i);
    const { parts, outcome } = await gatedParts(writer, bars, { symbol, timeframe: '5m', rows }, { now, where: (i) => `5-minute bar ${i + 1} of ${symbol} ${month}`, source: 'retention', ingestRun: run() });
    storeRejects(deps.catalog, run(), `retention ${symbol} 1m ${month} → 5m`, 'retention', outcome.rejects.map((r) => ({ line: r.row + 1, raw: rowFields(bars, r.row), reason: r.reason })));
    result.rejected += outcome.rejects.length;
    const drop = (): void => {
      const del = deps.catalog.db.prepare('DELETE FROM bar_files WHERE id = ?');
      for (const f of files) del.run(f.id);
    };
    if (parts.length) {
      await writer.writeParts(parts, drop);
    } else {
      deps.catalog.db.transaction(drop)();
    }
    retireLakeFiles(deps.catalog, files.map((f) => f.path));
    result.months++;
    result.minuteBarsRemoved += files.reduce((a, f) => a + f.rows, 0);
    result.fiveMinuteBarsWritten += outcome.kept.length;
    if (!result.symbols.includes(symbol)) result.symbols.push(symbol);
  }
  return result;
}
