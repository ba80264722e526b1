import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { BarWriter, monthBounds, type StagedPart } from '../lake/bar-store';
import { sqlString } from '../lake/duck-columns';
import { DAILY_GAP_MS, intradayTimeframeOf, STORED_TIMEFRAME_MS } from '../../common/timeframes';
import { FIRST_STORABLE_MS, FUTURE_TOLERANCE_MS } from '../../common/bar-gate';
import { detectDelimiter, normaliseColumn, splitCsvLine } from '../../common/csv-preview';
import { csvColumns, detectFormat, type CsvFormat, type CsvOptions } from './csv-import';
import { symbolFromFileName } from '../../common/csv-preview';

const SAMPLE_LINES = 50;
const DATETIME = /^\d{4}-\d{2}-\d{2}([ T])\d{2}:\d{2}:\d{2}$/;

/** What the DuckDB reader imported: every row accepted, none rejected or duplicated. */
export interface DuckCsvImport {
  format: CsvFormat;
  symbol: string;
  timeframe: string;
  rows: number;
}

interface Plan {
  sql: string;
  symbol: string;
  format: CsvFormat;
}

/**
 * Decides whether DuckDB's CSV reader can take a file, and how. It takes only the shape whose meaning
 * is beyond doubt: a header on the first line, one symbol, one `YYYY-MM-DD HH:MM:SS` time column in
 * UTC. Anything else goes to the built-in parser.
 */
function plan(bytes: Uint8Array, file: string, opts: CsvOptions): Plan | null {
  if (opts.tz !== undefined && opts.tz !== 'UTC' && opts.tz !== 'Etc/UTC') return null;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.indexOf(0) >= 0) return null;
  let text: string;
  try {
    // A header in another encoding (Latin-1) would name no column we know: the built-in parser refuses such files.
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, lastNewline(buf, 64 * 1024)));
  } catch {
    return null;
  }
  const head = text.split('\n').slice(0, SAMPLE_LINES + 1).map((l) => l.replace(/\r$/, ''));
  const header = head[0]!;
  if (header.trim() === '' || header.charCodeAt(0) === 0xfeff) return null;
  const delim = detectDelimiter(header);
  const names = splitCsvLine(header, delim).map(normaliseColumn);
  if (names.some((n) => n === '') || new Set(names).size !== names.length) return null;
  const format = opts.format === undefined || opts.format === 'auto' ? detectFormat(names) : opts.format;
  // Layouts whose only difference from generic is how daily files are dated (not this reader's business).
  if (format !== 'generic' && format !== 'stooq' && format !== 'yahoo') return null;
  let cols: ReturnType<typeof csvColumns>;
  try {
    cols = csvColumns(names, format, opts, file);
  } catch {
    // The built-in parser reports what is wrong with the file, in order: encoding first, then columns.
    return null;
  }
  if (cols.iTime < 0 || cols.iSym >= 0) return null;
  const sample = head.slice(1, -1).filter((l) => l.trim() !== '' && !l.includes('"'));
  const separators = new Set(sample.map((l) => DATETIME.exec(l.split(delim)[cols.iTime] ?? '')?.[1]));
  if (sample.length === 0 || separators.size !== 1) return null;
  const sep = [...separators][0];
  if (sep === undefined) return null;

  const numeric = new Set([cols.iOpen, cols.iHigh, cols.iLow, cols.iClose, cols.iVol]);
  const types = names.map((_, i) => `'c${i}': '${i === cols.iTime ? 'TIMESTAMP' : numeric.has(i) ? 'DOUBLE' : 'VARCHAR'}'`).join(', ');
  const col = (i: number, fallback: string): string => (i >= 0 ? `c${i}` : fallback);
  const close = `c${cols.iClose}`;
  const sql =
    `SELECT c${cols.iTime} AS ts, ${col(cols.iOpen, close)} AS open, ${col(cols.iHigh, close)} AS high, ${col(cols.iLow, close)} AS low, ${close} AS close, ${col(cols.iVol, '0::DOUBLE')} AS volume ` +
    `FROM read_csv(${sqlString(path.resolve(file))}, header = true, auto_detect = false, delim = ${sqlString(delim)}, quote = '"', escape = '"', ` +
    `columns = {${types}}, timestampformat = '%Y-%m-%d${sep}%H:%M:%S', compression = 'auto')`;
  return { sql, symbol: opts.symbol ?? symbolFromFileName(file), format };
}

/** The end of the last whole line within the first `max` bytes (a cut must not split a UTF-8 sequence). */
function lastNewline(buf: Buffer, max: number): number {
  if (buf.length <= max) return buf.length;
  const nl = buf.lastIndexOf(10, max - 1);
  return nl < 0 ? max : nl + 1;
}

/**
 * Imports a clean CSV with DuckDB's parallel reader straight into month partitions: the fast path for
 * large, well-formed history files. It checks everything the built-in parser checks (numbers, OHLC
 * consistency, volume sign, order, duplicates, overlap with the lake) and returns null, having written
 * nothing, the moment the file needs per-line accounting; the caller then uses the built-in parser,
 * which names every rejected line.
 */
export async function importCsvWithDuckDb(
  ctx: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection; db?: DuckDBInstance },
  bytes: Uint8Array,
  file: string,
  opts: CsvOptions,
  runId: string,
): Promise<DuckCsvImport | null> {
  const p = plan(bytes, file, opts);
  if (p === null) return null;
  const con = ctx.con;
  const table = `csv_import_${randomUUID().replaceAll('-', '')}`;
  const threads = Number((await con.runAndReadAll(`SELECT current_setting('threads')`)).getRowsJS()[0]![0]);
  const extra = ctx.db ? [await ctx.db.connect()] : [];
  await con.run(`SET threads = ${os.availableParallelism()}`);
  try {
    try {
      await con.run(`CREATE TABLE ${table} AS ${p.sql}`);
    } catch {
      // A line DuckDB cannot read (bad number, missing column, another time shape): per-line accounting is needed.
      return null;
    }
    // The same rules as the bar gate (core/common/bar-gate.ts): any row it would refuse sends the file to the built-in parser.
    const latest = Date.now() + FUTURE_TOLERANCE_MS;
    const months = (
      await con.runAndReadAll(
        `SELECT strftime(date_trunc('month', ts), '%Y-%m') AS month, count(*)::DOUBLE, ` +
          `count(*) FILTER (WHERE NOT coalesce(isfinite(open + high + low + close + volume) AND high >= open AND high >= close AND high >= low AND low <= open AND low <= close AND low > 0 AND volume >= 0 AND ts IS NOT NULL AND ts <= epoch_ms(${latest}::BIGINT) AND ts >= epoch_ms(${FIRST_STORABLE_MS}::BIGINT), false))::DOUBLE, ` +
          `epoch_ms(min(ts))::DOUBLE, epoch_ms(max(ts))::DOUBLE FROM ${table} GROUP BY date_trunc('month', ts) ORDER BY month`,
      )
    ).getRowsJS() as [string, number, number, number, number][];
    if (months.length === 0 || months.some((m) => m[2] > 0)) return null;
    // Each row against the next one in file order (a positional join is a scan, not a sort).
    const disorder = (
      await con.runAndReadAll(`SELECT count(*)::DOUBLE FROM ${table} AS a POSITIONAL JOIN (SELECT ts AS next FROM ${table} OFFSET 1) WHERE next IS NOT NULL AND next <= a.ts`)
    ).getRowsJS()[0]![0] as number;
    if (disorder > 0) return null;
    const rows = months.reduce((a, m) => a + m[1], 0);
    const first = months[0]![3];
    const last = months[months.length - 1]![4];
    // Bars a day or more apart could be daily: the built-in parser decides those.
    if (rows <= (last - first) / DAILY_GAP_MS + 1) return null;
    // The same choice as the built-in parser's (intradayTimeframeOf), from counts of bars on each grid.
    const steps = Object.entries(STORED_TIMEFRAME_MS).filter(([tf]) => tf !== '1d').map(([, ms]) => ms);
    const counts = (await con.runAndReadAll(`SELECT ${steps.map((ms) => `count(*) FILTER (WHERE epoch_ms(ts) % ${ms} = 0)::DOUBLE`).join(', ')} FROM ${table}`)).getRowsJS()[0] as number[];
    const onGrid = (step: number): number => counts[steps.indexOf(step)]!;
    // The first bar's own time of day too: a series is stored on its timeframe's UTC grid (as the built-in parser infers).
    const timeframe = intradayTimeframeOf(onGrid, rows, ctx.catalog.storedTimeframes(p.symbol));
    // A bar off that grid needs a reject naming its line: the built-in parser's job.
    if (timeframe === undefined || onGrid(STORED_TIMEFRAME_MS[timeframe]!) !== rows) return null;
    if (ctx.catalog.barFiles({ timeframe, symbol: p.symbol, fromTs: first, toTs: last }).length > 0) return null;

    const staged: StagedPart[] = months.map(([month, n, , firstTs, lastTs]) => ({
      timeframe,
      symbol: p.symbol,
      month,
      source: `import:${p.format}`,
      ingestRun: runId,
      file: path.join(ctx.home.tmp, `${randomUUID()}.parquet`),
      rows: n,
      firstTs,
      lastTs,
    }));
    let next = 0;
    // Rows keep file order (which the check above proved is time order) through a filtered scan.
    await Promise.all(
      [con, ...extra].map(async (c) => {
        for (let i = next++; i < staged.length; i = next++) {
          const [from, to] = monthBounds(staged[i]!.month);
          await c.run(
            `COPY (SELECT ts, open, high, low, close, volume FROM ${table} WHERE ts >= epoch_ms(${from}::BIGINT) AND ts < epoch_ms(${to}::BIGINT)) ` +
              `TO ${sqlString(staged[i]!.file)} (FORMAT parquet, COMPRESSION zstd)`,
          );
        }
      }),
    );
    new BarWriter(ctx.home, ctx.catalog, con).publishStaged(staged);
    return { format: p.format, symbol: p.symbol, timeframe, rows };
  } finally {
    await con.run(`DROP TABLE IF EXISTS ${table}`);
    await con.run(`SET threads = ${threads}`);
    for (const c of extra) c.closeSync();
  }
}
