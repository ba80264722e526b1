import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DuckDBDataChunk, DOUBLE, type DuckDBConnection } from '@duckdb/node-api';
import type { Timeframe } from '../../common/timeframes';
import type { Bars } from '../../common/bars';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { sqlString } from './duck-columns';
import { publishFile } from './publish';
import { readBars } from './bar-reader';
import { retireLakeFiles } from './retired-files';
import { sourceVersion } from './materialized-version';

/** Writes resampled bars as `silver/resampled/<symbol>/tf=<tf>/part-<id>.parquet` and records them as current. */
export async function writeMaterialized(con: DuckDBConnection, home: HomeLayout, catalog: Catalog, b: Bars, version: string): Promise<{ path: string; rows: number }> {
  const id = randomUUID();
  const staged = path.join(home.tmp, `${id}.parquet`);
  await con.run('CREATE OR REPLACE TEMP TABLE mat (t DOUBLE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE)');
  const appender = await con.createAppender('mat');
  const chunk = DuckDBDataChunk.create([DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE, DOUBLE], 2048);
  const cols = [b.t, b.o, b.h, b.l, b.c, b.v];
  for (let s = 0; s < b.t.length; s += 2048) {
    const n = Math.min(2048, b.t.length - s);
    if (chunk.rowCount !== n) chunk.rowCount = n;
    cols.forEach((col, c) => {
      const v = chunk.getColumnVector(c);
      for (let i = 0; i < n; i++) v.setItem(i, col[s + i]!);
      v.flush();
    });
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
  await con.run(`COPY (SELECT epoch_ms(t::BIGINT) AS ts, open, high, low, close, volume FROM mat) TO ${sqlString(staged)} (FORMAT parquet, COMPRESSION zstd)`);
  await con.run('DROP TABLE mat');
  const rel = `silver/resampled/${b.symbol}/tf=${b.timeframe}/part-${id}.parquet`;
  publishFile(staged, path.join(home.lake, rel));
  const old = catalog.db.prepare('SELECT path FROM materialized WHERE symbol = ? AND timeframe = ?').get(b.symbol, b.timeframe) as { path: string } | undefined;
  catalog.db
    .prepare(
      `INSERT INTO materialized (symbol, timeframe, path, rows, source_version, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT(symbol, timeframe) DO UPDATE SET path = excluded.path, rows = excluded.rows, source_version = excluded.source_version, created_at = excluded.created_at`,
    )
    .run(b.symbol, b.timeframe, rel, b.t.length, version, Date.now());
  if (old) retireLakeFiles(catalog, [old.path]);
  return { path: rel, rows: b.t.length };
}

/** Resamples a series from its stored bars (ignoring an older materialisation) and writes it to silver. */
export async function materializeSeries(ctx: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection }, symbol: string, timeframe: Exclude<Timeframe, '1m'>): Promise<{ path: string; rows: number }> {
  const version = sourceVersion(ctx.catalog, symbol);
  const bars = await readBars(ctx.con, ctx.catalog, ctx.home.lake, { symbol, timeframe }, false);
  return writeMaterialized(ctx.con, ctx.home, ctx.catalog, bars, version);
}
