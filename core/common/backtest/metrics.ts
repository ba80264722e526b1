const DAY_MS = 86_400_000;
/** Trading days in a year, for annualising daily returns. */
export const TRADING_DAYS = 252;

/** Performance of a run. Returns are fractions (0.1 = 10%); ratios are annualised from daily returns. */
export interface BacktestMetrics {
  total_return: number;
  annual_return: number;
  annual_volatility: number;
  sharpe: number;
  sortino: number;
  calmar: number;
  /** Largest peak-to-trough fall of equity, as a fraction of the peak (≥ 0). */
  max_drawdown: number;
  /** Longest time spent below an earlier equity peak, in days. */
  max_drawdown_days: number;
  /** One-day historical value at risk at 95%, as a positive fraction. */
  var_95: number;
  /** Mean of the daily losses beyond the VaR, as a positive fraction. */
  cvar_95: number;
  trades: number;
  /** Share of trades with positive net P&L. */
  win_rate: number;
  /** Net gains of winners ÷ net losses of losers (Infinity without losers, 0 without trades). */
  profit_factor: number;
  /** Mean net P&L per trade, in currency. */
  expectancy: number;
  /** Share of bar times with a position open. */
  exposure: number;
  /** Traded notional ÷ mean equity, per year. */
  turnover: number;
  /** Net P&L of all trades, in currency. */
  net_pnl: number;
  /** Fees of all trades, in currency. */
  fees: number;
  /** Against a benchmark's daily returns, when one was given. */
  alpha?: number;
  beta?: number;
  information_ratio?: number;
}

/**
 * Equity floored at zero: wealth cannot fall below nothing, so a ruined account's returns stay at or
 * above −100% and its drawdowns at or below 100% (the loss beyond the capital is in the trades).
 */
export function wealth(equity: Float64Array): Float64Array {
  return equity.map((v) => Math.max(0, v));
}

/** Daily equity: the last value of each UTC day, with the starting capital before the first. */
export function dailyEquity(t: Float64Array, value: Float64Array): { day: Float64Array; value: Float64Array } {
  const days: number[] = [];
  const vals: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const d = Math.floor(t[i]! / DAY_MS);
    if (days.length > 0 && days[days.length - 1] === d) vals[vals.length - 1] = value[i]!;
    else {
      days.push(d);
      vals.push(value[i]!);
    }
  }
  return { day: Float64Array.from(days), value: Float64Array.from(vals) };
}

/** Simple returns of a series that starts from `start`. */
export function returnsOf(values: Float64Array, start: number): Float64Array {
  const r = new Float64Array(values.length);
  let prev = start;
  for (let i = 0; i < values.length; i++) {
    r[i] = prev !== 0 ? values[i]! / prev - 1 : 0;
    prev = values[i]!;
  }
  return r;
}

const mean = (x: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return x.length > 0 ? s / x.length : Number.NaN;
};

/** Sample standard deviation (n − 1). */
export function stdev(x: ArrayLike<number>): number {
  if (x.length < 2) return Number.NaN;
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i]! - m) ** 2;
  return Math.sqrt(s / (x.length - 1));
}

/** Sample covariance (n − 1) of two equal-length series; 0 with fewer than two points. */
export function covariance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n < 2) return 0;
  const ma = mean(a);
  const mb = mean(b);
  let c = 0;
  for (let i = 0; i < n; i++) c += (a[i]! - ma) * (b[i]! - mb);
  return c / (n - 1);
}

/** Largest fall from a running peak (fraction of the peak) and the longest time below a peak (in the units of `t`). */
export function drawdown(t: ArrayLike<number>, v: ArrayLike<number>, start: number): { max: number; longest: number; curve: Float64Array } {
  let peak = start;
  let peakAt = t.length > 0 ? t[0]! : 0;
  let max = 0;
  let longest = 0;
  const curve = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    if (v[i]! >= peak) {
      peak = v[i]!;
      peakAt = t[i]!;
    }
    const dd = peak > 0 ? 1 - v[i]! / peak : 0;
    curve[i] = dd;
    max = Math.max(max, dd);
    if (dd > 0) longest = Math.max(longest, t[i]! - peakAt);
  }
  return { max, longest, curve };
}

/** The historical quantile q of x (linear interpolation between order statistics). */
export function quantile(x: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(x).sort();
  if (s.length === 0) return Number.NaN;
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
}

/** Per-trade gross P&L and fees, in currency. */
export interface TradePnl {
  pnl: ArrayLike<number>;
  fees: ArrayLike<number>;
}

/**
 * Metrics of a run from its equity after each bar time, its trades' P&L and fees, and the traded notional;
 * `benchmark` (daily closes of a benchmark symbol by UTC day) adds alpha, beta and the information ratio.
 */
export function backtestMetrics(
  equity: { t: Float64Array; value: Float64Array; exposure: Float64Array },
  trades: TradePnl,
  capital: number,
  tradedNotional: number,
  benchmark?: { day: Float64Array; close: Float64Array },
): BacktestMetrics {
  const daily = dailyEquity(equity.t, wealth(equity.value));
  const r = returnsOf(daily.value, capital);
  const final = daily.value.length > 0 ? daily.value[daily.value.length - 1]! : capital;
  const years = Math.max(r.length, 1) / TRADING_DAYS;
  const total = final / capital - 1;
  const annual = final > 0 ? (final / capital) ** (1 / years) - 1 : -1;
  const sd = stdev(r);
  const m = mean(r);
  let down = 0;
  for (let i = 0; i < r.length; i++) down += Math.min(0, r[i]!) ** 2;
  const downside = Math.sqrt(down / Math.max(1, r.length));
  const dd = drawdown(daily.day, daily.value, capital);
  const q = quantile(r, 0.05);
  let tail = 0;
  let tailN = 0;
  for (let i = 0; i < r.length; i++)
    if (r[i]! <= q) {
      tail += r[i]!;
      tailN++;
    }
  const net = Array.from(trades.pnl, (p, i) => p - trades.fees[i]!);
  const wins = net.filter((x) => x > 0);
  const losses = net.filter((x) => x < 0);
  const lossSum = -losses.reduce((a, b) => a + b, 0);
  const winSum = wins.reduce((a, b) => a + b, 0);
  const out: BacktestMetrics = {
    total_return: total,
    annual_return: annual,
    annual_volatility: sd * Math.sqrt(TRADING_DAYS),
    sharpe: sd > 0 ? (m / sd) * Math.sqrt(TRADING_DAYS) : 0,
    sortino: downside > 0 ? (m / downside) * Math.sqrt(TRADING_DAYS) : 0,
    calmar: dd.max > 0 ? annual / dd.max : 0,
    max_drawdown: dd.max,
    max_drawdown_days: dd.longest,
    var_95: r.length > 0 ? Math.max(0, -q) : 0,
    cvar_95: tailN > 0 ? Math.max(0, -tail / tailN) : 0,
    trades: net.length,
    win_rate: net.length > 0 ? wins.length / net.length : 0,
    profit_factor: net.length === 0 ? 0 : lossSum > 0 ? winSum / lossSum : Number.POSITIVE_INFINITY,
    expectancy: net.length > 0 ? net.reduce((a, b) => a + b, 0) / net.length : 0,
    exposure: equity.exposure.length > 0 ? mean(equity.exposure) : 0,
    turnover: tradedNotional / Math.max(1e-12, mean(daily.value.length > 0 ? daily.value : [capital])) / years,
    net_pnl: net.reduce((a, b) => a + b, 0),
    fees: Array.from(trades.fees).reduce((a, x) => a + x, 0),
  };
  if (benchmark) Object.assign(out, relativeTo(daily, r, benchmark));
  return out;
}

/** Alpha (annualised), beta and information ratio of daily returns against a benchmark's, on the days both have. */
function relativeTo(daily: { day: Float64Array }, r: Float64Array, bench: { day: Float64Array; close: Float64Array }): { alpha: number; beta: number; information_ratio: number } {
  const closeByDay = new Map<number, number>();
  bench.day.forEach((d, i) => closeByDay.set(d, bench.close[i]!));
  const a: number[] = [];
  const b: number[] = [];
  let prevClose = Number.NaN;
  for (let i = 0; i < daily.day.length; i++) {
    const c = closeByDay.get(daily.day[i]!);
    if (c === undefined) continue;
    if (!Number.isNaN(prevClose) && i > 0) {
      a.push(r[i]!);
      b.push(c / prevClose - 1);
    }
    prevClose = c;
  }
  const varB = covariance(b, b);
  const beta = varB > 0 ? covariance(a, b) / varB : 0;
  const active = a.map((x, i) => x - b[i]!);
  const te = stdev(active);
  return { alpha: (mean(a) - beta * mean(b)) * TRADING_DAYS || 0, beta, information_ratio: te > 0 ? (mean(active) / te) * Math.sqrt(TRADING_DAYS) : 0 };
}
