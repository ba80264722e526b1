import { rng } from '../models/gbdt';

/** How a run is resampled: its trades reordered, its trades drawn with replacement, or blocks of its daily returns. */
export type MonteCarloMethod = 'reshuffle' | 'resample' | 'block';

/** What a Monte Carlo of a run is given. */
export interface MonteCarloInput {
  /** Net P&L of each trade (fees included), in exit order. */
  tradeNet: Float64Array;
  /** Daily returns of the run's equity (for the block bootstrap). */
  dailyReturns: Float64Array;
  capital: number;
  /** Years the run spans, to annualise the Sharpe ratio. */
  years: number;
}

/** Percentiles of one quantity over the simulations. */
export interface Percentiles {
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
}

/** The distribution of a run's outcomes over resampled paths. */
export interface MonteCarloResult {
  method: MonteCarloMethod;
  simulations: number;
  seed: number;
  /** Block length in days (block bootstrap only). */
  block?: number;
  finalEquity: Percentiles;
  /** Maximum drawdown of each path, equity floored at zero (so at most 1). */
  maxDrawdown: Percentiles;
  sharpe: Percentiles;
  /** Share of paths whose equity reached zero. */
  probabilityOfRuin: number;
  /** The fan: at each of `steps` (trades or days) the 5th, 25th, 50th, 75th and 95th percentile of equity. */
  fan: { step: Float64Array; p5: Float64Array; p25: Float64Array; p50: Float64Array; p75: Float64Array; p95: Float64Array };
  /** Final equity of every path, for a histogram. */
  finals: Float64Array;
}

const FAN_POINTS = 100;

function percentiles(sorted: Float64Array): Percentiles {
  const at = (q: number): number => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!);
  return { p5: at(0.05), p25: at(0.25), p50: at(0.5), p75: at(0.75), p95: at(0.95) };
}

/**
 * Resamples a run `n` times with a seeded generator: `reshuffle` reorders its trades (same final
 * equity, other paths: the drawdown's luck), `resample` draws trades with replacement, `block`
 * rebuilds its daily returns from blocks of `block` consecutive days (keeping short-range
 * dependence). Equity is floored at zero: a path that reaches it is ruined and stays there.
 */
export function monteCarlo(input: MonteCarloInput, o: { method: MonteCarloMethod; n: number; seed: number; block?: number }): MonteCarloResult {
  const random = rng(o.seed);
  const trades = o.method !== 'block';
  const source = trades ? input.tradeNet : input.dailyReturns;
  const len = source.length;
  if (len === 0) throw new RangeError(trades ? 'the run has no trades to resample' : 'the run has no daily returns to resample');
  const block = Math.max(1, Math.min(len, Math.round(o.block ?? 5)));
  const stepsPerYear = len / Math.max(input.years, 1 / 252);
  const points = Math.min(FAN_POINTS, len);
  const fanAt = Int32Array.from({ length: points }, (_, k) => Math.round(((k + 1) * len) / points) - 1);
  const fanValues = Array.from({ length: points }, () => new Float64Array(o.n));
  const finals = new Float64Array(o.n);
  const dds = new Float64Array(o.n);
  const sharpes = new Float64Array(o.n);
  let ruined = 0;
  const order = Int32Array.from({ length: len }, (_, i) => i);
  for (let s = 0; s < o.n; s++) {
    if (o.method === 'reshuffle') {
      for (let i = len - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        const x = order[i]!;
        order[i] = order[j]!;
        order[j] = x;
      }
    } else if (o.method === 'resample') {
      for (let i = 0; i < len; i++) order[i] = Math.floor(random() * len);
    } else {
      for (let i = 0; i < len; ) {
        const start = Math.floor(random() * (len - block + 1));
        for (let k = 0; k < block && i < len; k++) order[i++] = start + k;
      }
    }
    let equity = input.capital;
    let peak = equity;
    let dd = 0;
    let sum = 0;
    let sumSq = 0;
    let f = 0;
    for (let i = 0; i < len; i++) {
      const before = equity;
      if (equity > 0) equity = trades ? equity + source[order[i]!]! : equity * (1 + source[order[i]!]!);
      if (equity < 0) equity = 0;
      const r = before > 0 ? equity / before - 1 : 0;
      sum += r;
      sumSq += r * r;
      peak = Math.max(peak, equity);
      dd = Math.max(dd, peak > 0 ? 1 - equity / peak : 0);
      if (f < points && fanAt[f] === i) fanValues[f++]![s] = equity;
    }
    const mean = sum / len;
    const sd = Math.sqrt(Math.max(0, sumSq / len - mean * mean));
    finals[s] = equity;
    dds[s] = dd;
    sharpes[s] = sd > 0 ? (mean / sd) * Math.sqrt(stepsPerYear) : 0;
    if (equity <= 0) ruined++;
  }
  const sorted = (x: Float64Array): Float64Array => Float64Array.from(x).sort();
  const bands = fanValues.map((v) => percentiles(sorted(v)));
  const band = (k: keyof Percentiles): Float64Array => Float64Array.from(bands, (b) => b[k]);
  return {
    method: o.method,
    simulations: o.n,
    seed: o.seed,
    ...(trades ? {} : { block }),
    finalEquity: percentiles(sorted(finals)),
    maxDrawdown: percentiles(sorted(dds)),
    sharpe: percentiles(sorted(sharpes)),
    probabilityOfRuin: ruined / o.n,
    fan: { step: Float64Array.from(fanAt, (i) => i + 1), p5: band('p5'), p25: band('p25'), p50: band('p50'), p75: band('p75'), p95: band('p95') },
    finals,
  };
}
