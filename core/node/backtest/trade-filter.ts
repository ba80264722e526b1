import type { DuckDBConnection } from '@duckdb/node-api';
import { ApiError } from '../../common/errors';
import type { ClassifierMetrics } from '../../common/models/metrics';
import { trainConfigSchema } from '../../common/models/schemas';
import type { BacktestSummary } from '../../common/backtest/types';
import type { Catalog } from '../catalog';
import { fileList, readBuild } from '../features/analysis';
import { featureSetDirs, loadFeatureSet } from '../features/feature-sets';
import type { HomeLayout } from '../home';
import type { FilterRequest } from '../../common/job-requests';
import { readFloat64Columns } from '../lake/duck-columns';
import { trainOnRows, type TrainProgress } from '../models/train';
import { backtestRun } from './run-backtest';
import { getBacktest } from './run-store';
import { resolveStrategyRef } from './strategy-configs';

type Ctx = { home: HomeLayout; catalog: Catalog; con: DuckDBConnection };

/** Trades a filter needs at least, so that its three chronological folds all hold some. */
const MIN_TRADES = 100;
const DAY_MS = 86_400_000;

/** The filter trained for one instrument and what it did on the held-out period. */
export interface FilterSymbolResult {
  symbol: string;
  /** The registered filter, ID@VERSION. */
  model: string;
  /** Probability an entry needs, chosen on validation. */
  threshold: number;
  /** Trades the strategy made, and how many fell in each fold. */
  trades: { total: number; train: number; validation: number; test: number };
  /** Classifier metrics of the meta-label at the threshold. */
  metrics: { validation: ClassifierMetrics; test: ClassifierMetrics };
  /** Backtests of the test period (from its first day): the strategy as it is, and gated by the filter. */
  test: { from: string; ungated: BacktestSummary; gated: BacktestSummary };
}

/** A trade-filter run over several instruments. */
export interface FilterResult {
  strategy: string;
  set: string;
  /** The full-period backtest per symbol whose trades became the training rows. */
  runs: Record<string, string>;
  symbols: FilterSymbolResult[];
}

/**
 * The trade-filter pipeline, per instrument: backtest the strategy over the feature set's bars →
 * each trade's features at its signal bar (from the set's build) and its meta-label (net P&L after
 * costs > 0) → a classifier on a chronological split (registered with its card) → its threshold
 * chosen on validation → backtests of the test period with and without the filter.
 */
export async function trainTradeFilter(ctx: Ctx, resources: string, req: FilterRequest, progress: TrainProgress, cancelled: () => boolean): Promise<FilterResult> {
  const set = loadFeatureSet(req.set, featureSetDirs(ctx.home.root, resources));
  const sc = resolveStrategyRef(ctx.home.root, req.strategy);
  const build = readBuild(ctx.home.lake, `${set.name}@${set.hash}`);
  const features = build.columns.filter((c) => c !== 'close' && !c.startsWith('label_'));
  const missing = req.symbols.filter((s) => !build.symbols[s]);
  if (missing.length) throw new ApiError('invalid_argument', `build ${build.buildId} has no ${missing.join(', ')}; build feature set ${set.name} for them first`, 'symbols');
  const costs = { ...(req.commission !== undefined ? { commission: req.commission } : {}), ...(req.slippageTicks !== undefined ? { slippageTicks: req.slippageTicks } : {}) };
  const base = { kind: 'backtest' as const, strategy: req.strategy, timeframe: set.timeframe, ...(req.params ? { params: req.params } : {}), ...costs };
  const out: FilterSymbolResult[] = [];
  const runs: Record<string, string> = {};
  for (const [k, symbol] of req.symbols.entries()) {
    if (cancelled()) throw new ApiError('conflict', 'cancelled');
    const full = await backtestRun(ctx, { ...base, symbols: [symbol] });
    runs[symbol] = full.runId;
    const trades = (await getBacktest(ctx, full.runId)).trades;
    const [t = new Float64Array(0), ...x] = await readFloat64Columns(ctx.con, `SELECT epoch_ms(ts)::DOUBLE, ${features.map((f) => `"${f}"::DOUBLE`).join(', ')} FROM read_parquet([${fileList(ctx.home.lake, build.symbols[symbol]!)}]) ORDER BY ts`);
    const row = new Map<number, number>();
    t.forEach((v, i) => row.set(v, i));
    const at = Array.from(trades.signalTime, (s) => row.get(s) ?? -1);
    const keep = at.flatMap((r, i) => (r >= 0 ? [i] : []));
    if (keep.length < MIN_TRADES) {
      throw new ApiError('invalid_argument', `${sc.name} made ${keep.length} trades on ${symbol} ${set.timeframe} with features in build ${build.buildId}; a filter needs at least ${MIN_TRADES}: use a longer period, a shorter timeframe or looser parameters`, 'symbols');
    }
    const rows = {
      t: Float64Array.from(keep, (i) => trades.signalTime[i]!),
      y: Float64Array.from(keep, (i) => (trades.pnl[i]! - trades.fees[i]! > 0 ? 1 : 0)),
      x: x.map((col) => Float64Array.from(keep, (i) => col[at[i]!]!)),
    };
    const parsed = trainConfigSchema.safeParse({
      name: `filter-${sc.name}-${symbol.toLowerCase().replace(/[^a-z0-9_-]/g, '-')}`,
      featureSet: set.name,
      symbols: [symbol],
      label: `label_meta_${sc.name.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`,
      model: req.model ?? { kind: 'gbdt', nTrees: 100, maxDepth: 3, learningRate: 0.05, minChildWeight: 5 },
      split: { validation: 0.25, test: 0.25, embargo: 1 },
      threshold: { objective: 'precision', minShare: 0.2 },
      seed: 1,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new ApiError('invalid_argument', `filter model: ${issue.path.join('.')}: ${issue.message}`, 'model');
    }
    const config = parsed.data;
    const trained = await trainOnRows(ctx, config, { set, build, features, symbols: [symbol] }, [rows], () => undefined, cancelled, {
      filter: { strategy: sc.name, params: full.params, run: full.runId, metaLabel: 'net P&L after fees > 0', trades: keep.length },
    });
    const counts = trained.rows;
    // The test fold starts after validation ends: backtest from the first day wholly inside it.
    const testStart = rows.t[Math.floor(rows.t.length * (1 - config.split.test))]!;
    const from = new Date(Math.floor(testStart / DAY_MS) * DAY_MS + DAY_MS).toISOString().slice(0, 10);
    const model = `${trained.id}@${trained.version}`;
    const ungated = await backtestRun(ctx, { ...base, symbols: [symbol], from });
    const gated = await backtestRun(ctx, { ...base, symbols: [symbol], from, model });
    out.push({
      symbol,
      model,
      threshold: trained.threshold!.value,
      trades: { total: keep.length, ...counts },
      metrics: { validation: trained.threshold!.validation, test: trained.threshold!.test },
      test: { from, ungated, gated },
    });
    progress(k + 1, req.symbols.length, 'symbols');
  }
  return { strategy: sc.name, set: set.name, runs, symbols: out };
}
