import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog, BarFileRow } from '../catalog';
import type { HomeLayout } from '../home';
import { noBars, type BarColumns } from '../demo/demo-market';
import { utcMs } from '../../common/bar-gate';
import { appendFloat64Columns, readFloat64Columns, sqlString } from './duck-columns';
import { cleanStaging, listFiles, publishFile } from './publish';
import { sweepRetired } from './retired-files';

/** `YYYY-MM` of an epoch-ms instant (UTC). */
export function monthOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** [start, end) of a `YYYY-MM` month in epoch ms UTC. */
export function monthBounds(month: string): [number, number] {
  const [y, m] = month.split('-').map(Number);
  return [utcMs(y!, m!, 1), m === 12 ? utcMs(y! + 1, 1, 1) : utcMs(y!, m! + 1, 1)];
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
export function partitionDir(timeframe: string, symbol: string, month: string, derived = false): string {
  return `${derived ? 'silver/continuous' : 'bronze/bars'}/tf=${timeframe}/symbol=${symbol}/month=${month}`;
}

/**
 * Removes what a crash or an ended process can leave behind: staged files, retired files still in
 * their grace, and published files whose catalog row was never committed (readers only see
 * cataloged files, so these were never visible).
 */
export function recoverLake(home: HomeLayout, catalog: Catalog): { staged: number; orphans: number } {
  const staged = cleanStaging(home.tmp);
  // No query of an earlier process is left to read what it retired.
  sweepRetired(home.lake, catalog);
  const known = catalog.allPaths();
  let orphans = 0;
  const materialized = new Set((catalog.db.prepare('SELECT path FROM materialized').all() as { path: string }[]).map((r) => r.path));
  for (const rel of listFiles(home.lake, 'silver/resampled')) {
    if (!materialized.has(rel)) {
      fs.rmSync(path.join(home.lake, rel), { force: true });
      orphans++;
    }
  }
  for (const rel of [...listFiles(home.lake, 'bronze'), ...listFiles(home.lake, 'silver/continuous')]) {
    if (!known.has(rel)) {
      fs.rmSync(path.join(home.lake, rel), { force: true });
      orphans++;
    }
  }
  return { staged, orphans };
}

/** One month of bars to publish as a part file. */
export interface PartToWrite {
  timeframe: string;
  symbol: string;
  month: string;
  /** Sorted bars, all inside `month`. */
  bars: BarColumns;
  source: string;
  ingestRun: string | null;
  /** Derived series (continuous futures) live in silver and may be rebuilt. */
  derived?: boolean;
}

/** A part file encoded in the staging folder, waiting to be published. */
export interface StagedPart extends Omit<PartToWrite, 'bars'> {
  /** Path of the encoded file in the staging folder; its name (a UUID) becomes the part's id. */
  file: string;
  rows: number;
  firstTs: number;
  lastTs: number;
}

/** Writes bronze bar partitions: Parquet (zstd) through DuckDB, published atomically, then cataloged. */
export class BarWriter {
  private readonly cons: DuckDBConnection[];

  /** Extra connections (of the same DuckDB instance) let several parts be encoded at once. */
  constructor(
    private readonly home: HomeLayout,
    private readonly catalog: Catalog,
    con: DuckDBConnection,
    extra: DuckDBConnection[] = [],
  ) {
    this.cons = [con, ...extra];
  }

  /** Bars already stored for a series within [fromMs, toMs), ascending: what the gate compares new rows with. */
  async storedBars(timeframe: string, symbol: string, fromMs: number, toMs: number): Promise<BarColumns> {
    const files = this.catalog.barFiles({ timeframe, symbol, fromTs: fromMs, toTs: toMs - 1 });
    if (files.length === 0) return noBars();
    const list = files.map((f) => sqlString(path.join(this.home.lake, f.path))).join(', ');
    const [t, o, h, l, c, v] = await readFloat64Columns(
      this.cons[0]!,
      `SELECT epoch_ms(ts)::DOUBLE, open, high, low, close, volume FROM read_parquet([${list}], hive_partitioning = false) WHERE ts >= epoch_ms(${fromMs}::BIGINT) AND ts < epoch_ms(${toMs}::BIGINT) ORDER BY ts`,
    );
    return { t: t!, o: o!, h: h!, l: l!, c: c!, v: v! };
  }

  /** Writes one month of bars as a new part file; returns its catalog row. */
  async writePart(p: PartToWrite): Promise<BarFileRow> {
    return (await this.writeParts([p]))[0]!;
  }

  /**
   * Writes several parts: encoded concurrently on the writer's connections into the staging folder,
   * then published and cataloged one by one in the order given.
   */
  async writeParts(parts: PartToWrite[], alsoInTransaction?: () => void): Promise<BarFileRow[]> {
    for (const p of parts) if (p.bars.t.length === 0) throw new Error(`refusing to write an empty part for ${p.symbol} ${p.month}`);
    const staged = parts.map(() => path.join(this.home.tmp, `${randomUUID()}.parquet`));
    let next = 0;
    await Promise.all(
      this.cons.map(async (con) => {
        for (let i = next++; i < parts.length; i = next++) await this.encode(con, parts[i]!.bars, staged[i]!);
      }),
    );
    return this.publishStaged(
      parts.map((p, i) => ({ ...p, file: staged[i]!, rows: p.bars.t.length, firstTs: p.bars.t[0]!, lastTs: p.bars.t[p.bars.t.length - 1]! })),
      alsoInTransaction,
    );
  }

  /**
   * Publishes part files already encoded in the staging folder: moved into place and cataloged in one
   * transaction, so readers see all of them or none.
   */
  publishStaged(parts: StagedPart[], alsoInTransaction?: () => void): BarFileRow[] {
    const publish = this.catalog.db.transaction(() => {
      const rows = parts.map((p) => {
        const id = path.basename(p.file, '.parquet');
        const rel = `${partitionDir(p.timeframe, p.symbol, p.month, p.derived)}/part-${id}.parquet`;
        const bytes = publishFile(p.file, path.join(this.home.lake, rel));
        const row: BarFileRow = {
          id,
          timeframe: p.timeframe as BarFileRow['timeframe'],
          symbol: p.symbol,
          month: p.month,
          path: rel,
          rows: p.rows,
          bytes,
          firstTs: p.firstTs,
          lastTs: p.lastTs,
          source: p.source,
          ingestRun: p.ingestRun,
          createdAt: Date.now(),
        };
        this.catalog.insertBarFile(row, p.derived ? 'continuous' : 'bars');
        return row;
      });
      alsoInTransaction?.();
      return rows;
    });
    return publish();
  }

  private async encode(con: DuckDBConnection, bars: BarColumns, file: string): Promise<void> {
    await con.run('CREATE OR REPLACE TEMP TABLE staging (t DOUBLE, open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE)');
    const appender = await con.createAppender('staging');
    appendFloat64Columns(appender, [bars.t, bars.o, bars.h, bars.l, bars.c, bars.v]);
    appender.closeSync();
    // Rows arrive sorted and DuckDB keeps insertion order, so no ORDER BY is needed.
    await con.run(`COPY (SELECT epoch_ms(t::BIGINT) AS ts, open, high, low, close, volume FROM staging) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`);
    await con.run('DROP TABLE staging');
  }
}
