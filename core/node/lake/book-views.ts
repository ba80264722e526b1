import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ApiError } from '../../common/errors';
import type { BookHeatmap, VolumeProfile } from '../../common/lake/types';
import type { Catalog } from '../catalog';
import { readFloat64Columns, sqlString } from './duck-columns';

const LEVELS = 10;
const MAX_BUCKETS = 5000;
const pad = (k: number): string => String(k).padStart(2, '0');

/** The symbol's book files whose hours overlap [from, to), as SQL string literals; a symbol without a book is refused by name. */
function bookFiles(catalog: Catalog, lake: string, symbol: string, from: number, to: number): string[] {
  const all = catalog.barFiles({ dataset: 'book', symbol });
  if (all.length === 0) throw new ApiError('not_found', `the lake holds no book (MBP-10) of ${symbol}; backfill or import it first`, 'symbol');
  return all.filter((f) => f.lastTs >= from && f.firstTs < to).map((f) => sqlString(path.join(lake, f.path)));
}

/**
 * The resting book over time for the chart's heatmap: for each bucket of `bucketSeconds` in [from, to),
 * the book after its last update, as (bucket start, price, size, side) rows — 20 a bucket.
 */
export async function bookHeatmap(con: DuckDBConnection, catalog: Catalog, lake: string, a: { symbol: string; from: number; to: number; bucketSeconds: number }): Promise<BookHeatmap> {
  const buckets = (a.to - a.from) / (a.bucketSeconds * 1000);
  if (buckets > MAX_BUCKETS) throw new ApiError('invalid_argument', `${Math.ceil(buckets)} buckets of ${a.bucketSeconds} s are more than ${MAX_BUCKETS}; narrow the range or widen the bucket`, 'bucketSeconds');
  const files = bookFiles(catalog, lake, a.symbol, a.from, a.to);
  if (files.length === 0) return { t: new Float64Array(0), price: new Float64Array(0), size: new Float64Array(0), side: new Uint8Array(0) };
  const cols = (['bid_px', 'ask_px', 'bid_sz', 'ask_sz'] as const).flatMap((c) => Array.from({ length: LEVELS }, (_, k) => `${c}_${pad(k)}`));
  const last = await readFloat64Columns(
    con,
    `SELECT epoch_ms(b)::DOUBLE, ${cols.map((c) => `coalesce(arg_max(${c}, ts_recv), 'NaN'::DOUBLE)::DOUBLE`).join(', ')}
     FROM (SELECT time_bucket(INTERVAL ${a.bucketSeconds} SECOND, ts_recv, make_timestamp(${a.from} * 1000)) AS b, * FROM read_parquet([${files.join(', ')}], hive_partitioning = false)
           WHERE ts_recv >= make_timestamp(${a.from} * 1000) AND ts_recv < make_timestamp(${a.to} * 1000))
     GROUP BY b ORDER BY b`,
  );
  const n = last[0]!.length;
  const out: BookHeatmap = { t: new Float64Array(n * 2 * LEVELS), price: new Float64Array(n * 2 * LEVELS), size: new Float64Array(n * 2 * LEVELS), side: new Uint8Array(n * 2 * LEVELS) };
  let j = 0;
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < LEVELS; k++) {
      for (const [side, px, sz] of [[0x42, 1 + k, 1 + 2 * LEVELS + k], [0x41, 1 + LEVELS + k, 1 + 3 * LEVELS + k]] as const) {
        const p = last[px]![i]!;
        if (Number.isNaN(p)) continue;
        out.t[j] = last[0]![i]!;
        out.price[j] = p;
        out.size[j] = last[sz]![i]!;
        out.side[j] = side;
        j++;
      }
    }
  }
  return { t: out.t.subarray(0, j), price: out.price.subarray(0, j), size: out.size.subarray(0, j), side: out.side.subarray(0, j) };
}

/** Traded volume per price in [from, to), from the book's trade records, lowest price first. */
export async function volumeProfile(con: DuckDBConnection, catalog: Catalog, lake: string, a: { symbol: string; from: number; to: number }): Promise<VolumeProfile> {
  const files = bookFiles(catalog, lake, a.symbol, a.from, a.to);
  if (files.length === 0) return { price: new Float64Array(0), volume: new Float64Array(0) };
  const [price, volume] = await readFloat64Columns(
    con,
    `SELECT price, sum(size)::DOUBLE FROM read_parquet([${files.join(', ')}], hive_partitioning = false)
     WHERE action = 'T' AND ts_event >= make_timestamp(${a.from} * 1000) AND ts_event < make_timestamp(${a.to} * 1000) GROUP BY price ORDER BY price`,
  );
  return { price: price!, volume: volume! };
}
