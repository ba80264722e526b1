import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { firstAtOrAfter, runBacktest, type Contract, type EngineConfig, type EngineResult, type SymbolData, type Trade } from '../../common/backtest/engine';
import type { Strategy } from '../../common/backtest/strategy';
import { backtestMetrics, covariance, dailyEquity, drawdown, returnsOf, wealth, type BacktestMetrics } from '../../common/backtest/metrics';
import { monteCarlo, type MonteCarloMethod, type MonteCarloResult } from '../../common/backtest/monte-carlo';
import { factorRegression, FactorFileError, parseFactorCsv } from '../../common/backtest/factors';
import { bySymbol, createStrategy, mlGated, OSCILLATORS, StrategyConfigError, STRATEGIES, resolveParams } from '../../common/backtest/strategies';
import { ApiError } from '../../common/errors';
import { computeFeatures, parseFeatureList, type FeatureInstance } from '../../common/features/registry';
import { contractFor } from '../instrument-table';
import type { BacktestDetail, BacktestSummary, PortfolioBacktest, PortfolioRun, TradeColumns } from '../../common/backtest/types';
import { warmupFrom, type Timeframe } from '../../common/timeframes';
import { parseUtc } from '../../common/schemas';
import { type PortfolioTerms, type StrategyConfig } from '../../common/backtest/schemas';
import type { Catalog } from '../catalog';
import { calendarFor } from '../calendar';
import type { HomeLayout } from '../home';
import { fileList, readBuild } from '../features/analysis';
import { sessionSeries } from '../features/silver-build';
import { readBars } from '../lake/bar-reader';
import { appendFloat64Columns, readFloat64Columns, sqlString } from '../lake/duck-columns';
import { writeJsonAtomically } from '../lake/publish';
import { defaultProvider } from '../models/providers';
import { getModel, parseModelRef } from '../models/registry';
import { ModelRunner } from '../models/runner';
import type { BacktestRequest, PortfolioRequest, SweepRequest } from '../../common/job-requests';
import { greedyPortfolio, type Candidate } from '../../common/backtest/portfolio';
import { configTerms, resolveStrategyRef, strategyTerms, writeStrategyConfig } from './strategy-configs';
import { sweepOscillator, type SweepResult } from '../../common/backtest/sweep';
import type { VectorInput } from '../../common/backtest/vectorised';
import { walkForward } from '../../common/backtest/walk-forward';
import { MAX_BYTES, readRegularText } from '../untrusted-files';

type Ctx = { home: HomeLayout; catalog: Catalog; con: DuckDBConnection };

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

/** An id that sorts by creation time: UTC date and time to the second, then 8 random hex digits. */
const timeSortableId = (): string => `${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}-${randomUUID().slice(0, 8)}`;

/** A value ready for JSON: numbers JSON cannot hold (Infinity, NaN) as strings, which `revive` reads back. */
const jsonSafe = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));

/** A finished engine run's metrics, from its equity curve and its trades' P&L and fees. */
const metricsOf = (result: EngineResult, capital: number, benchmark?: { day: Float64Array; close: Float64Array }): BacktestMetrics =>
  backtestMetrics(result.equity, { pnl: result.trades.map((t) => t.pnl), fees: result.trades.map((t) => t.fees) }, capital, result.tradedNotional, benchmark);

/**
 * A model's probability at every bar of a symbol: its features come from its feature set's current
 * build (the rows it was trained on), matched to the bars by time; NaN where the build has no row.
 */
async function probabilities(ctx: Ctx, runner: ModelRunner, m: ReturnType<typeof getModel>, symbol: string, t: Float64Array): Promise<Float64Array> {
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
export async function loadSymbols(ctx: Ctx, req: { symbols: string[]; timeframe?: Timeframe | undefined; from?: string | undefined; to?: string | undefined }, specs: FeatureInstance[], contracts: Readonly<Record<string, Contract>> = {}): Promise<SymbolData[]> {
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
export async function backtestRun(ctx: Ctx, asked: BacktestRequest): Promise<BacktestSummary> {
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

/** What a finished run is stored from. */
interface RunRecord {
  strategy: Strategy;
  params: Record<string, number>;
  symbols: string[];
  timeframe: Timeframe;
  model: string | null;
  threshold: number | null;
  config: Record<string, unknown>;
  data: SymbolData[];
  /** Bars before this only warmed the run. */
  tradeFrom: number;
  result: EngineResult;
  capital: number;
  metrics: BacktestMetrics;
  factors?: BacktestSummary['factors'];
}

/** Stores a finished run (run.json, equity and trades with the strategy's features at entry, a catalog row) and gives its summary. */
async function recordRun(ctx: Ctx, r: RunRecord): Promise<BacktestSummary> {
  const { data, result, strategy } = r;
  const first = Math.min(...data.map((d) => d.t[firstAtOrAfter(d.t, r.tradeFrom)] ?? Number.POSITIVE_INFINITY));
  const last = Math.max(...data.map((d) => d.t[d.t.length - 1]!));
  const runId = timeSortableId();
  const summary: BacktestSummary = { runId, createdAt: Date.now(), strategy: strategy.name, params: r.params, symbols: r.symbols, timeframe: r.timeframe, from: first, to: last, model: r.model, threshold: r.threshold, metrics: r.metrics, ...(r.factors ? { factors: r.factors } : {}), ...(result.ruinedAt !== null ? { ruinedAt: result.ruinedAt } : {}) };
  const dd = drawdown(result.equity.t, wealth(result.equity.value), r.capital);
  const dataOf = (t: Trade): SymbolData => data.find((d) => d.symbol === t.symbol)!;
  const columns = strategy.features.length ? [...data[0]!.features.keys()] : [];
  const features = Object.fromEntries(columns.map((k) => [k, Float64Array.from(result.trades, (t) => dataOf(t).features.get(k)?.[t.signalBar] ?? Number.NaN)]));
  const detail: BacktestDetail = { ...summary, config: r.config, equity: { t: result.equity.t, value: result.equity.value, drawdown: dd.curve }, trades: tradeColumns(result.trades, features, (t) => dataOf(t).t[t.signalBar]!), skipped: { maxPositions: result.skippedForMaxPositions, size: result.skippedForSize } };
  await storeRun(ctx, detail);
  return summary;
}

/** Trades as columns (numbers as typed arrays), with the strategy's feature values at each entry's signal bar. */
function tradeColumns(trades: Trade[], features: Record<string, Float64Array>, signalTime: (t: Trade) => number): TradeColumns {
  const num = (f: (t: Trade) => number): Float64Array => Float64Array.from(trades, f);
  return {
    symbol: trades.map((t) => t.symbol),
    side: trades.map((t) => t.side),
    signalTime: num(signalTime),
    entryTime: num((t) => t.entryTime),
    entryPrice: num((t) => t.entryPrice),
    exitTime: num((t) => t.exitTime),
    exitPrice: num((t) => t.exitPrice),
    qty: num((t) => t.qty),
    fees: num((t) => t.fees),
    slippage: num((t) => t.slippage),
    pnl: num((t) => t.pnl),
    barsHeld: num((t) => t.barsHeld),
    mae: num((t) => t.mae),
    mfe: num((t) => t.mfe),
    entryReason: trades.map((t) => t.entryReason),
    exitReason: trades.map((t) => t.exitReason),
    features,
  };
}

/** The folder of a run under the lake. */
/** A stored run's folder. */
export const runDir = (home: HomeLayout, runId: string): string => path.join(home.lake, 'gold', 'backtests', runId);

/** Trade columns as stored: the Parquet column name and the TradeColumns field, numbers only. */
const TRADE_NUMBERS = [
  ['signal_time', 'signalTime'],
  ['entry_time', 'entryTime'],
  ['entry_price', 'entryPrice'],
  ['exit_time', 'exitTime'],
  ['exit_price', 'exitPrice'],
  ['qty', 'qty'],
  ['fees', 'fees'],
  ['slippage', 'slippage'],
  ['pnl', 'pnl'],
  ['bars_held', 'barsHeld'],
  ['mae', 'mae'],
  ['mfe', 'mfe'],
] as const;
const TRADE_TEXT = [
  ['symbol', 'symbol'],
  ['side', 'side'],
  ['entry_reason', 'entryReason'],
  ['exit_reason', 'exitReason'],
] as const;
const TIMES = new Set(['signal_time', 'entry_time', 'exit_time']);
const quoteId = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/** Writes equity.parquet and trades.parquet of a run into `dir` (times as TIMESTAMP, feature values as `feature_<column>`). */
async function writeRunParquet(con: DuckDBConnection, dir: string, d: BacktestDetail): Promise<void> {
  const id = d.runId.replaceAll('-', '_');
  await con.run(`CREATE TEMP TABLE eq_${id} (t DOUBLE, equity DOUBLE, drawdown DOUBLE)`);
  await con.run(`CREATE TEMP TABLE tr_${id} (${[...TRADE_TEXT.map(([c]) => `${c} VARCHAR`), ...TRADE_NUMBERS.map(([c]) => `${c} DOUBLE`), ...Object.keys(d.trades.features).map((f) => `${quoteId(`feature_${f}`)} DOUBLE`)].join(', ')})`);
  try {
    const eq = await con.createAppender(`eq_${id}`);
    appendFloat64Columns(eq, [d.equity.t, d.equity.value, d.equity.drawdown]);
    eq.closeSync();
    const tr = await con.createAppender(`tr_${id}`);
    const t = d.trades;
    const features = Object.values(t.features);
    for (let i = 0; i < t.symbol.length; i++) {
      for (const [, k] of TRADE_TEXT) tr.appendVarchar(t[k][i]!);
      for (const [, k] of TRADE_NUMBERS) tr.appendDouble(t[k][i]!);
      for (const f of features) tr.appendDouble(f[i]!);
      tr.endRow();
    }
    tr.closeSync();
    await con.run(`COPY (SELECT epoch_ms(t::BIGINT) AS ts, equity, drawdown FROM eq_${id} ORDER BY t) TO ${sqlString(path.join(dir, 'equity.parquet'))} (FORMAT parquet, COMPRESSION zstd)`);
    const cols = [...TRADE_TEXT.map(([c]) => c), ...TRADE_NUMBERS.map(([c]) => (TIMES.has(c) ? `epoch_ms(${c}::BIGINT) AS ${c}` : c)), ...Object.keys(t.features).map((f) => quoteId(`feature_${f}`))];
    await con.run(`COPY (SELECT ${cols.join(', ')} FROM tr_${id}) TO ${sqlString(path.join(dir, 'trades.parquet'))} (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    await con.run(`DROP TABLE IF EXISTS eq_${id}`);
    await con.run(`DROP TABLE IF EXISTS tr_${id}`);
  }
}

/** Writes a run's folder (run.json with the request and metrics, equity.parquet, trades.parquet; staged, then renamed into place) and its catalog row. */
async function storeRun(ctx: Ctx, d: BacktestDetail): Promise<void> {
  const staged = path.join(ctx.home.tmp, `backtest-${d.runId}`);
  fs.mkdirSync(staged, { recursive: true });
  writeJsonAtomically(path.join(staged, 'run.json'), jsonSafe({ ...d, equity: undefined, trades: undefined }), ctx.home.tmp);
  await writeRunParquet(ctx.con, staged, d);
  const final = runDir(ctx.home, d.runId);
  fs.mkdirSync(path.dirname(final), { recursive: true });
  fs.renameSync(staged, final);
  ctx.catalog.db
    .prepare('INSERT INTO backtests (id, created_at, strategy, symbols, timeframe, model, summary) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(d.runId, d.createdAt, d.strategy, JSON.stringify(d.symbols), d.timeframe, d.model, JSON.stringify(jsonSafe(summaryOf(d))));
}

const summaryOf = (d: BacktestSummary): BacktestSummary => ({ runId: d.runId, createdAt: d.createdAt, strategy: d.strategy, params: d.params, symbols: d.symbols, timeframe: d.timeframe, from: d.from, to: d.to, model: d.model, threshold: d.threshold, metrics: d.metrics, ...(d.factors ? { factors: d.factors } : {}), ...(d.ruinedAt !== undefined ? { ruinedAt: d.ruinedAt } : {}) });

/** Numbers written as strings (Infinity, NaN) back to numbers. */
const revive = (_: string, v: unknown): unknown => (v === 'Infinity' ? Number.POSITIVE_INFINITY : v === '-Infinity' ? Number.NEGATIVE_INFINITY : v === 'NaN' ? Number.NaN : v);

/** Every stored run, newest first. */
export function listBacktests(catalog: Catalog): BacktestSummary[] {
  return (catalog.db.prepare('SELECT summary FROM backtests ORDER BY created_at DESC').all() as { summary: string }[]).map((r) => JSON.parse(r.summary, revive) as BacktestSummary);
}

/** One stored run with its equity curve and trades (numbers as typed arrays). */
export async function getBacktest(ctx: Ctx, runId: string): Promise<BacktestDetail> {
  const row = ctx.catalog.db.prepare('SELECT summary FROM backtests WHERE id = ?').get(runId) as { summary: string } | undefined;
  if (!row) throw new ApiError('not_found', `no backtest run ${runId}; stored runs are the folders under lake/gold/backtests/`, 'runId');
  const dir = runDir(ctx.home, runId);
  const run = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'), revive) as BacktestDetail;
  const [t = new Float64Array(0), value = new Float64Array(0), drawdown = new Float64Array(0)] = await readFloat64Columns(ctx.con, `SELECT epoch_ms(ts)::DOUBLE, equity, drawdown FROM read_parquet(${sqlString(path.join(dir, 'equity.parquet'))}) ORDER BY ts`);
  const file = sqlString(path.join(dir, 'trades.parquet'));
  const names = (await ctx.con.runAndReadAll(`SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(${file}))`)).getRowsJS().map((r) => String(r[0]));
  const featureCols = names.filter((n) => n.startsWith('feature_'));
  const numbers = await readFloat64Columns(ctx.con, `SELECT ${[...TRADE_NUMBERS.map(([c]) => (TIMES.has(c) ? `epoch_ms(${c})::DOUBLE` : c)), ...featureCols.map(quoteId)].join(', ')} FROM read_parquet(${file})`);
  const text = (await ctx.con.runAndReadAll(`SELECT ${TRADE_TEXT.map(([c]) => c).join(', ')} FROM read_parquet(${file})`)).getRowsJS() as string[][];
  const trades = {
    ...Object.fromEntries(TRADE_TEXT.map(([, k], j) => [k, text.map((r) => r[j]!)])),
    ...Object.fromEntries(TRADE_NUMBERS.map(([, k], j) => [k, numbers[j] ?? new Float64Array(0)])),
    features: Object.fromEntries(featureCols.map((c, j) => [c.slice('feature_'.length), numbers[TRADE_NUMBERS.length + j] ?? new Float64Array(0)])),
  } as unknown as TradeColumns;
  return { ...run, ...summaryOf(JSON.parse(row.summary, revive) as BacktestSummary), equity: { t, value, drawdown }, trades };
}

/** Simulated paths a Monte Carlo may walk at once (simulations × trades or days): about a tenth of a second. */
const MONTE_CARLO_STEPS = 20_000_000;

/** A Monte Carlo of a stored run (1,000 reshuffles of its trades unless asked otherwise, seed 1). */
export function monteCarloOfRun(d: BacktestDetail, o: { method?: MonteCarloMethod; simulations?: number; seed?: number; block?: number }): MonteCarloResult {
  const method = o.method ?? 'reshuffle';
  const n = o.simulations ?? 1000;
  const capital = Number((d.config as { capital?: number }).capital ?? (d.config as { engine?: { capital?: number } }).engine?.capital ?? 100_000);
  const order = Array.from(d.trades.exitTime.keys()).sort((x, y) => d.trades.exitTime[x]! - d.trades.exitTime[y]!);
  const tradeNet = Float64Array.from(order, (i) => d.trades.pnl[i]! - d.trades.fees[i]!);
  const daily = dailyEquity(d.equity.t, wealth(d.equity.value));
  const dailyReturns = returnsOf(daily.value, capital);
  const len = method === 'block' ? dailyReturns.length : tradeNet.length;
  if (n * len > MONTE_CARLO_STEPS) throw new ApiError('invalid_argument', `${n} simulations of ${len} ${method === 'block' ? 'days' : 'trades'} is more than ${MONTE_CARLO_STEPS.toLocaleString('en-US')} steps; ask for at most ${Math.floor(MONTE_CARLO_STEPS / len)}`, 'simulations');
  try {
    return monteCarlo({ tradeNet, dailyReturns, capital, years: Math.max(1 / 252, (d.to - d.from) / (365.25 * 86_400_000)) }, { method, n, seed: o.seed ?? 1, ...(o.block !== undefined ? { block: o.block } : {}) });
  } catch (e) {
    if (e instanceof RangeError) throw new ApiError('invalid_argument', `run ${d.runId}: ${e.message}`, 'runId');
    throw e;
  }
}

/** A run's trades as CSV (one row per trade, feature values at entry last). */
export function tradesCsv(d: BacktestDetail): string {
  const t = d.trades;
  const feats = Object.keys(t.features);
  const iso = (ms: number): string => new Date(ms).toISOString();
  const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const head = ['symbol', 'side', 'signal_time', 'entry_time', 'entry_price', 'exit_time', 'exit_price', 'qty', 'fees', 'slippage', 'pnl', 'net_pnl', 'bars_held', 'mae', 'mfe', 'entry_reason', 'exit_reason', ...feats];
  const rows = t.symbol.map((sym, i) =>
    [sym, t.side[i]!, iso(t.signalTime[i]!), iso(t.entryTime[i]!), t.entryPrice[i]!, iso(t.exitTime[i]!), t.exitPrice[i]!, t.qty[i]!, t.fees[i]!, t.slippage[i]!, t.pnl[i]!, t.pnl[i]! - t.fees[i]!, t.barsHeld[i]!, t.mae[i]!, t.mfe[i]!, quote(t.entryReason[i]!), quote(t.exitReason[i]!), ...feats.map((f) => t.features[f]![i]!)].join(','),
  );
  return `${[head.join(','), ...rows].join('\n')}\n`;
}

/**
 * Stores a run's strategy as a strategy config named `name`: its strategy, parameters, gating model
 * and threshold, and the terms it was backtested on (capital, fills, costs, position limit, sizing),
 * so that backtests and sweeps of the config, and the bundle the live server pulls, trade on them.
 */
export async function saveRunStrategy(ctx: Ctx, a: { runId: string; name: string; overwrite?: boolean | undefined }): Promise<StrategyConfig> {
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

/** A parameter sweep over stored bars with the vectorised engine (ibs, rsi2), fixed size and market orders. */
export async function sweepRun(ctx: Ctx, req: SweepRequest): Promise<SweepResult> {
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
 * Greedy portfolio construction over stored backtest runs: every run's trades per symbol are a
 * candidate; the search and the resulting portfolio config are stored under
 * `lake/gold/portfolios/<id>/` (result.json, portfolio.json).
 */
export async function portfolioRun(ctx: Ctx, req: PortfolioRequest): Promise<PortfolioRun> {
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
async function portfolioBacktest(ctx: Ctx, runs: BacktestDetail[], config: PortfolioRun['config']): Promise<PortfolioBacktest> {
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
