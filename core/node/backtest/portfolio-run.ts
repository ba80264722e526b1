import fs from 'node:fs';
import path from 'node:path';
import { runBacktest } from '../../common/backtest/engine';
import type { Contract, SymbolData } from '../../common/backtest/engine-types';
import type { Strategy } from '../../common/backtest/strategy';
import { covariance } from '../../common/backtest/metrics';
import { bySymbol, createStrategy, mlGated } from '../../common/backtest/strategies';
import { ApiError } from '../../common/errors';
import { parseFeatureList } from '../../common/features/registry';
import type { BacktestDetail, PortfolioBacktest, PortfolioRun } from '../../common/backtest/types';
import type { Timeframe } from '../../common/timeframes';
import type { PortfolioTerms } from '../../common/backtest/schemas';
import { writeJsonAtomically } from '../lake/publish';
import { defaultProvider } from '../models/providers';
import { getModel, parseModelRef } from '../models/registry';
import { ModelRunner } from '../models/runner';
import type { BacktestRequest, PortfolioRequest } from '../../common/job-requests';
import { greedyPortfolio, type Candidate } from '../../common/backtest/portfolio';
import { termsOf, portfolioEngineConfig, runContract, metricsOf, probabilities, tradeStart, loadSymbols } from './run-backtest';
import { recordRun, getBacktest, jsonSafe, timeSortableId, type RunContext } from './run-store';

/**
 * Greedy portfolio construction over stored backtest runs: every run's trades per symbol are a
 * candidate; the search and the resulting portfolio config are stored under
 * `lake/gold/portfolios/<id>/` (result.json, portfolio.json).
 */
export async function portfolioRun(ctx: RunContext, req: PortfolioRequest): Promise<PortfolioRun> {
  const runs = [];
  for (const id of req.runs) runs.push(await getBacktest(ctx, id));
  const pairs = runs.flatMap((r) => [...new Set(r.trades.symbol)].map((symbol) => ({ run: r, symbol })));
  const seen = new Map<string, number>();
  for (const p of pairs) seen.set(p.symbol, (seen.get(p.symbol) ?? 0) + 1);
  const candidates: Candidate[] = pairs.map(({ run, symbol }) => {
    const idx = run.trades.symbol.flatMap((s, i) => (s === symbol ? [i] : []));
    const pick = (a: Float64Array): Float64Array => Float64Array.from(idx, (i) => a[i]!);
    return { name: seen.get(symbol)! > 1 ? `${symbol}@${run.runId}` : symbol, entry: pick(run.trades.entryTime), exit: pick(run.trades.exitTime), net: Float64Array.from(idx, (i) => run.trades.pnl[i]! - run.trades.fees[i]!) };
  });
  if (candidates.length === 0) throw new ApiError('invalid_argument', `runs ${req.runs.join(', ')} have no trades to build a portfolio from`, 'runs');
  const from = Math.min(...runs.map((r) => r.from));
  const to = Math.max(...runs.map((r) => r.to));
  const split = req.split ? Date.parse(`${req.split}T00:00:00Z`) : from + 0.7 * (to - from);
  if (split <= from || split >= to) throw new ApiError('invalid_argument', `split ${new Date(split).toISOString().slice(0, 10)} leaves no training or no test period inside the runs' ${new Date(from).toISOString().slice(0, 10)} – ${new Date(to).toISOString().slice(0, 10)}`, 'split');
  const capital = req.capital ?? Number((runs[0]!.config as { capital?: number }).capital ?? 100_000);
  const result = greedyPortfolio(candidates, { objective: req.objective ?? 'sharpe', split, capital, ...(req.maxPositions ? { maxPositions: req.maxPositions } : {}), ...(req.correlationLimit !== undefined ? { correlationLimit: req.correlationLimit } : {}), ...(req.riskLimits?.maxDrawdown !== undefined ? { maxDrawdown: req.riskLimits.maxDrawdown } : {}) });
  const id = timeSortableId();
  const chosen = result.chosen.map((name) => pairs[candidates.findIndex((c) => c.name === name)]!);
  const first = chosen[0]?.run ?? runs[0]!;
  const terms = termsOf(first.config as BacktestRequest);
  // One portfolio trades on one set of terms: runs chosen together must have been costed alike.
  for (const p of chosen) {
    const other = termsOf(p.run.config as BacktestRequest);
    const differ = (Object.keys(terms) as (keyof PortfolioTerms)[]).filter((k) => other[k] !== terms[k]).map((k) => `${k} ${String(terms[k])} vs ${String(other[k])}`);
    const sizing = (r: BacktestDetail): string => JSON.stringify((r.config as { sizing?: unknown }).sizing ?? { kind: 'fixed', contracts: 1 });
    if (sizing(p.run) !== sizing(first)) differ.push(`sizing ${sizing(first)} vs ${sizing(p.run)}`);
    if (differ.length) throw new ApiError('invalid_argument', `runs ${first.runId} and ${p.run.runId} were backtested on different terms (${differ.join(', ')}); build a portfolio from runs with the same capital, fills, costs and sizing`, 'runs');
  }
  const config: PortfolioRun['config'] = {
    instruments: chosen.map((p, k) => ({ name: result.chosen[k]!, symbol: p.symbol, run: p.run.runId, strategy: p.run.strategy, params: p.run.params, timeframe: p.run.timeframe, model: p.run.model, threshold: p.run.threshold })),
    maxPositions: result.maxPositions,
    sizing: (first.config as { sizing?: unknown }).sizing ?? { kind: 'fixed', contracts: 1 },
    riskLimits: req.riskLimits ?? {},
    objective: result.objective,
    split: new Date(split).toISOString().slice(0, 10),
    terms: withContracts(terms, chosen.map((p) => [p.symbol, runContract(p.run.config, p.symbol)])),
  };
  // The chosen instruments backtested together; a choice one engine cannot run together (two
  // timeframes, one symbol twice) keeps the search and says why there is no joint run.
  let backtest: PortfolioBacktest | null = null;
  let backtestSkipped: string | undefined;
  if (config.instruments.length > 0) {
    try {
      backtest = await portfolioBacktest(ctx, runs, config);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      backtestSkipped = e.message;
    }
  }
  const dir = path.join(ctx.home.lake, 'gold', 'portfolios', id);
  const staged = path.join(ctx.home.tmp, `portfolio-${id}`);
  fs.mkdirSync(staged, { recursive: true });
  writeJsonAtomically(path.join(staged, 'result.json'), jsonSafe({ id, runs: req.runs, ...result, ...(backtest ? { backtest } : {}), ...(backtestSkipped ? { backtestSkipped } : {}) }), ctx.home.tmp);
  writeJsonAtomically(path.join(staged, 'portfolio.json'), config, ctx.home.tmp);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.renameSync(staged, dir);
  return { id, result, config, ...(backtest ? { backtest } : {}), ...(backtestSkipped ? { backtestSkipped } : {}) };
}

/** Terms with the contract terms the runs recorded, where every one of them recorded its symbol's (else the instrument table's stay in force). */
export function withContracts(terms: PortfolioTerms, contracts: [string, Contract | undefined][]): PortfolioTerms {
  if (contracts.length === 0 || contracts.some(([, c]) => c === undefined)) return terms;
  return { ...terms, contracts: Object.fromEntries(contracts.map(([symbol, c]) => [symbol, { multiplier: c!.multiplier, tickSize: c!.tickSize, currency: c!.currency, maintenanceMargin: c!.maintenanceMargin ?? 0 }])) };
}

/**
 * Runs the chosen instruments together with the event-driven engine: each with its own strategy,
 * parameters and gating model, on shared capital with the portfolio's max positions, terms and sizing
 * (as paper trading will).
 */
async function portfolioBacktest(ctx: RunContext, runs: BacktestDetail[], config: PortfolioRun['config']): Promise<PortfolioBacktest> {
  const timeframes = [...new Set(config.instruments.map((i) => i.timeframe))];
  if (timeframes.length > 1) throw new ApiError('invalid_argument', `the chosen instruments were backtested on different timeframes (${timeframes.join(', ')}); build a portfolio from runs on one timeframe`, 'runs');
  const symbols = [...new Set(config.instruments.map((i) => i.symbol))];
  if (symbols.length < config.instruments.length) throw new ApiError('invalid_argument', `a portfolio holds each symbol once; ${config.instruments.map((i) => i.name).join(', ')} repeat one`, 'runs');
  const strategies = new Map<string, Strategy>();
  for (const i of config.instruments) {
    const inner = createStrategy(i.strategy.replace(/\+ml$/, ''), i.params);
    strategies.set(i.symbol, i.model && i.threshold !== null ? mlGated(inner, i.threshold) : inner);
  }
  const strategy = bySymbol(strategies);
  const timeframe = timeframes[0] as Timeframe;
  const data: SymbolData[] = [];
  const from = new Date(Math.min(...runs.map((r) => r.from))).toISOString();
  for (const one of await loadSymbols(ctx, { symbols, timeframe, from, to: new Date(Math.max(...runs.map((r) => r.to))).toISOString().slice(0, 10) }, strategy.features.length ? parseFeatureList(strategy.features) : [], config.terms?.contracts)) {
    const inst = config.instruments.find((i) => i.symbol === one.symbol)!;
    if (!inst.model) {
      data.push(one);
      continue;
    }
    const m = getModel(ctx.catalog, ctx.home, parseModelRef(inst.model));
    const runner = await ModelRunner.open(ctx.home, m.id, m.version, m.features.length, defaultProvider(ctx.catalog));
    try {
      data.push({ ...one, probability: await probabilities(ctx, runner, m, one.symbol, one.t) });
    } finally {
      await runner.close();
    }
  }
  const cfg = portfolioEngineConfig(config, timeframe);
  const result = runBacktest(strategy, data, cfg, tradeStart(from));
  const metrics = metricsOf(result, cfg.capital);
  const run = await recordRun(ctx, { strategy, params: { maxPositions: config.maxPositions }, symbols, timeframe, model: null, threshold: null, config: { portfolio: config, engine: cfg }, data, tradeFrom: tradeStart(from), result, capital: cfg.capital, metrics });
  // Daily net P&L per instrument, booked on exit days, for the P&L and risk shares.
  const days = [...new Set(result.trades.map((t) => Math.floor(t.exitTime / 86_400_000)))].sort((a, b) => a - b);
  const dayAt = new Map(days.map((d, i) => [d, i]));
  const daily = symbols.map(() => new Float64Array(days.length));
  for (const t of result.trades) daily[symbols.indexOf(t.symbol)]![dayAt.get(Math.floor(t.exitTime / 86_400_000))!]! += t.pnl - t.fees;
  const total = Float64Array.from(days, (_, j) => daily.reduce((a, d) => a + d[j]!, 0));
  const varTotal = covariance(total, total);
  const net = symbols.map((_, k) => daily[k]!.reduce((a, b) => a + b, 0));
  const sumNet = net.reduce((a, b) => a + b, 0);
  return {
    run,
    instruments: symbols.map((sym, k) => ({ name: config.instruments.find((i) => i.symbol === sym)!.name, netPnl: net[k]!, pnlShare: sumNet !== 0 ? net[k]! / sumNet : 0, riskShare: varTotal > 0 ? covariance(daily[k]!, total) / varTotal : 0 })),
    correlation: daily.map((a) => daily.map((b) => {
      const d = Math.sqrt(covariance(a, a) * covariance(b, b));
      return d > 0 ? covariance(a, b) / d : a === b ? 1 : 0;
    })),
  };
}
