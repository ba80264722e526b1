import type { CostModel } from './costs';
import { backtestMetrics } from './metrics';
import type { WalkForwardPlan, WalkForwardResult, WalkForwardWindow } from './walk-forward-types';
import { OSCILLATORS } from './strategies';
import { sweepOscillator } from './sweep';
import { fillTable, oscillatorRule, runOscillator, tradedNotionalOf, type VectorInput } from './vectorised';

const slice = (s: VectorInput, from: number, to: number): VectorInput => ({ ...s, t: s.t.subarray(from, to), o: s.o.subarray(from, to), h: s.h.subarray(from, to), l: s.l.subarray(from, to), c: s.c.subarray(from, to), x: s.x.subarray(from, to) });

/**
 * Walk-forward optimisation of an oscillator strategy on one symbol: each in-sample window is swept
 * over the grid (vectorised engine), the best Sharpe's parameters trade the following out-of-sample
 * window from flat, and the out-of-sample windows' returns are chained into one equity curve.
 * Features come from the whole series, so every window's indicators are warmed up.
 */
export function walkForward(strategy: string, grid: Record<string, number[]>, s: VectorInput, plan: WalkForwardPlan, costs: CostModel, qty: number, capital: number, fillAt: 'next_open' | 'close'): WalkForwardResult {
  const vec = OSCILLATORS[strategy]!;
  const n = s.t.length;
  if (plan.inSample + plan.outOfSample > n) throw new RangeError(`walk-forward: ${plan.inSample} in-sample + ${plan.outOfSample} out-of-sample bars need more than the ${n} bars there are`);
  const windows: WalkForwardWindow[] = [];
  const t: number[] = [];
  const v: number[] = [];
  const exposure: number[] = [];
  const pnl: number[] = [];
  const fees: number[] = [];
  let notional = 0;
  let level = capital;
  for (let start = plan.inSample; start < n; start += plan.outOfSample) {
    const isFrom = plan.anchored ? 0 : start - plan.inSample;
    const end = Math.min(n, start + plan.outOfSample);
    const sweep = sweepOscillator(strategy, grid, [slice(s, isFrom, start)], costs, qty, capital, fillAt);
    const best = sweep.points[sweep.best]!;
    const oos = slice(s, start, end);
    const run = runOscillator(oos, oscillatorRule(best.params, vec.mirror), costs, fillTable(oos, costs), qty, capital, fillAt);
    for (let i = 0; i < oos.t.length; i++) {
      t.push(oos.t[i]!);
      v.push((level * run.equity[i]!) / capital);
      exposure.push(run.exposure[i]!);
    }
    level = v[v.length - 1]!;
    for (let i = 0; i < run.trades.n; i++) {
      pnl.push(run.trades.pnl[i]!);
      fees.push(run.trades.fees[i]!);
    }
    const windowNotional = tradedNotionalOf(run.trades, qty, s.contract.multiplier);
    notional += windowNotional;
    windows.push({
      inSample: { from: s.t[isFrom]!, to: s.t[start - 1]! },
      outOfSample: { from: s.t[start]!, to: s.t[end - 1]! },
      params: best.params,
      inSampleSharpe: best.metrics.sharpe,
      inSampleReturn: best.metrics.annual_return,
      result: backtestMetrics({ t: oos.t, value: run.equity, exposure: run.exposure }, run.trades, capital, windowNotional),
    });
  }
  const metrics = backtestMetrics({ t: Float64Array.from(t), value: Float64Array.from(v), exposure: Float64Array.from(exposure) }, { pnl, fees }, capital, notional);
  const whole = sweepOscillator(strategy, grid, [s], costs, qty, capital, fillAt);
  const chosen = whole.points[whole.best]!.params;
  const span = slice(s, plan.inSample, n);
  const run = runOscillator(span, oscillatorRule(chosen, vec.mirror), costs, fillTable(span, costs), qty, capital, fillAt);
  const hindsight = { params: chosen, equity: { t: Array.from(span.t), value: Array.from(run.equity) }, metrics: backtestMetrics({ t: span.t, value: run.equity, exposure: run.exposure }, run.trades, capital, tradedNotionalOf(run.trades, qty, s.contract.multiplier)) };
  const meanIs = windows.reduce((a, w) => a + w.inSampleReturn, 0) / windows.length;
  return { windows, equity: { t, value: v }, metrics, hindsight, efficiency: meanIs > 0 ? metrics.annual_return / meanIs : 0 };
}
