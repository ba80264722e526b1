import path from 'node:path';
import type { Timeframe } from '../../common/timeframes';
import type { Catalog } from '../catalog';

/** A fingerprint of the bar files a symbol's series are built from; it changes whenever one is added or removed. */
export function sourceVersion(catalog: Catalog, symbol: string): string {
  const r = catalog.db
    .prepare("SELECT count(*) AS n, coalesce(max(created_at), 0) AS t, coalesce(sum(rows), 0) AS r FROM bar_files WHERE symbol = ? AND dataset != 'trades'")
    .get(symbol) as { n: number; t: number; r: number };
  return `${r.n}:${r.t}:${r.r}`;
}

/** The materialised file of a series when it is still current, else undefined. */
export function currentMaterialized(catalog: Catalog, lakeRoot: string, symbol: string, timeframe: string): string | undefined {
  const m = catalog.db.prepare('SELECT path, source_version AS v FROM materialized WHERE symbol = ? AND timeframe = ?').get(symbol, timeframe) as { path: string; v: string } | undefined;
  if (!m || m.v !== sourceVersion(catalog, symbol)) return undefined;
  return path.join(lakeRoot, m.path);
}

/** Whether a timeframe can be materialised (coarser than what the lake stores). */
export function materializable(tf: string): tf is Exclude<Timeframe, '1m'> {
  return ['5m', '15m', '30m', '1h', '1d', '1w'].includes(tf);
}
