import type { ColumnCache } from './column-cache';
import { DuckDBDataChunk, DOUBLE, type DuckDBAppender, type DuckDBConnection, type DuckDBVector } from '@duckdb/node-api';

const CHUNK = 2048;

/** Appends equal-length Float64 columns to an appender whose columns are all DOUBLE, a data chunk at a time. */
export function appendFloat64Columns(appender: DuckDBAppender, columns: readonly Float64Array[], from = 0, to = columns[0]?.length ?? 0): void {
  // One chunk is refilled for every batch: creating a chunk per batch costs more than filling it.
  const chunk = DuckDBDataChunk.create(columns.map(() => DOUBLE), CHUNK);
  for (let s = from; s < to; s += CHUNK) {
    const n = Math.min(CHUNK, to - s);
    if (chunk.rowCount !== n) chunk.rowCount = n;
    for (let c = 0; c < columns.length; c++) {
      const col = columns[c]!;
      const vec = chunk.getColumnVector(c);
      // DOUBLE vectors are backed by a Float64Array: one bulk copy instead of a call per value.
      const items = (vec as unknown as { items?: unknown }).items;
      if (items instanceof Float64Array && items.length === n) items.set(col.subarray(s, s + n));
      else for (let i = 0; i < n; i++) vec.setItem(i, col[s + i]!);
      vec.flush();
    }
    appender.appendDataChunk(chunk);
  }
}

function copyVector(vec: DuckDBVector, out: Float64Array, at: number, n: number): void {
  // DOUBLE vectors hold their items in a Float64Array; a bulk copy avoids a call per value. It is
  // only right when no item is NULL: a validity mask present means some may be, so go item by item.
  const raw = vec as unknown as { items?: unknown; validity?: { data?: unknown; offset?: number } };
  const items = raw.items;
  if (items instanceof Float64Array && items.length === n && raw.validity !== undefined) {
    out.set(items, at);
    const mask = raw.validity.data;
    if (mask == null) return;
    // A validity mask (aggregates carry one): a clear bit is a NULL. Read it 32 bits at a time, as
    // numbers; a word of all ones (no NULL among its 32 items) is skipped whole.
    if (mask instanceof BigUint64Array && raw.validity.offset === 0) {
      const words = new Uint32Array(mask.buffer, mask.byteOffset, mask.length * 2);
      for (let w = 0; w * 32 < n; w++) {
        const bits = words[w]!;
        if (bits === 0xffffffff) continue;
        for (let b = 0; b < 32 && w * 32 + b < n; b++) if (((bits >>> b) & 1) === 0) out[at + w * 32 + b] = Number.NaN;
      }
      return;
    }
  }
  for (let i = 0; i < n; i++) {
    const v = vec.getItem(i);
    out[at + i] = v === null ? Number.NaN : Number(v);
  }
}

/**
 * Runs a query whose columns are all numeric and returns them as Float64Arrays (NULL becomes NaN).
 * The result is materialised before it is read: a streamed result is cut short when another query
 * starts on the same connection, and the services share one connection between concurrent requests.
 * With a cache (only for SQL over immutable lake files, see ColumnCache) a repeated query is not run again.
 */
export async function readFloat64Columns(con: DuckDBConnection, sql: string, cache?: ColumnCache): Promise<Float64Array[]> {
  const hit = cache?.get(sql);
  if (hit !== undefined) return hit;
  const result = await con.run(sql);
  // The row count is known once materialised: each column is filled in place, with no parts to join.
  const out = Array.from({ length: result.columnCount }, () => new Float64Array(result.rowCount));
  let at = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    for (let c = 0; c < out.length; c++) copyVector(chunk.getColumnVector(c), out[c]!, at, n);
    at += n;
  }
  cache?.set(sql, out);
  return out;
}

/** Quotes a string as an SQL literal. */
export function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** A name (a column from a file, say) as an SQL identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
