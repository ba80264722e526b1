import { ruinOf } from './engine';
import { type CostModel } from './costs';
import { backtestMetrics, returnsOf, stdev, type BacktestMetrics } from './metrics';
import { OSCILLATORS, resolveParams, StrategyConfigError, STRATEGIES } from './strategies';
import { fillTable, oscillatorRule, runOscillator, tradedNotionalOf, type VectorInput } from './vectorised';
import type { WalkForwardResult } from './walk-forward-types';

const DAY_MS = 86_400_000;

/** One grid point of a sweep. */
export interface SweepPoint {
  params: Record<string, number>;
  metrics: BacktestMetrics;
}

/** A sweep's outcome. */
export interface SweepResult {
  strategy: string;
  /** Values tried per parameter. */
  grid: Record<string, number[]>;
  points: SweepPoint[];
  /** Index of the point with the highest Sharpe. */
  best: number;
  /** Probability that the best point's Sharpe beats what the best of this many trials would show by luck. */
  deflatedSharpe: number;
  /** Bar steps simulated (bars × points). */
  barSteps: number;
  /** Walk-forward optimisation over the same grid, when asked for. */
  walkForward?: WalkForwardResult;
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 on erf; absolute error below 1.5e-7). */
export function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Standard normal quantile (Acklam's rational approximation; relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo || p > 1 - lo) {
    const q = Math.sqrt(-2 * Math.log(p < lo ? p : 1 - p));
    const x = (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
    return p < lo ? x : -x;
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

const EULER_GAMMA = 0.5772156649015329;

/**
 * Bailey and López de Prado's deflated Sharpe ratio: the probability that the best trial's
 * per-period Sharpe `sr` (over `t` returns with the given skewness and kurtosis) exceeds the Sharpe
 * the best of `trials.length` unskilled trials would reach, given the trials' Sharpe variance.
 */
export function deflatedSharpe(trials: readonly number[], sr: number, t: number, skew: number, kurtosis: number): number {
  const n = trials.length;
  const sd = n > 1 ? stdev(trials) : 0;
  const sr0 = n > 1 ? sd * ((1 - EULER_GAMMA) * normalQuantile(1 - 1 / n) + EULER_GAMMA * normalQuantile(1 - 1 / (n * Math.E))) : 0;
  const denom = Math.sqrt(Math.max(1e-12, 1 - skew * sr + ((kurtosis - 1) / 4) * sr * sr));
  return normalCdf(((sr - sr0) * Math.sqrt(Math.max(0, t - 1))) / denom);
}

/** Skewness and (non-excess) kurtosis of a sample. */
function moments(x: Float64Array): { mean: number; sd: number; skew: number; kurtosis: number } {
  const n = x.length;
  let m = 0;
  for (const v of x) m += v;
  m /= Math.max(1, n);
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (const v of x) {
    const d = v - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= Math.max(1, n);
  m3 /= Math.max(1, n);
  m4 /= Math.max(1, n);
  const sd = Math.sqrt(m2);
  return { mean: m, sd, skew: sd > 0 ? m3 / sd ** 3 : 0, kurtosis: sd > 0 ? m4 / sd ** 4 : 3 };
}

/** Every combination of a grid's values, in order (the last parameter varies fastest). */
function combinations(grid: Record<string, number[]>): Record<string, number>[] {
  let out: Record<string, number>[] = [{}];
  for (const [k, vals] of Object.entries(grid)) out = out.flatMap((p) => vals.map((v) => ({ ...p, [k]: v })));
  return out;
}

/**
 * A parameter sweep of an oscillator strategy with the vectorised engine: every grid point over
 * every symbol (fixed size, market orders, no position cap, so symbols do not interact and their P&L
 * adds up on shared capital), with metrics per point and the deflated Sharpe ratio of the best.
 */
export function sweepOscillator(strategy: string, grid: Record<string, number[]>, symbols: VectorInput[], costs: CostModel, qty: number, capital: number, fillAt: 'next_open' | 'close'): SweepResult {
  const vec = OSCILLATORS[strategy];
  const def = STRATEGIES.get(strategy);
  if (!vec || !def) throw new StrategyConfigError(`sweep: the vectorised engine runs ${Object.keys(OSCILLATORS).join(' and ')}; "${strategy}" needs one backtest per parameter set`);
  for (const [k, v] of Object.entries(grid)) if (!Array.isArray(v) || v.length === 0) throw new StrategyConfigError(`sweep: grid parameter ${k} needs a non-empty list of values`);
  const points = combinations(grid).map((p) => resolveParams(def, p));
  if (points.length > 100_000) throw new StrategyConfigError(`sweep: ${points.length} grid points; at most 100,000`);
  const tables = symbols.map((s) => fillTable(s, costs));
  const times = unionOf(symbols.map((s) => s.t));
  const slot = symbols.map((s) => {
    // Both increasing: one walk finds where each of the symbol's bars sits in the union.
    const at = new Int32Array(s.t.length);
    for (let i = 0, j = 0; i < s.t.length; i++) {
      while (times[j]! < s.t[i]!) j++;
      at[i] = j;
    }
    return at;
  });
  // Metrics read equity once a day: the last bar time of each UTC day.
  const ends: number[] = [];
  for (let j = 0; j < times.length; j++) if (j + 1 === times.length || Math.floor(times[j + 1]! / DAY_MS) !== Math.floor(times[j]! / DAY_MS)) ends.push(j);
  const dayT = Float64Array.from(ends, (j) => times[j]!);
  const out: SweepPoint[] = [];
  const dailyReturns: Float64Array[] = [];
  let barSteps = 0;
  const longest = Math.max(0, ...symbols.map((s) => s.t.length));
  const buffers = { equity: new Float64Array(longest), exposure: new Float64Array(longest) };
  const equity = new Float64Array(times.length);
  const exposed = new Uint8Array(times.length);
  const margin = new Float64Array(times.length);
  for (const p of points) {
    const rule = oscillatorRule(p, vec.mirror);
    let pnl: ArrayLike<number>;
    let fees: ArrayLike<number>;
    let notional = 0;
    if (symbols.length === 1) {
      // One symbol: its own bar times are the union, so its arrays are the portfolio's.
      const s = symbols[0]!;
      const run = runOscillator(s, rule, costs, tables[0]!, qty, capital, fillAt, buffers);
      barSteps += s.t.length;
      equity.set(run.equity.subarray(0, times.length));
      for (let j = 0; j < times.length; j++) exposed[j] = run.exposure[j]! > 0 ? 1 : 0;
      ({ pnl, fees } = run.trades);
      notional += tradedNotionalOf(run.trades, qty, s.contract.multiplier);
    } else {
      // Symbols on shared capital: each runs alone, their gains add up; where the sum ruins the
      // account, every symbol runs again stopping there, as the event engine flattens them all.
      const combine = (ruinAt: number): { pnl: number[]; fees: number[]; notional: number; ruinedAt: number } => {
        equity.fill(capital);
        exposed.fill(0);
        margin.fill(0);
        const all = { pnl: [] as number[], fees: [] as number[], notional: 0 };
        symbols.forEach((s, k) => {
          const run = runOscillator(s, rule, costs, tables[k]!, qty, capital, fillAt, buffers, ruinAt);
          barSteps += s.t.length;
          const perContract = qty * (s.contract.maintenanceMargin ?? 0);
          // This symbol's gain and margin, carried forward over bar times it has no bar at.
          let last = 0;
          let held = 0;
          let at = 0;
          const idx = slot[k]!;
          for (let j = 0; j < times.length; j++) {
            if (at < idx.length && idx[at] === j) {
              last = run.equity[at]! - capital;
              held = run.exposure[at]! > 0 ? perContract : 0;
              if (run.exposure[at]! > 0) exposed[j] = 1;
              at++;
            }
            equity[j] = equity[j]! + last;
            margin[j] = margin[j]! + held;
          }
          for (let i = 0; i < run.trades.n; i++) {
            all.pnl.push(run.trades.pnl[i]!);
            all.fees.push(run.trades.fees[i]!);
          }
          all.notional += tradedNotionalOf(run.trades, qty, s.contract.multiplier);
        });
        let ruinedAt = Number.POSITIVE_INFINITY;
        for (let j = 0; j < times.length; j++) {
          if (ruinOf(equity[j]!, margin[j]!) !== null) {
            ruinedAt = times[j]!;
            break;
          }
        }
        return { ...all, ruinedAt };
      };
      let joint = combine(Number.POSITIVE_INFINITY);
      if (joint.ruinedAt < Number.POSITIVE_INFINITY) joint = combine(joint.ruinedAt);
      ({ pnl, fees } = joint);
      notional = joint.notional;
    }
    let open = 0;
    for (let j = 0; j < times.length; j++) open += exposed[j]!;
    const daily = Float64Array.from(ends, (j) => equity[j]!);
    const metrics = { ...backtestMetrics({ t: dayT, value: daily, exposure: new Float64Array(0) }, { pnl, fees }, capital, notional), exposure: times.length > 0 ? open / times.length : 0 };
    out.push({ params: p, metrics });
    dailyReturns.push(returnsOf(daily, capital));
  }
  let best = 0;
  out.forEach((x, i) => {
    if (x.metrics.sharpe > out[best]!.metrics.sharpe) best = i;
  });
  const perPeriod = dailyReturns.map((r) => {
    const m = moments(r);
    return m.sd > 0 ? m.mean / m.sd : 0;
  });
  const bm = moments(dailyReturns[best]!);
  return { strategy, grid, points: out, best, deflatedSharpe: deflatedSharpe(perPeriod, perPeriod[best]!, dailyReturns[best]!.length, bm.skew, bm.kurtosis), barSteps };
}

/** The sorted union of increasing time arrays. */
function unionOf(series: Float64Array[]): Float64Array {
  if (series.length === 1) return series[0]!;
  const all = new Float64Array(series.reduce((a, s) => a + s.length, 0));
  let at = 0;
  for (const s of series) {
    all.set(s, at);
    at += s.length;
  }
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[n - 1]) all[n++] = all[i]!;
  return all.slice(0, n);
}
