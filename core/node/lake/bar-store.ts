import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog, BarFileRow } from '../catalog';
import type { HomeLayout } from '../home';
import type { BarColumns } from '../demo/demo-market';
import { appendFloat64Columns, readFloat64Columns, sqlString } from './duck-columns';
import { cleanStaging, listFiles, publishFile } from './publish';

/** `YYYY-MM` of an epoch-ms instant (UTC). */
export function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** [start, end) of a `YYYY-MM` month in epoch ms UTC. */
export function monthBounds(month: string): [number, number] {
  const [y, m] = month.split('-').map(Number);
  return [Date.UTC(y!, m! - 1, 1), Date.UTC(y!, m!, 1)];
}

/** Months overlapping [fromMs, toMs), oldest first. */
export function monthsBetween(fromMs: number, toMs: number): string[] {
  const out: string[] = [];
  let m = monthOf(fromMs);
  while (monthBounds(m)[0] < toMs) {
    out.push(m);
    m = monthOf(monthBounds(m)[1]);
  }
  return out;
}

/** Lake-relative folder of a bronze bar partition (hive layout). */
export function partitionDir(timeframe: string, symbol: string, month: string): string {
  return `bronze/bars/tf=${timeframe}/symbol=${symbol}/month=${month}`;
}

/**
 * Removes what a crash can leave behind: staged files, and published files whose catalog row was
 * never committed (readers only see cataloged files, so these were never visible).
 */
export function recoverLake(home: HomeLayout, catalog: Catalog): { staged: number; orphans: number } {
  const staged = cleanStaging(home.tmp);
  const known = catalog.allPaths();
  let orphans = 0;
  for (const rel of listFiles(home.lake, 'bronze')) {
    if (!known.has(rel)) {
      fs.rmSync(path.join(home.lake, rel), { force: true });
      orphans++;
    }
  }
  return { staged, orphans };
}

/** Writes bronze bar partitions: Parquet (zstd) through DuckDB, published atomically, then cataloged. */
export class BarWriter {
  constructor(
    private readonly home: HomeLayout,
    private readonly catalog: Catalog,
    private readonly con: DuckDBConnection,
  ) {}

  /** Open times already stored for a series within [fromMs, toMs), ascending. */
  async existingTimes(timeframe: string, symbol: string, fromMs: number, toMs: number): Promise<Float64Array> {
    const files = this.catalog.barFiles({ timeframe, symbol, fromTs: fromMs, toTs: toMs - 1 });
    if (files.length === 0) return new Float64Array(0);
    const list = files.map((f) => sqlString(path.join(this.home.lake, f.path))).join(', ');
    const [t] = await readFloat64Columns(
      this.con,
      `SELECT epoch_ms(ts)::DOUBLE FROM read_parquet([${list}]) WHERE ts >= epoch_ms(${fromMs}::BIGINT) AND ts < epoch_ms(${toMs}::BIGINT) ORDER BY ts`,
    );
    return t!;
  }

  /** Writes one month of bars (sorted, all inside `month`) as a new part file; returns its catalog row. */
  async writePart(p: { timeframe: string; symbol: string; month: string; bars: BarColumns; source: string; ingestRun: string | null }): Promise<BarFileRow> {
    const n = p.bars.t.length;
    if (n === 0) throw new Error('refusing to write an empty part');
    const id = randomUUID();
    const staged = path.join(this.home.tmp, `${id}.parquet`);
    const rel = `${partitionDir(p.timeframe, p.symbol, p.month)}/part-${id}.parquet`;
    await this.con.run('CREATE OR REPLACE TEMP TABLE staging (t DOUBLE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE)');
    const appender = await this.con.createAppender('staging');
    appendFloat64Columns(appender, [p.bars.t, p.bars.o, p.bars.h, p.bars.l, p.bars.c, p.bars.v]);
    appender.closeSync();
    await this.con.run(
      `COPY (SELECT epoch_ms(t::BIGINT) AS ts, open, high, low, close, volume FROM staging ORDER BY t)
       TO ${sqlString(staged)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    await this.con.run('DROP TABLE staging');
    const bytes = publishFile(staged, path.join(this.home.lake, rel));
    const row: BarFileRow = {
      id,
      timeframe: p.timeframe as BarFileRow['timeframe'],
      symbol: p.symbol,
      month: p.month,
      path: rel,
      rows: n,
      bytes,
      firstTs: p.bars.t[0]!,
      lastTs: p.bars.t[n - 1]!,
      source: p.source,
      ingestRun: p.ingestRun,
      createdAt: Date.now(),
    };
    this.catalog.insertBarFile(row);
    return row;
  }
}
