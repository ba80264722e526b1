import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArgOf } from '../core/common/api';
import type { BacktestDetail, BacktestSummary, PortfolioRun } from '../core/common/backtest/types';
import type { PaperSessionInfo, PaperSummary } from '../core/common/trading/types';
import type { Services } from '../core/node/services';
import { backfill, call, openServices, runJob, tempDir, until } from './helpers';

/**
 * Every built-in strategy, with parameters that trade often enough to compare. The MACD cross trades
 * long only: with shorts, a run long at D exits on the cross down that a run flat at D enters short
 * on, and the two stay out of phase for good (a path, not a warm-up, difference).
 */
const STRATEGIES: Record<string, Record<string, number>> = {
  ibs: { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 1 },
  rsi2: { entry_below: 15, exit_above: 60, max_bars: 6, allow_short: 1 },
  macd_cross: { fast: 12, slow: 26, signal: 9, allow_short: 0 },
  breakout: { n: 20, m: 10, allow_short: 1 },
};
/** Costs on every fill: per contract, in basis points of notional, and a tick of slippage; capital enough that no run is ruined. */
const COSTS = { capital: 10_000_000, commission: 2.5, commissionBps: 0.2, slippageTicks: 1 };
const TERMS: PortfolioRun['config']['terms'] = { capital: 10_000_000, fillAt: 'next_open', commission: 2.5, commissionBps: 0.2, minCommission: 0, slippageTicks: 1, slippageBps: 0, slippageRange: 0, participation: 0 };
/** A longer run from `long`, the sub-period from `from`, both to `to`. */
const PERIODS = {
  '1d': { long: '2022-01-03', from: '2023-01-03', to: '2024-04-30' },
  '1h': { long: '2024-01-02', from: '2024-02-15', to: '2024-04-30' },
} as const;
type Tf = keyof typeof PERIODS;

/** A run's trades as rows, for comparing run with run. */
function rows(d: BacktestDetail['trades']): { symbol: string; side: string; entryTime: number; exitTime: number; entryPrice: number; exitPrice: number; qty: number; fees: number; slippage: number; pnl: number }[] {
  return d.symbol.map((symbol, i) => ({ symbol, side: d.side[i]!, entryTime: d.entryTime[i]!, exitTime: d.exitTime[i]!, entryPrice: d.entryPrice[i]!, exitPrice: d.exitPrice[i]!, qty: d.qty[i]!, fees: d.fees[i]!, slippage: d.slippage[i]!, pnl: d.pnl[i]! }));
}
type Row = ReturnType<typeof rows>[number];

function expectSameTrades(got: readonly Row[], want: readonly Row[]): void {
  expect(got.map((t) => [t.symbol, t.side, t.entryTime, t.exitTime, t.entryPrice, t.exitPrice, t.qty])).toEqual(want.map((t) => [t.symbol, t.side, t.entryTime, t.exitTime, t.entryPrice, t.exitPrice, t.qty]));
  got.forEach((t, i) => {
    expect(t.fees).toBeCloseTo(want[i]!.fees, 9);
    expect(t.slippage).toBeCloseTo(want[i]!.slippage, 9);
    expect(t.pnl).toBeCloseTo(want[i]!.pnl, 9);
  });
}

/**
 * Per symbol, the first time at or after `from` at which neither run holds a position in it (after
 * that bar both are flat there with nothing working, and from there on trade it alike).
 */
function bothFlat(a: readonly Row[], b: readonly Row[], from: number, symbol: string): number {
  const mine = [...a, ...b].filter((t) => t.symbol === symbol);
  const spans = (c: number): boolean => mine.some((t) => t.entryTime <= c && t.exitTime > c);
  const candidates = [from, ...mine.map((t) => t.exitTime).filter((t) => t >= from)].sort((x, y) => x - y);
  return candidates.find((c) => !spans(c)) ?? Number.POSITIVE_INFINITY;
}

describe('what is backtested is what paper trading trades: every built-in strategy, with costs, daily and intraday, with and without a model gate', () => {
  const home = tempDir('qd-parity-');
  let s: Services;
  const job = <T>(arg: ArgOf<'jobs.start'>): Promise<T> => runJob<T>(s, arg);

  beforeAll(async () => {
    s = await openServices(home);
    await backfill(s, ['ES', 'NQ'], '2021-01-04', '2024-04-30');
    fs.mkdirSync(path.join(home, 'feature-sets'), { recursive: true });
    for (const tf of Object.keys(PERIODS) as Tf[]) {
      fs.writeFileSync(path.join(home, 'feature-sets', `p${tf}.yml`), `name: p${tf}\ntimeframe: ${tf}\nsymbols: [ES]\nfeatures: "ibs, rsi(14), roc(4)"\nlabels: [b1]\n`);
      await job({ kind: 'features', set: `p${tf}` });
      await job({ kind: 'train', config: { name: `es-${tf}`, featureSet: `p${tf}`, label: 'label_b1', model: { kind: 'gbdt', nTrees: 20, maxDepth: 3, learningRate: 0.1, subsample: 0.8 }, split: { validation: 0.2, test: 0.2, embargo: 1 }, seed: 3 } });
    }
  }, 300_000);
  afterAll(async () => {
    await s?.close();
  });

  const cases = (Object.keys(PERIODS) as Tf[]).flatMap((tf) => Object.keys(STRATEGIES).flatMap((strategy) => [false, true].map((gated) => ({ tf, strategy, gated }))));
  it.each(cases)('$strategy on $tf bars (model gate: $gated): a replay from D trades as the backtest from D, which trades as a longer backtest once both are flat', async ({ tf, strategy, gated }) => {
    const p = PERIODS[tf];
    const params = STRATEGIES[strategy]!;
    const symbols = gated ? ['ES'] : ['ES', 'NQ'];
    const model = gated ? { model: `es-${tf}@1`, threshold: 0.5 } : {};
    const run = async (from: string): Promise<BacktestDetail> => {
      const r = await job<BacktestSummary>({ kind: 'backtest', strategy, symbols, timeframe: tf, from, to: p.to, params, maxPositions: symbols.length, ...COSTS, ...model });
      return call(s, 'backtest.get', { runId: r.runId });
    };
    const sub = await run(p.from);
    const long = await run(p.long);
    const file = path.join(home, `${strategy}-${tf}-${gated}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        instruments: symbols.map((symbol) => ({ name: symbol, symbol, run: 'by hand', strategy: gated ? `${strategy}+ml` : strategy, params, timeframe: tf, model: gated ? `es-${tf}@1` : null, threshold: gated ? 0.5 : null })),
        maxPositions: symbols.length,
        sizing: { kind: 'fixed', contracts: 1 },
        riskLimits: {},
        objective: 'sharpe',
        split: p.from,
        terms: TERMS,
      }),
    );
    const paper = await job<PaperSummary>({ kind: 'paper', portfolio: file, from: p.from, to: p.to });

    // The replay from D: the backtest from D's trades, fees, slippage and net P&L, trade for trade.
    const want = rows(sub.trades);
    expect(want.length).toBeGreaterThanOrEqual(gated ? 3 : 6);
    expect(want.every((t) => t.fees > 0 && t.slippage > 0)).toBe(true);
    expectSameTrades(paper.trades, want);
    expect(paper.netPnl).toBeCloseTo(want.reduce((a, t) => a + t.pnl - t.fees, 0), 6);
    expect(paper.denials).toEqual([]);

    // The backtest from D is warmed as the longer one is at D: once both are flat in a symbol they
    // trade it alike (the symbols do not interact: a fixed size, a position allowed for each, no ruin).
    const longRows = rows(long.trades);
    const flat = new Map(symbols.map((x) => [x, bothFlat(longRows, want, Date.parse(p.from), x)]));
    const after = (list: readonly Row[]): Row[] => list.filter((t) => t.entryTime > flat.get(t.symbol)!);
    expect(after(want).length).toBeGreaterThanOrEqual(gated ? 2 : 4);
    expectSameTrades(after(want), after(longRows));
  }, 60_000);

  it('a paper session started at D (its worker, journaled, at full speed) warms on the stored bars before D and fills as the backtest from D does', async () => {
    const p = PERIODS['1d'];
    const params = STRATEGIES.breakout!;
    const bt = await job<BacktestSummary>({ kind: 'backtest', strategy: 'breakout', symbols: ['ES', 'NQ'], timeframe: '1d', from: p.from, to: p.to, params, maxPositions: 2, ...COSTS });
    const d = await call(s, 'backtest.get', { runId: bt.runId });
    // Breakout(20) on daily bars needs 20 bars before D: without the warm-up it could not enter in D's first month.
    expect(d.trades.entryTime[0]! - Date.parse(p.from)).toBeLessThan(20 * 86_400_000);
    const file = path.join(home, 'session.json');
    fs.writeFileSync(file, JSON.stringify({ instruments: ['ES', 'NQ'].map((symbol) => ({ name: symbol, symbol, run: 'by hand', strategy: 'breakout', params, timeframe: '1d', model: null, threshold: null })), maxPositions: 2, sizing: { kind: 'fixed', contracts: 1 }, riskLimits: {}, objective: 'sharpe', split: p.from, terms: TERMS }));
    const started = await call(s, 'paper.session.start', { portfolio: file, from: p.from, to: p.to, speed: 'max' });
    const done = await until(async () => ((x) => (x && ['finished', 'failed', 'stopped'].includes(x.status) ? x : undefined))((await call(s, 'paper.sessions', {})).find((q: PaperSessionInfo) => q.id === started.id)), `session ${started.id} to end`, 60_000);
    expect(done.status).toBe('finished');
    const curves = await call(s, 'paper.session.get', { session: done.id, points: 100_000 });
    const net = Array.from(d.trades.pnl).reduce((a, x, i) => a + x - d.trades.fees[i]!, 0);
    expect(curves.equityCurve.value[curves.equityCurve.value.length - 1]!).toBeCloseTo(TERMS!.capital + net, 6);
    expect(done.fills).toBe(2 * d.trades.symbol.length);
  }, 120_000);
});
