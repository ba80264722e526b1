import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArgOf } from '../core/common/api';
import type { BacktestSummary } from '../core/common/backtest/types';
import type { PaperSummary } from '../core/common/trading/types';
import type { PortfolioRun } from '../core/common/backtest/types';
import type { Services } from '../core/node/services';
import { backfill, call, openServices, paths, runJob, tempDir } from './helpers';

const BIN = path.join(paths.root, 'bin', 'quantdesk.mjs');

describe('paper trading replays', () => {
  const home = tempDir('qd-paper-');
  let s: Services;
  let closed = false;
  const job = <T>(arg: ArgOf<'jobs.start'>): Promise<T> => runJob<T>(s, arg);
  const file = path.join(home, 'es-nq.json');
  const params = { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 0 };

  beforeAll(async () => {
    s = await openServices(home);
    await backfill(s, ['ES', 'NQ'], '2024-01-02', '2024-04-30');
    fs.writeFileSync(
      file,
      JSON.stringify({
        instruments: ['ES', 'NQ'].map((symbol) => ({ name: symbol, symbol, run: 'by hand', strategy: 'ibs', params, timeframe: '1h', model: null, threshold: null })),
        maxPositions: 2,
        sizing: { kind: 'fixed', contracts: 1 },
        riskLimits: {},
        objective: 'sharpe',
        split: '2024-03-01',
      }),
    );
  });
  afterAll(async () => {
    if (!closed) await s?.close();
  });

  it('replaying a period through streaming features and the risk gate gives exactly the backtest’s trades', async () => {
    const paper = await job<PaperSummary>({ kind: 'paper', portfolio: file, from: '2024-02-01', to: '2024-03-31' });
    const bt = await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: ['ES', 'NQ'], timeframe: '1h', from: '2024-02-01', to: '2024-03-31', params, maxPositions: 2 });
    const d = await call(s, 'backtest.get', { runId: bt.runId });
    expect(paper.state).toBe('active');
    expect(paper.trades.length).toBeGreaterThan(20);
    expect(paper.trades.length).toBe(d.trades.symbol.length);
    paper.trades.forEach((t, i) => {
      expect(t.symbol).toBe(d.trades.symbol[i]);
      expect(t.entryTime).toBe(d.trades.entryTime[i]);
      expect(t.exitTime).toBe(d.trades.exitTime[i]);
      expect(t.entryPrice).toBe(d.trades.entryPrice[i]);
      expect(t.exitPrice).toBe(d.trades.exitPrice[i]);
      expect(t.pnl).toBeCloseTo(d.trades.pnl[i]!, 9);
    });
    expect(paper.denials).toEqual([]);
    expect(paper.orders).toBe(2 * paper.trades.length);
  });

  it('a portfolio built from costed runs carries their terms, and its replay pays the backtest’s fees and slippage, trade for trade', async () => {
    const costs = { commission: 2.5, slippageTicks: 1 };
    const runs = await Promise.all(['ES', 'NQ'].map((symbol) => job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: [symbol], timeframe: '1h', params, ...costs })));
    const built = await job<PortfolioRun>({ kind: 'portfolio', runs: runs.map((r) => r.runId), split: '2024-02-15', maxPositions: [2] });
    const contract = { ES: { multiplier: 50, tickSize: 0.25, currency: 'USD', maintenanceMargin: 14_500 }, NQ: { multiplier: 20, tickSize: 0.25, currency: 'USD', maintenanceMargin: 21_000 } };
    const chosen = built.config.instruments.map((i) => i.symbol as 'ES' | 'NQ');
    expect(built.config.terms).toEqual({ capital: 100_000, fillAt: 'next_open', commission: 2.5, commissionBps: 0, minCommission: 0, slippageTicks: 1, slippageBps: 0, slippageRange: 0, participation: 0, contracts: Object.fromEntries(chosen.map((x) => [x, contract[x]])) });
    expect(built.backtestSkipped).toBeUndefined();
    expect(built.config.instruments.length).toBeGreaterThan(0);
    const joint = await call(s, 'backtest.get', { runId: built.backtest!.run.runId });
    const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
    const paper = await job<PaperSummary>({ kind: 'paper', portfolio: built.id, from: day(joint.from), to: day(joint.to) });
    expect(paper.trades.length).toBeGreaterThan(10);
    expect(paper.trades.length).toBe(joint.trades.symbol.length);
    paper.trades.forEach((t, i) => {
      expect([t.symbol, t.entryTime, t.exitTime, t.entryPrice, t.exitPrice]).toEqual([joint.trades.symbol[i], joint.trades.entryTime[i], joint.trades.exitTime[i], joint.trades.entryPrice[i], joint.trades.exitPrice[i]]);
      expect(t.fees).toBeCloseTo(joint.trades.fees[i]!, 9);
      expect(t.fees).toBeGreaterThan(0);
    });
    const net = Array.from(joint.trades.pnl).reduce((a, p, i) => a + p - joint.trades.fees[i]!, 0);
    expect(paper.netPnl).toBeCloseTo(net, 6);
    // The contract terms travel with the portfolio: a margin changed in the table since does not reach it.
    for (const x of chosen) await call(s, 'instruments.setMargin', { symbol: x, maintenanceMargin: 1e9 });
    try {
      const later = await job<PaperSummary>({ kind: 'paper', portfolio: built.id, from: day(joint.from), to: day(joint.to) });
      expect(later.netPnl).toBeCloseTo(paper.netPnl, 6);
      // A portfolio that names no contracts trades on the table's now, and is called at its first position.
      const { contracts: _c, ...bare } = built.config.terms!;
      const bareFile = path.join(home, 'no-contracts.json');
      fs.writeFileSync(bareFile, JSON.stringify({ ...built.config, terms: bare }));
      const called = await job<PaperSummary>({ kind: 'paper', portfolio: bareFile, from: day(joint.from), to: day(joint.to) });
      expect(called.trades.length).toBe(1);
      expect(called.trades[0]!.exitReason).toMatch(/^ruined: margin call/);
    } finally {
      for (const x of chosen) await call(s, 'instruments.setMargin', { symbol: x, maintenanceMargin: null });
    }
    // Slippage is in the prices: one tick against each fill, as the backtest's broker charges it.
    const free = await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: ['ES'], timeframe: '1h', params });
    const plain = await call(s, 'backtest.get', { runId: free.runId });
    const costed = await call(s, 'backtest.get', { runId: runs[0]!.runId });
    expect(costed.trades.entryPrice[0]).not.toBe(plain.trades.entryPrice[0]);
    // Runs costed differently cannot be one portfolio: it would trade on one of their terms only.
    // A portfolio stored before portfolios kept their terms takes its first instrument's run's; bad terms in a file are named.
    const { terms: _terms, ...old } = built.config;
    const oldFile = path.join(home, 'old-portfolio.json');
    fs.writeFileSync(oldFile, JSON.stringify(old));
    const oldReplay = await job<PaperSummary>({ kind: 'paper', portfolio: oldFile, from: day(joint.from), to: day(joint.to) });
    expect(oldReplay.netPnl).toBeCloseTo(paper.netPnl, 6);
    const badFile = path.join(home, 'bad-terms.json');
    fs.writeFileSync(badFile, JSON.stringify({ ...built.config, terms: { ...built.config.terms, commission: -1 } }));
    await expect(job({ kind: 'paper', portfolio: badFile, from: day(joint.from), to: day(joint.to) })).rejects.toThrow(/bad-terms\.json: terms\.commission: /);
    const daily = { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 0 };
    const esCosted = await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: ['ES'], timeframe: '1d', params: daily, ...costs });
    const nqFree = await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: ['NQ'], timeframe: '1d', params: daily });
    await expect(job({ kind: 'portfolio', runs: [esCosted.runId, nqFree.runId], split: '2024-02-15', maxPositions: [2], objective: 'cagr_over_maxdd' })).rejects.toThrow(/backtested on different terms \((commission 2.5 vs 0, slippageTicks 1 vs 0|commission 0 vs 2.5, slippageTicks 0 vs 1)\)/);
  });

  it('under a halt every order is denied with its reason; reducing lets exits through but no entries', async () => {
    await call(s, 'paper.killswitch.set', { state: 'halted', reason: 'test' });
    const halted = await job<PaperSummary>({ kind: 'paper', portfolio: file, from: '2024-02-01', to: '2024-02-29' });
    expect(halted.state).toBe('halted');
    expect(halted.trades).toEqual([]);
    expect(halted.orders).toBe(0);
    expect(halted.denials.length).toBeGreaterThan(0);
    expect(halted.denials[0]!.reason).toMatch(/trading is halted: only cancels are accepted/);
    await call(s, 'paper.killswitch.set', { state: 'reducing', reason: 'test' });
    const reducing = await job<PaperSummary>({ kind: 'paper', portfolio: file, from: '2024-02-01', to: '2024-02-29' });
    expect(reducing.trades).toEqual([]);
    expect(reducing.denials[0]!.reason).toMatch(/trading is reducing/);
    await call(s, 'paper.killswitch.set', { state: 'active', reason: 'test over' });
  });

  it('CLI: paper run --replay prints the summary, paper status the state and the last session; bad input exits 2', async () => {
    await s.close();
    closed = true;
    const qd = (args: string[]) => spawnSync(process.execPath, [BIN, '--home', home, ...args], { encoding: 'utf8', timeout: 120_000 });
    const r = qd(['paper', 'run', '--portfolio', file, '--replay', '--from', '2024-02-01', '--to', '2024-02-29', '--speed', 'max', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { bars: number; trades: number; state: string };
    expect(out.bars).toBeGreaterThan(100);
    expect(out.state).toBe('active');
    const st = JSON.parse(qd(['paper', 'status', '--json']).stdout) as { state: string; lastSession: { status: string } };
    expect(st).toMatchObject({ state: 'active', lastSession: { status: 'succeeded' } });
    expect(qd(['paper', 'run', '--portfolio', file, '--from', '2024-02-01', '--to', '2024-02-29']).stderr).toMatch(/only --replay sessions exist so far/);
    expect(qd(['paper', 'run', '--portfolio', 'nope', '--replay', '--from', '2024-02-01', '--to', '2024-02-29']).stderr).toMatch(/no portfolio nope/);
  });
});
