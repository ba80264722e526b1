import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ApiError } from '../../common/errors';
import { BookFeatureStream, type BookFeatureInstance, type BookSeries } from '../../common/features/book-features';
import type { Catalog } from '../catalog';
import { readFloat64Columns, sqlString } from '../lake/duck-columns';

const LEVELS = 10;
const pad = (k: number): string => String(k).padStart(2, '0');
const LEVEL_COLUMNS = (['bid_px', 'ask_px', 'bid_sz', 'ask_sz'] as const).flatMap((c) => Array.from({ length: LEVELS }, (_, k) => `${c}_${pad(k)}`));

/**
 * Book features of a symbol at each close time (ascending, epoch ms), from the lake's `book` table
 * (MBP-10): the stored days are read one at a time in `ts_recv` order and fed to the same streaming
 * kernels a paper session feeds, so memory holds a day of events, not the whole history. Closes
 * before the first stored event are NaN.
 */
export async function bookFeatureColumns(ctx: { con: DuckDBConnection; catalog: Catalog; lake: string }, symbol: string, closes: Float64Array, features: readonly BookFeatureInstance[], setName: string): Promise<Map<string, Float64Array>> {
  const files = ctx.catalog.barFiles({ dataset: 'book', symbol });
  if (files.length === 0) throw new ApiError('invalid_argument', `feature set ${setName} asks for book features of ${symbol}, but the lake holds no book (MBP-10) for it; backfill it first (quantdesk backfill --schema mbp-10 --symbols ${symbol} …)`, 'symbols');
  const byDate = new Map<string, string[]>();
  for (const f of files) {
    const date = /\/date=([0-9-]+)\//.exec(f.path)?.[1] ?? '';
    byDate.set(date, [...(byDate.get(date) ?? []), sqlString(path.join(ctx.lake, f.path))]);
  }
  const stream = new BookFeatureStream(features.map((f) => f.spec));
  const names = stream.outputs;
  const cols = names.map(() => new Float64Array(closes.length).fill(Number.NaN));
  let c = 0;
  const answer = (upTo: number): void => {
    for (; c < closes.length && closes[c]! < upTo; c++) {
      const v = stream.close(closes[c]!);
      for (let o = 0; o < names.length; o++) cols[o]![c] = v[o]!;
    }
  };
  for (const date of [...byDate.keys()].sort()) {
    const cols8 = await readFloat64Columns(
      ctx.con,
      `SELECT epoch_ns(ts_recv) / 1e6, ascii(coalesce(action, chr(0))), ascii(coalesce(side, chr(0))), coalesce(price, 'NaN'::DOUBLE), size, coalesce(depth, 0), ${LEVEL_COLUMNS.map((n) => `coalesce(${n}, 'NaN'::DOUBLE)`).join(', ')}
       FROM read_parquet([${byDate.get(date)!.join(', ')}], hive_partitioning = false) ORDER BY ts_recv, ts_event`,
    );
    const [t, action, side, price, size, depth] = cols8 as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
    const n = t.length;
    const s: BookSeries = { t, action: Uint8Array.from(action), side: Uint8Array.from(side), price, size, depth: Uint8Array.from(depth), levels: LEVELS, bidPx: new Float64Array(n * LEVELS), askPx: new Float64Array(n * LEVELS), bidSz: new Float64Array(n * LEVELS), askSz: new Float64Array(n * LEVELS) };
    [s.bidPx, s.askPx, s.bidSz, s.askSz].forEach((out, g) => {
      for (let k = 0; k < LEVELS; k++) {
        const col = cols8[6 + g * LEVELS + k]!;
        for (let i = 0; i < n; i++) out[i * LEVELS + k] = col[i]!;
      }
    });
    // Closes before this day's first event are answered before it is fed; events are fed up to each close.
    let i = 0;
    while (i < n) {
      answer(t[i]!);
      let j = i;
      const next = c < closes.length ? closes[c]! : Infinity;
      while (j < n && t[j]! <= next) j++;
      stream.events(s, i, j);
      i = j;
    }
  }
  answer(Infinity);
  return new Map(names.map((name, o) => [name, cols[o]!]));
}
