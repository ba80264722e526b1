import type { DuckDBConnection } from '@duckdb/node-api';
import { ApiError } from '../../common/errors';
import { frontMonthTicks } from './front-ticks';
import { CME_GLOBEX, type SessionCalendar } from '../../common/instruments';
import { STORED_TIMEFRAME_MS } from '../../common/timeframes';
import type { ContinuousResult } from '../../common/lake/types';
import type { Bars } from '../../common/bars';
import type { Catalog } from '../catalog';
import { calendarFor, sessionsOverlapping } from '../calendar';
import type { HomeLayout } from '../home';
import { readStoredSeries } from './bar-reader';
import { BarWriter, monthBounds, monthOf, type PartToWrite } from './bar-store';
import { retireLakeFiles } from './retired-files';

const MONTH_CODES = 'FGHJKMNQUVXZ';

/** Root, delivery month (1–12) and year of a futures contract symbol such as ESH4 or ESM24. */
export function parseContract(symbol: string, referenceYear = new Date().getUTCFullYear()): { root: string; month: number; year: number } | undefined {
  const m = /^([A-Z0-9]{1,5}?)([FGHJKMNQUVXZ])(\d{1,2})$/.exec(symbol);
  if (!m) return undefined;
  const digits = Number(m[3]);
  let year: number;
  if (m[3]!.length === 2) year = 2000 + digits;
  else {
    // One digit: the year of that decade nearest the reference year.
    year = Math.floor(referenceYear / 10) * 10 + digits;
    if (year > referenceYear + 5) year -= 10;
    else if (year < referenceYear - 5) year += 10;
  }
  return { root: m[1]!, month: MONTH_CODES.indexOf(m[2]!) + 1, year };
}

/** Index of the session each bar falls in (bars and sessions both ascending); -1 outside sessions. */
function sessionIndex(t: Float64Array, sessions: { start: number; end: number }[]): Int32Array {
  const out = new Int32Array(t.length).fill(-1);
  let s = 0;
  for (let i = 0; i < t.length; i++) {
    while (s < sessions.length && sessions[s]!.end <= t[i]!) s++;
    if (s < sessions.length && t[i]! >= sessions[s]!.start) out[i] = s;
  }
  return out;
}

/**
 * Builds the continuous series of a futures root from its stored contracts: a contract becomes front
 * from the session after the one in which its share of the root's volume exceeds `threshold`. Writes
 * `<ROOT>.C` (unadjusted) and `<ROOT>.CBA` (back-adjusted by the close difference at each roll) to
 * silver, replacing earlier builds. Every bar comes from one contract.
 */
export async function buildContinuous(
  deps: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection },
  root: string,
  threshold = 0.6,
): Promise<ContinuousResult> {
  const symbols = (deps.catalog.db.prepare("SELECT DISTINCT symbol FROM bar_files WHERE dataset = 'bars'").all() as { symbol: string }[]).map((r) => r.symbol);
  const contracts = symbols
    .map((s) => ({ symbol: s, c: parseContract(s) }))
    .filter((x): x is { symbol: string; c: NonNullable<ReturnType<typeof parseContract>> } => x.c !== undefined && x.c.root === root)
    .sort((a, b) => a.c.year * 12 + a.c.month - (b.c.year * 12 + b.c.month));
  if (contracts.length === 0) throw new ApiError('not_found', `no contracts of ${root} in the lake (symbols like ${root}H4 or ${root}M24)`, 'root');
  const tfs = contracts.map((x) => deps.catalog.storedTimeframes(x.symbol).sort((a, b) => STORED_TIMEFRAME_MS[a]! - STORED_TIMEFRAME_MS[b]!)[0]!);
  const timeframe = tfs.reduce((a, b) => (STORED_TIMEFRAME_MS[a]! >= STORED_TIMEFRAME_MS[b]! ? a : b));
  const series: Bars[] = [];
  for (const x of contracts) series.push(await readStoredSeries(deps.con, deps.catalog, deps.home.lake, x.symbol, timeframe));
  const first = Math.min(...series.filter((b) => b.t.length).map((b) => b.t[0]!));
  const last = Math.max(...series.filter((b) => b.t.length).map((b) => b.t[b.t.length - 1]!));
  const cal: SessionCalendar = calendarFor(deps.catalog, contracts[0]!.symbol) ?? calendarFor(deps.catalog, root) ?? CME_GLOBEX;
  const sessions = sessionsOverlapping(cal, first, last + 1);
  const idx = series.map((b) => sessionIndex(b.t, sessions));
  const volume = series.map(() => new Float64Array(sessions.length));
  const lastClose = series.map(() => new Float64Array(sessions.length).fill(Number.NaN));
  series.forEach((b, k) => {
    for (let i = 0; i < b.t.length; i++) {
      const s = idx[k]![i]!;
      if (s < 0) continue;
      volume[k]![s]! += b.v[i]!;
      lastClose[k]![s] = b.c[i]!;
    }
  });
  // Front contract per session; a roll decided on session d takes effect from session d + 1.
  const front = new Int32Array(sessions.length).fill(-1);
  const rolls: ContinuousResult['rolls'] = [];
  let current = -1;
  let pending = -1;
  for (let s = 0; s < sessions.length; s++) {
    if (pending >= 0) {
      const gap = lastClose[pending]![s - 1]! - lastClose[current]![s - 1]!;
      rolls.push({ date: sessions[s]!.date, from: contracts[current]!.symbol, to: contracts[pending]!.symbol, gap: Number.isFinite(gap) ? gap : 0 });
      current = pending;
      pending = -1;
    }
    let total = 0;
    for (let k = 0; k < series.length; k++) total += volume[k]![s]!;
    if (total === 0) {
      front[s] = current;
      continue;
    }
    if (current < 0) {
      let best = 0;
      for (let k = 1; k < series.length; k++) if (volume[k]![s]! > volume[best]![s]!) best = k;
      current = best;
    }
    front[s] = current;
    for (let k = current + 1; k < series.length; k++) if (volume[k]![s]! / total > threshold) pending = k;
  }
  // Additive back-adjustment: each bar moves by the sum of the roll gaps after it.
  const adjustAfter = new Float64Array(sessions.length + 1);
  const gapAt = new Map(rolls.map((r) => [r.date, r.gap]));
  for (let s = sessions.length - 1; s >= 0; s--) adjustAfter[s] = adjustAfter[s + 1]! + (gapAt.get(sessions[s + 1]?.date ?? '') ?? 0);

  const picked: { k: number; i: number; s: number }[] = [];
  series.forEach((b, k) => {
    for (let i = 0; i < b.t.length; i++) {
      const s = idx[k]![i]!;
      if (s >= 0 && front[s] === k) picked.push({ k, i, s });
    }
  });
  picked.sort((a, b) => series[a.k]!.t[a.i]! - series[b.k]!.t[b.i]!);
  const n = picked.length;
  const cols = (adjust: boolean) => {
    const out = { t: new Float64Array(n), o: new Float64Array(n), h: new Float64Array(n), l: new Float64Array(n), c: new Float64Array(n), v: new Float64Array(n) };
    picked.forEach(({ k, i, s }, j) => {
      const b = series[k]!;
      const d = adjust ? adjustAfter[s]! : 0;
      out.t[j] = b.t[i]!;
      out.o[j] = b.o[i]! + d;
      out.h[j] = b.h[i]! + d;
      out.l[j] = b.l[i]! + d;
      out.c[j] = b.c[i]! + d;
      out.v[j] = b.v[i]!;
    });
    return out;
  };
  const names = [`${root}.C`, `${root}.CBA`];
  const parts: PartToWrite[] = [];
  [cols(false), cols(true)].forEach((b, which) => {
    for (let start = 0; start < n; ) {
      const month = monthOf(b.t[start]!);
      const end = monthBounds(month)[1];
      let stop = start;
      while (stop < n && b.t[stop]! < end) stop++;
      const sl = (a: Float64Array): Float64Array => a.slice(start, stop);
      parts.push({ timeframe, symbol: names[which]!, month, bars: { t: sl(b.t), o: sl(b.o), h: sl(b.h), l: sl(b.l), c: sl(b.c), v: sl(b.v) }, source: `continuous:${root}:${threshold}`, ingestRun: null, derived: true });
      start = stop;
    }
  });
  // Replace the previous build: new files are cataloged and the old rows dropped in one transaction.
  const old = deps.catalog.barFiles().filter((f) => names.includes(f.symbol));
  await new BarWriter(deps.home, deps.catalog, deps.con).writeParts(parts, () => {
    const del = deps.catalog.db.prepare('DELETE FROM bar_files WHERE id = ?');
    for (const f of old) del.run(f.id);
  });
  retireLakeFiles(deps.catalog, old.map((f) => f.path));
  for (const name of names) deps.catalog.setSymbolCalendar(name, cal.id);
  deps.catalog.setFrontContracts(root, `continuous:${threshold}`, sessions.flatMap((x, s) => (front[s]! >= 0 ? [{ date: x.date, contract: contracts[front[s]!]!.symbol }] : [])));
  // The same choice of contract keeps the trades, quotes and book of `<ROOT>.C` front-month pure.
  const ticks = await frontMonthTicks(deps, contracts.map((x) => x.symbol), sessions, front, names[0]!, `continuous:${root}:${threshold}`);
  return { root, timeframe, threshold, symbols: names, contracts: contracts.map((x) => x.symbol), rolls, bars: n, ticks };
}
