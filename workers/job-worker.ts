import path from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import type { BacktestSummary, PortfolioRun } from '../core/common/backtest/types';
import type { ContinuousResult, ImportResult, RetentionResult } from '../core/common/lake/types';
import { backtestRun, sweepRun } from '../core/node/backtest/run-backtest';
import { portfolioRun } from '../core/node/backtest/portfolio-run';
import { trainTradeFilter, type FilterResult } from '../core/node/backtest/trade-filter';
import { paperReplay } from '../core/node/paper/replay';
import type { PaperSummary } from '../core/common/trading/types';
import type { SweepResult } from '../core/common/backtest/sweep';
import { backfillSymbol, type BackfillSymbolResult } from '../core/node/jobs/backfill';
import { backfillTicks } from '../core/node/jobs/backfill-ticks';
import type { IsolatedOutcome, ModelImportTask, BacktestTask, FilterTask, PaperTask, PortfolioTask, SweepTask, BackfillTask, ContinuousTask, SnapshotsTask, FeaturesTask, IcTask, ImportTask, MaterializeTask, PromoteTask, RetentionTask, TrainTask } from '../core/node/jobs/tasks';
import { trainModel, type TrainResult } from '../core/node/models/train';
import { icReport, promoteDataset, readBuild, type IcReport, type PromoteResult } from '../core/node/features/analysis';
import { buildSymbol, type SymbolOutcome } from '../core/node/features/silver-build';
import { featureSetDirs, loadFeatureSet } from '../core/node/features/feature-sets';
import { materializeSeries } from '../core/node/lake/materialize';
import { applyRetention, retentionMinuteDays } from '../core/node/lake/retention';
import { buildContinuous } from '../core/node/lake/continuous';
import { buildBookSnapshots, type BookSnapshotResult } from '../core/node/lake/book-snapshots';
import { workerContext } from '../core/node/jobs/worker-context';
import { runImport } from '../core/node/ingest/import-run';
import { importModel } from '../core/node/models/import-model';
import { ApiError, FAILED_ON_INPUT, isInputError } from '../core/common/errors';

/** Runs an isolated task and answers with its value or its API error (error classes do not survive the thread boundary). */
async function runIsolated(task: ModelImportTask): Promise<IsolatedOutcome<unknown>> {
  try {
    const ctx = await workerContext(task.homeDir, task.migrations, task.sqliteBinding);
    return { ok: true, value: await importModel({ home: ctx.home, catalog: ctx.catalog }, path.dirname(task.migrations), { ...task.req, parseBudgetBytes: task.parseBudgetBytes }) };
  } catch (e) {
    return { ok: false, error: e instanceof ApiError ? e.toData() : { code: 'internal', message: e instanceof Error ? e.message : String(e) } };
  }
}

/** Pool entry point: runs one task, streaming progress to `port`, stopping when `cancel[0]` is set. */
export default async function run(
  task: ModelImportTask | ((BacktestTask | FilterTask | PaperTask | PortfolioTask | SweepTask | BackfillTask | ImportTask | ContinuousTask | SnapshotsTask | RetentionTask | MaterializeTask | FeaturesTask | PromoteTask | IcTask | TrainTask) & { port: MessagePort }),
): Promise<IsolatedOutcome<unknown> | BacktestSummary | FilterResult | PaperSummary | PortfolioRun | SweepResult | BackfillSymbolResult | ImportResult | ContinuousResult | BookSnapshotResult | RetentionResult | SymbolOutcome | PromoteResult | IcReport | TrainResult | { path: string; rows: number }> {
  if (task.type === 'modelImport') return runIsolated(task);
  const ctx = await workerContext(task.homeDir, task.migrations, task.sqliteBinding);
  const flag = new Int32Array(task.cancel);
  const cancelled = (): boolean => Atomics.load(flag, 0) === 1;
  const report = (tick: unknown): void => task.port.postMessage(tick);
  try {
    if (task.type === 'import') return await runImport(ctx, task.req, task.runId, report, cancelled);
    if (task.type === 'continuous') return await buildContinuous(ctx, task.req.root, task.req.threshold);
    if (task.type === 'snapshots') return await buildBookSnapshots(ctx, task.req.symbol, task.req.from, task.req.to);
    if (task.type === 'retention') return await applyRetention(ctx, task.req.minuteDays ?? retentionMinuteDays(ctx.catalog));
    if (task.type === 'features') {
      const set = loadFeatureSet(task.req.set, featureSetDirs(ctx.home.root, path.dirname(task.migrations)));
      return await buildSymbol(ctx, set, task.symbol, task.req.force === true);
    }
    if (task.type === 'train') return await trainModel(ctx, path.dirname(task.migrations), task.req.config, (done, total, unit) => report({ done, total, unit }), cancelled, task.req.allowPartial);
    if (task.type === 'backtest') return await backtestRun(ctx, task.req);
    if (task.type === 'sweep') return await sweepRun(ctx, task.req);
    if (task.type === 'portfolio') return await portfolioRun(ctx, task.req);
    if (task.type === 'paper') return await paperReplay(ctx, task.state, task.req.portfolio, task.req.from, task.req.to, task.limits);
    if (task.type === 'filter') return await trainTradeFilter(ctx, path.dirname(task.migrations), task.req, (done, total, unit) => report({ done, total, unit }), cancelled);
    if (task.type === 'promote') return await promoteDataset(ctx, task.req.build, task.req.filters ?? [], task.req.allowPartial);
    if (task.type === 'ic') {
      const set = loadFeatureSet(task.req.set, featureSetDirs(ctx.home.root, path.dirname(task.migrations)));
      return await icReport(ctx, readBuild(ctx.home.lake, `${set.name}@${set.hash}`), task.req.horizons, task.req.allowPartial, (done, total, unit, detail) => report({ done, total, unit, detail }));
    }
    if (task.type === 'materialize') return await materializeSeries(ctx, task.req.symbol, task.req.timeframe);
    // Bars by month; Databento's book and reference schemas (and the demo book) by day, into their tables.
    if ((task.req.schema ?? 'ohlcv') !== 'ohlcv') return await backfillTicks(ctx, task.req, report, cancelled, task.vendor);
    return await backfillSymbol(ctx, task.req, report, cancelled, task.vendor);
  } catch (e) {
    // Only the message and cause reach the job service: the cause says the input was at fault.
    throw isInputError(e) ? new Error((e as Error).message, { cause: FAILED_ON_INPUT }) : e;
  } finally {
    task.port.close();
  }
}
