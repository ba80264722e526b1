import { DEMO_INSTRUMENTS, type ContractSpec, type DemoParams } from '../../common/instruments';
import type { Bars } from '../../common/bars';
import { dayNumber, isTradingDay, localMinuteOfDay, minutesOf, sessionOf, sessionsOverlapping, type Session } from '../calendar';
import { hashInts, Rng } from './rng';

/**
 * The demo market: a deterministic synthetic futures market. A daily path (trend-anchored price
 * level, stochastic volatility, factor-correlated returns, overnight gaps) is computed from 2000 on;
 * each session's minutes are then drawn from streams seeded by (seed, symbol, trading day) alone and
 * bridged to that day's close, so a symbol and minute always get the same bar whatever range is asked.
 */

/** Equal-length bar columns, oldest first. */
export type BarColumns = Pick<Bars, 't' | 'o' | 'h' | 'l' | 'c' | 'v'>;

/** Columns of no bars. */
export function noBars(): BarColumns {
  return { t: new Float64Array(0), o: new Float64Array(0), h: new Float64Array(0), l: new Float64Array(0), c: new Float64Array(0), v: new Float64Array(0) };
}

const FIRST_DAY = dayNumber('1999-12-01');
const LAST_DAY = dayNumber('2040-12-31');
const ANCHOR_START = dayNumber('2000-01-01');
const ANCHOR_END = dayNumber('2026-01-01');
const STREAM = { factor: 1, idio: 2, vol: 3, gap: 4, intraday: 5, intradayFactor: 6, volume: 7, range: 8 } as const;

/** The earliest date the demo source delivers. */
export const DEMO_EARLIEST = '2000-01-01';

interface DailyPath {
  /** Log close per day index (day - FIRST_DAY); NaN on non-trading days. */
  logClose: Float64Array;
  /** Log open of each session. */
  logOpen: Float64Array;
  /** Daily volatility of each session (log-return standard deviation). */
  sigma: Float64Array;
}

const dailyCache = new Map<string, DailyPath>();

function spec(symbol: string): ContractSpec & { demo: DemoParams; index: number } {
  const i = DEMO_INSTRUMENTS.findIndex((x) => x.symbol === symbol);
  if (i < 0) throw new Error(`the demo source has no symbol ${symbol}; it offers ${DEMO_INSTRUMENTS.map((x) => x.symbol).join(', ')}`);
  return { ...DEMO_INSTRUMENTS[i]!, index: i };
}

function dailyPath(symbol: string, seed: number): DailyPath {
  const key = `${seed}:${symbol}`;
  const cached = dailyCache.get(key);
  if (cached) return cached;
  const s = spec(symbol);
  const p = s.demo;
  const n = LAST_DAY - FIRST_DAY + 1;
  const logClose = new Float64Array(n).fill(Number.NaN);
  const logOpen = new Float64Array(n).fill(Number.NaN);
  const sigma = new Float64Array(n).fill(Number.NaN);
  const a = p.equityLoading;
  const b = p.commodityLoading;
  const idio = Math.sqrt(Math.max(0.01, 1 - a * a - b * b));
  const norm = Math.sqrt(a * a + b * b + idio * idio);
  const base = p.annualVol / Math.sqrt(252);
  const slope = (Math.log(p.priceEnd) - Math.log(p.priceStart)) / (ANCHOR_END - ANCHOR_START);
  const trend = (d: number): number => Math.log(p.priceStart) + slope * (d - ANCHOR_START);
  let logVol = 0;
  let dev = 0;
  let prevClose = Number.NaN;
  let gapDays = 1;
  for (let d = FIRST_DAY; d <= LAST_DAY; d++) {
    if (!isTradingDay(s.calendar, d)) {
      gapDays++;
      continue;
    }
    const f = new Rng(hashInts(seed, STREAM.factor, d));
    const fEq = f.normal();
    const fCmd = f.normal();
    const fVol = f.normal();
    const own = new Rng(hashInts(seed, STREAM.idio, s.index, d));
    const z = (a * fEq + b * fCmd + idio * own.normal()) / norm;
    // Volatility clusters: a persistent log-vol process, partly shared across the market.
    logVol = 0.985 * logVol + 0.12 * (0.6 * fVol + 0.8 * own.normal());
    const sd = base * Math.exp(logVol - 0.5 * 0.12 * 0.12 / (1 - 0.985 * 0.985));
    // Mean reversion toward the anchored trend keeps levels realistic over decades.
    dev = (1 - 1 / 500) * dev + sd * z;
    const i = d - FIRST_DAY;
    const close = trend(d) + dev;
    const gapSd = sd * (gapDays > 1 ? 0.45 : 0.2);
    const open = Number.isNaN(prevClose) ? close - sd * z : prevClose + gapSd * own.normal();
    logClose[i] = close;
    logOpen[i] = open;
    sigma[i] = sd;
    prevClose = close;
    gapDays = 1;
  }
  const path = { logClose, logOpen, sigma };
  dailyCache.set(key, path);
  return path;
}

/** Relative activity of each local minute: quiet overnight, a U-shape over regular hours, a bump before the open. */
function activityProfile(minutes: Int16Array, rthStart: number, rthEnd: number, out: Float64Array): void {
  const span = rthEnd - rthStart;
  for (let i = 0; i < minutes.length; i++) {
    const m = minutes[i]!;
    let w = 0.3;
    if (m >= rthStart && m < rthEnd) {
      const u = (m - rthStart) / span;
      const x = 2 * u - 1;
      w = 0.9 + 1.8 * x * x * x * x + 0.6 * x * x;
    } else if (m >= rthStart - 60 && m < rthStart) w = 0.55;
    else if (m >= rthEnd && m < rthEnd + 60) w = 0.45;
    out[i] = w;
  }
}

/** Bars of one session of one demo symbol. */
export function generateSession(symbol: string, seed: number, session: Session): BarColumns {
  const s = spec(symbol);
  const daily = dailyPath(symbol, seed);
  const di = session.day - FIRST_DAY;
  const sd = daily.sigma[di]!;
  const logOpen = daily.logOpen[di]!;
  const target = daily.logClose[di]! - logOpen;
  const minutes = localMinuteOfDay(s.calendar, session);
  const n = minutes.length;
  const prof = new Float64Array(n);
  activityProfile(minutes, minutesOf(s.calendar.rth.start), minutesOf(s.calendar.rth.end), prof);

  const own = new Rng(hashInts(seed, STREAM.intraday, s.index, session.day));
  const market = new Rng(hashInts(seed, STREAM.intradayFactor, session.day));
  const volRng = new Rng(hashInts(seed, STREAM.volume, s.index, session.day));
  const rangeRng = new Rng(hashInts(seed, STREAM.range, s.index, session.day));
  const a = s.demo.equityLoading;
  const b = s.demo.commodityLoading;
  const idio = Math.sqrt(Math.max(0.01, 1 - a * a - b * b));
  const norm = Math.sqrt(a * a + b * b + idio * idio);

  const shock = new Float64Array(n);
  const scale = new Float64Array(n);
  let h = 0;
  let variance = 0;
  for (let i = 0; i < n; i++) {
    h = 0.97 * h + 0.1 * own.normal();
    const w = prof[i]! * Math.exp(h);
    scale[i] = w;
    const mEq = market.normal();
    const mCmd = market.normal();
    shock[i] = (w * (a * mEq + b * mCmd + idio * own.normal())) / norm;
    variance += w * w;
  }
  const k = sd / Math.sqrt(variance);
  const t = new Float64Array(n);
  const o = new Float64Array(n);
  const hi = new Float64Array(n);
  const lo = new Float64Array(n);
  const c = new Float64Array(n);
  const v = new Float64Array(n);
  const inv = Math.round(1 / s.tickSize);
  const tick = (x: number): number => Math.round(x * inv);
  let cum = 0;
  let profSum = 0;
  for (let i = 0; i < n; i++) profSum += prof[i]!;
  // Bridge: accumulate the scaled shocks, then tilt the path linearly so it ends on the day's close.
  const path = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    cum += k * shock[i]!;
    path[i] = cum;
  }
  const tilt = (target - cum) / n;
  let prevTicks = tick(Math.exp(logOpen));
  for (let i = 0; i < n; i++) {
    const logC = logOpen + path[i]! + tilt * (i + 1);
    const cTicks = tick(Math.exp(logC));
    const oTicks = prevTicks;
    const price = Math.exp(logC);
    const minuteSd = k * scale[i]! * price * inv;
    const up = Math.floor(Math.abs(rangeRng.normal()) * 0.6 * minuteSd);
    const down = Math.floor(Math.abs(rangeRng.normal()) * 0.6 * minuteSd);
    t[i] = session.start + i * 60_000;
    o[i] = oTicks / inv;
    c[i] = cTicks / inv;
    hi[i] = (Math.max(oTicks, cTicks) + up) / inv;
    lo[i] = (Math.min(oTicks, cTicks) - down) / inv;
    const move = Math.abs(cTicks - oTicks) / Math.max(1, minuteSd);
    const noise = Math.exp(0.35 * volRng.normal());
    v[i] = Math.max(1, Math.round((s.demo.sessionVolume * prof[i]! * prof[i]!) / (profSum * 1.6) * noise * (0.7 + 0.5 * move)));
    prevTicks = cTicks;
  }
  return { t, o, h: hi, l: lo, c, v };
}

/** Concatenates bar columns. */
export function concatColumns(parts: BarColumns[]): BarColumns {
  const n = parts.reduce((s, p) => s + p.t.length, 0);
  const out: BarColumns = { t: new Float64Array(n), o: new Float64Array(n), h: new Float64Array(n), l: new Float64Array(n), c: new Float64Array(n), v: new Float64Array(n) };
  let at = 0;
  for (const p of parts) {
    for (const k of ['t', 'o', 'h', 'l', 'c', 'v'] as const) out[k].set(p[k], at);
    at += p.t.length;
  }
  return out;
}

/** Keeps the bars whose index passes a test. */
export function filterColumns(b: BarColumns, keep: (i: number) => boolean): BarColumns {
  let n = 0;
  const idx = new Int32Array(b.t.length);
  for (let i = 0; i < b.t.length; i++) if (keep(i)) idx[n++] = i;
  const out: BarColumns = { t: new Float64Array(n), o: new Float64Array(n), h: new Float64Array(n), l: new Float64Array(n), c: new Float64Array(n), v: new Float64Array(n) };
  for (const k of ['t', 'o', 'h', 'l', 'c', 'v'] as const) {
    const src = b[k];
    const dst = out[k];
    for (let j = 0; j < n; j++) dst[j] = src[idx[j]!]!;
  }
  return out;
}

/** Demo bars of a symbol whose open time lies in [fromMs, toMs). */
export function generateRange(symbol: string, seed: number, fromMs: number, toMs: number): BarColumns {
  const s = spec(symbol);
  const sessions = sessionsOverlapping(s.calendar, fromMs, toMs).filter((x) => x.day >= dayNumber(DEMO_EARLIEST));
  const all = concatColumns(sessions.map((x) => generateSession(symbol, seed, x)));
  return filterColumns(all, (i) => all.t[i]! >= fromMs && all.t[i]! < toMs);
}

/** The session that closes on a `YYYY-MM-DD` date, for tests and tools. */
export function demoSession(symbol: string, date: string): Session {
  return sessionOf(spec(symbol).calendar, dayNumber(date));
}
