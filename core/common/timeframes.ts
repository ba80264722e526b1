import { z } from 'zod';

/** Bar timeframes a client can ask for; coarser ones are aggregated on read from what the lake stores. */
export const TIMEFRAMES = ['1m', '2m', '5m', '15m', '30m', '1h', '1d', '1w'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];
export const timeframeSchema = z.enum(TIMEFRAMES);

/** Timeframes the lake can store (what imports bring), with their length in ms; `1d` bars are sessions. */
export const STORED_TIMEFRAME_MS: Record<string, number> = { '1s': 1_000, '1m': 60_000, '5m': 300_000, '15m': 900_000, '30m': 1_800_000, '1h': 3_600_000, '1d': 86_400_000 };

/** Length of an intraday timeframe in milliseconds; `1d` and `1w` are session-based and have no fixed length. */
export const INTRADAY_MS: Record<Exclude<Timeframe, '1d' | '1w'>, number> = {
  '1m': 60_000,
  '2m': 120_000,
  '5m': 300_000,
  '15m': 900_000,
  '30m': 1_800_000,
  '1h': 3_600_000,
};

/** Bar spacing at or above which bars count as daily (sessions are shorter than a day, never this short). */
export const DAILY_GAP_MS = 20 * 3_600_000;

/**
 * The timeframe of intraday bars from how many of their distinct times sit on each stored timeframe's
 * UTC grid (`onGrid(stepMs)` counts them): the largest one whose grid holds all of them or, with 20
 * bars or more, at least 90% (a few stray stamps are then refused by the bar gate instead of turning
 * a minute series into a one-second one). Where that comes out finer than the one timeframe the lake
 * already stores the symbol at (`known`) and most bars sit on that one's grid, the stored one wins,
 * for the same reason. Undefined when not even 1s fits.
 */
export function intradayTimeframeOf(onGrid: (stepMs: number) => number, distinct: number, known: readonly string[] = []): string | undefined {
  const share = distinct >= 20 ? 0.9 : 1;
  const steps = Object.entries(STORED_TIMEFRAME_MS)
    .filter(([tf]) => tf !== '1d')
    .sort((a, b) => b[1] - a[1]);
  const fit = steps.find(([, step]) => onGrid(step) >= share * distinct);
  const stored = known.filter((tf) => tf !== '1d' && STORED_TIMEFRAME_MS[tf] !== undefined);
  const k = stored.length === 1 ? STORED_TIMEFRAME_MS[stored[0]!]! : undefined;
  if (k !== undefined && (fit === undefined || fit[1] < k) && onGrid(k) > distinct / 2) return stored[0];
  return fit?.[0];
}

/** Greatest common divisor of two whole numbers. */
export function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * Bars of stored history that warm features and strategies before a run or a paper session starts:
 * enough that any window the registry offers is full and an exponential average of span up to a few
 * thousand bars has forgotten where it began (its weight there is below 1e-20).
 */
export const WARMUP_BARS = 50_000;

/**
 * The first date (YYYY-MM-DD, UTC) of the history read before a run or session starting on `from`:
 * WARMUP_BARS bars of the timeframe back, counted in calendar time (at least that many bars, as
 * markets close at night and at weekends), one more week for holidays. The backtest from D and the
 * paper replay from D read the same bars, so they are at D exactly alike.
 */
export function warmupFrom(from: string, timeframe: Timeframe): string {
  const barMs = timeframe === '1w' ? 7 * 86_400_000 : (STORED_TIMEFRAME_MS[timeframe] ?? INTRADAY_MS[timeframe as keyof typeof INTRADAY_MS] ?? 86_400_000);
  const days = Math.ceil((WARMUP_BARS * barMs) / 86_400_000) + 7;
  const start = Date.parse(`${from.slice(0, 10)}T00:00:00Z`) - days * 86_400_000;
  return new Date(Math.max(start, Date.UTC(1970, 0, 1))).toISOString().slice(0, 10);
}
