import fs from 'node:fs';
import path from 'node:path';
import { firstAtOrAfter, inTimeOrder } from '../../common/backtest/bar-walk';
import { type Contract, type EngineResult } from '../../common/backtest/engine-types';
import { ApiError } from '../../common/errors';
import type { FeatureSeries } from '../../common/features/types';
import { parseUtc } from '../../common/schemas';
import { portfolioTermsSchema } from '../../common/backtest/schemas';
import { type RiskLimits } from '../../common/trading/schemas';
import { WARMUP_BARS, warmupFrom, type Timeframe } from '../../common/timeframes';
import { createPaperEngine, type Denial, type PaperBar, type PaperEngine, type PaperEngineOptions } from '../../common/trading/paper-engine';
import { stricterLimits, type GateLimits, type TradingState } from '../../common/trading/risk';
import type { PaperSummary } from '../../common/trading/types';
import type { PortfolioRun } from '../../common/backtest/types';
import type { Bars } from '../../common/bars';
import { portfolioEngineConfig, runContract, termsOf, type RunTerms } from '../backtest/run-backtest';
import { runDir } from '../backtest/run-store';
import { withContracts } from '../backtest/portfolio-run';
import { contractFor } from '../instrument-table';
import type { Catalog } from '../catalog';
import { calendarFor } from '../calendar';
import { sessionSeries } from '../features/silver-build';
import type { HomeLayout } from '../home';
import { readBars } from '../lake/bar-reader';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openStreamingModel, seriesBar, type BookSource } from './streaming-model';
import { MAX_BYTES, readRegularText } from '../untrusted-files';
import { PORTFOLIO_ID } from '../../common/ids';

type Ctx = { home: HomeLayout; catalog: Catalog; con: DuckDBConnection };
/** What the instrument table is read from (the catalog's settings). */
type TableSettings = Pick<Catalog, 'getSetting' | 'setSetting'>;

/** A portfolio config: a stored search's by id (lake/gold/portfolios/<id>/portfolio.json), or a .json/.yml file. */
export function loadPortfolio(home: HomeLayout, catalog: TableSettings, ref: string): PortfolioRun['config'] {
  const isFile = /\.(json|ya?ml)$/i.test(ref);
  if (!isFile && !PORTFOLIO_ID.test(ref)) throw new ApiError('invalid_argument', `no portfolio ${ref}: give a stored portfolio's id (letters, digits, ., - and _) or a .json portfolio file`, 'portfolio');
  const file = isFile ? path.resolve(ref) : path.join(home.lake, 'gold', 'portfolios', ref, 'portfolio.json');
  if (!fs.existsSync(file)) throw new ApiError('invalid_argument', `no portfolio ${ref}: neither a file nor a stored portfolio (ids are the folders of lake/gold/portfolios; portfolio optimize makes them)`, 'portfolio');
  const text = readRegularText(file, { maxBytes: MAX_BYTES.config, field: 'portfolio', what: 'portfolio config' });
  let config: PortfolioRun['config'];
  try {
    config = JSON.parse(text) as PortfolioRun['config'];
  } catch (e) {
    throw new ApiError('invalid_argument', `${file}: not a portfolio config (${(e as Error).message})`, 'portfolio');
  }
  if (config.terms !== undefined) {
    const t = portfolioTermsSchema.safeParse(config.terms);
    if (!t.success) throw new ApiError('invalid_argument', `${file}: terms.${t.error.issues[0]!.path.join('.')}: ${t.error.issues[0]!.message}`, 'portfolio');
    return completeTerms({ ...config, terms: t.data }, catalog);
  }
  return completeTerms({ ...config, terms: storedRunTerms(home, config.instruments ?? []) }, catalog);
}

/**
 * A portfolio whose terms name every instrument's contract: those it records, else the instrument
 * table's now (a portfolio without terms gets the backtester's defaults, written out). What a session
 * journals, so that it resumes on the terms it started with.
 */
export function completeTerms(config: PortfolioRun['config'], catalog: TableSettings): PortfolioRun['config'] {
  const terms = config.terms ?? termsOf({});
  const contracts = { ...terms.contracts };
  for (const i of config.instruments ?? []) contracts[i.symbol] ??= contractFor(catalog, i.symbol);
  return { ...config, terms: { ...terms, contracts } };
}

/**
 * The terms of a portfolio saved before portfolios kept their own: its first instrument's stored run's
 * capital, fills and costs, with the contract terms each instrument's run recorded. Undefined where
 * that run is not in the lake (a hand-written portfolio trades on the backtester's defaults, as its
 * file says nothing else).
 */
function storedRunTerms(home: HomeLayout, instruments: PortfolioRun['config']['instruments']): PortfolioRun['config']['terms'] {
  const configs = instruments.map((i) => storedRunConfig(home, i.run));
  const first = configs[0];
  if (first === undefined) return undefined;
  return withContracts(termsOf(first as RunTerms), instruments.map((i, k) => [i.symbol, runContract(configs[k], i.symbol)]));
}

/** A stored backtest run's config (its request, and the contracts it traded on), or undefined where the run is not in the lake. */
function storedRunConfig(home: HomeLayout, runId: string | undefined): unknown {
  if (runId === undefined || !PORTFOLIO_ID.test(runId)) return undefined;
  const file = path.join(runDir(home, runId), 'run.json');
  if (!fs.existsSync(file)) return undefined;
  return (JSON.parse(readRegularText(file, { maxBytes: MAX_BYTES.config, what: 'backtest run' })) as { config?: unknown }).config ?? {};
}

/**
 * Replays a portfolio over stored bars through paper trading's path: each bar, as it arrives, goes
 * through the streaming feature kernels (not the batch path a backtest uses), a gated instrument's
 * model (on those kernels' rows), the instruments' strategies, the risk gate under the given trading state and the portfolio's limits, and the
 * engine's broker (the backtester's fills, fees and slippage). The same period and config give the
 * backtest's trades.
 */
export async function paperReplay(ctx: Ctx, state: TradingState, ref: string, from: string, to: string, accountLimits: RiskLimits = {}): Promise<PaperSummary> {
  const own = loadPortfolio(ctx.home, ctx.catalog, ref);
  const portfolio = { ...own, riskLimits: stricterLimits(own.riskLimits ?? {}, accountLimits) };
  const timeframes = [...new Set(portfolio.instruments.map((i) => i.timeframe))];
  if (timeframes.length !== 1) throw new ApiError('invalid_argument', `a paper session trades one timeframe; the portfolio has ${timeframes.join(', ') || 'no instruments'}`, 'portfolio');
  const timeframe = timeframes[0] as Timeframe;
  const inputs = await withProbabilities(ctx, portfolio, await replayInputs(ctx, portfolio.instruments.map((i) => i.symbol), timeframe, from, to));
  const r = replaySeries(portfolio, inputs, state);
  return { portfolio: ref, from, to, ...r };
}

/**
 * Stored bars of each symbol up to `to`, with their calendar facts: WARMUP_BARS before `from` to warm
 * the kernels and strategies (the bars a backtest from `from` warms on), those from `from` to replay.
 */
export async function replayInputs(ctx: Ctx, symbols: readonly string[], timeframe: Timeframe, from: string, to: string): Promise<ReplayInput[]> {
  const start = parseUtc(from);
  const inputs: ReplayInput[] = [];
  for (const symbol of symbols) {
    const bars = await readBars(ctx.con, ctx.catalog, ctx.home.lake, { symbol, timeframe, from: warmupFrom(from, timeframe), to });
    const warm = firstAtOrAfter(bars.t, start);
    if (warm === bars.t.length) throw new ApiError('invalid_argument', `no ${timeframe} bars for ${symbol} between ${from} and ${to}`, 'from');
    inputs.push({ bars, sessions: sessionSeries(bars, calendarFor(ctx.catalog, symbol)), warm });
  }
  return inputs;
}

/** WARMUP_BARS of stored bars of each symbol before `before` (before now for +∞), every one a warm-up bar: a live session's history. */
export async function historyInputs(ctx: Ctx, symbols: readonly string[], timeframe: Timeframe, before: number): Promise<ReplayInput[]> {
  const inputs: ReplayInput[] = [];
  for (const symbol of symbols) {
    // A new live session warms on the newest stored bars, however old the lake is (a rehearsal on last year's tape).
    const all = await readBars(ctx.con, ctx.catalog, ctx.home.lake, Number.isFinite(before) ? { symbol, timeframe, from: warmupFrom(new Date(before).toISOString(), timeframe) } : { symbol, timeframe, limit: WARMUP_BARS });
    const n = firstAtOrAfter(all.t, before);
    const cut = (a: Float64Array): Float64Array => a.subarray(0, n);
    const bars = { ...all, t: cut(all.t), o: cut(all.o), h: cut(all.h), l: cut(all.l), c: cut(all.c), v: cut(all.v) };
    inputs.push({ bars, sessions: sessionSeries(bars, calendarFor(ctx.catalog, symbol)), warm: n });
  }
  return inputs;
}

/** Feeds the warm-up bars of `inputs` (all symbols, in time order) to a paper engine that has not traded yet. */
export function warmEngine(engine: PaperEngine, inputs: readonly ReplayInput[]): void {
  const bar: PaperBar = { t: 0, o: 0, h: 0, l: 0, c: 0, v: 0, day: 0, sessionStart: 0, monthEnd: false };
  inTimeOrder(
    inputs.map((x) => x.bars.t.subarray(0, x.warm)),
    (k, i) => {
      seriesBar(bar, inputs[k]!.bars, inputs[k]!.sessions, i);
      engine.warm(k, bar);
    },
    () => undefined,
  );
}

/**
 * The inputs with each gated instrument's model probability for its bars: its streaming kernels,
 * warmed on the stored bars before the first, fed the bars in order, and its ONNX session run on
 * those rows in batches (what a session predicts one row at a time). Book features come from the
 * lake's stored book, unless `bookOf` hands over inputs already read.
 */
export async function withProbabilities(ctx: Ctx, portfolio: PortfolioRun['config'], inputs: readonly ReplayInput[], bookOf: (k: number) => BookSource = (k) => ({ kind: 'stored', bars: inputs[k]!.bars.t })): Promise<ReplayInput[]> {
  const out: ReplayInput[] = [];
  for (const [k, x] of inputs.entries()) {
    const inst = portfolio.instruments[k]!;
    if (!inst.model || inst.threshold === null) {
      out.push(x);
      continue;
    }
    const { model } = await openStreamingModel(ctx, inst, x.bars.t[x.warm]!, bookOf(k));
    try {
      out.push({ ...x, probability: await model.probabilities(x.bars, x.sessions) });
    } finally {
      await model.runner.close();
    }
  }
  return out;
}

/** One symbol's bars for a replay, with their sessions (the calendar facts the kernels read). */
export interface ReplayInput {
  bars: Bars;
  sessions: Pick<FeatureSeries, 'day' | 'sessionStart' | 'monthEnd'>;
  /** The first `warm` bars only warm the kernels and the strategy (stored history before the replay's start). */
  warm: number;
  /** A gated instrument's model probability for each bar. */
  probability?: Float64Array;
}

/** The contract terms a complete portfolio records for `symbol`. */
function contractIn(portfolio: PortfolioRun['config'], symbol: string): Contract {
  const c = portfolio.terms?.contracts?.[symbol];
  if (!c) throw new Error(`portfolio has no contract terms for ${symbol}: complete its terms (completeTerms) before trading it`);
  return c;
}

/** The gate limits of a portfolio's risk limits. */
export function gateLimits(limits: RiskLimits): GateLimits {
  const { maxPositionNotional, maxPosition, maxGrossExposure, maxOrdersPerSecond, maxConcurrentPositions } = limits;
  return {
    ...(maxPositionNotional !== undefined ? { maxOrderNotional: maxPositionNotional } : {}),
    ...(maxPosition !== undefined ? { maxPosition } : {}),
    ...(maxGrossExposure !== undefined ? { maxGrossExposure } : {}),
    ...(maxOrdersPerSecond !== undefined ? { maxOrdersPerSecond } : {}),
    ...(maxConcurrentPositions !== undefined ? { maxConcurrentPositions } : {}),
  };
}

/**
 * The paper engine's options for a complete portfolio config (completeTerms): its instruments on the
 * contract terms it records, broker terms (the same as its joint backtest's), limits and trips.
 */
export function paperOptions(portfolio: PortfolioRun['config']): Pick<PaperEngineOptions, 'instruments' | 'cfg' | 'limits' | 'trips'> {
  const limits = portfolio.riskLimits ?? {};
  const { dailyLoss, maxDrawdown, maxOrdersPerMinute, maxErrorsPerMinute, staleBars } = limits;
  return {
    instruments: portfolio.instruments.map((i) => ({ symbol: i.symbol, strategy: i.strategy, params: i.params, contract: contractIn(portfolio, i.symbol), ...(i.model && i.threshold !== null ? { threshold: i.threshold } : {}) })),
    cfg: portfolioEngineConfig(portfolio, (portfolio.instruments[0]?.timeframe ?? '1d') as Timeframe),
    limits: gateLimits(limits),
    trips: { ...(dailyLoss !== undefined ? { dailyLoss } : {}), ...(maxDrawdown !== undefined ? { maxDrawdown } : {}), ...(maxOrdersPerMinute !== undefined ? { maxOrdersPerMinute } : {}), ...(maxErrorsPerMinute !== undefined ? { maxErrorsPerMinute } : {}), ...(staleBars !== undefined ? { staleBars } : {}) },
  };
}

/**
 * The replay loop at full speed: bars of every symbol in time order, each one, as it arrives, through
 * the paper engine (streaming kernels, strategies, the risk gate under `state`, the backtester's
 * broker). What the replay job runs and the replay benchmark measures; a paper session runs the same
 * engine with its journal and its pacing.
 */
export function replaySeries(portfolio: PortfolioRun['config'], inputs: ReplayInput[], state: TradingState): Omit<PaperSummary, 'portfolio' | 'from' | 'to'> {
  const denials: PaperSummary['denials'] = [];
  const { result: r, bars } = replayRun(portfolio, inputs, state, (d) => denials.push(d));
  return {
    bars,
    orders: r.orders,
    denials,
    trades: r.trades,
    netPnl: r.trades.reduce((a, x) => a + x.pnl - x.fees, 0),
    finalEquity: r.equity.value[r.equity.value.length - 1] ?? 0,
    state,
  };
}

/** Runs the replay loop over `inputs` to their end; returns the engine's result and the bars fed. */
export function replayRun(portfolio: PortfolioRun['config'], inputs: readonly ReplayInput[], state: TradingState, onDenial?: (d: Denial) => void): { result: EngineResult; bars: number } {
  const engine = createPaperEngine({ ...paperOptions(portfolio), state: () => state, capacity: Math.max(...inputs.map((x) => x.bars.t.length)), ...(onDenial ? { onDenial: (_n: number, d: Denial) => onDenial(d) } : {}) });
  warmEngine(engine, inputs);
  const bar: PaperBar = { t: 0, o: 0, h: 0, l: 0, c: 0, v: 0, day: 0, sessionStart: 0, monthEnd: false };
  inTimeOrder(
    inputs.map((x) => x.bars.t.subarray(x.warm)),
    (k, j) => {
      const i = j + inputs[k]!.warm;
      const { bars, sessions, probability } = inputs[k]!;
      seriesBar(bar, bars, sessions, i);
      engine.bar(k, bar, probability?.[i]);
    },
    () => undefined,
  );
  engine.finish();
  return { result: engine.result(), bars: engine.bars };
}
