import fs from 'node:fs';
import path from 'node:path';
import { firstAtOrAfter } from '../../common/backtest/bar-walk';
import { runBacktest } from '../../common/backtest/engine';
import type { Contract, EngineConfig, EngineResult, SymbolData } from '../../common/backtest/engine-types';
import { backtestMetrics, dailyEquity, returnsOf, type BacktestMetrics } from '../../common/backtest/metrics';
import { factorRegression, FactorFileError, parseFactorCsv } from '../../common/backtest/factors';
import { createStrategy, mlGated, OSCILLATORS, StrategyConfigError, STRATEGIES, resolveParams } from '../../common/backtest/strategies';
import { ApiError } from '../../common/errors';
import { computeFeatures, parseFeatureList, type FeatureInstance } from '../../common/features/registry';
import { contractFor } from '../instrument-table';
import type { BacktestSummary, PortfolioRun } from '../../common/backtest/types';
import { warmupFrom, type Timeframe } from '../../common/timeframes';
import { parseUtc } from '../../common/schemas';
import type { PortfolioTerms, StrategyConfig } from '../../common/backtest/schemas';
import { calendarFor } from '../calendar';
import { fileList, readBuild } from '../features/analysis';
import { sessionSeries } from '../features/silver-build';
import { readBars } from '../lake/bar-reader';
import { readFloat64Columns } from '../lake/duck-columns';
import { defaultProvider } from '../models/providers';
import { getModel, parseModelRef } from '../models/registry';
import { ModelRunner } from '../models/runner';
import type { BacktestRequest, SweepRequest } from '../../common/job-requests';
import { configTerms, resolveStrategyRef, strategyTerms, writeStrategyConfig } from './strategy-configs';
import { sweepOscillator, type SweepResult } from '../../common/backtest/sweep';
import type { VectorInput } from '../../common/backtest/vectorised';
import { walkForward } from '../../common/backtest/walk-forward';
import { MAX_BYTES, readRegularText } from '../untrusted-files';
import { getBacktest, recordRun, type RunContext } from './run-store';

/** Bars in a year per timeframe, to annualise volatility for sizing (sessions of about 23 hours for intraday futures). */
const BARS_PER_YEAR: Record<Timeframe, number> = { '1m': 252 * 1380, '2m': 252 * 690, '5m': 252 * 276, '15m': 252 * 92, '30m': 252 * 46, '1h': 252 * 23, '1d': 252, '1w': 52 };

/** The terms of a run the engine reads: capital, positions, fills, costs, sizing and timeframe. */
export type RunTerms = Partial<Pick<BacktestRequest, 'capital' | 'maxPositions' | 'fillAt' | 'commission' | 'commissionBps' | 'minCommission' | 'slippageTicks' | 'slippageBps' | 'slippageRange' | 'participation' | 'sizing' | 'timeframe'>>;

/** An object without its undefined fields (so that spreading it keeps what it leaves out). */
const definedOf = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** A run's trading terms with the defaults resolved: what a portfolio built from it carries. */
export function termsOf(req: RunTerms): PortfolioTerms {
  const c = engineConfig(req);
  return {
    capital: c.capital,
    fillAt: c.fillAt,
    commission: c.costs.commissionPerContract,
    commissionBps: c.costs.commissionBps,
    minCommission: c.costs.minCommission,
    slippageTicks: c.costs.slippageTicks,
    slippageBps: c.costs.slippageBps,
    slippageRange: c.costs.slippageRangeFraction,
    participation: c.costs.participation,
  };
}

/** The engine configuration a run's terms ask for, defaults filled in. */
export function engineConfig(req: RunTerms): EngineConfig {
  return {
    capital: req.capital ?? 100_000,
    maxPositions: req.maxPositions ?? 0,
    fillAt: req.fillAt ?? 'next_open',
    costs: {
      commissionPerContract: req.commission ?? 0,
      commissionBps: req.commissionBps ?? 0,
      minCommission: req.minCommission ?? 0,
      slippageTicks: req.slippageTicks ?? 0,
      slippageBps: req.slippageBps ?? 0,
      slippageRangeFraction: req.slippageRange ?? 0,
      participation: req.participation ?? 0,
    },
    sizing: req.sizing ?? { kind: 'fixed', contracts: 1 },
    barsPerYear: BARS_PER_YEAR[req.timeframe ?? '1d'],
  };
}

/** The engine configuration of a portfolio: its terms, sizing and position limit. Its joint backtest, paper replays and sessions all use this one. */
export function portfolioEngineConfig(config: PortfolioRun['config'], timeframe: Timeframe): EngineConfig {
  return { ...engineConfig({ ...(config.terms ?? {}), ...(config.sizing ? { sizing: config.sizing as RunTerms['sizing'] } : {}), timeframe }), maxPositions: config.maxPositions };
}

/** The contract terms a run traded each symbol on, as its config records them. */
const contractsOf = (data: readonly SymbolData[]): Record<string, Contract> => Object.fromEntries(data.map((d) => [d.symbol, d.contract]));

/** The contract terms a stored run records for `symbol` (none in runs stored before runs kept them). */
export const runContract = (config: unknown, symbol: string): Contract | undefined => (config as { contracts?: Record<string, Contract> } | undefined)?.contracts?.[symbol];



/** A finished engine run's metrics, from its equity curve and its trades' P&L and fees. */
export const metricsOf = (result: EngineResult, capital: number, benchmark?: { day: Float64Array; close: Float64Array }): BacktestMetrics =>
  backtestMetrics(result.equity, { pnl: result.trades.map((t) => t.pnl), fees: result.trades.map((t) => t.fees) }, capital, result.tradedNotional, benchmark);

/**
 * A model's probability at every bar of a symbol: its features come from its feature set's current
 * build (the rows it was trained on), matched to the bars by time; NaN where the build has no row.
 */
export async function probabilities(ctx: RunContext, runner: ModelRunner, m: ReturnType<typeof getModel>, symbol: string, t: Float64Array): Promise<Float64Array> {
  const build = readBuild(ctx.home.lake, `${m.featureSet}@${m.specHash}`);
  const sym = build.symbols[symbol];
  if (!sym) throw new ApiError('invalid_argument', `build ${build.buildId} has no rows for ${symbol}; build the feature set for it, or leave ${symbol} out`, 'symbols');
  const cols = ['epoch_ms(ts)::DOUBLE', ...m.features.map((f) => `"${f}"::DOUBLE`)];
  const [times = new Float64Array(0), ...columns] = await readFloat64Columns(ctx.con, `SELECT ${cols.join(', ')} FROM read_parquet([${fileList(ctx.home.lake, sym)}]) ORDER BY ts`);
  const p = times.length > 0 ? await runner.predictBatch(columns) : new Float64Array(0);
  const at = new Map<number, number>();
  times.forEach((x, i) => at.set(x, p[i]!));
  return Float64Array.from(t, (x) => at.get(x) ?? Number.NaN);
}

/** When a request's trading starts: its `from` (a date is its first instant, UTC), or the start of the data. */
export const tradeStart = (from: string | undefined): number => (from ? parseUtc(from) : Number.NEGATIVE_INFINITY);

/**
 * Each symbol's stored bars up to the request's `to` (its timeframe, aggregated where needed), its
 * contract terms (`contracts`' where given, else the instrument table's), and the given features computed with the registry's batch kernels over the
 * exchange's sessions: the same code path as feature builds. WARMUP_BARS of history before `from` are
 * kept: they warm the features and the strategy (runBacktest's `tradeFrom`), so a run from D sees at
 * D what a longer run sees there, and exactly what a paper session starting at D sees.
 */
export async function loadSymbols(ctx: RunContext, req: { symbols: string[]; timeframe?: Timeframe | undefined; from?: string | undefined; to?: string | undefined }, specs: FeatureInstance[], contracts: Readonly<Record<string, Contract>> = {}): Promise<SymbolData[]> {
  const timeframe = req.timeframe ?? '1d';
  const out: SymbolData[] = [];
  for (const symbol of req.symbols) {
    const bars = await readBars(ctx.con, ctx.catalog, ctx.home.lake, { symbol, timeframe, ...(req.from ? { from: warmupFrom(req.from, timeframe) } : {}), ...(req.to ? { to: req.to } : {}) });
    if (bars.t.length === 0 || !(bars.t[bars.t.length - 1]! >= tradeStart(req.from))) throw new ApiError('invalid_argument', `no ${timeframe} bars for ${symbol}${req.from || req.to ? ` between ${req.from ?? 'the start'} and ${req.to ?? 'the end'}` : ''}; import or backfill ${symbol} first`, 'symbols');
    out.push({
      symbol,
      contract: contracts[symbol] ?? contractFor(ctx.catalog, symbol),
      t: bars.t,
      o: bars.o,
      h: bars.h,
      l: bars.l,
      c: bars.c,
      v: bars.v,
      features: computeFeatures(sessionSeries(bars, calendarFor(ctx.catalog, symbol)), specs),
    });
  }
  return out;
}

/**
 * Runs a backtest: reads each symbol's bars (the requested timeframe, aggregated where needed),
 * computes the strategy's features with the registry's batch kernels over the exchange's sessions,
 * gates entries with a model when one is named, runs the event-driven engine, and stores trades,
 * equity, metrics and the full request under `gold/backtests/<run-id>/`.
 */
export async function backtestRun(ctx: RunContext, asked: BacktestRequest): Promise<BacktestSummary> {
  const timeframe = asked.timeframe ?? '1d';
  // A stored or file config gives the strategy, its parameters, its model and its terms; the request's win.
  const sc = resolveStrategyRef(ctx.home.root, asked.strategy);
  const req: BacktestRequest = { ...configTerms(sc), ...definedOf(asked) };
  let params: Record<string, number>;
  let strategy;
  try {
    params = resolveParams(STRATEGIES.get(sc.strategy)!, { ...sc.params, ...req.params });
    strategy = createStrategy(sc.strategy, params);
  } catch (e) {
    if (e instanceof StrategyConfigError) throw new ApiError('invalid_argument', e.message, e.message.includes('parameter') ? 'params' : 'strategy');
    throw e;
  }
  const modelRef = req.model ?? sc.model;
  const model = modelRef ? getModel(ctx.catalog, ctx.home, parseModelRef(modelRef)) : undefined;
  if (model && model.objective !== 'binary') throw new ApiError('invalid_argument', `${model.id}@${model.version} is a regressor; a trade filter needs a classifier`, 'model');
  if (model && (!model.featureSet || !model.specHash)) throw new ApiError('invalid_argument', `${model.id}@${model.version} names no feature set, so its features cannot be found for the bars; import it with --feature-set SET`, 'model');
  if (req.sizing?.kind === 'kelly' && !model) throw new ApiError('invalid_argument', 'Kelly sizing needs a model: its probability sets the fraction; name one with --model, or size another way', 'sizing');
  const threshold = req.threshold ?? sc.threshold ?? (model?.card as { threshold?: { value: number } } | undefined)?.threshold?.value ?? 0.5;
  if (model) strategy = mlGated(strategy, threshold);
  const specs = strategy.features.length ? parseFeatureList(strategy.features) : [];
  const runner = model ? await ModelRunner.open(ctx.home, model.id, model.version, model.features.length, defaultProvider(ctx.catalog)) : undefined;
  const data: SymbolData[] = [];
  try {
    for (const one of await loadSymbols(ctx, req, specs)) data.push({ ...one, ...(runner && model ? { probability: await probabilities(ctx, runner, model, one.symbol, one.t) } : {}) });
  } finally {
    await runner?.close();
  }
  const cfg = engineConfig(req);
  const result = runBacktest(strategy, data, cfg, tradeStart(req.from));
  let benchmark: { day: Float64Array; close: Float64Array } | undefined;
  if (req.benchmark) {
    const b = await readBars(ctx.con, ctx.catalog, ctx.home.lake, { symbol: req.benchmark, timeframe: '1d', ...(req.from ? { from: req.from } : {}), ...(req.to ? { to: req.to } : {}) });
    if (b.t.length === 0) throw new ApiError('invalid_argument', `no daily bars for the benchmark ${req.benchmark}`, 'benchmark');
    const daily = dailyEquity(b.t, b.c);
    benchmark = { day: daily.day, close: daily.value };
  }
  const metrics = metricsOf(result, cfg.capital, benchmark);
  let factors: BacktestSummary['factors'];
  if (req.factors) {
    const file = path.resolve(req.factors.path);
    if (!fs.existsSync(file)) throw new ApiError('invalid_argument', `factor file ${file} does not exist`, 'factors.path');
    try {
      const series = parseFactorCsv(readRegularText(file, { maxBytes: MAX_BYTES.table, field: 'factors.path', what: 'factor file' }), file, req.factors.percent ?? true);
      const daily = dailyEquity(result.equity.t, result.equity.value);
      factors = { file, ...factorRegression(daily.day, returnsOf(daily.value, cfg.capital), series) };
    } catch (e) {
      if (e instanceof FactorFileError || e instanceof RangeError) throw new ApiError('invalid_argument', e.message, 'factors');
      throw e;
    }
  }
  return recordRun(ctx, { strategy, params, symbols: req.symbols, timeframe, model: model ? `${model.id}@${model.version}` : null, threshold: model ? threshold : null, config: { ...req, ...(sc.name !== sc.strategy ? { strategyConfig: sc } : {}), contracts: contractsOf(data) }, data, tradeFrom: tradeStart(req.from), result, capital: cfg.capital, metrics, ...(factors ? { factors } : {}) });
}

/** A parameter sweep over stored bars with the vectorised engine (ibs, rsi2), fixed size and market orders. */
export async function sweepRun(ctx: RunContext, req: SweepRequest): Promise<SweepResult> {
  const sc = resolveStrategyRef(ctx.home.root, req.strategy);
  // A config's capital, fills and costs apply, and its fixed size; the request's win.
  const { sizing, maxPositions: _m, ...terms } = configTerms(sc);
  req = { ...terms, ...(sizing?.kind === 'fixed' ? { contracts: sizing.contracts } : {}), ...definedOf(req), strategy: sc.strategy };
  const vec = OSCILLATORS[req.strategy];
  if (!vec) throw new ApiError('invalid_argument', `sweep: the vectorised engine runs ${Object.keys(OSCILLATORS).join(' and ')}; "${req.strategy}" needs one backtest per parameter set`, 'strategy');
  const start = tradeStart(req.from);
  // The oscillators hold no state but their position: their warmed columns, cut at the start, are a warm-up.
  const inputs = (await loadSymbols(ctx, req, parseFeatureList([vec.feature]))).map((d) => tradedPart({ ...d, x: d.features.get(vec.column)! }, start));
  const cfg = engineConfig(req);
  if (req.walkForward && inputs.length !== 1) throw new ApiError('invalid_argument', `walk-forward optimisation runs on one symbol; got ${req.symbols.join(', ')}`, 'symbols');
  try {
    const result: SweepResult = sweepOscillator(req.strategy, req.grid, inputs, cfg.costs, req.contracts ?? 1, cfg.capital, cfg.fillAt);
    if (!req.walkForward) return result;
    return { ...result, walkForward: walkForward(req.strategy, req.grid, inputs[0]!, { anchored: false, ...req.walkForward }, cfg.costs, req.contracts ?? 1, cfg.capital, cfg.fillAt) };
  } catch (e) {
    if (e instanceof RangeError) throw new ApiError('invalid_argument', e.message, 'walkForward');
    if (e instanceof StrategyConfigError) throw new ApiError('invalid_argument', e.message, 'grid');
    throw e;
  }
}

/** A vectorised input from `start` on (its bars and column cut there). */
function tradedPart(d: VectorInput, start: number): VectorInput {
  const i = firstAtOrAfter(d.t, start);
  const cut = (a: Float64Array): Float64Array => a.subarray(i);
  return { contract: d.contract, t: cut(d.t), o: cut(d.o), h: cut(d.h), l: cut(d.l), c: cut(d.c), x: cut(d.x) };
}

/**
 * Stores a run's strategy as a strategy config named `name`: its strategy, parameters, gating model
 * and threshold, and the terms it was backtested on (capital, fills, costs, position limit, sizing),
 * so that backtests and sweeps of the config, and the bundle the live server pulls, trade on them.
 */
export async function saveRunStrategy(ctx: RunContext, a: { runId: string; name: string; overwrite?: boolean | undefined }): Promise<StrategyConfig> {
  const run = await getBacktest(ctx, a.runId);
  const req = run.config as Partial<BacktestRequest> & { portfolio?: unknown };
  if (req.portfolio !== undefined) throw new ApiError('invalid_argument', `run ${a.runId} is a portfolio's joint run of several strategies; save one strategy's run`, 'runId');
  const { contracts: _contracts, ...t } = termsOf(req);
  const cfg: StrategyConfig = {
    name: a.name,
    strategy: run.strategy.replace(/\+ml$/, ''),
    params: run.params,
    ...(run.model ? { model: run.model } : {}),
    ...(run.threshold !== null ? { threshold: run.threshold } : {}),
    terms: strategyTerms({ ...t, maxPositions: req.maxPositions ?? 0, sizing: req.sizing ?? { kind: 'fixed', contracts: 1 } }),
  };
  writeStrategyConfig(ctx.home.root, ctx.home.tmp, cfg, a.overwrite === true);
  return cfg;
}
