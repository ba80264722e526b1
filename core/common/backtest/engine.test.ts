import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeFeatures, parseFeatureList } from '../features/registry';
import { utcDaySeries } from '../features/series';
import { runBacktest } from './engine';
import { type CostModel } from './costs';
import { type EngineConfig, type SymbolData } from './engine-types';
import { backtestMetrics } from './metrics';
import { createStrategy, mlGated, STRATEGIES } from './strategies';
import type { Strategy } from './strategy';
import { deflatedSharpe, normalCdf, normalQuantile, sweepOscillator } from './sweep';
import { fillTable, runOscillator, type VectorInput } from './vectorised';
import { walkForward } from './walk-forward';

const NO_COSTS: CostModel = { commissionPerContract: 0, commissionBps: 0, minCommission: 0, slippageTicks: 0, slippageBps: 0, slippageRangeFraction: 0, participation: 0 };
const DAY = 86_400_000;

function config(over: Partial<EngineConfig> = {}): EngineConfig {
  return { capital: 100_000, maxPositions: 0, fillAt: 'next_open', costs: NO_COSTS, sizing: { kind: 'fixed', contracts: 1 }, barsPerYear: 252, ...over };
}

/** Daily bars from [open, high, low, close] rows, with the strategy's features computed by the registry. */
function symbolData(symbol: string, rows: number[][], strategy: Strategy, extra: Partial<SymbolData> = {}, volume = 1000): SymbolData {
  const n = rows.length;
  const col = (k: number): Float64Array => Float64Array.from(rows, (r) => r[k]!);
  const bars = { t: Float64Array.from({ length: n }, (_, i) => Date.UTC(2024, 0, 1) + i * DAY), o: col(0), h: col(1), l: col(2), c: col(3), v: new Float64Array(n).fill(volume) };
  const features = strategy.features.length > 0 ? computeFeatures(utcDaySeries(bars), parseFeatureList(strategy.features)) : new Map<string, Float64Array>();
  return { symbol, contract: { multiplier: 50, tickSize: 0.25, currency: 'USD' }, ...bars, features, ...extra };
}

// IBS: bar 0 closes weak (0.1), bar 2 strong (0.93); the trade is entered at bar 1's open and left at bar 3's.
const ROWS = [
  [100, 102, 98, 98.4],
  [99, 101, 99, 100.6],
  [101, 103, 100, 102.8],
  [103, 104, 102, 103.5],
];

describe('event-driven backtester', () => {
  it('ruins an account whose equity falls to zero: closes it at that bar, trades no more, and its metrics stay defined', () => {
    const s = createStrategy('ibs');
    // Bought at 99 on bar 1; bar 2 closes 60 points lower: −3,000 on a 2,000 account. Bar 3 closes weak, which would enter again.
    const rows = [
      [100, 102, 98, 98.4],
      [99, 101, 99, 100.6],
      [100, 100, 39, 40],
      [40, 41, 30, 30.1],
      [31, 33, 30, 32.9],
    ];
    const r = runBacktest(s, [symbolData('ES', rows, s)], config({ capital: 2000 }));
    expect(r.ruinedAt).toBe(Date.UTC(2024, 0, 3));
    expect(r.trades).toHaveLength(1);
    expect(r.trades[0]).toMatchObject({ exitReason: 'ruined: account equity fell to zero', exitPrice: 40, exitTime: Date.UTC(2024, 0, 3) });
    expect(r.orders).toBe(1);
    expect(r.equity.value[r.equity.value.length - 1]).toBeCloseTo(2000 - 59 * 50, 9);
    const m = backtestMetrics(r.equity, { pnl: r.trades.map((t) => t.pnl), fees: r.trades.map((t) => t.fees) }, 2000, r.tradedNotional);
    expect(m.total_return).toBe(-1);
    expect(m.max_drawdown).toBeLessThanOrEqual(1);
    expect(Number.isFinite(m.annual_volatility)).toBe(true);
    // An account that never reaches zero is not ruined.
    expect(runBacktest(s, [symbolData('ES', rows, s)], config()).ruinedAt).toBeNull();
  });

  it('ibs by hand: next-open fills with a tick of slippage and per-contract commission', () => {
    const s = createStrategy('ibs');
    const r = runBacktest(s, [symbolData('ES', ROWS, s)], config({ costs: { ...NO_COSTS, commissionPerContract: 2.5, slippageTicks: 1 } }));
    expect(r.trades).toHaveLength(1);
    const t = r.trades[0]!;
    expect(t).toMatchObject({ symbol: 'ES', side: 'long', entryPrice: 99.25, exitPrice: 102.75, qty: 1, fees: 5, slippage: 25, barsHeld: 2, signalBar: 0 });
    expect(t.pnl).toBeCloseTo(3.5 * 50, 9);
    expect(t.entryTime).toBe(Date.UTC(2024, 0, 2));
    expect(t.exitTime).toBe(Date.UTC(2024, 0, 4));
    // Bar 1's low is 0.25 under the entry; bar 2's high 3.75 over it.
    expect(t.mae).toBeCloseTo(-12.5, 9);
    expect(t.mfe).toBeCloseTo(187.5, 9);
    expect(t.entryReason).toMatch(/^ibs 0\.100 < 0\.2$/);
    expect(t.exitReason).toMatch(/^ibs 0\.933 > 0\.8$/);
    expect(r.equity.value[r.equity.value.length - 1]).toBeCloseTo(100_000 + 175 - 5, 9);
    expect(Array.from(r.equity.exposure)).toEqual([0, 1, 1, 0]);
  });

  it('fills at the signal bar’s close when configured, and exits after max_bars', () => {
    const s = createStrategy('ibs');
    const atClose = runBacktest(s, [symbolData('ES', ROWS, s)], config({ fillAt: 'close', costs: { ...NO_COSTS, slippageTicks: 1 } }));
    expect(atClose.trades[0]).toMatchObject({ entryPrice: 98.65, exitPrice: 102.55, entryTime: Date.UTC(2024, 0, 1), exitTime: Date.UTC(2024, 0, 3) });
    const patient = createStrategy('ibs', { exit_above: 0.99, max_bars: 1 });
    const r = runBacktest(patient, [symbolData('ES', ROWS, patient)], config());
    expect(r.trades[0]).toMatchObject({ entryPrice: 99, exitPrice: 101, barsHeld: 1, exitReason: 'held 1 bars' });
  });

  it('checks limit, stop and stop-limit orders against the next bar’s range', () => {
    const once = (type: 'limit' | 'stop' | 'stop_limit', limit?: number, stop?: number): Strategy => ({
      name: 'once',
      features: [],
      onBar: (bar, pos) => (bar.t === Date.UTC(2024, 0, 1) && pos.qty === 0 ? [{ symbol: bar.symbol, action: 'entry', side: 'long', type, ...(limit !== undefined ? { limit } : {}), ...(stop !== undefined ? { stop } : {}), reason: type }] : []),
    });
    const run = (s: Strategy): number[] => runBacktest(s, [symbolData('ES', ROWS, s)], config({ costs: { ...NO_COSTS, slippageTicks: 1 } })).trades.map((t) => t.entryPrice);
    // Bar 1: open 99, high 101, low 99.
    expect(run(once('limit', 100))).toEqual([99]); // opens below the limit: the open, no slippage
    expect(run(once('limit', 99))).toEqual([99]);
    expect(run(once('limit', 98.5))).toEqual([]); // never traded down there: cancelled after the bar
    expect(run(once('stop', undefined, 100.5))).toEqual([100.75]); // touched: the stop plus a tick
    expect(run(once('stop', undefined, 98))).toEqual([99.25]); // opened through the stop: the open plus a tick
    expect(run(once('stop', undefined, 101.5))).toEqual([]);
    expect(run(once('stop_limit', 100.5, 100))).toEqual([100]); // triggered at the stop, within the limit: a limit fill, no slippage
    // Triggered at 100, above the 99.5 limit: it waits as a limit and fills when the price comes back (bar 3 never does).
    expect(run(once('stop_limit', 99.5, 100))).toEqual([]);
  });

  it('caps each fill at a share of the bar’s volume, finishing the order over later bars', () => {
    const s = createStrategy('ibs');
    const r = runBacktest(s, [symbolData('ES', ROWS, s, {}, 10)], config({ sizing: { kind: 'fixed', contracts: 5 }, costs: { ...NO_COSTS, participation: 0.2 } }));
    // 2 contracts a bar: bars 1 and 2 fill 4 at their opens (99, 101); the last 1 at bar 3's open,
    // where the exit order (placed at bar 2's close) waits behind the entry, so the run ends it.
    const t = r.trades[0]!;
    expect(t.qty).toBe(5);
    expect(t.entryPrice).toBeCloseTo((2 * 99 + 2 * 101 + 103) / 5, 9);
    expect(t.exitReason).toBe('end of data');
  });

  it('takes no more than maxPositions at once across symbols', () => {
    const s = createStrategy('ibs');
    const data = [symbolData('ES', ROWS, s), symbolData('NQ', ROWS, s)];
    const one = runBacktest(s, data, config({ maxPositions: 1 }));
    expect(one.trades.map((t) => t.symbol)).toEqual(['ES']);
    expect(one.skippedForMaxPositions).toBe(1);
    expect(runBacktest(s, data, config()).trades.map((t) => t.symbol)).toEqual(['ES', 'NQ']);
  });

  it('gates entries on the model’s probability at the signal bar', () => {
    const s = mlGated(createStrategy('ibs'), 0.6);
    const low = runBacktest(s, [symbolData('ES', ROWS, s, { probability: Float64Array.from([0.55, 0.9, 0.9, 0.9]) })], config());
    expect(low.trades).toHaveLength(0);
    const high = runBacktest(s, [symbolData('ES', ROWS, s, { probability: Float64Array.from([0.6, 0, 0, 0]) })], config());
    expect(high.trades).toHaveLength(1);
  });

  it('sizes by notional, by volatility target and by capped Kelly', () => {
    const s = createStrategy('ibs');
    const sized = (sizing: EngineConfig['sizing'], probability?: Float64Array): number => runBacktest(s, [symbolData('ES', ROWS, s, probability ? { probability } : {})], config({ sizing })).trades[0]?.qty ?? 0;
    // 98.4 × 50 = 4,920 a contract.
    expect(sized({ kind: 'notional', amount: 20_000 })).toBe(4);
    // p = 0.7, payoff 1: f = 0.4, capped at 0.25 → 25,000 / 4,920.
    expect(sized({ kind: 'kelly', cap: 0.25, payoff: 1 }, Float64Array.from([0.7, 0.7, 0.7, 0.7]))).toBe(5);
    expect(sized({ kind: 'kelly', cap: 0.25, payoff: 1 }, Float64Array.from([0.5, 0.5, 0.5, 0.5]))).toBe(0);
    // Too few bars for a 20-bar volatility: no entry.
    expect(sized({ kind: 'volatility', target: 0.1, lookback: 20 })).toBe(0);
  });

  it('keeps capital + Σ trade P&L − Σ fees = final equity for any strategy, costs, sizing and symbols', () => {
    const bars = fc.array(fc.tuple(fc.double({ min: -0.03, max: 0.03, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 30, maxLength: 120 });
    fc.assert(
      fc.property(
        fc.constantFrom(...STRATEGIES.keys()),
        fc.array(bars, { minLength: 1, maxLength: 3 }),
        fc.record({ commissionPerContract: fc.double({ min: 0, max: 5, noNaN: true }), commissionBps: fc.double({ min: 0, max: 5, noNaN: true }), minCommission: fc.double({ min: 0, max: 3, noNaN: true }), slippageTicks: fc.integer({ min: 0, max: 3 }), slippageBps: fc.double({ min: 0, max: 5, noNaN: true }), slippageRangeFraction: fc.double({ min: 0, max: 0.2, noNaN: true }), participation: fc.constantFrom(0, 0.01, 0.5) }),
        fc.constantFrom<EngineConfig['sizing']>({ kind: 'fixed', contracts: 3 }, { kind: 'notional', amount: 50_000 }, { kind: 'volatility', target: 0.2, lookback: 10 }),
        fc.constantFrom<'next_open' | 'close'>('next_open', 'close'),
        fc.integer({ min: 0, max: 2 }),
        (name, series, costs, sizing, fillAt, maxPositions) => {
          const s = createStrategy(name, name === 'breakout' ? { n: 5, m: 3, allow_short: 1 } : name === 'macd_cross' ? { fast: 3, slow: 6, signal: 3, allow_short: 1 } : { allow_short: 1 });
          const data = series.map((moves, k) => {
            let p = 100 + k * 10;
            const rows = moves.map(([ret, up, down]) => {
              const o = p;
              const c = o * (1 + ret);
              p = c;
              return [o, Math.max(o, c) * (1 + up * 0.01), Math.min(o, c) * (1 - down * 0.01), c];
            });
            return symbolData(`S${k}`, rows, s, {}, 40);
          });
          const cfg = config({ costs, sizing, fillAt, maxPositions });
          const r = runBacktest(s, data, cfg);
          const final = r.equity.value[r.equity.value.length - 1]!;
          const sum = r.trades.reduce((a, t) => a + t.pnl - t.fees, 0);
          expect(Math.abs(final - (cfg.capital + sum))).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(final)));
          for (const t of r.trades) {
            expect(t.exitTime).toBeGreaterThanOrEqual(t.entryTime);
            expect(t.mae).toBeLessThanOrEqual(1e-9);
            expect(t.mfe).toBeGreaterThanOrEqual(-1e-9);
          }
          // A symbol's trades never overlap.
          for (const sym of new Set(r.trades.map((t) => t.symbol))) {
            const own = r.trades.filter((t) => t.symbol === sym);
            for (let i = 1; i < own.length; i++) expect(own[i]!.entryTime).toBeGreaterThanOrEqual(own[i - 1]!.exitTime);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('caps a volatility-targeted position at maxLeverage × equity when the market is quiet', () => {
    const s = createStrategy('ibs');
    const quiet = Array.from({ length: 30 }, (_, i) => [100, 100.01, 99.99, i === 25 ? 99.991 : 100 + (i % 2) * 1e-6]);
    const r = runBacktest(s, [symbolData('ES', quiet, s)], config({ sizing: { kind: 'volatility', target: 0.2, lookback: 10, maxLeverage: 3 } }));
    // 100 × 50 = 5,000 a contract: 3 × 100,000 buys 60.
    expect(r.trades[0]!.qty).toBe(60);
  });
});

describe('backtest metrics', () => {
  it('computes returns, risk and trade statistics on a known series', () => {
    // Daily equity 110, 99, 118.8 from 100: returns +10%, −10%, +20%.
    const t = Float64Array.from([0, 1, 2], (d) => d * DAY + 3_600_000);
    const equity = { t, value: Float64Array.from([110, 99, 118.8]), exposure: Float64Array.from([1, 1, 0]) };
    const m = backtestMetrics(equity, { pnl: [12, -10, 20], fees: [1, 1, 1] }, 100, 300);
    expect(m.total_return).toBeCloseTo(0.188, 12);
    expect(m.max_drawdown).toBeCloseTo(0.1, 12);
    expect(m.max_drawdown_days).toBe(1);
    const sd = Math.sqrt(((0.1 - 0.2 / 3) ** 2 + (-0.1 - 0.2 / 3) ** 2 + (0.2 - 0.2 / 3) ** 2) / 2);
    expect(m.sharpe).toBeCloseTo((0.2 / 3 / sd) * Math.sqrt(252), 9);
    expect(m.annual_volatility).toBeCloseTo(sd * Math.sqrt(252), 9);
    expect(m.sortino).toBeCloseTo((0.2 / 3 / Math.sqrt(0.01 / 3)) * Math.sqrt(252), 9);
    expect(m.annual_return).toBeCloseTo(1.188 ** (252 / 3) - 1, 6);
    expect(m.calmar).toBeCloseTo(m.annual_return / 0.1, 6);
    // Sorted returns −0.1, 0.1, 0.2: the 5% quantile is −0.1 + 0.1 × 0.2.
    expect(m.var_95).toBeCloseTo(0.08, 12);
    expect(m.cvar_95).toBeCloseTo(0.1, 12);
    expect(m).toMatchObject({ trades: 3, win_rate: 2 / 3, fees: 3, net_pnl: 19 });
    expect(m.profit_factor).toBeCloseTo((11 + 19) / 11, 12);
    expect(m.expectancy).toBeCloseTo(19 / 3, 12);
    expect(m.exposure).toBeCloseTo(2 / 3, 12);
  });

  it('measures beta 2 and zero alpha against a benchmark the equity moves twice as much as', () => {
    const closes = [100, 101, 99, 102, 100.5, 103];
    const day = Float64Array.from(closes, (_, i) => i);
    const value: number[] = [];
    let v = 1000;
    closes.forEach((c, i) => {
      if (i > 0) v *= 1 + 2 * (c / closes[i - 1]! - 1);
      value.push(v);
    });
    const m = backtestMetrics({ t: Float64Array.from(day, (d) => d * DAY), value: Float64Array.from(value), exposure: new Float64Array(6).fill(1) }, { pnl: [], fees: [] }, 1000, 0, { day, close: Float64Array.from(closes) });
    expect(m.beta).toBeCloseTo(2, 9);
    expect(m.alpha).toBeCloseTo(0, 9);
  });
});

describe('vectorised engine', () => {
  it('produces the event-driven engine’s trades, P&L and equity for ibs and rsi2, both fill modes, any costs, accounts ruined to zero or by a margin call', () => {
    let ruined = 0;
    let calls = 0;
    fc.assert(
      fc.property(
        fc.constantFrom('ibs', 'rsi2'),
        fc.array(fc.tuple(fc.double({ min: -0.03, max: 0.03, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 5, maxLength: 150 }),
        fc.record({ entry_below: fc.double({ min: 0.05, max: 0.5, noNaN: true }), exit_above: fc.double({ min: 0.5, max: 0.95, noNaN: true }), max_bars: fc.integer({ min: 1, max: 12 }), allow_short: fc.integer({ min: 0, max: 1 }) }),
        fc.record({ commissionPerContract: fc.double({ min: 0, max: 5, noNaN: true }), commissionBps: fc.double({ min: 0, max: 5, noNaN: true }), minCommission: fc.double({ min: 0, max: 3, noNaN: true }), slippageTicks: fc.integer({ min: 0, max: 3 }), slippageBps: fc.double({ min: 0, max: 5, noNaN: true }), slippageRangeFraction: fc.double({ min: 0, max: 0.2, noNaN: true }), participation: fc.constant(0) }),
        fc.constantFrom<'next_open' | 'close'>('next_open', 'close'),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(100_000, 3_000, 800),
        fc.constantFrom(0, 400, 2_500),
        (name, moves, raw, costs, fillAt, qty, capital, maintenanceMargin) => {
          const scale = name === 'rsi2' ? 100 : 1;
          const params = { entry_below: raw.entry_below * scale, exit_above: raw.exit_above * scale, max_bars: raw.max_bars, allow_short: raw.allow_short };
          const s = createStrategy(name, params);
          let p = 100;
          const rows = moves.map(([ret, up, down]) => {
            const o = p;
            const c = o * (1 + ret);
            p = c;
            return [o, Math.max(o, c) * (1 + up * 0.01), Math.min(o, c) * (1 - down * 0.01), c];
          });
          const plain = symbolData('ES', rows, s);
          const data = { ...plain, contract: { ...plain.contract, maintenanceMargin } };
          const cfg = config({ capital, costs, fillAt, sizing: { kind: 'fixed', contracts: qty } });
          const ev = runBacktest(s, [data], cfg);
          const inp = { ...data, x: data.features.get(name === 'ibs' ? 'ibs' : 'rsi_2')! };
          const rule = { entryBelow: params.entry_below, exitAbove: params.exit_above, maxBars: params.max_bars, allowShort: params.allow_short === 1, mirror: scale };
          const vec = runOscillator(inp, rule, costs, fillTable(inp, costs), qty, cfg.capital, fillAt);
          expect(vec.trades.n).toBe(ev.trades.length);
          ev.trades.forEach((t, k) => {
            expect(vec.trades.dir[k]).toBe(t.side === 'long' ? 1 : -1);
            expect(vec.trades.entryBar[k]).toBe(t.signalBar);
            expect(data.t[vec.trades.exitBar[k]!]).toBe(t.exitTime);
            expect(vec.trades.entryPrice[k]).toBeCloseTo(t.entryPrice, 9);
            expect(vec.trades.exitPrice[k]).toBeCloseTo(t.exitPrice, 9);
            expect(vec.trades.pnl[k]).toBeCloseTo(t.pnl, 7);
            expect(vec.trades.fees[k]).toBeCloseTo(t.fees, 9);
          });
          ev.equity.value.forEach((v, i) => expect(vec.equity[i]).toBeCloseTo(v, 6));
          expect(Array.from(vec.exposure)).toEqual(Array.from(ev.equity.exposure));
          if (ev.ruinedAt !== null) ruined++;
          if (ev.trades.some((t) => t.exitReason.startsWith('ruined: margin call'))) calls++;
        },
      ),
      { numRuns: 300, seed: 7 },
    );
    // The property saw ruined accounts, not only healthy ones.
    expect(ruined).toBeGreaterThan(20);
    expect(calls).toBeGreaterThan(5);
  });
});

describe('parameter sweeps', () => {
  it('normal CDF and quantile match tabled values', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.959963985)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.1586552539, 6);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 7);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306, 7);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
  });

  it('deflates the best Sharpe more the more trials there were (one trial: the probabilistic Sharpe ratio against 0)', () => {
    // SR 0.1 per day over 253 returns, normal: Φ(0.1 × √252 / √(1 + 0.5 × 0.01)).
    expect(deflatedSharpe([0.1], 0.1, 253, 0, 3)).toBeCloseTo(normalCdf((0.1 * Math.sqrt(252)) / Math.sqrt(1.005)), 9);
    const many = Array.from({ length: 100 }, (_, i) => (i - 50) / 500);
    expect(deflatedSharpe(many, 0.1, 253, 0, 3)).toBeLessThan(deflatedSharpe([0.1], 0.1, 253, 0, 3));
  });

  it('gives each grid point the metrics an event-driven backtest of those parameters gives', () => {
    const rows = Array.from({ length: 300 }, (_, i) => {
      const o = 100 + 10 * Math.sin(i / 7) + i * 0.05;
      const c = o + 2 * Math.sin(i * 1.7);
      return [o, Math.max(o, c) + 1 + Math.abs(Math.sin(i)), Math.min(o, c) - 1 - Math.abs(Math.cos(i)), c];
    });
    const costs = { ...NO_COSTS, commissionPerContract: 2, slippageTicks: 1 };
    const s0 = createStrategy('ibs');
    const data = symbolData('ES', rows, s0);
    const r = sweepOscillator('ibs', { entry_below: [0.1, 0.2, 0.3], max_bars: [3, 10] }, [{ ...data, x: data.features.get('ibs')! }], costs, 2, 100_000, 'next_open');
    expect(r.points).toHaveLength(6);
    expect(r.barSteps).toBe(6 * 300);
    expect(r.deflatedSharpe).toBeGreaterThanOrEqual(0);
    expect(r.deflatedSharpe).toBeLessThanOrEqual(1);
    for (const p of r.points) {
      const s = createStrategy('ibs', p.params);
      const ev = runBacktest(s, [symbolData('ES', rows, s)], config({ costs, sizing: { kind: 'fixed', contracts: 2 } }));
      const m = backtestMetrics(ev.equity, { pnl: ev.trades.map((t) => t.pnl), fees: ev.trades.map((t) => t.fees) }, 100_000, ev.tradedNotional);
      expect(p.metrics.trades).toBe(m.trades);
      expect(p.metrics.total_return).toBeCloseTo(m.total_return, 12);
      expect(p.metrics.sharpe).toBeCloseTo(m.sharpe, 9);
      expect(p.metrics.max_drawdown).toBeCloseTo(m.max_drawdown, 12);
    }
    expect(r.points[r.best]!.metrics.sharpe).toBe(Math.max(...r.points.map((p) => p.metrics.sharpe)));
    // Two symbols on partly different days: their P&L adds up on shared capital.
    const other = symbolData('NQ', rows.slice(40).map((r) => r.map((x) => x * 1.5)), s0);
    const shifted = { ...other, t: other.t.map((t) => t + 20 * DAY), x: other.features.get('ibs')! };
    const both = sweepOscillator('ibs', { entry_below: [0.1, 0.3] }, [{ ...data, x: data.features.get('ibs')! }, shifted], costs, 2, 100_000, 'next_open');
    const alone = (inp: VectorInput) => sweepOscillator('ibs', { entry_below: [0.1, 0.3] }, [inp], costs, 2, 100_000, 'next_open');
    const [a, b] = [alone({ ...data, x: data.features.get('ibs')! }), alone(shifted)];
    both.points.forEach((p, i) => {
      expect(p.metrics.trades).toBe(a.points[i]!.metrics.trades + b.points[i]!.metrics.trades);
      expect(p.metrics.net_pnl).toBeCloseTo(a.points[i]!.metrics.net_pnl + b.points[i]!.metrics.net_pnl, 6);
      expect(p.metrics.total_return).toBeCloseTo(a.points[i]!.metrics.total_return + b.points[i]!.metrics.total_return, 9);
    });
    // On a small shared account the two are ruined together, by a margin call, as the event engine ruins them.
    const margined = (d: SymbolData, maintenanceMargin: number): SymbolData => ({ ...d, contract: { ...d.contract, maintenanceMargin } });
    const small = sweepOscillator('ibs', { entry_below: [0.1, 0.3] }, [{ ...margined(data, 900), x: data.features.get('ibs')! }, { ...shifted, contract: { ...shifted.contract, maintenanceMargin: 700 } }], costs, 2, 4_000, 'next_open');
    let calls = 0;
    small.points.forEach((p) => {
      const st = createStrategy('ibs', p.params);
      const nq = symbolData('NQ', rows.slice(40).map((r) => r.map((x) => x * 1.5)), st);
      const ev = runBacktest(st, [margined(symbolData('ES', rows, st), 900), margined({ ...nq, t: nq.t.map((t) => t + 20 * DAY) }, 700)], config({ capital: 4_000, costs, sizing: { kind: 'fixed', contracts: 2 } }));
      if (ev.trades.some((t) => t.exitReason.startsWith('ruined: margin call'))) calls++;
      const m = backtestMetrics(ev.equity, { pnl: ev.trades.map((t) => t.pnl), fees: ev.trades.map((t) => t.fees) }, 4_000, ev.tradedNotional);
      expect(p.metrics.trades).toBe(m.trades);
      expect(p.metrics.net_pnl).toBeCloseTo(m.net_pnl, 6);
      expect(p.metrics.total_return).toBeCloseTo(m.total_return, 9);
      expect(p.metrics.max_drawdown).toBeCloseTo(m.max_drawdown, 9);
    });
    expect(calls).toBeGreaterThan(0);
    expect(() => sweepOscillator('breakout', { n: [10] }, [], costs, 1, 1, 'close')).toThrow(/vectorised engine runs ibs and rsi2/);
    expect(() => sweepOscillator('ibs', { entry_below: [2] }, [], costs, 1, 1, 'close')).toThrow(/entry_below = 2 is outside/);
  });
});

describe('walk-forward optimisation', () => {
  const rows = Array.from({ length: 500 }, (_, i) => {
    const o = 100 + 10 * Math.sin(i / 9) + 3 * Math.sin(i / 2.3);
    const c = o + 2 * Math.sin(i * 1.3);
    return [o, Math.max(o, c) + 1 + Math.abs(Math.sin(i)), Math.min(o, c) - 1 - Math.abs(Math.cos(i)), c];
  });
  const s0 = createStrategy('ibs');
  const data = symbolData('ES', rows, s0);
  const inp = { ...data, x: data.features.get('ibs')! };
  const costs = { ...NO_COSTS, commissionPerContract: 2 };
  const grid = { entry_below: [0.1, 0.2, 0.3], exit_above: [0.7, 0.9] };

  it('chooses each window’s parameters in sample, trades them out of sample, and chains the out-of-sample returns', () => {
    const r = walkForward('ibs', grid, inp, { inSample: 200, outOfSample: 100, anchored: false }, costs, 1, 100_000, 'next_open');
    expect(r.windows).toHaveLength(3);
    r.windows.forEach((w, k) => {
      expect(w.outOfSample.from).toBe(data.t[200 + 100 * k]);
      expect(w.inSample.from).toBe(data.t[100 * k]);
      // The same choice a sweep of the in-sample bars alone makes.
      const ins = sweepOscillator('ibs', grid, [{ ...inp, t: inp.t.subarray(100 * k, 200 + 100 * k), o: inp.o.subarray(100 * k, 200 + 100 * k), h: inp.h.subarray(100 * k, 200 + 100 * k), l: inp.l.subarray(100 * k, 200 + 100 * k), c: inp.c.subarray(100 * k, 200 + 100 * k), x: inp.x.subarray(100 * k, 200 + 100 * k) }], costs, 1, 100_000, 'next_open');
      expect(w.params).toEqual(ins.points[ins.best]!.params);
    });
    expect(r.equity.t).toEqual(Array.from(data.t.subarray(200)));
    const chained = r.windows.reduce((a, w) => a * (1 + w.result.total_return), 1);
    expect(r.equity.value[r.equity.value.length - 1]! / 100_000).toBeCloseTo(chained, 9);
    expect(r.metrics.total_return).toBeCloseTo(chained - 1, 9);
    // In sample for comparison: the whole series' best parameters, backtested over the same span from the same capital.
    const whole = sweepOscillator('ibs', grid, [inp], costs, 1, 100_000, 'next_open');
    expect(r.hindsight.params).toEqual(whole.points[whole.best]!.params);
    const s = createStrategy('ibs', r.hindsight.params);
    const span = symbolData('ES', rows.slice(200), s);
    const ev = runBacktest(s, [{ ...span, t: data.t.subarray(200), features: new Map([['ibs', inp.x.subarray(200)]]) }], config({ costs }));
    expect(r.hindsight.equity.t).toEqual(r.equity.t);
    expect(r.hindsight.equity.value[r.hindsight.equity.value.length - 1]).toBeCloseTo(ev.equity.value[ev.equity.value.length - 1]!, 6);
    const meanIs = r.windows.reduce((a, w) => a + w.inSampleReturn, 0) / r.windows.length;
    expect(r.efficiency).toBeCloseTo(meanIs > 0 ? r.metrics.annual_return / meanIs : 0, 12);
  });

  it('anchors every in-sample window at the first bar when asked, and refuses a series too short for one window', () => {
    const r = walkForward('ibs', grid, inp, { inSample: 300, outOfSample: 150, anchored: true }, costs, 1, 100_000, 'close');
    expect(r.windows.map((w) => w.inSample.from)).toEqual([data.t[0], data.t[0]]);
    expect(r.windows.map((w) => w.outOfSample.from)).toEqual([data.t[300], data.t[450]]);
    expect(() => walkForward('ibs', grid, inp, { inSample: 450, outOfSample: 100, anchored: false }, costs, 1, 100_000, 'close')).toThrow(/need more than the 500 bars/);
  });
});
