import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DuckDBDataChunk, BIGINT, DOUBLE, type DuckDBConnection } from '@duckdb/node-api';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { sqlString } from './duck-columns';
import { publishTickRows } from './tick-store';

/** Trades of one symbol, columnar. */
export interface TradeColumns {
  /** Event time, ns (the `ts` column). */
  tsNs: BigInt64Array;
  /** Receive time, ns (`ts_recv`). */
  tsRecvNs: BigInt64Array;
  price: Float64Array;
  size: Float64Array;
  /** Aggressor side as a character code (`A`, `B`, `N`). */
  side: Float64Array;
  sequence: Float64Array;
}

/**
 * Writes the rows of a relation with the trades table's columns (`ts`, `ts_recv`, price, size, side,
 * sequence; parts written before `ts_recv` was kept lack it) as zstd Parquet a part per UTC hour of
 * `ts` under `dir/date=/hour=`, as the other market tables are written; returns the parts written.
 */
export function publishTradeRows(ctx: { con: DuckDBConnection; home: HomeLayout; catalog: Catalog }, symbol: string, relation: string, dir: string, source: string, ingestRun: string | null = null): Promise<number> {
  return publishTickRows(ctx, 'trades', symbol, relation, dir, source, ingestRun, { column: 'ts', order: 'ts, sequence' });
}

/** Keys (`ns:sequence`) of the trades already stored for a symbol in a month. */
export async function existingTradeKeys(con: DuckDBConnection, catalog: Catalog, lakeRoot: string, symbol: string, month: string): Promise<Set<string>> {
  const files = catalog.barFiles({ dataset: 'trades', symbol, month });
  if (files.length === 0) return new Set();
  const list = files.map((f) => sqlString(path.join(lakeRoot, f.path))).join(', ');
  const reader = await con.runAndReadAll(`SELECT epoch_ns(ts)::VARCHAR || ':' || sequence::VARCHAR FROM read_parquet([${list}], hive_partitioning = false)`);
  return new Set(reader.getRowsJS().map((r) => String(r[0])));
}

/** Writes trades of a symbol (ns timestamps) under `bronze/trades/symbol=/date=/hour=`, each hour's part published atomically, then cataloged. */
export async function writeTrades(ctx: { con: DuckDBConnection; home: HomeLayout; catalog: Catalog }, symbol: string, t: TradeColumns, source: string, ingestRun: string): Promise<void> {
  const n = t.tsNs.length;
  const staging = `trade_staging_${randomUUID().replaceAll('-', '')}`;
  await ctx.con.run(`CREATE TEMP TABLE ${staging} (ns BIGINT, recv BIGINT, price DOUBLE, size DOUBLE, side DOUBLE, sequence DOUBLE)`);
  try {
    const appender = await ctx.con.createAppender(staging);
    const chunk = DuckDBDataChunk.create([BIGINT, BIGINT, DOUBLE, DOUBLE, DOUBLE, DOUBLE], 2048);
    for (let s = 0; s < n; s += 2048) {
      const m = Math.min(2048, n - s);
      if (chunk.rowCount !== m) chunk.rowCount = m;
      [t.tsNs, t.tsRecvNs].forEach((col, c) => {
        const v = chunk.getColumnVector(c);
        for (let i = 0; i < m; i++) v.setItem(i, col[s + i]!);
        v.flush();
      });
      [t.price, t.size, t.side, t.sequence].forEach((col, c) => {
        const v = chunk.getColumnVector(c + 2);
        for (let i = 0; i < m; i++) v.setItem(i, col[s + i]!);
        v.flush();
      });
      appender.appendDataChunk(chunk);
    }
    appender.closeSync();
    await publishTradeRows(ctx, symbol, `(SELECT make_timestamp_ns(ns) AS ts, make_timestamp_ns(recv) AS ts_recv, price, size, chr(side::INTEGER) AS side, sequence::UINTEGER AS sequence FROM ${staging})`, `bronze/trades/symbol=${symbol}`, source, ingestRun);
  } finally {
    await ctx.con.run(`DROP TABLE IF EXISTS ${staging}`);
  }
}
