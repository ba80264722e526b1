import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArgOf } from '../core/common/api';
import type { BacktestSummary } from '../core/common/backtest/types';
import type { SweepResult } from '../core/common/backtest/sweep';
import type { PortfolioRun } from '../core/common/backtest/types';
import type { Services } from '../core/node/services';
import { backfill, call, openServices, paths, runJob, tempDir } from './helpers';

const BIN = path.join(paths.root, 'bin', 'quantdesk.mjs');

describe('backtests over the lake', () => {
  const home = tempDir('qd-backtest-');
  let s: Services;
  let closed = false;
  const job = <T>(arg: ArgOf<'jobs.start'>): Promise<T> => runJob<T>(s, arg);

  beforeAll(async () => {
    s = await openServices(home);
    await backfill(s, ['ES', 'NQ'], '2024-01-02', '2024-06-28');
  });
  afterAll(async () => {
    if (!closed) await s?.close();
  });

  it('runs ibs on daily bars of two symbols, stores the run, and its trades add up to its equity', async () => {
    const r = await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: ['ES', 'NQ'], timeframe: '1d', commission: 2.5, slippageTicks: 1, benchmark: 'ES' });
    expect(r.strategy).toBe('ibs');
    expect(r.params).toEqual({ entry_below: 0.2, exit_above: 0.8, max_bars: 10, allow_short: 0 });
    expect(r.metrics.trades).toBeGreaterThan(3);
    expect(r.metrics.beta).toBeDefined();
    const d = await call(s, 'backtest.get', { runId: r.runId });
    expect(d.trades.entryTime).toBeInstanceOf(Float64Array);
    expect(d.trades.symbol.length).toBe(r.metrics.trades);
    expect(new Set(d.trades.symbol)).toEqual(new Set(['ES', 'NQ']));
    // Accounting identity: capital + Σ P&L − Σ fees = final equity.
    let sum = 0;
    for (let i = 0; i < d.trades.pnl.length; i++) sum += d.trades.pnl[i]! - d.trades.fees[i]!;
    expect(d.equity.value[d.equity.value.length - 1]).toBeCloseTo(100_000 + sum, 6);
    // Every entry was an IBS below 0.2 at its signal bar; fees are 2.5 a contract a side.
    for (const x of d.trades.features.ibs!) expect(x).toBeLessThan(0.2);
    for (const f of d.trades.fees) expect(f).toBeCloseTo(5, 9);
    // ES moves 12.50 a tick: a tick of slippage each way on one contract.
    d.trades.symbol.forEach((sym, i) => expect(d.trades.slippage[i]).toBeCloseTo(sym === 'ES' ? 25 : 10, 9));
    expect(fs.existsSync(path.join(home, 'lake', 'gold', 'backtests', r.runId, 'trades.parquet'))).toBe(true);
    expect((await call(s, 'backtest.list', {})).map((x) => x.runId)).toContain(r.runId);
  });

  it('marks a run whose account is wiped out RUINED, stops it there, and keeps its metrics within −100%', async () => {
    // Without margins only a wiped-out account is ruined.
    for (const symbol of ['ES', 'NQ']) await call(s, 'instruments.setMargin', { symbol, maintenanceMargin: 0 });
    try {
      const r = await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: ['ES', 'NQ'], timeframe: '1d', capital: 1000 });
      expect(r.ruinedAt).toBeDefined();
      expect(r.metrics.total_return).toBe(-1);
      expect(r.metrics.max_drawdown).toBeLessThanOrEqual(1);
      const d = await call(s, 'backtest.get', { runId: r.runId });
      expect(d.ruinedAt).toBe(r.ruinedAt);
      // Nothing is entered after the ruin; the last exits are the ruin's own.
      expect(Math.max(...d.trades.entryTime)).toBeLessThanOrEqual(r.ruinedAt!);
      expect(d.trades.exitReason.filter((x) => x === 'ruined: account equity fell to zero').length).toBeGreaterThan(0);
      expect(Math.max(...d.trades.exitTime)).toBe(r.ruinedAt);
      // The run records the contract terms it traded on: the margins of that moment.
      expect((d.config as { contracts: unknown }).contracts).toEqual({ ES: { multiplier: 50, tickSize: 0.25, currency: 'USD', maintenanceMargin: 0 }, NQ: { multiplier: 20, tickSize: 0.25, currency: 'USD', maintenanceMargin: 0 } });
    } finally {
      for (const symbol of ['ES', 'NQ']) await call(s, 'instruments.setMargin', { symbol, maintenanceMargin: null });
    }
    const safe = await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: ['ES', 'NQ'], timeframe: '1d' });
    expect(safe.ruinedAt).toBeUndefined();
  });

  it('calls the margin of an account whose equity falls under the maintenance margin of what it holds; the table’s margins are listed, set and checked', async () => {
    const table = await call(s, 'instruments.list', {});
    expect(table.find((i) => i.symbol === 'ES')).toMatchObject({ multiplier: 50, tickSize: 0.25, maintenanceMargin: 14_500 });
    // 20,000 holds one ES contract (14,500) but not one NQ contract (21,000), nor both.
    const r = await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: ['ES', 'NQ'], timeframe: '1d', capital: 20_000 });
    expect(r.ruinedAt).toBeDefined();
    const d = await call(s, 'backtest.get', { runId: r.runId });
    const called = d.trades.exitReason.findIndex((x) => x.startsWith('ruined: margin call'));
    expect(called).toBeGreaterThanOrEqual(0);
    const [, equity, margin] = /^ruined: margin call, equity ([\d.]+) under the maintenance margin ([\d.]+)$/.exec(d.trades.exitReason[called]!)!;
    expect(Number(equity)).toBeLessThan(Number(margin));
    expect([14_500, 21_000, 35_500]).toContain(Number(margin));
    expect(d.trades.exitTime[called]).toBe(r.ruinedAt);
    expect(r.metrics.total_return).toBeGreaterThan(-1);
    expect(Math.max(...d.trades.entryTime)).toBeLessThanOrEqual(r.ruinedAt!);
    // A broker's lower NQ margin: the same run is not called there.
    const lower = await call(s, 'instruments.setMargin', { symbol: 'NQ', maintenanceMargin: 9_000 });
    expect(lower.find((i) => i.symbol === 'NQ')!.maintenanceMargin).toBe(9_000);
    try {
      const kept = await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: ['ES', 'NQ'], timeframe: '1d', capital: 20_000, to: new Date(r.ruinedAt!).toISOString().slice(0, 10) });
      expect(kept.ruinedAt).toBeUndefined();
    } finally {
      await call(s, 'instruments.setMargin', { symbol: 'NQ', maintenanceMargin: null });
    }
    expect((await call(s, 'instruments.list', {})).find((i) => i.symbol === 'NQ')!.maintenanceMargin).toBe(21_000);
    await expect(call(s, 'instruments.setMargin', { symbol: 'NQ', maintenanceMargin: -1 })).rejects.toMatchObject({ code: 'invalid_argument', path: 'maintenanceMargin' });
    await expect(call(s, 'instruments.setMargin', { symbol: 'AAPL', maintenanceMargin: 5000 })).rejects.toThrow(/AAPL is not in the instrument table \(ES, NQ/);
    await expect(call(s, 'instruments.setMargin', { symbol: 'NQ', maintenanceMargin: '9000' as unknown as number })).rejects.toMatchObject({ code: 'invalid_argument', path: 'maintenanceMargin' });
  });

  it('runs a seeded Monte Carlo of a stored run: reshuffles keep its final equity, resamples and blocks spread it', async () => {
    const r = await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: ['ES', 'NQ'], timeframe: '1d' });
    expect(r.ruinedAt).toBeUndefined();
    const d = await call(s, 'backtest.get', { runId: r.runId });
    expect(d.trades.symbol.length).toBeGreaterThan(10);
    const final = 100_000 + Array.from(d.trades.pnl).reduce((a, p, i) => a + p - d.trades.fees[i]!, 0);
    const shuffled = await call(s, 'backtest.monteCarlo', { runId: r.runId, simulations: 500 });
    expect(shuffled).toMatchObject({ method: 'reshuffle', simulations: 500, seed: 1 });
    expect(shuffled.finalEquity.p5).toBeCloseTo(final, 6);
    expect(shuffled.finalEquity.p95).toBeCloseTo(final, 6);
    expect(shuffled.maxDrawdown.p95).toBeGreaterThanOrEqual(shuffled.maxDrawdown.p5);
    expect(shuffled.fan.p50.length).toBe(Math.min(100, d.trades.symbol.length));
    const resampled = await call(s, 'backtest.monteCarlo', { runId: r.runId, method: 'resample', simulations: 500, seed: 4 });
    expect(resampled.finalEquity.p95).toBeGreaterThan(resampled.finalEquity.p5);
    expect(await call(s, 'backtest.monteCarlo', { runId: r.runId, method: 'resample', simulations: 500, seed: 4 })).toEqual(resampled);
    const blocks = await call(s, 'backtest.monteCarlo', { runId: r.runId, method: 'block', simulations: 200, block: 5 });
    expect(blocks.block).toBe(5);
    expect(blocks.finals.length).toBe(200);
    // Hundreds of hourly trades times 100,000 paths is more than one call may walk: it says how many it can.
    const hourly = await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: ['ES', 'NQ'], timeframe: '1h' });
    await expect(call(s, 'backtest.monteCarlo', { runId: hourly.runId, simulations: 100_000 })).rejects.toThrow(/simulations of \d+ trades is more than 20,000,000 steps; ask for at most \d+/);
    await expect(call(s, 'backtest.monteCarlo', { runId: r.runId, simulations: 5 })).rejects.toMatchObject({ path: 'simulations' });
  });

  it('regresses a run’s daily returns on a factor file: its own returns as a factor give beta 1, alpha 0, R² 1', async () => {
    const arg = { kind: 'backtest' as const, strategy: 'ibs', symbols: ['ES'], timeframe: '1d' as const, params: { entry_below: 0.4, exit_above: 0.6 } };
    const first = await job<BacktestSummary>(arg);
    const d = await call(s, 'backtest.get', { runId: first.runId });
    const lines = ['Daily factors (percent)', '', ',OWN,NOISE,RF'];
    let prev = 100_000;
    d.equity.t.forEach((t, i) => {
      const ret = d.equity.value[i]! / prev - 1;
      prev = d.equity.value[i]!;
      lines.push(`${new Date(t).toISOString().slice(0, 10).replaceAll('-', '')},${(ret * 100).toFixed(12)},${(Math.sin(i) * 0.3).toFixed(4)},0`);
    });
    const file = path.join(home, 'factors.csv');
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await job<BacktestSummary>({ ...arg, factors: { path: file } });
    expect(r.factors!.n).toBe(d.equity.t.length);
    expect(r.factors!.betas.OWN!.beta).toBeCloseTo(1, 6);
    expect(r.factors!.betas.NOISE!.beta).toBeCloseTo(0, 6);
    expect(r.factors!.alpha).toBeCloseTo(0, 6);
    expect(r.factors!.r2).toBeCloseTo(1, 6);
    expect(r.factors!.excessOfRf).toBe(true);
    fs.writeFileSync(file, ',MKT\n20240102,abc\n');
    await expect(job({ ...arg, factors: { path: file } })).rejects.toThrow(/factors\.csv: line 2: MKT is "abc", not a number/);
  });

  it('takes strategies configured in YAML: stored in the home by name, or a file by path; errors name the line', async () => {
    fs.mkdirSync(path.join(home, 'strategies'), { recursive: true });
    fs.writeFileSync(path.join(home, 'strategies', 'es-fast.yml'), 'name: es-fast\nstrategy: ibs\nparams:\n  entry_below: 0.3\n  max_bars: 3\n');
    const r = await job<BacktestSummary>({ kind: 'backtest', strategy: 'es-fast', symbols: ['ES'], params: { exit_above: 0.7 } });
    expect(r.strategy).toBe('ibs');
    expect(r.params).toEqual({ entry_below: 0.3, exit_above: 0.7, max_bars: 3, allow_short: 0 });
    expect(await call(s, 'backtest.strategies', {})).toEqual([{ name: 'es-fast', strategy: 'ibs', params: { entry_below: 0.3, max_bars: 3 } }]);
    const file = path.join(home, 'rsi.yaml');
    fs.writeFileSync(file, 'name: rsi-loose\nstrategy: rsi2\nparams: { entry_below: 25 }\n');
    expect((await job<BacktestSummary>({ kind: 'backtest', strategy: file, symbols: ['ES'] })).params.entry_below).toBe(25);
    fs.writeFileSync(file, 'name: rsi-loose\nstrategy: rsi2\nparams:\n  entry_below: lots\n');
    await expect(job({ kind: 'backtest', strategy: file, symbols: ['ES'] })).rejects.toThrow(/rsi\.yaml: line 4: params\.entry_below: .*number/);
    fs.writeFileSync(file, 'name: rsi-loose\nstrategy: rsi3\n');
    await expect(job({ kind: 'backtest', strategy: file, symbols: ['ES'] })).rejects.toThrow(/rsi\.yaml: strategy: unknown strategy "rsi3"/);
    await expect(job({ kind: 'backtest', strategy: 'nope', symbols: ['ES'] })).rejects.toThrow(/stored configs: es-fast/);
  });

  it('a strategy config records the terms of the run saved as it: its backtests and sweeps trade on them unless a request says otherwise', async () => {
    const terms = { capital: 250_000, commission: 3, commissionBps: 0.5, slippageTicks: 2, fillAt: 'close' as const, maxPositions: 1, sizing: { kind: 'fixed' as const, contracts: 2 } };
    const run = await job<BacktestSummary>({ kind: 'backtest', strategy: 'rsi2', symbols: ['ES'], timeframe: '1d', params: { entry_below: 20 }, ...terms });
    const saved = await call(s, 'backtest.saveStrategy', { runId: run.runId, name: 'rsi-es' });
    expect(saved).toEqual({ name: 'rsi-es', strategy: 'rsi2', params: run.params, terms: { capital: 250_000, fill_at: 'close', commission: 3, commission_bps: 0.5, min_commission: 0, slippage_ticks: 2, slippage_bps: 0, slippage_range: 0, participation: 0, max_positions: 1, sizing: { kind: 'fixed', contracts: 2 } } });
    expect(fs.readFileSync(path.join(home, 'strategies', 'rsi-es.yml'), 'utf8')).toMatch(/^terms:\n {2}capital: 250000\n/m);
    // The config alone gives the run back, trade for trade, fees and all.
    const again = await job<BacktestSummary>({ kind: 'backtest', strategy: 'rsi-es', symbols: ['ES'], timeframe: '1d' });
    const [a, b] = [await call(s, 'backtest.get', { runId: run.runId }), await call(s, 'backtest.get', { runId: again.runId })];
    expect(Array.from(b.trades.entryPrice)).toEqual(Array.from(a.trades.entryPrice));
    expect(Array.from(b.trades.fees)).toEqual(Array.from(a.trades.fees));
    expect(Array.from(b.trades.qty)).toEqual(Array.from(a.trades.qty).map(() => 2));
    expect(again.metrics.total_return).toBe(run.metrics.total_return);
    // A request's own terms win over the config's; the run records what it traded on.
    const cheaper = await job<BacktestSummary>({ kind: 'backtest', strategy: 'rsi-es', symbols: ['ES'], timeframe: '1d', commission: 0 });
    expect((await call(s, 'backtest.get', { runId: cheaper.runId })).config).toMatchObject({ capital: 250_000, commission: 0, commissionBps: 0.5, slippageTicks: 2, fillAt: 'close', maxPositions: 1 });
    // A sweep of the config trades on its capital, costs and size: its point for the saved parameters is the run.
    const sw = await job<SweepResult>({ kind: 'sweep', strategy: 'rsi-es', symbols: ['ES'], timeframe: '1d', grid: { entry_below: [20], exit_above: [run.params.exit_above!], max_bars: [run.params.max_bars!] } });
    expect(sw.points[0]!.metrics.trades).toBe(run.metrics.trades);
    expect(sw.points[0]!.metrics.total_return).toBeCloseTo(run.metrics.total_return, 12);
    // Names are checked; an existing config is replaced only when asked.
    await expect(call(s, 'backtest.saveStrategy', { runId: run.runId, name: 'rsi-es' })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/a strategy config rsi-es exists/) });
    expect((await call(s, 'backtest.saveStrategy', { runId: cheaper.runId, name: 'rsi-es', overwrite: true })).terms!.commission).toBe(0);
    await expect(call(s, 'backtest.saveStrategy', { runId: run.runId, name: 'ibs' })).rejects.toMatchObject({ path: 'name', message: expect.stringMatching(/built-in strategy/) });
    await expect(call(s, 'backtest.saveStrategy', { runId: run.runId, name: '../escape' })).rejects.toMatchObject({ path: 'name' });
    await expect(call(s, 'backtest.saveStrategy', { runId: '20990101-000000-00000000', name: 'ghost' })).rejects.toMatchObject({ code: 'not_found' });
    // A hand-written config's terms are checked, naming the line.
    fs.writeFileSync(path.join(home, 'strategies', 'bad-terms.yml'), 'name: bad-terms\nstrategy: ibs\nterms:\n  capital: 1000\n  slippage_ticks: -1\n');
    await expect(job({ kind: 'backtest', strategy: 'bad-terms', symbols: ['ES'] })).rejects.toThrow(/bad-terms\.yml: line 5: terms\.slippage_ticks: /);
    fs.writeFileSync(path.join(home, 'strategies', 'bad-terms.yml'), 'name: bad-terms\nstrategy: ibs\nterms:\n  leverage: 10\n');
    await expect(job({ kind: 'backtest', strategy: 'bad-terms', symbols: ['ES'] })).rejects.toThrow(/bad-terms\.yml: line 4: terms: Unrecognized key: "leverage"/);
    fs.rmSync(path.join(home, 'strategies', 'bad-terms.yml'));
  });

  it('refuses an unknown strategy, a bad parameter and a symbol without bars, naming each', async () => {
    const fail = async (arg: Partial<ArgOf<'jobs.start'>>): Promise<string> => {
      const { jobId } = await call(s, 'jobs.start', { kind: 'backtest', strategy: 'ibs', symbols: ['ES'], ...arg } as ArgOf<'jobs.start'>);
      await s.idle();
      const j = await call(s, 'jobs.get', { jobId });
      expect(j.status).toBe('failed');
      return j.error ?? '';
    };
    expect(await fail({ strategy: 'nope' })).toMatch(/unknown strategy "nope"; built in: ibs, rsi2, macd_cross, breakout/);
    expect(await fail({ params: { entry_below: 2 } })).toMatch(/entry_below = 2 is outside 0–1/);
    expect(await fail({ params: { entry: 0.1 } })).toMatch(/unknown parameter "entry"/);
    expect(await fail({ symbols: ['GC'] })).toMatch(/no 1d bars for GC; import or backfill GC first/);
    expect(await fail({ sizing: { kind: 'kelly', cap: 0.25, payoff: 1 } })).toMatch(/Kelly sizing needs a model/);
  });

  it('sweeps a grid with the vectorised engine, each point as an event-driven backtest of it would score', async () => {
    const r = await job<SweepResult>({ kind: 'sweep', strategy: 'ibs', symbols: ['ES'], timeframe: '1d', grid: { entry_below: [0.1, 0.3], exit_above: [0.7, 0.9] }, commission: 2.5 });
    expect(r.points.map((p) => [p.params.entry_below, p.params.exit_above])).toEqual([[0.1, 0.7], [0.1, 0.9], [0.3, 0.7], [0.3, 0.9]]);
    expect(r.deflatedSharpe).toBeGreaterThanOrEqual(0);
    const one = await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: ['ES'], timeframe: '1d', params: { entry_below: 0.3, exit_above: 0.9 }, commission: 2.5 });
    expect(r.points[3]!.metrics.trades).toBe(one.metrics.trades);
    expect(r.points[3]!.metrics.total_return).toBeCloseTo(one.metrics.total_return, 12);
    // Walk-forward on 15-minute bars: rolling windows of 600 bars choose the parameters for the next 300.
    const wf = await job<SweepResult>({ kind: 'sweep', strategy: 'ibs', symbols: ['ES'], timeframe: '15m', from: '2024-03-01', to: '2024-04-30', grid: { entry_below: [0.1, 0.3] }, walkForward: { inSample: 600, outOfSample: 300 } });
    const w = wf.walkForward!;
    expect(w.windows.length).toBeGreaterThan(2);
    for (let k = 1; k < w.windows.length; k++) expect(w.windows[k]!.outOfSample.from).toBeGreaterThan(w.windows[k - 1]!.outOfSample.to);
    expect(w.equity.t[0]).toBe(w.windows[0]!.outOfSample.from);
    expect(w.equity.t[w.equity.t.length - 1]).toBe(w.windows[w.windows.length - 1]!.outOfSample.to);
    expect(w.metrics.total_return).toBeCloseTo(w.windows.reduce((a, x) => a * (1 + x.result.total_return), 1) - 1, 9);
    await expect(job({ kind: 'sweep', strategy: 'ibs', symbols: ['ES', 'NQ'], grid: { entry_below: [0.1] }, walkForward: { inSample: 50, outOfSample: 10 } })).rejects.toThrow(/walk-forward optimisation runs on one symbol/);
    await expect(job({ kind: 'sweep', strategy: 'ibs', symbols: ['ES'], grid: { entry_below: [0.1] }, walkForward: { inSample: 5000, outOfSample: 10 } })).rejects.toThrow(/need more than the \d+ bars there are/);
    const { jobId } = await call(s, 'jobs.start', { kind: 'sweep', strategy: 'breakout', symbols: ['ES'], grid: { n: [10, 20] } });
    await s.idle();
    expect((await call(s, 'jobs.get', { jobId })).error).toMatch(/vectorised engine runs ibs and rsi2/);
  });

  it('builds a portfolio greedily from per-symbol runs and stores the search and the config', async () => {
    const runs = [];
    for (const sym of ['ES', 'NQ']) runs.push((await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: [sym], timeframe: '1d', params: { entry_below: 0.4, exit_above: 0.6 } })).runId);
    const r = await job<PortfolioRun>({ kind: 'portfolio', runs, split: '2024-05-01', maxPositions: [1, 2], riskLimits: { maxDrawdown: 0.2, dailyLoss: 5000 } });
    expect(r.config.riskLimits).toEqual({ maxDrawdown: 0.2, dailyLoss: 5000 });
    await expect(call(s, 'jobs.start', { kind: 'portfolio', runs, riskLimits: { maxDrawdown: 1.5 } })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(r.result.byMaxPositions.map((x) => x.maxPositions)).toEqual([1, 2]);
    expect(r.result.steps.map((x) => x.added)).toEqual(r.result.chosen);
    expect(r.config.maxPositions).toBe(r.result.maxPositions);
    expect(r.config.instruments.map((x) => x.symbol)).toEqual(r.result.chosen);
    expect(r.config.instruments.every((x) => x.strategy === 'ibs' && x.params.entry_below === 0.4)).toBe(true);
    expect(r.config.split).toBe('2024-05-01');
    const stored = JSON.parse(fs.readFileSync(path.join(home, 'lake', 'gold', 'portfolios', r.id, 'portfolio.json'), 'utf8'));
    expect(stored).toEqual(r.config);
    // The chosen instruments run together on shared capital with the portfolio's max positions.
    const bt = r.backtest!;
    expect(bt.run.strategy).toBe('portfolio');
    expect(bt.run.symbols.sort()).toEqual([...r.result.chosen].sort());
    expect(bt.instruments.map((i) => i.name).sort()).toEqual([...r.result.chosen].sort());
    expect(bt.instruments.reduce((a, i) => a + i.riskShare, 0)).toBeCloseTo(1, 9);
    expect(bt.correlation.map((row, i) => row[i])).toEqual(bt.instruments.map(() => 1));
    const joint = await call(s, 'backtest.get', { runId: bt.run.runId });
    let sum = 0;
    for (let i = 0; i < joint.trades.pnl.length; i++) sum += joint.trades.pnl[i]! - joint.trades.fees[i]!;
    expect(bt.instruments.reduce((a, i) => a + i.netPnl, 0)).toBeCloseTo(sum, 6);
    // Never more positions open at once than the portfolio allows.
    const events = Array.from(joint.trades.entryTime).flatMap((t, i) => [[t, 1], [joint.trades.exitTime[i]!, -1]] as [number, number][]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let open = 0;
    for (const [, d] of events) {
      open += d;
      expect(open).toBeLessThanOrEqual(r.config.maxPositions);
    }
    const { jobId } = await call(s, 'jobs.start', { kind: 'portfolio', runs, split: '2030-01-01' });
    await s.idle();
    expect((await call(s, 'jobs.get', { jobId })).error).toMatch(/split 2030-01-01 leaves no training or no test period/);
  });

  it('CLI: backtest prints the run and its metrics, trades writes the CSV', async () => {
    const qd = (args: string[]) => spawnSync(process.execPath, [BIN, '--home', home, ...args], { encoding: 'utf8', timeout: 120_000 });
    // The CLI takes the home's lock: let it go.
    await s.close();
    closed = true;
    const r = qd(['backtest', '--strategy', 'rsi2', '--symbols', 'ES', '--params', '{"entry_below":20}', '--commission', '2.5', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { runId: string; metrics: Record<string, number> };
    expect(Object.keys(out.metrics)).toEqual(expect.arrayContaining(['total_return', 'sharpe', 'max_drawdown', 'trades']));
    const csv = path.join(home, 'trades.csv');
    const t = qd(['trades', '--run', out.runId, '--out', csv]);
    expect(t.status, t.stderr).toBe(0);
    const lines = fs.readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('symbol,side,signal_time,entry_time,entry_price,exit_time,exit_price,qty,fees,slippage,pnl,net_pnl,bars_held,mae,mfe,entry_reason,exit_reason,rsi_2');
    expect(lines.length - 1).toBe(out.metrics.trades);
    const sw = qd(['sweep', '--strategy', 'rsi2', '--symbols', 'ES', '--grid', '{"entry_below":[5,10,20]}', '--json']);
    expect(sw.status, sw.stderr).toBe(0);
    expect((JSON.parse(sw.stdout) as SweepResult).points).toHaveLength(3);
    const wfCli = qd(['sweep', '--strategy', 'ibs', '--symbols', 'ES', '--grid', '{"entry_below":[0.1,0.3]}', '--walk-forward', '60,20,anchored']);
    expect(wfCli.status, wfCli.stderr).toBe(0);
    expect(wfCli.stdout).toMatch(/walk-forward, out of sample: return/);
    expect(qd(['sweep', '--strategy', 'ibs', '--symbols', 'ES', '--grid', '{"entry_below":[0.1]}', '--walk-forward', '60']).stderr).toMatch(/--walk-forward: expected IS,OOS/);
    const pf = qd(['portfolio', 'optimize', '--runs', out.runId, '--objective', 'cagr_over_maxdd', '--max-drawdown', '0.25', '--json']);
    expect(pf.status, pf.stderr).toBe(0);
    expect((JSON.parse(pf.stdout) as PortfolioRun).result.objective).toBe('cagr_over_maxdd');
    expect((JSON.parse(pf.stdout) as PortfolioRun).config.riskLimits).toEqual({ maxDrawdown: 0.25 });
    expect(qd(['portfolio', 'optimize', '--runs', out.runId, '--daily-loss', 'lots']).stderr).toMatch(/--daily-loss: expected a number/);
    expect(qd(['portfolio', 'build']).stderr).toMatch(/expected `portfolio optimize --runs ID,ID`/);
    const margin = qd(['instruments', 'margin', 'ES', '--maintenance', '16000']);
    expect(margin.status, margin.stderr).toBe(0);
    expect(margin.stdout).toMatch(/ES\s+E-mini S&P 500\s+50\s+0\.25\s+USD\s+16000\.00\s+cme/);
    const listed = qd(['--json', 'instruments']);
    expect((JSON.parse(listed.stdout) as { symbol: string; maintenanceMargin: number }[]).find((i) => i.symbol === 'ES')!.maintenanceMargin).toBe(16_000);
    expect(qd(['instruments', 'margin', 'ES', '--reset']).stdout).toMatch(/ES\s+E-mini S&P 500\s+50\s+0\.25\s+USD\s+14500\.00/);
    for (const [args, message] of [
      [['instruments', 'margin', 'ES', '--maintenance', 'lots'], /--maintenance: expected an amount/],
      [['instruments', 'margin', 'ES'], /give --maintenance AMOUNT or --reset/],
      [['instruments', 'margin', 'ES', '--maintenance', '1', '--reset'], /give --maintenance AMOUNT or --reset/],
      [['instruments', 'margin', 'XYZ', '--maintenance', '100'], /XYZ is not in the instrument table/],
      [['instruments', 'margins'], /unknown subcommand margins/],
    ] as const) {
      const x = qd([...args]);
      expect(x.status, x.stdout).not.toBe(0);
      expect(x.stderr).toMatch(message);
    }
    const mc = qd(['--json', 'montecarlo', '--run', out.runId, '--method', 'resample', '--simulations', '200', '--seed', '9']);
    expect(mc.status, mc.stderr).toBe(0);
    const mcOut = JSON.parse(mc.stdout) as { method: string; simulations: number; seed: number; probabilityOfRuin: number; finalEquity: { p5: number; p95: number } };
    expect(mcOut).toMatchObject({ method: 'resample', simulations: 200, seed: 9 });
    expect(mcOut.finalEquity.p95).toBeGreaterThanOrEqual(mcOut.finalEquity.p5);
    expect(qd(['--json', 'montecarlo', '--run', out.runId, '--method', 'resample', '--simulations', '200', '--seed', '9']).stdout).toBe(mc.stdout);
    expect(qd(['montecarlo', '--run', out.runId]).stdout).toMatch(/^1000 reshuffle simulations \(seed 1\) · probability of ruin \d+\.\d{2}%\n.*final equity/s);
    expect(qd(['montecarlo', '--run', out.runId, '--simulations', 'many']).stderr).toMatch(/--simulations: expected a whole number/);
    expect(qd(['montecarlo', '--run', out.runId, '--method', 'guess']).stderr).toMatch(/--method: /);
    const savedCli = qd(['strategies', 'save', '--run', out.runId, '--name', 'rsi-cli']);
    expect(savedCli.status, savedCli.stderr).toBe(0);
    expect(savedCli.stdout).toMatch(/saved strategies\/rsi-cli\.yml/);
    expect(savedCli.stdout).toMatch(/rsi-cli\s+rsi2\s+\{"entry_below":20,.*commission 2\.5/);
    expect(qd(['strategies']).stdout).toMatch(/rsi-cli/);
    expect(qd(['strategies', 'save', '--run', out.runId, '--name', 'rsi-cli']).stderr).toMatch(/a strategy config rsi-cli exists/);
    expect(qd(['strategies', 'save', '--run', out.runId, '--name', 'rsi-cli', '--overwrite']).status).toBe(0);
    expect(qd(['strategies', 'save', '--run', 'nope', '--name', 'x']).stderr).toMatch(/--run: expected a backtest run id/);
    expect(qd(['strategies', 'save', '--name', 'x']).stderr).toMatch(/give --run ID and --name NAME/);
    const bad = qd(['backtest', '--strategy', 'ibs', '--symbols', 'ES', '--params', '{oops']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--params: expected JSON/);
    // Each call is a process opening the home: dozens of them take minutes on a busy two-core machine.
  }, 240_000);
});
