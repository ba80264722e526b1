import path from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { importCsvWithDuckDb } from './duck-csv';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { BarWriter, type PartToWrite } from '../lake/bar-store';
import { rowFields, rowProblem } from '../../common/bar-gate';
import { gatedParts } from './gated-parts';
import { readFloat64Columns, sqlIdent, sqlString } from '../lake/duck-columns';
import { linesAt, parseCsvBars, ImportError, type CsvOptions, type ParsedBars } from './csv-import';
import type { Reject } from './reject-store';
import { decodeDbn, lakeSymbol, openDbn, ymdOf } from './dbn';
import type { ImportFileResult } from './import-result';
import { importDbnBookStream, importDbnTicks, STREAMED_SCHEMAS, TICK_SCHEMAS } from './import-dbn-ticks';
import { storeDbnTrades } from './dbn-trades-store';
import { peekDbnMetadata } from './dbn-book-stream';
import { gunzipCapped, gunzipHead, MAX_BYTES, readRegularFile, readRegularHead } from '../untrusted-files';
import { layoutKey, previewCsv } from '../../common/csv-preview';
import { DAILY_GAP_MS, gcd, intradayTimeframeOf, STORED_TIMEFRAME_MS } from '../../common/timeframes';
import type { IMPORT_FORMATS } from '../../common/lake/schemas';

type ImportFormat = (typeof IMPORT_FORMATS)[number];

const DAY_MS = 86_400_000;


/**
 * The timeframe of bars from their times: gaps of a day or more mean daily bars; otherwise the largest
 * stored timeframe on whose UTC grid the bars sit (intradayTimeframeOf, which prefers what the lake
 * already stores for the symbol), so missing bars do not mislead and a few stamps off the grid are
 * refused by the gate rather than redefine the series.
 */
export function inferTimeframe(sortedTimes: Float64Array, file: string, symbol: string, known: readonly string[] = []): string {
  let g = 0;
  for (let i = 1; i < sortedTimes.length; i++) {
    const d = sortedTimes[i]! - sortedTimes[i - 1]!;
    if (d > 0) g = gcd(d, g);
  }
  if (g === 0) throw new ImportError(`${file}: ${symbol} has a single bar time; its timeframe cannot be inferred`);
  if (g >= DAILY_GAP_MS) return '1d';
  // Distinct times: a repeated stamp must not outvote the rest.
  const distinct = sortedTimes.filter((t, i) => i === 0 || t !== sortedTimes[i - 1]);
  const onGrid = (step: number): number => distinct.reduce((n, t) => (t % step === 0 ? n + 1 : n), 0);
  const tf = intradayTimeframeOf(onGrid, distinct.length, known);
  if (tf === undefined) throw new ImportError(`${file}: ${symbol} bars are stamped off the whole-second grid, finer than any timeframe the lake stores (${Object.keys(STORED_TIMEFRAME_MS).join(', ')})`);
  return tf;
}

/**
 * The first 256 KiB of a file (the first MiB of its text when gzip), or nothing when it cannot be
 * read: `readInput` then reports why.
 */
function readHead(file: string): Uint8Array {
  try {
    const head = readRegularHead(file, 256 * 1024);
    return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b ? gunzipHead(head, 1 << 20) : head;
  } catch {
    return new Uint8Array(0);
  }
}

type SavedLayout = { map?: CsvOptions['map']; tz?: string; timeframe?: string };

/**
 * The options a CSV imports with: a layout seen before reuses the mapping and zone the user chose for
 * it, unless new ones are given; `saved` is what to remember for the layout afterwards.
 */
function csvLayout(catalog: Catalog, head: Uint8Array, opts: Omit<CsvOptions, 'format'> & { format?: ImportFormat }): { key: string; saved: SavedLayout; csvOpts: CsvOptions } {
  const key = `layout:${layoutKey(previewCsv(new TextDecoder().decode(head.subarray(0, 64 * 1024)), 0).columns)}`;
  const saved = JSON.parse(catalog.getSetting(key) ?? '{}') as SavedLayout;
  const given = opts.map !== undefined || opts.tz !== undefined;
  const effective = given ? opts : { ...opts, map: saved.map, tz: saved.tz };
  return { key, saved: given ? { map: opts.map, tz: opts.tz, timeframe: saved.timeframe } : saved, csvOpts: { ...effective, format: opts.format === 'auto' ? undefined : (opts.format as CsvOptions['format']) } };
}

function readInput(file: string): Uint8Array {
  const bytes = readRegularFile(file, { maxBytes: MAX_BYTES.data, what: 'bar file the built-in parser reads' });
  const gzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  if (/\.gz$/i.test(file) && !gzip) throw new ImportError(`${file}: named .gz but it is not gzip data`);
  return gzip ? gunzipCapped(bytes, file) : bytes;
}

const isDbn = (b: Uint8Array): boolean => (b[0] === 0x44 && b[1] === 0x42 && b[2] === 0x4e) || (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd);
const isParquet = (b: Uint8Array): boolean => b.length >= 8 && String.fromCharCode(...b.subarray(0, 4)) === 'PAR1';

/** Writes a DBN file's trades to bronze/trades (an option's to options_trades) by symbol, date and hour. */
async function importDbnTrades(ctx: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection }, f: ReturnType<typeof decodeDbn>, file: string, runId: string): Promise<ImportFileResult & { rejects: Reject[] }> {
  const r = await storeDbnTrades(ctx, f, 'import:dbn', runId);
  return { file: path.resolve(file), format: 'dbn', parser: 'builtin', inputRows: r.inputRows, accepted: r.accepted, rejected: r.rejects.length, duplicates: r.duplicates, series: r.series, rejects: r.rejects };
}

function fromDbn(f: ReturnType<typeof decodeDbn>, file: string): ParsedBars {
  if (f.ohlcv === null) throw new ImportError(`${file}: holds ${f.metadata.schema ?? 'mixed'} records; Quantdesk imports DBN OHLCV bars and trades`);
  const o = f.ohlcv;
  const n = o.open.length;
  const symbols: string[] = [];
  const sym = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const name = lakeSymbol(f.symbolFor(o.instrumentId[i]!, ymdOf(o.tsMs[i]!)), o.instrumentId[i]!);
    let si = symbols.indexOf(name);
    if (si < 0) si = symbols.push(name) - 1;
    sym[i] = si;
  }
  return {
    format: 'dbn',
    timeframe: o.interval,
    symbols,
    sym,
    line: new Int32Array(n).map((_, i) => i + 1),
    offset: o.offset,
    // Daily records are stamped at the session's start; the lake keys daily bars by date.
    t: o.interval === '1d' ? o.tsMs.map((x) => Math.floor(x / 86_400_000) * 86_400_000) : o.tsMs,
    o: o.open,
    h: o.high,
    l: o.low,
    c: o.close,
    v: o.volume,
    inputRows: n,
    rejects: [],
  };
}



async function fromParquet(con: DuckDBConnection, file: string, symbol: string): Promise<ParsedBars> {
  let cols: string[];
  try {
    cols = (await con.runAndReadAll(`SELECT name FROM parquet_schema(${sqlString(file)}) WHERE num_children IS NULL`)).getRowsJS().map((r) => String(r[0]).toLowerCase());
  } catch (e) {
    throw new ImportError(`${file}: not a readable Parquet file (${(e as Error).message.split('\n')[0]})`);
  }
  const pick = (...names: string[]): string | undefined => names.find((n) => cols.includes(n));
  const ts = pick('ts', 'time', 'timestamp', 'datetime', 'date', 'ts_event');
  const close = pick('close', 'price');
  if (!ts || !close) throw new ImportError(`${file}: needs a time column (ts, time, timestamp, date) and close; it has ${cols.join(', ')}`);
  // A cell that is not a number or a time reads as NULL (NaN here), which the gate rejects with its row number.
  const num = (n: string): string => `TRY_CAST(${sqlIdent(n)} AS DOUBLE)`;
  const col = (n: string | undefined, fallback: string): string => (n ? num(n) : fallback);
  const [t, o, h, l, c, v] = await readFloat64Columns(
    con,
    `SELECT epoch_ms(TRY_CAST(${sqlIdent(ts)} AS TIMESTAMP))::DOUBLE, ${col(pick('open'), num(close))}, ${col(pick('high'), num(close))}, ${col(pick('low'), num(close))}, ${num(close)}, ${col(pick('volume'), '0')} FROM read_parquet(${sqlString(file)}, hive_partitioning = false)`,
  );
  const n = t!.length;
  return { format: 'parquet', timeframe: null, symbols: [symbol], sym: new Uint32Array(n), line: new Int32Array(n).map((_, i) => i + 1), t: t!, o: o!, h: h!, l: l!, c: c!, v: v!, inputRows: n, rejects: [] };
}

/** Parses a CSV or flat file completely without writing anything (the universe filter's first pass). */
export function parseCsvFile(catalog: Catalog, file: string, opts: Omit<CsvOptions, 'format'> & { format?: ImportFormat }): ParsedBars {
  const bytes = readInput(path.resolve(file));
  if (bytes.length === 0) throw new ImportError(`${file}: the file is empty`);
  if (opts.format === 'dbn' || opts.format === 'parquet' || isDbn(bytes) || isParquet(bytes)) throw new ImportError(`${file}: universe filters apply to CSV flat files (such as Polygon day aggregates), not to DBN or Parquet`);
  return parseCsvBars(bytes, file, csvLayout(catalog, bytes, opts).csvOpts);
}

/**
 * Imports one file into bronze: parses it completely (so a broken file writes nothing), sorts each
 * symbol's bars, counts duplicates within the file and against the lake, and publishes the rest as
 * month partitions of the file's native timeframe.
 */
export async function importFile(
  ctx: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection; db?: DuckDBInstance },
  file: string,
  opts: Omit<CsvOptions, 'format'> & { format?: ImportFormat; parser?: 'auto' | 'builtin' },
  runId: string,
): Promise<ImportFileResult & { rejects: Reject[] }> {
  const abs = path.resolve(file);
  // A clean CSV goes to DuckDB's reader, which needs only its first lines from us: a file of any size
  // imports without being loaded into memory.
  const head = readHead(abs);
  const binary = opts.format === 'dbn' || opts.format === 'parquet' || ((opts.format ?? 'auto') === 'auto' && (isDbn(head) || isParquet(head)));
  let layout = binary || head.length === 0 ? undefined : csvLayout(ctx.catalog, head, opts);
  if (layout && opts.parser !== 'builtin' && !opts.exclude?.size) {
    const fast = await importCsvWithDuckDb(ctx, head, abs, layout.csvOpts, runId);
    if (fast !== null) {
      ctx.catalog.setSetting(layout.key, JSON.stringify({ ...layout.saved, timeframe: fast.timeframe }));
      const series = [{ symbol: fast.symbol, timeframe: fast.timeframe, accepted: fast.rows }];
      return { file: abs, format: fast.format, parser: 'duckdb', inputRows: fast.rows, accepted: fast.rows, rejected: 0, duplicates: 0, series, rejects: [] };
    }
  }
  // A book file is read a batch at a time: a busy day of MBP-10 inflates to gigabytes.
  if ((opts.format === 'dbn' || ((opts.format ?? 'auto') === 'auto' && isDbn(head))) && STREAMED_SCHEMAS.has(peekDbnMetadata(file).schema ?? '')) return importDbnBookStream(ctx, file, runId);
  const bytes = readInput(abs);
  if (bytes.length === 0) throw new ImportError(`${file}: the file is empty`);
  const symbolFromName = opts.symbol ?? path.basename(abs).replace(/\..*$/, '').toUpperCase();
  let parsed: ParsedBars;
  if (opts.format === 'dbn' || ((opts.format ?? 'auto') === 'auto' && isDbn(bytes))) {
    layout = undefined;
    // Decompressed once: the decoders re-read the plain header.
    const { metadata, body, bodyStart } = openDbn(bytes, file);
    const plain = new Uint8Array(body.buffer, body.byteOffset - bodyStart, bodyStart + body.length);
    if (metadata.schema !== null && TICK_SCHEMAS.has(metadata.schema)) return importDbnTicks(ctx, plain, file, metadata.schema, runId);
    const dbn = decodeDbn(plain, file);
    if (dbn.trades !== null && dbn.ohlcv === null) return importDbnTrades(ctx, dbn, file, runId);
    parsed = fromDbn(dbn, file);
  }
  else if (opts.format === 'parquet' || ((opts.format ?? 'auto') === 'auto' && isParquet(bytes))) parsed = await fromParquet(ctx.con, abs, symbolFromName);
  else {
    layout ??= csvLayout(ctx.catalog, bytes, opts);
    parsed = parseCsvBars(bytes, file, layout.csvOpts);
  }

  const writer = new BarWriter(ctx.home, ctx.catalog, ctx.con);
  const parts: PartToWrite[] = [];
  const series: ImportFileResult['series'] = [];
  const rejects = [...parsed.rejects];
  const now = Date.now();
  const unit = parsed.format === 'dbn' ? 'record' : parsed.format === 'parquet' ? 'row' : 'line';
  const where = (i: number): string => `${unit} ${parsed.line[i]}`;
  let duplicates = 0;
  let accepted = 0;
  const n = parsed.t.length;
  for (let s = 0; s < parsed.symbols.length; s++) {
    // Row indices of this symbol, in file order; a file of one symbol needs no filtering.
    let idx: Uint32Array;
    if (parsed.symbols.length === 1) idx = Uint32Array.from({ length: n }, (_, i) => i);
    else {
      let m = 0;
      for (let i = 0; i < n; i++) if (parsed.sym[i] === s) m++;
      idx = new Uint32Array(m);
      for (let i = 0, k = 0; i < n; i++) if (parsed.sym[i] === s) idx[k++] = i;
    }
    if (idx.length === 0) continue;
    const symbol = parsed.symbols[s]!;
    // The spacing of the rows the gate will take tells the timeframe; broken rows must not mislead it.
    const usable = idx.filter((i) => rowProblem(parsed, i, now) === undefined);
    const times = Float64Array.from(usable, (i) => parsed.t[i]!).sort();
    // One bar cannot show its spacing: fall back on what the lake or this layout already knows.
    const known = ctx.catalog.storedTimeframes(symbol);
    const timeframe =
      parsed.timeframe ?? (times.length === 0 ? (known[0] ?? '1d') : times.length > 1 || (known.length !== 1 && !layout?.saved.timeframe) ? inferTimeframe(times, file, symbol, known) : (known[0] ?? layout!.saved.timeframe!));
    if (layout && parsed.timeframe === null && times.length > 0) layout.saved.timeframe = timeframe;
    // Daily bars stamped with a time of day are keyed by their UTC date, as every daily bar in the lake is.
    if (timeframe === '1d' && parsed.timeframe === null) for (const i of idx) parsed.t[i] = Math.floor(parsed.t[i]! / DAY_MS) * DAY_MS;
    const gated = await gatedParts(writer, parsed, { symbol, timeframe, rows: idx }, { now, where, source: `import:${parsed.format}`, ingestRun: runId });
    for (const r of gated.outcome.rejects) rejects.push({ line: parsed.line[r.row]!, raw: rowFields(parsed, r.row), reason: r.reason, ...(parsed.offset ? { offset: parsed.offset[r.row]! } : {}) });
    duplicates += gated.outcome.duplicates;
    accepted += gated.outcome.kept.length;
    series.push({ symbol, timeframe, accepted: gated.outcome.kept.length });
    parts.push(...gated.parts);
  }
  // Text files: a row the gate refused is shown as the line it was, not as parsed fields.
  if (unit === 'line' && rejects.length > parsed.rejects.length) {
    const text = linesAt(bytes, new Set(rejects.slice(parsed.rejects.length).map((r) => r.line)));
    for (let k = parsed.rejects.length; k < rejects.length; k++) rejects[k]!.raw = text.get(rejects[k]!.line) ?? rejects[k]!.raw;
  }
  rejects.sort((a, b) => a.line - b.line);
  if (parts.length) await writer.writeParts(parts);
  if (layout && (layout.saved.map || layout.saved.tz || layout.saved.timeframe)) ctx.catalog.setSetting(layout.key, JSON.stringify(layout.saved));
  const rejected = rejects.length;
  if (accepted + rejected + duplicates !== parsed.inputRows) {
    throw new Error(`${file}: accounting does not add up (${accepted} + ${rejected} + ${duplicates} ≠ ${parsed.inputRows}); this is a bug`);
  }
  return { file: abs, format: parsed.format, parser: 'builtin', inputRows: parsed.inputRows, accepted, rejected, duplicates, series, rejects };
}
