import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseUtc } from '../../common/schemas';
import { INTRADAY_MS, STORED_TIMEFRAME_MS, type Timeframe } from '../../common/timeframes';
import { ApiError } from '../../common/errors';
import { currentMaterialized, materializable } from './materialized-version';
import type { Bars } from '../../common/bars';
import type { BarFileRow, Catalog } from '../catalog';
import { calendarFor, minutesOf, opensOvernight } from '../calendar';
import type { SessionCalendar } from '../../common/instruments';
import { readFloat64Columns, sqlString } from './duck-columns';
import type { ColumnCache } from './column-cache';
import { noBars } from '../demo/demo-market';

const DAY_MS = 86_400_000;

/** A `to` given as a bare date includes that whole day. */
function endExclusive(to: string): number {
  return to.length === 10 ? parseUtc(to) + DAY_MS : parseUtc(to) + 1;
}

/**
 * SQL for the trading date of a minute: shift local time so the session open lands on midnight.
 * Symbols without a known calendar fall back to UTC calendar days.
 */
export function sessionDateSql(cal: SessionCalendar | undefined): string {
  if (cal === undefined) return 'CAST(ts AS DATE)';
  const shift = opensOvernight(cal) ? 1440 - minutesOf(cal.open) : 0;
  return `CAST(((ts AT TIME ZONE 'UTC') AT TIME ZONE ${sqlString(cal.tz)}) + INTERVAL ${shift} MINUTE AS DATE)`;
}

/**
 * The files of the newest months that surely hold at least `limit` minutes before `toMs`: months
 * partition time, so every minute outside them is older than every minute inside.
 */
function newestMonthsCovering(files: BarFileRow[], limit: number, toMs: number | undefined): BarFileRow[] {
  let rows = 0;
  let oldest: string | undefined;
  for (let i = files.length - 1; i >= 0 && rows < limit; i--) {
    const f = files[i]!;
    if (toMs === undefined || f.lastTs < toMs) rows += f.rows;
    oldest = f.month;
  }
  return files.filter((f) => oldest === undefined || f.month >= oldest);
}

/** Every bar of one stored series (its own timeframe, no aggregation), oldest first. */
export async function readStoredSeries(con: DuckDBConnection, catalog: Catalog, lakeRoot: string, symbol: string, timeframe: string): Promise<Bars> {
  const files = catalog.barFiles({ timeframe, symbol });
  const bars = (cols: Float64Array[]): Bars => ({ symbol, timeframe: timeframe as Timeframe, t: cols[0]!, o: cols[1]!, h: cols[2]!, l: cols[3]!, c: cols[4]!, v: cols[5]! });
  if (files.length === 0) return bars(Array.from({ length: 6 }, () => new Float64Array(0)));
  const list = files.map((f) => sqlString(path.join(lakeRoot, f.path))).join(', ');
  return bars(await readFloat64Columns(con, `SELECT epoch_ms(ts)::DOUBLE, open, high, low, close, volume FROM read_parquet([${list}], hive_partitioning = false) ORDER BY ts`));
}

/**
 * The stored timeframes a request is built from, finest first: the asked one where stored, and the
 * finer ones that divide it. Stored daily bars alone serve daily and weekly requests.
 */
function sourceTimeframes(symbol: string, want: Timeframe, stored: string[]): string[] {
  if ((want === '1d' || want === '1w') && stored.includes('1d')) return ['1d'];
  const wantMs = want === '1d' || want === '1w' ? Number.POSITIVE_INFINITY : INTRADAY_MS[want];
  const builds = stored
    .filter((tf) => tf === want || (tf !== '1d' && STORED_TIMEFRAME_MS[tf] !== undefined && STORED_TIMEFRAME_MS[tf]! < wantMs && (wantMs === Number.POSITIVE_INFINITY || wantMs % STORED_TIMEFRAME_MS[tf]! === 0)))
    .sort((x, y) => STORED_TIMEFRAME_MS[x]! - STORED_TIMEFRAME_MS[y]!);
  if (builds.length === 0) {
    throw new ApiError('not_found', `${symbol} has ${stored.join(', ')} bars, from which ${want} bars cannot be built; ask for ${stored.join(' or ')} or a coarser timeframe`, 'timeframe');
  }
  return builds;
}

/**
 * Files to read: for each month, those of the finest source timeframe that has it. After retention
 * turns old 1-minute months into 5-minute ones, a request spans both without counting a minute twice.
 */
function sourceFiles(catalog: Catalog, symbol: string, tfs: string[], fromTs: number | undefined, toTs: number | undefined): BarFileRow[] {
  const covered = new Set<string>();
  const out: BarFileRow[] = [];
  for (const tf of tfs) {
    const files = catalog.barFiles({ timeframe: tf, symbol, fromTs, toTs }).filter((f) => !covered.has(f.month));
    out.push(...files);
    for (const f of files) covered.add(f.month);
  }
  return out.sort((x, y) => x.firstTs - y.firstTs);
}

/**
 * Reads bars of one series from the lake, aggregating a finer stored timeframe to the asked one where
 * needed. Daily and weekly bars of a symbol stored both as daily bars and intraday: the sessions the
 * intraday bars cover are built from them, the stored daily bars fill the other dates. With a cache,
 * the columns returned may be shared with other callers (see ColumnCache).
 */
export async function readBars(
  con: DuckDBConnection,
  catalog: Catalog,
  lakeRoot: string,
  a: { symbol: string; timeframe: Timeframe; from?: string; to?: string; limit?: number },
  useMaterialized = true,
  cache?: ColumnCache,
): Promise<Bars> {
  const stored = catalog.storedTimeframes(a.symbol);
  const intraday = stored.filter((tf) => tf !== '1d' && STORED_TIMEFRAME_MS[tf] !== undefined);
  const mixed = (a.timeframe === '1d' || a.timeframe === '1w') && stored.includes('1d') && intraday.length > 0;
  if (!mixed || (useMaterialized && currentMaterialized(catalog, lakeRoot, a.symbol, a.timeframe))) return readFrom(con, catalog, lakeRoot, a, useMaterialized, stored, cache);
  const day = { ...a, timeframe: '1d' as const, limit: undefined };
  const days = mergeDays(await readFrom(con, catalog, lakeRoot, day, false, intraday, cache), await readFrom(con, catalog, lakeRoot, day, false, ['1d'], cache));
  const out = a.timeframe === '1w' ? isoWeeks(days) : days;
  return a.limit !== undefined && out.t.length > a.limit ? sliceBars(out, out.t.length - a.limit) : out;
}

/** Daily bars of two sources by date: every date of `finer`, and those of `fill` that `finer` lacks. */
function mergeDays(finer: Bars, fill: Bars): Bars {
  const t: number[] = [];
  const pick: [Bars, number][] = [];
  let i = 0;
  let j = 0;
  while (i < finer.t.length || j < fill.t.length) {
    const a = i < finer.t.length ? finer.t[i]! : Number.POSITIVE_INFINITY;
    const b = j < fill.t.length ? fill.t[j]! : Number.POSITIVE_INFINITY;
    if (a <= b) {
      pick.push([finer, i++]);
      if (a === b) j++;
      t.push(a);
    } else {
      pick.push([fill, j++]);
      t.push(b);
    }
  }
  const col = (k: 'o' | 'h' | 'l' | 'c' | 'v'): Float64Array => Float64Array.from(pick, ([src, x]) => src[k][x]!);
  return { symbol: finer.symbol, timeframe: '1d', t: Float64Array.from(t), o: col('o'), h: col('h'), l: col('l'), c: col('c'), v: col('v') };
}

/** Daily bars grouped into ISO weeks (Monday 00:00 UTC), as the SQL path's date_trunc('week') does. */
function isoWeeks(d: Bars): Bars {
  const out = { t: [] as number[], o: [] as number[], h: [] as number[], l: [] as number[], c: [] as number[], v: [] as number[] };
  for (let i = 0; i < d.t.length; i++) {
    const week = d.t[i]! - ((new Date(d.t[i]!).getUTCDay() + 6) % 7) * DAY_MS;
    const k = out.t.length - 1;
    if (k >= 0 && out.t[k] === week) {
      out.h[k] = Math.max(out.h[k]!, d.h[i]!);
      out.l[k] = Math.min(out.l[k]!, d.l[i]!);
      out.c[k] = d.c[i]!;
      out.v[k]! += d.v[i]!;
    } else {
      out.t.push(week);
      out.o.push(d.o[i]!);
      out.h.push(d.h[i]!);
      out.l.push(d.l[i]!);
      out.c.push(d.c[i]!);
      out.v.push(d.v[i]!);
    }
  }
  const f = (x: number[]): Float64Array => Float64Array.from(x);
  return { symbol: d.symbol, timeframe: '1w', t: f(out.t), o: f(out.o), h: f(out.h), l: f(out.l), c: f(out.c), v: f(out.v) };
}

function sliceBars(b: Bars, from: number): Bars {
  return { ...b, t: b.t.slice(from), o: b.o.slice(from), h: b.h.slice(from), l: b.l.slice(from), c: b.c.slice(from), v: b.v.slice(from) };
}

/** readBars from the given stored timeframes only. */
async function readFrom(
  con: DuckDBConnection,
  catalog: Catalog,
  lakeRoot: string,
  a: { symbol: string; timeframe: Timeframe; from?: string; to?: string; limit?: number },
  useMaterialized: boolean,
  stored: string[],
  cache: ColumnCache | undefined,
): Promise<Bars> {
  const empty: Bars = { symbol: a.symbol, timeframe: a.timeframe, ...noBars() };
  if (stored.length === 0) return empty;
  const tfs = sourceTimeframes(a.symbol, a.timeframe, stored);
  const source = tfs[0]!;
  const fromMs = a.from !== undefined ? parseUtc(a.from) : undefined;
  const toMs = a.to !== undefined ? endExclusive(a.to) : undefined;
  const materialized = useMaterialized && materializable(a.timeframe) ? currentMaterialized(catalog, lakeRoot, a.symbol, a.timeframe) : undefined;
  if (materialized) {
    const where: string[] = [];
    if (fromMs !== undefined) where.push(`t >= ${a.timeframe === '1d' || a.timeframe === '1w' ? Math.floor(fromMs / DAY_MS) * DAY_MS : fromMs}`);
    if (toMs !== undefined) where.push(`t < ${toMs}`);
    const rows = `SELECT * FROM (SELECT epoch_ms(ts)::DOUBLE AS t, open, high, low, close, volume FROM read_parquet(${sqlString(materialized)})) q${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
    const sql = a.limit !== undefined ? `SELECT * FROM (${rows} ORDER BY t DESC LIMIT ${a.limit}) ORDER BY t` : `${rows} ORDER BY t`;
    const [t, o, h, l, c, v] = await readFloat64Columns(con, sql, cache);
    return { symbol: a.symbol, timeframe: a.timeframe, t: t!, o: o!, h: h!, l: l!, c: c!, v: v! };
  }
  // Daily bars built from intraday ones are keyed by trading date; widen the scan so whole sessions are read.
  const sessions = (a.timeframe === '1d' || a.timeframe === '1w') && source !== a.timeframe;
  const scanFrom = fromMs !== undefined && sessions ? fromMs - DAY_MS : fromMs;
  const scanTo = toMs !== undefined && sessions ? toMs + DAY_MS : toMs;
  const overlapping = sourceFiles(catalog, a.symbol, tfs, scanFrom, scanTo === undefined ? undefined : scanTo - 1);
  const direct = source === a.timeframe && overlapping.every((f) => f.timeframe === source);
  const lastRows = direct && a.limit !== undefined;
  const files = lastRows ? newestMonthsCovering(overlapping, a.limit!, scanTo) : overlapping;
  if (files.length === 0) return empty;
  const list = files.map((f) => sqlString(path.join(lakeRoot, f.path))).join(', ');
  const where: string[] = [];
  if (scanFrom !== undefined) where.push(`ts >= epoch_ms(${scanFrom}::BIGINT)`);
  if (scanTo !== undefined) where.push(`ts < epoch_ms(${scanTo}::BIGINT)`);
  const src = `read_parquet([${list}], hive_partitioning = false)${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  let sql: string;
  if (direct) {
    sql = `SELECT epoch_ms(ts)::DOUBLE AS t, open, high, low, close, volume FROM ${src}`;
  } else if (a.timeframe === '1w') {
    // Trading dates (stored daily bars, or session dates of intraday ones) grouped into ISO weeks.
    const day = source === '1d' ? 'CAST(ts AS DATE)' : sessionDateSql(calendarFor(catalog, a.symbol));
    sql = `SELECT epoch_ms(CAST(date_trunc('week', d) AS TIMESTAMP))::DOUBLE AS t, arg_min(open, ts), max(high), min(low), arg_max(close, ts), sum(volume)
           FROM (SELECT ${day} AS d, * FROM ${src}) GROUP BY 1`;
  } else if (a.timeframe === '1d') {
    sql = `SELECT epoch_ms(CAST(d AS TIMESTAMP))::DOUBLE AS t, arg_min(open, ts), max(high), min(low), arg_max(close, ts), sum(volume)
           FROM (SELECT ${sessionDateSql(calendarFor(catalog, a.symbol))} AS d, * FROM ${src}) GROUP BY d`;
  } else {
    const minutes = INTRADAY_MS[a.timeframe] / 60_000;
    sql = `SELECT epoch_ms(time_bucket(INTERVAL ${minutes} MINUTE, ts))::DOUBLE AS t, arg_min(open, ts), max(high), min(low), arg_max(close, ts), sum(volume)
           FROM ${src} GROUP BY 1`;
  }
  const outer: string[] = [];
  if (sessions && fromMs !== undefined) outer.push(`t >= ${Math.floor(fromMs / DAY_MS) * DAY_MS}`);
  if (sessions && toMs !== undefined) outer.push(`t < ${toMs}`);
  const filtered = `SELECT * FROM (${sql}) q${outer.length ? ` WHERE ${outer.join(' AND ')}` : ''}`;
  // Each stored file's rows are written in time order and DuckDB keeps the order of the files and
  // rows it scans: files of one series that follow each other in time need no sort.
  const inOrder = direct && files.every((f, i) => i === 0 || f.firstTs > files[i - 1]!.lastTs);
  const sort = inOrder ? '' : ' ORDER BY t';
  let ordered: string;
  if (lastRows) {
    // Stored bars are unique per time, so the last N are the sorted rows after skipping (count - N): one sort at most, not two.
    const [count] = await readFloat64Columns(con, `SELECT count(*)::DOUBLE FROM ${src}`, cache);
    ordered = `${filtered}${sort} OFFSET ${Math.max(0, count![0]! - a.limit!)}`;
  } else if (a.limit !== undefined) {
    ordered = `SELECT * FROM (${filtered} ORDER BY t DESC LIMIT ${a.limit}) ORDER BY t`;
  } else {
    ordered = `${filtered}${sort}`;
  }
  const [t, o, h, l, c, v] = await readFloat64Columns(con, ordered, cache);
  return { symbol: a.symbol, timeframe: a.timeframe, t: t!, o: o!, h: h!, l: l!, c: c!, v: v! };
}
