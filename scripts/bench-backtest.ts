// Backtest benchmarks for `npm run bench`: the event-driven engine and the vectorised sweep on one
// symbol with the ibs strategy, each against a straightforward loop over bar objects in the same run.
import { rng, trainGbdt } from '../core/common/models/gbdt';
import { runBacktest } from '../core/common/backtest/engine';
import { type CostModel } from '../core/common/backtest/costs';
import { type SymbolData } from '../core/common/backtest/engine-types';
import { createStrategy } from '../core/common/backtest/strategies';
import { sweepOscillator } from '../core/common/backtest/sweep';
import { computeFeatures, parseFeatureList } from '../core/common/features/registry';
import { utcDaySeries } from '../core/common/features/series';
import type { Result } from './bench-features';
import { replaySeries } from '../core/node/paper/replay';
import { termsOf } from '../core/node/backtest/run-backtest';
import { StreamingModel } from '../core/node/paper/streaming-model';
import { ModelRunner } from '../core/node/models/runner';
import { gbdtToOnnx } from '../core/node/models/export-onnx';

const log = (s: string): boolean => process.stderr.write(`${s}\n`);

/** A random-walk series of n bars. */
/** The replays' terms: the backtester's defaults, on the synthetic series' ES contract. */
const BENCH_TERMS = { ...termsOf({}), contracts: { ES: { multiplier: 50, tickSize: 0.25, currency: 'USD', maintenanceMargin: 0 } } };

function series(n: number): SymbolData {
  const next = rng(11);
  const t = new Float64Array(n);
  const o = new Float64Array(n);
  const h = new Float64Array(n);
  const l = new Float64Array(n);
  const c = new Float64Array(n);
  let p = 4000;
  for (let i = 0; i < n; i++) {
    t[i] = Date.UTC(2000, 0, 1) + i * 60_000;
    o[i] = p;
    p *= 1 + (next() - 0.5) * 0.004;
    c[i] = p;
    h[i] = Math.max(o[i]!, c[i]!) * (1 + next() * 0.001);
    l[i] = Math.min(o[i]!, c[i]!) * (1 - next() * 0.001);
  }
  const v = new Float64Array(n).fill(100);
  const features = computeFeatures(utcDaySeries({ t, o, h, l, c, v }), parseFeatureList('ibs'));
  return { symbol: 'ES', contract: { multiplier: 50, tickSize: 0.25, currency: 'USD' }, t, o, h, l, c, v, features };
}

/**
 * What one would write first: bars as objects, IBS computed per bar, market orders at the next open,
 * one contract, a per-contract commission; returns the net P&L.
 */
function referenceIbs(bars: { o: number; h: number; l: number; c: number }[], below: number, above: number, maxBars: number, commission: number): number {
  let pos = 0;
  let entry = 0;
  let held = 0;
  let pending = 0;
  let pnl = 0;
  for (const bar of bars) {
    if (pending === 1) {
      pos = 1;
      entry = bar.o;
      held = 0;
      pnl -= commission;
    } else if (pending === -1) {
      pnl += (bar.o - entry) * 50 - commission;
      pos = 0;
    }
    pending = 0;
    if (pos) held++;
    const range = bar.h - bar.l;
    const ibs = range === 0 ? 0.5 : (bar.c - bar.l) / range;
    if (pos && (ibs > above || held >= maxBars)) pending = -1;
    else if (!pos && ibs < below) pending = 1;
  }
  return pnl;
}

const costs: CostModel = { commissionPerContract: 2.5, commissionBps: 0, minCommission: 0, slippageTicks: 0, slippageBps: 0, slippageRangeFraction: 0, participation: 0 };

export async function backtestBenchmarks(): Promise<Result[]> {
  const n = 1_000_000;
  log(`bench: backtests on ${n.toLocaleString('en-US')} bars of one symbol (ibs)…`);
  const data = series(n);
  const objects = Array.from({ length: n }, (_, i) => ({ o: data.o[i]!, h: data.h[i]!, l: data.l[i]!, c: data.c[i]! }));
  const best = (f: () => void, rounds = 3): number => {
    let ms = Number.POSITIVE_INFINITY;
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      f();
      ms = Math.min(ms, performance.now() - t0);
    }
    return ms;
  };
  const strategy = createStrategy('ibs');
  let trades = 0;
  const eventMs = best(() => {
    trades = runBacktest(strategy, [data], { capital: 100_000, maxPositions: 0, fillAt: 'next_open', costs, sizing: { kind: 'fixed', contracts: 1 }, barsPerYear: 252 * 1380 }).trades.length;
  });
  const refMs = best(() => void referenceIbs(objects, 0.2, 0.8, 10, 2.5));
  const grid = { entry_below: [0.05, 0.1, 0.15, 0.2, 0.25], exit_above: [0.7, 0.8, 0.9], max_bars: [5, 10] };
  const points = 5 * 3 * 2;
  let steps = 0;
  const sweepMs = best(() => {
    steps = sweepOscillator('ibs', grid, [{ ...data, x: data.features.get('ibs')! }], costs, 1, 100_000, 'next_open').barSteps;
  }, 2);
  const refSweepMs = best(() => {
    for (const below of grid.entry_below) for (const above of grid.exit_above) for (const maxBars of grid.max_bars) referenceIbs(objects, below, above, maxBars, 2.5);
  }, 2);
  // Paper replay: the same bars, each through the streaming kernels, the strategy, the risk gate and the broker.
  const sessions = utcDaySeries(data);
  const portfolio = { instruments: [{ name: 'ES', symbol: 'ES', run: 'bench', strategy: 'ibs', params: { entry_below: 0.2, exit_above: 0.8, max_bars: 10, allow_short: 0 }, timeframe: '1m', model: null, threshold: null }], maxPositions: 1, sizing: { kind: 'fixed', contracts: 1 }, riskLimits: {}, objective: 'sharpe', split: '', terms: BENCH_TERMS };
  let replayTrades = 0;
  const replayMs = best(() => {
    replayTrades = replaySeries(portfolio, [{ bars: { ...data, timeframe: '1m' }, sessions, warm: 0 }], 'active').trades.length;
  }, 2);
  const replayRate = n / (replayMs / 1000);
  const gated = await gatedReplay(data, sessions, portfolio.instruments[0]!.params);
  const eventRate = n / (eventMs / 1000);
  const sweepRate = steps / (sweepMs / 1000);
  return [
    { name: 'backtest_event_driven_ibs', value: Math.round(eventRate), unit: 'bar-events/s (one core)', target: '>= 1,000,000', pass: eventRate >= 1_000_000, detail: { bars: n, trades, ms: Math.round(eventMs), reference_loop_ms: Math.round(refMs), ratio_to_reference_loop: Number((refMs / eventMs).toFixed(3)) } },
    { name: 'paper_replay_ibs', value: Math.round(replayRate), unit: 'bars/s (one core: streaming features, strategy, risk gate, broker; no model)', target: '>= 200,000', pass: replayRate >= 200_000, detail: { bars: n, trades: replayTrades, ms: Math.round(replayMs), same_trades_as_backtest: replayTrades === trades ? 'yes' : 'no' } },
    { name: 'paper_replay_ibs_model', value: Math.round(gated.rate), unit: 'bars/s (one symbol: streaming features, a 100-tree model as the model runner serves it (compiled trees), strategy, risk gate, broker)', target: '>= 200,000', pass: gated.rate >= 200_000, detail: gated.detail },
    { name: 'backtest_vectorised_sweep_ibs', value: Math.round(sweepRate), unit: 'bar-steps/s (one core)', target: '>= 20,000,000', pass: sweepRate >= 20_000_000, detail: { points, bar_steps: steps, ms: Math.round(sweepMs), reference_loop_ms: Math.round(refSweepMs), ratio_to_reference_loop: Number((refSweepMs / sweepMs).toFixed(3)) } },
  ];
}

/** Features of the gated replay's model: what a small intraday feature set would hold. */
const MODEL_FEATURES = 'ibs, rsi(14), roc(4), macd(12,26,9), atr(14), std(20), sma(50)';

/**
 * Replay throughput with a model in the path: a 100-tree, depth-6 GBDT trained on the first fifth of
 * the bars (label: the next bar closes higher), fed by the streaming kernels, gating the ibs strategy
 * at 0.5 through the risk gate and the broker; timed from the first kernel update to the last fill.
 */
async function gatedReplay(data: SymbolData, sessions: ReturnType<typeof utcDaySeries>, params: Record<string, number>): Promise<{ rate: number; detail: Result['detail'] }> {
  const n = data.t.length;
  const columns = computeFeatures(sessions, parseFeatureList(MODEL_FEATURES));
  const names = [...columns.keys()];
  const m = Math.floor(n / 5);
  const y = Float64Array.from({ length: m }, (_, i) => (i + 1 < n && data.c[i + 1]! > data.c[i]! ? 1 : 0));
  const t0 = performance.now();
  const model = trainGbdt({ x: names.map((f) => columns.get(f)!.subarray(0, m)), y }, { objective: 'binary', nTrees: 100, maxDepth: 6, learningRate: 0.1 });
  const trainMs = performance.now() - t0;
  const runner = await ModelRunner.fromBytes(gbdtToOnnx(model, { features: names, specHash: 'bench', modelCard: 'bench@1' }), names.length, 'cpu');
  const portfolio = { instruments: [{ name: 'ES', symbol: 'ES', run: 'bench', strategy: 'ibs+ml', params, timeframe: '1m', model: 'bench@1', threshold: 0.5 }], maxPositions: 1, sizing: { kind: 'fixed', contracts: 1 }, riskLimits: {}, objective: 'sharpe', split: '', terms: BENCH_TERMS };
  let best = Number.POSITIVE_INFINITY;
  let inferenceMs = 0;
  let trades = 0;
  for (let r = 0; r < 2; r++) {
    const start = performance.now();
    const probability = await StreamingModel.of('bench@1', runner, MODEL_FEATURES, names).probabilities({ ...data, timeframe: '1m' }, sessions);
    const predicted = performance.now();
    trades = replaySeries(portfolio, [{ bars: { ...data, timeframe: '1m' }, sessions, probability, warm: 0 }], 'active').trades.length;
    const ms = performance.now() - start;
    if (ms < best) [best, inferenceMs] = [ms, predicted - start];
    if (r === 0) log(`bench: gated replay pass ${Math.round(ms)} ms`);
  }
  await runner.close();
  return { rate: n / (best / 1000), detail: { bars: n, features: names.length, trees: model.trees.length, trades, ms: Math.round(best), features_and_inference_ms: Math.round(inferenceMs), train_ms: Math.round(trainMs) } };
}
