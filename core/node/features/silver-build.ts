import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ApiError } from '../../common/errors';
import { computeFeatures, FEATURE_CODE_VERSION } from '../../common/features/registry';
import type { FeatureSeries } from '../../common/features/types';
import type { SessionCalendar } from '../../common/instruments';
import type { Bars } from '../../common/bars';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { calendarFor, isTradingDay, sessionsOverlapping, type Session } from '../calendar';
import { readBars } from '../lake/bar-reader';
import { appendFloat64Columns, sqlString } from '../lake/duck-columns';
import { monthBounds, monthOf } from '../lake/bar-store';
import { publishFile, writeJsonAtomically } from '../lake/publish';
import type { FeatureSet } from './feature-sets';
import { bookFeatureColumns } from './book-build';
import { gexAnchors, optionFeatureColumns } from './option-build';
import { rootOf } from '../options/chain-reader';
import { parseContract } from '../lake/continuous';
import { evaluationWindow } from './evaluation-window';
import { INTRADAY_MS } from '../../common/timeframes';

const DAY_MS = 86_400_000;

/** What one symbol's build did. */
export interface SymbolBuild {
  symbol: string;
  status: 'built' | 'up to date';
  rows: number;
  /** Month files written by this build (new months, and months whose values changed). */
  monthsWritten: number;
  /** Month files left as they were. */
  monthsKept: number;
}

/** Outcome of a feature-set build. */
export interface FeatureBuildResult {
  set: string;
  hash: string;
  /** Build id, `<set>@<hash>`, as `dataset promote --build` takes it. */
  buildId: string;
  /** Lake-relative folder of the build. */
  dir: string;
  symbols: SymbolBuild[];
}

interface InputFile {
  path: string;
  rows: number;
  sha256: string;
}

interface MonthFile {
  file: string;
  rows: number;
  /** Checksum of the Parquet file. */
  sha256: string;
  /** Checksum of the month's values, which decides whether the file must be rewritten. */
  dataHash: string;
}

interface SymbolManifest {
  rows: number;
  inputs: InputFile[];
  months: Record<string, MonthFile>;
}

interface SymbolValidation {
  rows: number;
  columns: Record<string, ColumnStats>;
}

interface ColumnStats {
  nullRate: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  warmupRows: number;
}

const sha256 = (file: string): string => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/** The bronze and derived bar files a symbol's series are read from (with its book, and its root's contracts' options, where the set reads them), with checksums. */
function inputsOf(catalog: Catalog, lakeRoot: string, symbol: string, set: FeatureSet): InputFile[] {
  const root = rootOf(symbol);
  const options = set.options.length
    ? (['options_quotes', 'statistics'] as const).flatMap((dataset) => catalog.barFiles({ dataset }).filter((f) => parseContract(f.symbol)?.root === root))
    : [];
  return [...catalog.barFiles({ symbol, dataset: 'bars' }), ...catalog.barFiles({ symbol, dataset: 'continuous' }), ...(set.book.length ? catalog.barFiles({ symbol, dataset: 'book' }) : []), ...options]
    .map((f) => ({ path: f.path, rows: f.rows, sha256: sha256(path.join(lakeRoot, f.path)) }))
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** The exchange sessions over increasing times, and for each time the index of the session holding it (−1 outside every session, or without a calendar). */
function sessionOfEach(t: Float64Array, cal: SessionCalendar | undefined): { sessions: Session[]; at: Int32Array } {
  const n = t.length;
  const sessions = cal && n > 0 ? sessionsOverlapping(cal, t[0]!, t[n - 1]! + 1) : [];
  const at = new Int32Array(n).fill(-1);
  let k = 0;
  for (let i = 0; i < n; i++) {
    while (k < sessions.length && sessions[k]!.end <= t[i]!) k++;
    if (k < sessions.length && sessions[k]!.start <= t[i]!) at[i] = k;
  }
  return { sessions, at };
}

/** The trading date (days since the epoch) of each time: its exchange session's, or its UTC day outside every session and without a calendar. */
export function sessionDays(t: Float64Array, cal: SessionCalendar | undefined): Int32Array {
  const { sessions, at } = sessionOfEach(t, cal);
  return Int32Array.from(at, (k, i) => (k >= 0 ? sessions[k]!.day : Math.floor(t[i]! / DAY_MS)));
}

/**
 * Puts each bar in its exchange session (trading date, session open, month-end flag); bars outside
 * every session, and symbols without a calendar, fall back to UTC days.
 */
export function sessionSeries(b: Bars, cal: SessionCalendar | undefined): FeatureSeries & { rthStart: Float64Array; rthEnd: Float64Array } {
  const n = b.t.length;
  const day = new Int32Array(n);
  const sessionStart = new Float64Array(n);
  const monthEnd = new Uint8Array(n);
  const rthStart = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const rthEnd = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const { sessions, at } = sessionOfEach(b.t, cal);
  const lastOfMonth = (d: number): boolean => {
    let next = d + 1;
    while (cal ? !isTradingDay(cal, next) : [0, 6].includes(new Date(next * DAY_MS).getUTCDay())) next++;
    return new Date(next * DAY_MS).getUTCMonth() !== new Date(d * DAY_MS).getUTCMonth();
  };
  const monthEndCache = new Map<number, boolean>();
  // Regular hours of each session in UTC, computed once per session (zone lookups are slow).
  const rth = sessions.map((s) => [`${s.date}T${cal!.rth.start}`, `${s.date}T${cal!.rth.end}`].map((iso) => DateTime.fromISO(iso, { zone: cal!.tz }).toMillis()) as [number, number]);
  for (let i = 0; i < n; i++) {
    const k = at[i]!;
    const s = sessions[k];
    if (s) {
      day[i] = s.day;
      sessionStart[i] = s.start;
      rthStart[i] = rth[k]![0];
      rthEnd[i] = rth[k]![1];
    } else {
      day[i] = Math.floor(b.t[i]! / DAY_MS);
      sessionStart[i] = day[i]! * DAY_MS;
    }
    let me = monthEndCache.get(day[i]!);
    if (me === undefined) monthEndCache.set(day[i]!, (me = lastOfMonth(day[i]!)));
    monthEnd[i] = me ? 1 : 0;
  }
  return { t: b.t, o: b.o, h: b.h, l: b.l, c: b.c, v: b.v, day, sessionStart, monthEnd, rthStart, rthEnd };
}

/**
 * Keeps the bars inside regular trading hours (daily and weekly bars are kept whole); the session
 * then opens at the regular open, which anchors VWAP, opening ranges and the session clock.
 */
function regularHoursOnly(s: ReturnType<typeof sessionSeries>, timeframe: string): FeatureSeries {
  if (timeframe === '1d' || timeframe === '1w') return s;
  const keep: number[] = [];
  for (let i = 0; i < s.t.length; i++) if (s.t[i]! >= s.rthStart[i]! && s.t[i]! < s.rthEnd[i]!) keep.push(i);
  const f64 = (a: Float64Array): Float64Array => Float64Array.from(keep, (i) => a[i]!);
  return { t: f64(s.t), o: f64(s.o), h: f64(s.h), l: f64(s.l), c: f64(s.c), v: f64(s.v), day: Int32Array.from(keep, (i) => s.day[i]!), sessionStart: f64(s.rthStart), monthEnd: Uint8Array.from(keep, (i) => s.monthEnd[i]!) };
}

/** The partner's last close at or before each bar time (NaN before its first bar). */
function alignPartner(t: Float64Array, p: Bars): Float64Array {
  const out = new Float64Array(t.length).fill(Number.NaN);
  let j = -1;
  for (let i = 0; i < t.length; i++) {
    while (j + 1 < p.t.length && p.t[j + 1]! <= t[i]!) j++;
    if (j >= 0) out[i] = p.c[j]!;
  }
  return out;
}

function columnStats(x: Float64Array): ColumnStats {
  let nulls = 0;
  let warmup = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  while (warmup < x.length && Number.isNaN(x[warmup]!)) warmup++;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (Number.isNaN(v)) nulls++;
    else {
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const valid = x.length - nulls;
  return { nullRate: x.length ? nulls / x.length : 0, min: valid ? min : null, max: valid ? max : null, mean: valid ? sum / valid : null, warmupRows: warmup };
}

/**
 * Writes a symbol's rows as one Parquet file per UTC month, rewriting only months whose values differ
 * from the last build (new bars change the last month and add new ones; labels near the old end
 * change too), and removing months that no longer exist.
 */
async function writeMonths(
  ctx: { home: HomeLayout; con: DuckDBConnection },
  symbolDir: string,
  t: Float64Array,
  columns: Map<string, Float64Array>,
  previous: Record<string, MonthFile>,
): Promise<Record<string, MonthFile & { written: boolean }>> {
  const out: Record<string, MonthFile & { written: boolean }> = {};
  for (let start = 0; start < t.length; ) {
    const month = monthOf(t[start]!);
    const end = monthBounds(month)[1];
    let stop = start;
    while (stop < t.length && t[stop]! < end) stop++;
    const slice = new Map([...columns].map(([k, v]) => [k, v.subarray(start, stop)]));
    const times = t.subarray(start, stop);
    const h = createHash('sha256');
    for (const a of [times, ...slice.values()]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    const dataHash = h.digest('hex');
    const rel = `${symbolDir}/month=${month}/part-0.parquet`;
    const before = previous[month];
    if (before && before.dataHash === dataHash && fs.existsSync(path.join(ctx.home.lake, rel))) out[month] = { ...before, written: false };
    else {
      const staged = path.join(ctx.home.tmp, `${randomUUID()}.parquet`);
      await writeParquet(ctx.con, staged, times, slice);
      publishFile(staged, path.join(ctx.home.lake, rel));
      out[month] = { file: rel, rows: stop - start, sha256: sha256(path.join(ctx.home.lake, rel)), dataHash, written: true };
    }
    start = stop;
  }
  for (const [month, m] of Object.entries(previous)) if (!out[month]) fs.rmSync(path.dirname(path.join(ctx.home.lake, m.file)), { recursive: true, force: true });
  return out;
}

/** Writes ts + columns as one Parquet file (zstd; NaN stored as NULL) into the staging folder. */
async function writeParquet(con: DuckDBConnection, file: string, t: Float64Array, columns: Map<string, Float64Array>): Promise<void> {
  const names = [...columns.keys()];
  await con.run(`CREATE OR REPLACE TEMP TABLE feat (${['t', ...names.map((_, i) => `c${i}`)].map((c) => `${c} DOUBLE`).join(', ')})`);
  const appender = await con.createAppender('feat');
  appendFloat64Columns(appender, [t, ...columns.values()]);
  appender.closeSync();
  const select = names.map((n, i) => `nullif(c${i}, 'nan'::DOUBLE) AS "${n}"`).join(', ');
  await con.run(`COPY (SELECT epoch_ms(t::BIGINT) AS ts, ${select} FROM feat) TO ${sqlString(file)} (FORMAT parquet, COMPRESSION zstd)`);
  await con.run('DROP TABLE feat');
}

/** One symbol's build, as a worker returns it; `recordSymbolBuild` files it in the manifest. */
export interface SymbolOutcome {
  build: SymbolBuild;
  /** Absent when the symbol was up to date. */
  record?: { manifest: SymbolManifest; validation: SymbolValidation; columns: string[] };
}

/** Lake-relative folder of a set's build. */
export const buildDir = (set: FeatureSet): string => `silver/features/${set.name}/${set.hash}`;

function readJson<T>(file: string, empty: T): T {
  return fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as T) : empty;
}

/**
 * Builds one symbol of a feature set under `silver/features/<set>/<hash>/symbol=S/month=M/`. A symbol
 * whose inputs are unchanged since its last build is skipped unless `force`. Otherwise its features
 * are computed over its whole history (warm-up needs it) but only months whose values changed are
 * written, so a build appends what bronze gained and the files stay a pure function of bronze and
 * spec (same inputs, byte-identical files).
 */
export async function buildSymbol(ctx: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection }, set: FeatureSet, symbol: string, force: boolean): Promise<SymbolOutcome> {
  for (const s of [symbol, ...set.features.flatMap((f) => (f.params.symbol ? [f.params.symbol] : []))]) {
    if (ctx.catalog.storedTimeframes(s).length === 0) throw new ApiError('invalid_argument', `feature set ${set.name} (${set.file}) refers to symbol ${s}, which the lake lacks; import or backfill it first`, 'symbols');
  }
  const dir = buildDir(set);
  const inputs = inputsOf(ctx.catalog, ctx.home.lake, symbol, set);
  const prev = readJson<{ symbols: Record<string, SymbolManifest> }>(path.join(ctx.home.lake, dir, 'manifest.json'), { symbols: {} }).symbols[symbol];
  if (!force && prev?.months && JSON.stringify(prev.inputs) === JSON.stringify(inputs) && Object.values(prev.months).every((m) => fs.existsSync(path.join(ctx.home.lake, m.file)))) {
    return { build: { symbol, status: 'up to date', rows: prev.rows, monthsWritten: 0, monthsKept: Object.keys(prev.months).length } };
  }
  const bars = await readBars(ctx.con, ctx.catalog, ctx.home.lake, { symbol, timeframe: set.timeframe });
  const withSessions = sessionSeries(bars, calendarFor(ctx.catalog, symbol));
  const series: FeatureSeries = set.session === 'rth' ? regularHoursOnly(withSessions, set.timeframe) : withSessions;
  const partner = set.features.find((f) => f.params.symbol)?.params.symbol;
  if (partner) series.partner = alignPartner(series.t, await readBars(ctx.con, ctx.catalog, ctx.home.lake, { symbol: partner, timeframe: set.timeframe }));
  const columns = new Map([['close', series.c] as [string, Float64Array], ...computeFeatures(series, set.features)]);
  if (set.book.length) {
    const closes = series.t.map((t) => t + barLengthMs(set.timeframe));
    for (const [name, col] of await bookFeatureColumns({ con: ctx.con, catalog: ctx.catalog, lake: ctx.home.lake }, symbol, closes, set.book, set.name)) columns.set(name, col);
  }
  if (set.options.length) {
    // GEX is measured at the close and at the nearest level of each kind the set's key levels give (close − distance).
    const closes = series.t.map((t) => t + barLengthMs(set.timeframe));
    for (const [name, col] of await optionFeatureColumns({ con: ctx.con, catalog: ctx.catalog, lake: ctx.home.lake }, symbol, closes, Float64Array.from(series.day), gexAnchors(series.c, columns), set.options, set.name)) columns.set(name, col);
  }
  for (const l of set.labels) l.def.compute(series, l.params).forEach((col, j) => columns.set(l.outputs[j]!, col));
  // Features and labels see every bar; the rows kept are those the set evaluates.
  const kept = set.evaluate ? evaluationRows(series.t, set.evaluate, calendarFor(ctx.catalog, symbol), set.name) : null;
  const t = kept ? Float64Array.from(kept, (i) => series.t[i]!) : series.t;
  if (kept) for (const [name, col] of columns) columns.set(name, Float64Array.from(kept, (i) => col[i]!));
  const months = await writeMonths(ctx, `${dir}/symbol=${symbol}`, t, columns, force ? {} : (prev?.months ?? {}));
  const written = Object.values(months).filter((m) => m.written).length;
  return {
    build: { symbol, status: 'built', rows: t.length, monthsWritten: written, monthsKept: Object.keys(months).length - written },
    record: {
      manifest: { rows: t.length, inputs, months: Object.fromEntries(Object.entries(months).map(([m, { written: _w, ...rest }]) => [m, rest])) },
      validation: { rows: t.length, columns: Object.fromEntries([...columns].map(([name, col]) => [name, columnStats(col)])) },
      columns: [...columns.keys()],
    },
  };
}

/** How a requested symbol's last build went: `pending` while it runs (and forever, if the build was killed). */
export interface SymbolRequest {
  status: 'pending' | 'built' | 'failed' | 'interrupted';
  /** Why it failed. */
  error?: string;
  /** When the status was set (epoch ms). */
  at: number;
}

/** The manifest's header fields for a set, as every writer of the manifest sets them. */
function manifestHeader(set: FeatureSet): Record<string, unknown> {
  const spec = { features: set.features.map((f) => f.spec), labels: set.labels.map((l) => l.spec), ...(set.book.length ? { book: set.book.map((b) => b.spec) } : {}), ...(set.options.length ? { options: set.options.map((o) => o.spec) } : {}), timeframe: set.timeframe, session: set.session, ...(set.evaluate ? { evaluate: set.evaluate } : {}) };
  return { set: set.name, hash: set.hash, buildId: `${set.name}@${set.hash}`, codeVersion: FEATURE_CODE_VERSION, spec };
}

/**
 * Records how the build of some symbols stands in the manifest (`requested`): pending when a build
 * starts (so a killed build leaves them pending, read as interrupted), then built, failed or interrupted.
 */
export function markRequested(home: HomeLayout, set: FeatureSet, symbols: readonly string[], status: SymbolRequest['status'], error?: string): void {
  const abs = path.join(home.lake, buildDir(set));
  fs.mkdirSync(abs, { recursive: true });
  const manifestFile = path.join(abs, 'manifest.json');
  const m = readJson<{ columns?: string[]; symbols: Record<string, SymbolManifest>; requested?: Record<string, SymbolRequest> }>(manifestFile, { symbols: {} });
  const requested = { ...(m.requested ?? {}) };
  for (const s of symbols) requested[s] = { status, ...(error ? { error } : {}), at: Date.now() };
  writeJsonAtomically(manifestFile, { ...manifestHeader(set), columns: m.columns ?? [], symbols: sortKeys(m.symbols), requested: sortKeys(requested) }, home.tmp);
}

/**
 * Files a symbol's build in the set's manifest.json (spec, hash, code version, inputs with checksums,
 * month files, row counts) and validation.json (per-column statistics). One writer (the job's
 * thread) does this for every symbol, so concurrent symbol builds never lose each other's entries.
 */
export function recordSymbolBuild(home: HomeLayout, set: FeatureSet, outcome: SymbolOutcome): void {
  const r = outcome.record;
  if (!r) {
    markRequested(home, set, [outcome.build.symbol], 'built');
    return;
  }
  const abs = path.join(home.lake, buildDir(set));
  const manifestFile = path.join(abs, 'manifest.json');
  const validationFile = path.join(abs, 'validation.json');
  const manifest = readJson<{ symbols: Record<string, SymbolManifest>; requested?: Record<string, SymbolRequest> }>(manifestFile, { symbols: {} });
  const validation = readJson<{ symbols: Record<string, SymbolValidation> }>(validationFile, { symbols: {} });
  manifest.symbols[outcome.build.symbol] = r.manifest;
  validation.symbols[outcome.build.symbol] = r.validation;
  const requested = { ...(manifest.requested ?? {}), [outcome.build.symbol]: { status: 'built' as const, at: Date.now() } };
  writeJsonAtomically(manifestFile, { ...manifestHeader(set), columns: r.columns, symbols: sortKeys(manifest.symbols), requested: sortKeys(requested) }, home.tmp);
  writeJsonAtomically(validationFile, { set: set.name, hash: set.hash, symbols: sortKeys(validation.symbols) }, home.tmp);
}

const sortKeys = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

/** A bar's length: a close is its open plus this (daily and weekly bars close a day and a week after they open). */
export function barLengthMs(timeframe: FeatureSet['timeframe']): number {
  return timeframe === '1d' ? 86_400_000 : timeframe === '1w' ? 7 * 86_400_000 : INTRADAY_MS[timeframe];
}

/** Rows whose bar the set evaluates. */
function evaluationRows(t: Float64Array, w: { from: string; to: string }, cal: SessionCalendar | undefined, setName: string): Uint32Array {
  const inWindow = evaluationWindow(w, cal, setName);
  const keep: number[] = [];
  for (let i = 0; i < t.length; i++) if (inWindow(t[i]!)) keep.push(i);
  return Uint32Array.from(keep);
}
