import type { QaReport } from '../../common/lake/types';
import type { Bars } from '../../common/bars';
import { STORED_TIMEFRAME_MS } from '../../common/timeframes';
import type { SessionCalendar } from '../../common/instruments';
import { sessionsBetween, sessionsOverlapping } from '../calendar';
import { sessionCoverage } from './coverage';

function median(xs: Float64Array): number {
  if (xs.length === 0) return Number.NaN;
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Indices whose robust z-score (distance from the median in scaled MADs) exceeds `limit`. */
function robustOutliers(xs: Float64Array, limit: number): number[] {
  const med = median(xs);
  const mad = median(xs.map((x) => Math.abs(x - med))) * 1.4826;
  if (!(mad > 0)) return [];
  const out: number[] = [];
  for (let i = 0; i < xs.length; i++) if (Math.abs(xs[i]! - med) / mad > limit) out.push(i);
  return out;
}

/**
 * Indices of returns larger than `limit` local standard deviations, the local scale being the mean
 * absolute return of the `half` bars on each side (×1.25, the normal ratio of σ to mean |x|), so
 * quiet nights and busy opens are each judged against their own volatility.
 */
function returnSpikes(r: Float64Array, limit: number, half = 30): number[] {
  const n = r.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + (Number.isNaN(r[i]!) ? 0 : Math.abs(r[i]!));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(n, i + half + 1);
    const count = hi - lo - 1;
    if (count < 10 || Number.isNaN(r[i]!)) continue;
    const scale = (1.25 * (prefix[hi]! - prefix[lo]! - Math.abs(r[i]!))) / count;
    if (scale > 0 && Math.abs(r[i]!) / scale > limit) out.push(i);
  }
  return out;
}

/** Bars the calendar's sessions hold between the first and last bar, or null without a calendar. */
function expectedBars(b: Bars, sessions: { start: number; end: number }[], step: number, timeframe: string): number | null {
  if (sessions.length === 0 || timeframe === '1d' || b.t.length === 0) return timeframe === '1d' && sessions.length ? sessions.filter((s) => s.end > b.t[0]! && s.start <= b.t[b.t.length - 1]! + 86_400_000).length : null;
  const first = b.t[0]!;
  const last = b.t[b.t.length - 1]! + step;
  let n = 0;
  for (const s of sessions) {
    const lo = Math.max(s.start, first);
    const hi = Math.min(s.end, last);
    if (hi > lo) n += Math.ceil((hi - lo) / step);
  }
  return n;
}

/** Thresholds of the QA checks. */
export interface QaOptions {
  /** Local standard deviations above which a return is a spike. */
  spikeZ: number;
  /** Bars of unchanged close that make a stale run. */
  staleBars: number;
  /** Robust z-score of log volume above which volume is anomalous. */
  volumeZ: number;
}

export const DEFAULT_QA: QaOptions = { spikeZ: 10, staleBars: 30, volumeZ: 8 };

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Checks one stored series: duplicate times, gaps, OHLC inconsistencies, non-positive prices, return
 * spikes, stale closes, volume anomalies and session coverage, each with counts and the first examples.
 */
export function qaReport(b: Bars, storedTimeframe: string, calendar?: SessionCalendar, opts: QaOptions = DEFAULT_QA): QaReport {
  const n = b.t.length;
  const sessions = calendar && n > 0 ? sessionsOverlapping(calendar, b.t[0]!, b.t[n - 1]! + 1) : [];
  let si = 0;
  // With a calendar, a hole counts when both its ends fall in one session (breaks and weekends do not);
  // without one, holes shorter than an hour count.
  const inHole = (prev: number, next: number, d: number): boolean => {
    if (!calendar) return d < 3_600_000;
    while (si < sessions.length && sessions[si]!.end <= prev) si++;
    const s = sessions[si];
    return s !== undefined && prev >= s.start && next < s.end;
  };
  const step = STORED_TIMEFRAME_MS[storedTimeframe] ?? 60_000;
  const examples = 20;
  let duplicates = 0;
  const gaps: QaReport['gaps']['examples'] = [];
  let gapCount = 0;
  let missingBars = 0;
  const ohlc: string[] = [];
  let ohlcCount = 0;
  const nonPositive: string[] = [];
  let nonPositiveCount = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      const d = b.t[i]! - b.t[i - 1]!;
      if (d === 0) duplicates++;
      else if (d > step && storedTimeframe !== '1d' && inHole(b.t[i - 1]!, b.t[i]!, d)) {
        gapCount++;
        missingBars += Math.round(d / step) - 1;
        if (gaps.length < examples) gaps.push({ after: iso(b.t[i - 1]!), before: iso(b.t[i]!), missing: Math.round(d / step) - 1 });
      }
    }
    const [o, h, l, c] = [b.o[i]!, b.h[i]!, b.l[i]!, b.c[i]!];
    if (h < Math.max(o, c, l) || l > Math.min(o, c)) {
      ohlcCount++;
      if (ohlc.length < examples) ohlc.push(iso(b.t[i]!));
    }
    if (Math.min(o, h, l, c) <= 0) {
      nonPositiveCount++;
      if (nonPositive.length < examples) nonPositive.push(iso(b.t[i]!));
    }
  }
  const returns = new Float64Array(Math.max(0, n - 1));
  // Returns across a break (overnight, weekend, a hole) are gaps, not spikes: leave them out.
  for (let i = 1; i < n; i++) {
    const across = storedTimeframe !== '1d' && b.t[i]! - b.t[i - 1]! > step;
    returns[i - 1] = across ? Number.NaN : b.c[i - 1]! > 0 && b.c[i]! > 0 ? Math.log(b.c[i]! / b.c[i - 1]!) : 0;
  }
  // Prices move in ticks: in quiet hours one tick can be many local σ. A spike must also be at least
  // five of the smallest price steps the series shows.
  let tick = Number.POSITIVE_INFINITY;
  for (let i = 1; i < n; i++) {
    const d = Math.abs(b.c[i]! - b.c[i - 1]!);
    if (d > 1e-12 && d < tick) tick = d;
  }
  const spikes = returnSpikes(returns, opts.spikeZ).filter((i) => Math.abs(b.c[i + 1]! - b.c[i]!) >= 5 * tick - 1e-9);
  const stale: QaReport['staleRuns']['examples'] = [];
  let staleCount = 0;
  let longest = 0;
  for (let i = 1, run = 1; i <= n; i++) {
    if (i < n && b.c[i] === b.c[i - 1]) run++;
    else {
      if (run >= opts.staleBars) {
        staleCount++;
        if (stale.length < examples) stale.push({ from: iso(b.t[i - run]!), bars: run });
      }
      longest = Math.max(longest, run);
      run = 1;
    }
  }
  let zeroVolume = 0;
  for (let i = 0; i < n; i++) if (b.v[i] === 0) zeroVolume++;
  const logVol = b.v.map((v) => Math.log1p(v));
  const volumeOutliers = zeroVolume === n ? [] : robustOutliers(logVol, opts.volumeZ);
  return {
    symbol: b.symbol,
    timeframe: storedTimeframe,
    rows: n,
    first: n ? iso(b.t[0]!) : null,
    last: n ? iso(b.t[n - 1]!) : null,
    duplicates,
    gaps: { count: gapCount, missingBars, expectedBars: expectedBars(b, sessions, step, storedTimeframe), examples: gaps },
    ohlcInconsistent: { count: ohlcCount, examples: ohlc },
    nonPositivePrices: { count: nonPositiveCount, examples: nonPositive },
    spikes: { count: spikes.length, threshold: opts.spikeZ, examples: spikes.slice(0, examples).map((i) => ({ at: iso(b.t[i + 1]!), logReturn: returns[i]! })) },
    staleRuns: { count: staleCount, minBars: opts.staleBars, longest, examples: stale },
    volume: { zeroBars: zeroVolume, anomalies: volumeOutliers.length, examples: volumeOutliers.slice(0, examples).map((i) => ({ at: iso(b.t[i]!), volume: b.v[i]! })) },
    // Daily bars are dated: their sessions are the calendar's trading dates from the first to the last.
    coverage: sessionCoverage(b.t, storedTimeframe, calendar && n > 0 ? (storedTimeframe === '1d' ? sessionsBetween(calendar, Math.floor(b.t[0]! / 86_400_000), Math.floor(b.t[n - 1]! / 86_400_000)) : sessions) : null),
  };
}
