import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { UniverseMember } from '../../common/lake/types';
import type { Catalog } from '../catalog';
import { sqlString } from './duck-columns';

/** Filters that pick a stock universe from the lake. */
export interface UniverseFilters {
  minPrice?: number;
  maxPrice?: number;
  /** Minimum average daily volume (shares or contracts). */
  minAvgVolume?: number;
  /** Minimum number of trading days with bars. */
  minDays?: number;
  /** Leave out warrants, units, rights and preferred shares. */
  commonOnly?: boolean;
}

/**
 * The class of a US ticker as flat files spell it: preferred shares carry a lower-case `p` (BACpL) or a
 * `.PR` suffix, warrants `.WS`/`.W` or a fifth letter W, units `.U` or a fifth letter U, rights `.R` or a
 * fifth letter R. Share classes such as BRK.A are common stock.
 */
export function tickerClass(ticker: string): 'common' | 'preferred' | 'warrant' | 'unit' | 'right' {
  if (/p[A-Z]?$/.test(ticker) || /\.PR[A-Z]?$/.test(ticker) || /-P[A-Z]?$/.test(ticker)) return 'preferred';
  if (/\.WS(\.[A-Z])?$|\.W$/.test(ticker) || /^[A-Z]{4}W$/.test(ticker)) return 'warrant';
  if (/\.U$/.test(ticker) || /^[A-Z]{4}U$/.test(ticker)) return 'unit';
  if (/\.R$/.test(ticker) || /^[A-Z]{4}R$/.test(ticker)) return 'right';
  return 'common';
}

/** Symbols whose bars pass the filters, with the statistics they were judged on (daily, over all stored bars). */
export async function selectUniverse(con: DuckDBConnection, catalog: Catalog, lakeRoot: string, f: UniverseFilters): Promise<UniverseMember[]> {
  const files = catalog.barFiles({ dataset: 'bars' }).map((x) => sqlString(path.join(lakeRoot, x.path)));
  if (files.length === 0) return [];
  const reader = await con.runAndReadAll(
    `WITH daily AS (
       SELECT symbol, CAST(ts AS DATE) AS d, arg_max(close, ts) AS close, sum(volume) AS volume
       FROM read_parquet([${files.join(', ')}], hive_partitioning = true) GROUP BY symbol, d)
     SELECT symbol, avg(close)::DOUBLE, avg(volume)::DOUBLE, count(*)::DOUBLE, min(d)::VARCHAR, max(d)::VARCHAR, arg_max(close, d)::DOUBLE
     FROM daily GROUP BY symbol ORDER BY symbol`,
  );
  const out: UniverseMember[] = [];
  for (const r of reader.getRowsJS()) {
    const m: UniverseMember = {
      symbol: String(r[0]),
      class: tickerClass(String(r[0])),
      avgPrice: Number(r[1]),
      avgVolume: Number(r[2]),
      days: Number(r[3]),
      first: String(r[4]),
      last: String(r[5]),
      lastClose: Number(r[6]),
    };
    if (f.minPrice !== undefined && m.avgPrice < f.minPrice) continue;
    if (f.maxPrice !== undefined && m.avgPrice > f.maxPrice) continue;
    if (f.minAvgVolume !== undefined && m.avgVolume < f.minAvgVolume) continue;
    if (f.minDays !== undefined && m.days < f.minDays) continue;
    if (f.commonOnly && m.class !== 'common') continue;
    out.push(m);
  }
  return out;
}
