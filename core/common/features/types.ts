import type { Bars } from '../bars';

/**
 * A bar series as features read it: OHLCV columns plus the trading session of each bar, so features
 * that reset or anchor per session (VWAP, levels, calendar) see the exchange's sessions, not UTC days.
 */
export interface FeatureSeries extends Omit<Bars, 'symbol' | 'timeframe'> {
  /** Trading date of each bar's session, as days since 1970-01-01. */
  day: Int32Array;
  /** Open of each bar's session, epoch ms UTC. */
  sessionStart: Float64Array;
  /** 1 where the bar's trading date is the last trading day of its month. */
  monthEnd: Uint8Array;
  /** Closes of a partner symbol on the same bar times (NaN where it has none), for pair features. */
  partner?: Float64Array;
}

/** One bar as a streaming kernel receives it, with the same session fields as FeatureSeries. */
export interface FeatureBar {
  /** Open time, epoch ms UTC. */
  t: number;
  /** Open price. */
  o: number;
  /** High price. */
  h: number;
  /** Low price. */
  l: number;
  /** Close price. */
  c: number;
  /** Volume. */
  v: number;
  /** Trading date of the bar's session, days since 1970-01-01. */
  day: number;
  /** Open of the bar's session, epoch ms UTC. */
  sessionStart: number;
  /** Whether the trading date is the last trading day of its month. */
  monthEnd: boolean;
  /** Partner symbol's close at this bar time (NaN where none). */
  partner: number;
}

/** A numeric parameter of a feature. */
export interface ParamSpec {
  /** Name, as the registry lists it. */
  name: string;
  /** Value when the spec leaves it out. */
  default: number;
  /** Smallest allowed value. */
  min: number;
  /** Largest allowed value. */
  max: number;
  /** Whether only whole numbers are allowed. */
  integer: boolean;
  /** One line on what it sets. */
  description: string;
}

/** Resolved parameters of one feature instance. */
export interface FeatureParams {
  /** Numeric parameters in declaration order (variadic features: all given values). */
  nums: number[];
  /** Partner symbol, for features that take one. */
  symbol?: string;
}

/** A streaming kernel: feed bars in time order, read the feature's values after each (NaN while warming up). */
export interface StreamingKernel {
  /** Consumes one bar and returns the outputs for it; the array is reused by the next call. */
  update(bar: FeatureBar): Float64Array;
}

/** The single definition of a feature: used alike by batch builds, backtests, the chart and paper trading. */
export interface FeatureDef {
  /** Name as written in specs, e.g. `rsi`. */
  name: string;
  /** One line on what it measures. */
  description: string;
  /** Unit of the outputs (e.g. `price`, `fraction`, `0-100`). */
  unit: string;
  /** Conventions a user comparing with another tool needs (smoothing, seeding, edge cases). */
  conventions: string;
  /** Numeric parameters; for variadic features the template of each value. */
  params: ParamSpec[];
  /** Whether any number of values of the single parameter may be given (e.g. `kin(1,3,5)`). */
  variadic?: boolean;
  /** Whether the first argument is a partner symbol (e.g. `pair(NQ,20)`). */
  takesSymbol?: boolean;
  /** Whether the streaming kernel does O(1) work per bar. */
  constantTime: boolean;
  /** Output column names for the given parameters. */
  outputs(p: FeatureParams): string[];
  /** Bars before the first value can be defined (the first `warmup` outputs are NaN). */
  warmup(p: FeatureParams): number;
  /** A fresh streaming kernel. */
  stream(p: FeatureParams): StreamingKernel;
  /** Vectorised computation over a whole series, one Float64Array per output. */
  batch(s: FeatureSeries, p: FeatureParams): Float64Array[];
}
