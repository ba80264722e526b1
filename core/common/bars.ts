import type { Timeframe } from './timeframes';

/** Bars in columnar form, oldest first; every array has the same length. */
export interface Bars {
  /** Instrument symbol, e.g. `ES`. */
  symbol: string;
  /** Timeframe of every bar. */
  timeframe: Timeframe;
  /** Bar open time, epoch milliseconds UTC; for `1d`, the trading date at 00:00 UTC (one bar per session). */
  t: Float64Array;
  /** Open prices. */
  o: Float64Array;
  /** High prices. */
  h: Float64Array;
  /** Low prices. */
  l: Float64Array;
  /** Close prices. */
  c: Float64Array;
  /** Volumes (contracts). */
  v: Float64Array;
  /** With `sessions`: each bar's session (trading date as days since 1970-01-01, session open in epoch ms, month-end flag). */
  sessions?: { day: Int32Array; sessionStart: Float64Array; monthEnd: Uint8Array };
}
