import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DuckDBDataChunk, BIGINT, DOUBLE, type DuckDBConnection } from '@duckdb/node-api';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { sqlString } from './duck-columns';
import { publishFile } from './publish';

/** Trades of one symbol and month, columnar, in time order. */
export interface TradeColumns {
  tsNs: BigInt64Array;
  price: Float64Array;
  size: Float64Array;
  /** Aggressor side as a character code (`A`, `B`, `N`). */
  side: Float64Array;
  sequence: Float64Array;
}

/** Lake-relative folder of a bronze trades partition. */
export function tradesDir(symbol: string, month: string): string {
  return `bronze/trades/symbol=${symbol}/month=${month}`;
}

/**
 * Writes the rows of a relation with the trades table's columns (`ts`, price, size, side, sequence) as
 * a Parquet part per UTC month under `dir/month=`, published atomically and cataloged; returns the parts.
 */
export async function publishTradeRows(ctx: { con: DuckDBConnection; home: HomeLayout; catalog: Catalog }, symbol: string, relation: string, dir: string, source: string): Promise<number> {
  const outDir = path.join(ctx.home.tmp, `trades-${randomUUID()}`);
  try {
    await ctx.con.run(`COPY (SELECT ts, price, size, side, sequence, strftime(ts, '%Y-%m') AS month FROM ${relation} ORDER BY ts, sequence) TO ${sqlString(outDir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (month), FILENAME_PATTERN 'part-{uuid}')`);
    if (!fs.existsSync(outDir)) return 0;
    const parts = (await ctx.con.runAndReadAll(`SELECT filename, count(*)::BIGINT, epoch_ms(min(ts))::BIGINT, epoch_ms(max(ts))::BIGINT FROM read_parquet(${sqlString(path.join(outDir, '*', '*.parquet'))}, filename = true, hive_partitioning = false) GROUP BY filename`)).getRowsJS() as [string, bigint, bigint, bigint][];
    for (const [file, rows, first, last] of parts) {
      const monthDir = path.relative(outDir, file).split(path.sep)[0]!;
      const id = randomUUID();
      const rel = `${dir}/${monthDir}/part-${id}.parquet`;
      const bytes = publishFile(file, path.join(ctx.home.lake, rel));
      ctx.catalog.insertBarFile({ id, timeframe: 'tick' as never, symbol, month: monthDir.slice(6), path: rel, rows: Number(rows), bytes, firstTs: Number(first), lastTs: Number(last), source, ingestRun: null, createdAt: Date.now() }, 'trades');
    }
    return parts.length;
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/** Keys (`ns:sequence`) of the trades already stored for a symbol in a month. */
export async function existingTradeKeys(con: DuckDBConnection, catalog: Catalog, lakeRoot: string, symbol: string, month: string): Promise<Set<string>> {
  const files = catalog.barFiles({ dataset: 'trades', symbol, month });
  if (files.length === 0) return new Set();
  const list = files.map((f) => sqlString(path.join(lakeRoot, f.path))).join(', ');
  const reader = await con.runAndReadAll(`SELECT epoch_ns(ts)::VARCHAR || ':' || sequence::VARCHAR FROM read_parquet([${list}], hive_partitioning = false)`);
  return new Set(reader.getRowsJS().map((r) => String(r[0])));
}

/** Writes one month of trades as a Parquet part (ns timestamps), published atomically, then cataloged. */
export async function writeTrades(con: DuckDBConnection, home: HomeLayout, catalog: Catalog, symbol: string, month: string, t: TradeColumns, source: string, ingestRun: string): Promise<void> {
  const n = t.tsNs.length;
  const id = randomUUID();
  const staged = path.join(home.tmp, `${id}.parquet`);
  await con.run('CREATE OR REPLACE TEMP TABLE trade_staging (ns BIGINT, price DOUBLE, size DOUBLE, side DOUBLE, sequence DOUBLE)');
  const appender = await con.createAppender('trade_staging');
  const chunk = DuckDBDataChunk.create([BIGINT, DOUBLE, DOUBLE, DOUBLE, DOUBLE], 2048);
  for (let s = 0; s < n; s += 2048) {
    const m = Math.min(2048, n - s);
    if (chunk.rowCount !== m) chunk.rowCount = m;
    const ns = chunk.getColumnVector(0);
    for (let i = 0; i < m; i++) ns.setItem(i, t.tsNs[s + i]!);
    ns.flush();
    [t.price, t.size, t.side, t.sequence].forEach((col, c) => {
      const v = chunk.getColumnVector(c + 1);
      for (let i = 0; i < m; i++) v.setItem(i, col[s + i]!);
      v.flush();
    });
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
  await con.run(
    `COPY (SELECT make_timestamp_ns(ns) AS ts, price, size, chr(side::INTEGER) AS side, sequence::UINTEGER AS sequence FROM trade_staging ORDER BY ns, sequence)
     TO ${sqlString(staged)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  await con.run('DROP TABLE trade_staging');
  const rel = `${tradesDir(symbol, month)}/part-${id}.parquet`;
  const bytes = publishFile(staged, path.join(home.lake, rel));
  let lo = t.tsNs[0]!;
  let hi = t.tsNs[0]!;
  for (const x of t.tsNs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const ms = (x: bigint): number => Number(x / 1_000_000n);
  catalog.insertBarFile({ id, timeframe: 'tick' as never, symbol, month, path: rel, rows: n, bytes, firstTs: ms(lo), lastTs: ms(hi), source, ingestRun, createdAt: Date.now() }, 'trades');
}
