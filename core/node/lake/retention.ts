import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RetentionResult } from '../../common/types';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { BarWriter, monthBounds, monthOf } from './bar-store';
import { readFloat64Columns, sqlString } from './duck-columns';

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
  const result: RetentionResult = { minuteDays, keptFrom: new Date(keepFrom).toISOString().slice(0, 10), months: 0, minuteBarsRemoved: 0, fiveMinuteBarsWritten: 0, symbols: [] };
  for (const [key, files] of groups) {
    const [symbol, month] = key.split('|') as [string, string];
    const list = files.map((f) => sqlString(path.join(deps.home.lake, f.path))).join(', ');
    const [t, o, h, l, c, v] = await readFloat64Columns(
      deps.con,
      `SELECT epoch_ms(time_bucket(INTERVAL 5 MINUTE, ts))::DOUBLE AS t, arg_min(open, ts), max(high), min(low), arg_max(close, ts), sum(volume)
       FROM read_parquet([${list}], hive_partitioning = false) GROUP BY 1 ORDER BY 1`,
    );
    const [ms, me] = monthBounds(month);
    const have = await writer.existingTimes('5m', symbol, ms, me);
    const keep: number[] = [];
    for (let i = 0, j = 0; i < t!.length; i++) {
      while (j < have.length && have[j]! < t![i]!) j++;
      if (!(j < have.length && have[j] === t![i])) keep.push(i);
    }
    const pick = (a: Float64Array): Float64Array => Float64Array.from(keep, (i) => a[i]!);
    const drop = (): void => {
      const del = deps.catalog.db.prepare('DELETE FROM bar_files WHERE id = ?');
      for (const f of files) del.run(f.id);
    };
    if (keep.length) {
      await writer.writeParts([{ timeframe: '5m', symbol, month, bars: { t: pick(t!), o: pick(o!), h: pick(h!), l: pick(l!), c: pick(c!), v: pick(v!) }, source: 'retention', ingestRun: null }], drop);
    } else {
      deps.catalog.db.transaction(drop)();
    }
    for (const f of files) fs.rmSync(path.join(deps.home.lake, f.path), { force: true });
    result.months++;
    result.minuteBarsRemoved += files.reduce((a, f) => a + f.rows, 0);
    result.fiveMinuteBarsWritten += keep.length;
    if (!result.symbols.includes(symbol)) result.symbols.push(symbol);
  }
  return result;
}
