import { buildDir, markRequested, recordSymbolBuild, type FeatureBuildResult, type SymbolBuild, type SymbolOutcome } from '../features/silver-build';
import { featureSetDirs, loadFeatureSet } from '../features/feature-sets';
import { openHome } from '../home';
import type { IcReport, PromoteResult } from '../features/analysis';
import type { TrainResult } from '../models/train';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import os from 'node:os';
import { Piscina } from 'piscina';
import { ApiError, isInputError } from '../../common/errors';
import { jobRequestSchema, type BackfillRequest, type ContinuousRequest, type FeaturesRequest, type ImportRequest, type JobRequest, type MaterializeRequest, type RetentionRequest } from '../../common/job-requests';
import type { SweepResult } from '../../common/backtest/sweep';
import type { PortfolioRun, BacktestSummary } from '../../common/backtest/types';
import type { FilterResult } from '../backtest/trade-filter';
import type { PaperSummary } from '../../common/trading/types';
import type { TradingState } from '../../common/trading/risk';
import type { RiskLimits } from '../../common/trading/schemas';
import type { BackfillResult, ContinuousResult, ImportResult, RetentionResult } from '../../common/lake/types';
import type { JobInfo, JobProgress } from '../../common/jobs/types';
import type { BookSnapshotResult } from '../lake/book-snapshots';
import type { Catalog } from '../catalog';
import type { EventBus } from '../events';
import type { BackfillSymbolResult, BackfillTick, VendorConfig } from './backfill';
import { DISK_GUARD } from '../lake/publish';
import { isWorkerOutOfMemory, workerLimits } from '../worker-limits';
import { redact } from '../vendors/http';
import type { TaskBase, BackfillTask, ContinuousTask, SnapshotsTask, RetentionTask, MaterializeTask, FeaturesTask, PromoteTask, IcTask, BacktestTask, PaperTask, FilterTask, PortfolioTask, SweepTask, TrainTask, ImportTask, ImportTick, ModelImportTask, IsolatedOutcome } from './tasks';
import { fmt, importSummary, backfillSummary } from './job-summaries';

/** The lake table each backfill schema fills (`options`: an option chain's tables together). */
const TABLE_OF_SCHEMA: Record<string, string> = { 'mbp-10': 'book', 'mbp-1': 'quotes', tbbo: 'quotes', 'bbo-1s': 'quotes', 'bbo-1m': 'quotes', mbo: 'orders', definition: 'definitions', statistics: 'statistics', status: 'status', imbalance: 'imbalance', options: 'options' };

interface Running {
  id: string;
  cancel: Int32Array;
}

/**
 * Runs jobs on a piscina pool, one job at a time (jobs write the lake) with each job's symbols in
 * parallel, records every state in the catalog and publishes progress on the event bus.
 */
export class JobService {
  private readonly pool: Piscina;
  /** One worker for untrusted parsing that answers API calls (model imports), beside the job queue. */
  private readonly isolated: Piscina;
  /** The heap limit the pools' workers were given, in MiB. */
  private readonly heapMb: number;
  private readonly queue: string[] = [];
  private running: Running | undefined;
  private draining: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly o: { catalog: Catalog; bus: EventBus; homeDir: string; migrations: string; workerFile: string; threads?: number; sqliteBinding?: string; vendorConfig: () => VendorConfig; secrets?: () => readonly string[]; tradingState?: () => TradingState; accountLimits?: () => RiskLimits },
  ) {
    const threads = o.threads ?? Math.max(1, Math.min(4, os.availableParallelism()));
    const filename = pathToFileURL(o.workerFile).href;
    const limits = workerLimits();
    this.heapMb = limits.maxOldGenerationSizeMb;
    this.pool = new Piscina({ filename, minThreads: 0, maxThreads: threads, idleTimeout: 30_000, resourceLimits: limits });
    this.isolated = new Piscina({ filename, minThreads: 0, maxThreads: 1, idleTimeout: 10_000, resourceLimits: limits });
  }

  /**
   * Imports a model on the isolated worker: the main thread stays free (a halt is answered while a
   * large file is parsed), and a file that exhausts the worker's memory fails the call, not the app.
   */
  async importModel<T>(req: ModelImportTask['req']): Promise<T> {
    const task: ModelImportTask = { type: 'modelImport', homeDir: this.o.homeDir, migrations: this.o.migrations, sqliteBinding: this.o.sqliteBinding, req, parseBudgetBytes: (this.heapMb * 2 ** 20) / 4 };
    let out: IsolatedOutcome<T>;
    try {
      out = (await this.isolated.run(task)) as IsolatedOutcome<T>;
    } catch (e) {
      if (isWorkerOutOfMemory(e)) throw new ApiError('invalid_argument', `${req.file}: reading it needed more than the ${this.heapMb} MiB a worker may use; the file is too large or malformed`, 'path');
      throw e;
    }
    if (!out.ok) throw ApiError.fromData(out.error);
    return out.value;
  }

  /** Queues a job and returns its id at once. */
  start(req: JobRequest, resumedFrom?: string): { jobId: string } {
    if (this.closed) throw new ApiError('conflict', 'the job service is shutting down');
    const id = randomUUID();
    this.o.catalog.insertJob({ id, kind: req.kind, request: req, createdAt: Date.now(), resumedFrom });
    this.emitState(id);
    this.queue.push(id);
    this.draining = this.draining.then(() => this.drain());
    return { jobId: id };
  }

  /** Jobs, newest first. */
  list(all = false): JobInfo[] {
    return this.o.catalog.listJobs({ all });
  }

  /** One job, or a not_found error naming it. */
  get(id: string): JobInfo {
    const j = this.o.catalog.getJob(id);
    if (j === undefined) throw new ApiError('not_found', `no job ${id}; list jobs with \`quantdesk jobs --all\``, 'jobId');
    return j;
  }

  /** Cancels a queued or running job. */
  cancel(id: string): JobInfo {
    const j = this.get(id);
    if (j.status === 'queued') {
      this.queue.splice(this.queue.indexOf(id), 1);
      this.finish(id, { status: 'cancelled', summary: 'cancelled before it started' });
    } else if (j.status === 'running' && this.running?.id === id) {
      Atomics.store(this.running.cancel, 0, 1);
    } else {
      throw new ApiError('conflict', `job ${id} is ${j.status}; only queued or running jobs can be cancelled`, 'jobId');
    }
    return this.get(id);
  }

  /** Starts a new job with the request of an interrupted, failed or cancelled one. */
  resume(id: string): { jobId: string } {
    const j = this.get(id);
    if (!['interrupted', 'failed', 'cancelled'].includes(j.status)) {
      throw new ApiError('conflict', `job ${id} is ${j.status}; only interrupted, failed or cancelled jobs can be resumed`, 'jobId');
    }
    if (j.failedOnInput) throw new ApiError('conflict', `job ${id} failed on its input (${j.error}); resuming would fail the same way: change the request and start it again (Edit & retry in the Jobs view)`, 'jobId');
    return this.start(jobRequestSchema.parse(j.request), id);
  }

  /** Resolves when every queued job has finished. */
  async idle(): Promise<void> {
    let d: Promise<void>;
    do {
      d = this.draining;
      await d;
    } while (d !== this.draining);
  }

  /** Cancels what runs, waits for it, and stops the pool. */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of this.queue.splice(0)) this.finish(id, { status: 'cancelled', summary: 'the app shut down before it started' });
    if (this.running) Atomics.store(this.running.cancel, 0, 1);
    await this.idle();
    await Promise.all([this.pool.destroy(), this.isolated.destroy()]);
  }

  private async drain(): Promise<void> {
    const id = this.queue.shift();
    if (id === undefined) return;
    const job = this.o.catalog.getJob(id);
    if (job === undefined || job.status !== 'queued') return;
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    this.running = { id, cancel };
    const startedAt = Date.now();
    this.o.catalog.updateJob(id, { status: 'running', startedAt });
    this.emitState(id);
    try {
      const req = jobRequestSchema.parse(job.request);
      if (req.kind === 'backfill') await this.runBackfill(id, req, cancel, startedAt);
      else if (req.kind === 'import') await this.runImport(id, req, cancel, startedAt);
      else if (req.kind === 'continuous') await this.runContinuous(id, req, cancel);
      else if (req.kind === 'retention') await this.runRetention(id, req, cancel);
      else if (req.kind === 'snapshots')
        await this.runSingleTask<BookSnapshotResult>(id, cancel, { type: 'snapshots', req }, (r) => ({ summary: `${r.symbol}: ${fmt(r.rows)} one-second book snapshots over ${r.dates.length} dates (${r.dates[0]} – ${r.dates.at(-1)})`, changed: [r.symbol] }));
      else if (req.kind === 'features') await this.runFeatures(id, req, cancel);
      else if (req.kind === 'promote')
        await this.runSingleTask<PromoteResult>(id, cancel, { type: 'promote', req }, (r) => ({ summary: `${r.name} v${r.version}: ${fmt(r.rows)} rows from ${r.source}` }));
      else if (req.kind === 'train')
        await this.runSingleTask<TrainResult>(id, cancel, { type: 'train', req }, (r) => ({ summary: `${r.id}@${r.version}: ${r.trees ? `${r.trees} trees` : 'linear model'} on ${fmt(r.rows.train)} rows; ${'auc' in r.metrics.test ? `test AUC ${r.metrics.test.auc.toFixed(3)}` : `test RMSE ${r.metrics.test.rmse.toPrecision(3)}`}` }));
      else if (req.kind === 'backtest')
        await this.runSingleTask<BacktestSummary>(id, cancel, { type: 'backtest', req }, (r) => ({ summary: `${r.runId}: ${r.strategy} on ${r.symbols.join(', ')} ${r.timeframe}, ${r.metrics.trades} trades, return ${(r.metrics.total_return * 100).toFixed(2)}%, Sharpe ${r.metrics.sharpe.toFixed(2)}${r.ruinedAt !== undefined ? `, RUINED on ${new Date(r.ruinedAt).toISOString().slice(0, 10)}` : ''}` }));
      else if (req.kind === 'sweep')
        await this.runSingleTask<SweepResult>(id, cancel, { type: 'sweep', req }, (r) => {
          const b = r.points[r.best]!;
          return { summary: `${r.strategy}: ${r.points.length} parameter sets; best Sharpe ${b.metrics.sharpe.toFixed(2)} at ${JSON.stringify(b.params)}, deflated Sharpe ${r.deflatedSharpe.toFixed(3)}` };
        });
      else if (req.kind === 'portfolio')
        await this.runSingleTask<PortfolioRun>(id, cancel, { type: 'portfolio', req }, (r) => ({
          summary:
            r.result.chosen.length === 0
              ? `${r.id}: no instrument does better than holding nothing on the training period (before ${r.config.split})`
              : `${r.id}: ${r.result.chosen.join(', ')} with at most ${r.result.maxPositions} positions; ${r.result.objective} ${r.result.train.toFixed(2)} on training, ${r.result.test.toFixed(2)} on test`,
        }));
      else if (req.kind === 'paper')
        await this.runSingleTask<PaperSummary>(id, cancel, { type: 'paper', req, state: this.o.tradingState?.() ?? 'active', limits: this.o.accountLimits?.() ?? {} }, (r) => ({
          summary: `${r.portfolio} ${r.from} – ${r.to} under ${r.state}: ${r.bars} bars, ${r.orders} orders, ${r.denials.length} denied, ${r.trades.length} trades, net P&L ${r.netPnl.toFixed(2)}`,
        }));
      else if (req.kind === 'filter')
        await this.runSingleTask<FilterResult>(id, cancel, { type: 'filter', req }, (r) => ({
          summary: r.symbols.map((x) => `${x.symbol}: ${x.model} at ${x.threshold.toFixed(3)}, test Sharpe ${x.test.ungated.metrics.sharpe.toFixed(2)} → ${x.test.gated.metrics.sharpe.toFixed(2)} (${x.test.ungated.metrics.trades} → ${x.test.gated.metrics.trades} trades)`).join('; '),
        }));
      else if (req.kind === 'ic')
        await this.runSingleTask<IcReport>(id, cancel, { type: 'ic', req }, (r) => ({ summary: `${r.buildId}: IC of ${r.stats.length / r.horizons.length} features over horizons ${r.horizons.join(', ')}` }));
      else await this.runMaterialize(id, req, cancel);
    } catch (e) {
      const message = isWorkerOutOfMemory(e) ? `the job needed more than the ${this.heapMb} MiB a worker may use (${(e as Error).message}); give it less input at once` : e instanceof Error ? e.message : String(e);
      // A tripped disk guard pauses the job: it can be resumed once space is freed. A refusal of the
      // request itself (a bad file, zone or argument) would come back on resume: it failed on its input.
      const onInput = isInputError(e);
      this.finish(id, { status: message.startsWith(DISK_GUARD) ? 'interrupted' : 'failed', error: message, failedOnInput: onInput });
    } finally {
      this.running = undefined;
    }
  }

  private async runImport(id: string, req: ImportRequest, cancel: Int32Array, startedAt: number): Promise<void> {
    const runId = randomUUID();
    this.o.catalog.startIngestRun({ id: runId, jobId: id, source: 'import', request: req, startedAt, status: 'running', files: req.paths });
    const { port1, port2 } = new MessageChannel();
    const onTick = (t: ImportTick): void => {
      const secs = Math.max(0.001, (Date.now() - startedAt) / 1000);
      const fraction = t.filesDone / t.filesTotal;
      this.o.bus.emit('job.progress', { jobId: id, fraction, rows: t.rows, rate: t.rows / secs, etaSeconds: fraction > 0 ? (secs * (1 - fraction)) / fraction : null, message: `${t.filesDone} of ${t.filesTotal} files, ${fmt(t.accepted)} bars accepted` });
    };
    port1.on('message', onTick);
    const task: ImportTask & { port: typeof port2 } = { ...this.taskBase(cancel), type: 'import', req, runId, port: port2 };
    let result: ImportResult;
    try {
      result = (await this.pool.run(task, { transferList: [port2] })) as ImportResult;
      drainPort(port1, onTick);
    } catch (e) {
      this.o.catalog.endIngestRun(runId, { at: Date.now(), status: 'failed' });
      throw e;
    } finally {
      port1.close();
    }
    this.o.catalog.endIngestRun(runId, { at: Date.now(), status: 'succeeded', rows: { new: result.accepted, duplicate: result.duplicates, rejected: result.rejected, input: result.inputRows } });
    if (result.accepted > 0) this.o.bus.emit('lake.changed', { symbols: result.symbols });
    this.finish(id, { status: 'succeeded', summary: importSummary(result), result });
  }

  /** Runs a job that is one pool task, then records its result with a summary (and, when it changed the lake, says so). */
  private async runSingleTask<R>(
    id: string,
    cancel: Int32Array,
    task: Pick<ContinuousTask | SnapshotsTask | RetentionTask | MaterializeTask | PromoteTask | IcTask | TrainTask | BacktestTask | SweepTask | PortfolioTask | FilterTask | PaperTask, 'type' | 'req'> & { state?: TradingState; limits?: RiskLimits },
    done: (r: R) => { summary: string; changed?: string[] },
  ): Promise<void> {
    const { port1, port2 } = new MessageChannel();
    // Tasks that count their steps report { done, total } and what a step is (trials, trees, epochs, symbols); the ETA is
    // the time per step so far in the current phase (a search's trials, then the final model's trees) times the steps left.
    let phase: { unit: string; start: number } | undefined;
    const onTick = (t: { done?: number; total?: number; unit?: unknown; detail?: unknown }): void => {
      if (typeof t.done !== 'number' || typeof t.total !== 'number' || !(t.total > 0)) return;
      const unit = typeof t.unit === 'string' ? t.unit.slice(0, 40) : 'steps';
      const now = Date.now();
      if (phase?.unit !== unit) phase = { unit, start: now };
      const fraction = Math.min(1, t.done / t.total);
      const secs = (now - phase.start) / 1000;
      this.o.bus.emit('job.progress', { jobId: id, fraction, rows: t.done, rate: secs > 0 ? t.done / secs : 0, etaSeconds: fraction > 0 && secs > 0 ? (secs * (1 - fraction)) / fraction : null, message: `${t.done} of ${t.total} ${unit}${typeof t.detail === 'string' ? ` (${t.detail.slice(0, 80)})` : ''}` });
    };
    port1.on('message', onTick);
    try {
      const r = (await this.pool.run({ ...this.taskBase(cancel), ...task, port: port2 }, { transferList: [port2] })) as R;
      drainPort(port1, onTick);
      const { summary, changed } = done(r);
      if (changed?.length) this.o.bus.emit('lake.changed', { symbols: changed });
      this.finish(id, { status: 'succeeded', summary, result: r });
    } finally {
      port1.close();
    }
  }

  private runContinuous(id: string, req: ContinuousRequest, cancel: Int32Array): Promise<void> {
    return this.runSingleTask<ContinuousResult>(id, cancel, { type: 'continuous', req }, (r) => ({
      summary: `${r.symbols.join(' and ')}: ${fmt(r.bars)} bars each from ${r.contracts.length} contracts, ${r.rolls.length} rolls${r.ticks.map((x) => `; ${x.table}: ${fmt(x.rows)} front-month rows${x.overlaps.length ? `, ${x.overlaps.length} sessions where contracts overlap` : ''}`).join('')}`,
      changed: r.symbols,
    }));
  }

  private runRetention(id: string, req: RetentionRequest, cancel: Int32Array): Promise<void> {
    return this.runSingleTask<RetentionResult>(id, cancel, { type: 'retention', req }, (r) => ({
      summary: `${r.months} symbol-months before ${r.keptFrom}: ${fmt(r.minuteBarsRemoved)} 1-minute bars became ${fmt(r.fiveMinuteBarsWritten)} 5-minute bars`,
      changed: r.months > 0 ? r.symbols : [],
    }));
  }

  private runMaterialize(id: string, req: MaterializeRequest, cancel: Int32Array): Promise<void> {
    return this.runSingleTask<{ path: string; rows: number }>(id, cancel, { type: 'materialize', req }, (r) => ({ summary: `${req.symbol} ${req.timeframe}: ${fmt(r.rows)} bars materialised` }));
  }

  /** Builds a feature set one symbol per pool task, filing each symbol in the manifest as it finishes. */
  private async runFeatures(id: string, req: FeaturesRequest, cancel: Int32Array): Promise<void> {
    const home = openHome(this.o.homeDir, { create: false });
    const set = loadFeatureSet(req.set, featureSetDirs(home.root, path.dirname(this.o.migrations)));
    const symbols = req.symbols?.length ? req.symbols : set.symbols;
    // Pending until each symbol is filed: a build killed halfway leaves the rest pending, read as interrupted.
    markRequested(home, set, symbols, 'pending');
    let done = 0;
    const failures: string[] = [];
    const outcomes = await Promise.all(
      symbols.map(async (symbol): Promise<SymbolBuild | null> => {
        const { port1, port2 } = new MessageChannel();
        const task: FeaturesTask & { port: typeof port2 } = { ...this.taskBase(cancel), type: 'features', req, symbol, port: port2 };
        try {
          const outcome = (await this.pool.run(task, { transferList: [port2] })) as SymbolOutcome;
          recordSymbolBuild(home, set, outcome);
          done++;
          this.o.bus.emit('job.progress', { jobId: id, fraction: done / symbols.length, rows: done, rate: 0, etaSeconds: null, message: `${done} of ${symbols.length} symbols (${symbol}: ${outcome.build.status})` });
          return outcome.build;
        } catch (e) {
          const stopped = Atomics.load(cancel, 0) !== 0 || this.closed;
          const message = e instanceof Error ? e.message : String(e);
          markRequested(home, set, [symbol], stopped ? 'interrupted' : 'failed', stopped ? undefined : message);
          failures.push(`${symbol}: ${stopped ? 'interrupted' : message}`);
          return null;
        } finally {
          port1.close();
        }
      }),
    );
    if (failures.length) throw new Error(`feature build ${set.name}@${set.hash} is incomplete (${failures.join('; ')}); the symbols that built are kept, and IC, promotion and training refuse the build until it is complete`);
    const built = outcomes.filter((s): s is SymbolBuild => s !== null);
    const r: FeatureBuildResult = { set: set.name, hash: set.hash, buildId: `${set.name}@${set.hash}`, dir: buildDir(set), symbols: built };
    const fresh = built.filter((s) => s.status === 'built');
    this.finish(id, { status: 'succeeded', summary: `${r.buildId}: ${fresh.length} built (${fmt(fresh.reduce((a, s) => a + s.rows, 0))} rows), ${built.length - fresh.length} up to date`, result: r });
  }

  private taskBase(cancel: Int32Array): Omit<TaskBase, never> {
    return { homeDir: this.o.homeDir, migrations: this.o.migrations, sqliteBinding: this.o.sqliteBinding, cancel: cancel.buffer as SharedArrayBuffer };
  }

  private async runBackfill(id: string, req: BackfillRequest, cancel: Int32Array, startedAt: number): Promise<void> {
    const ingestRun = randomUUID();
    this.o.catalog.startIngestRun({ id: ingestRun, jobId: id, source: req.source, request: req, startedAt, status: 'running' });
    const ticks = new Map<string, BackfillTick>();
    let lastEmit = 0;
    let lastSave = 0;
    const onTick = (t: BackfillTick): void => {
      ticks.set(t.symbol, t);
      const now = Date.now();
      if (now - lastEmit < 100) return;
      lastEmit = now;
      const p = this.progress(id, req.symbols.length, ticks, startedAt);
      this.o.bus.emit('job.progress', p);
      if (now - lastSave > 1000) {
        lastSave = now;
        this.o.catalog.updateJob(id, { progress: p });
      }
    };
    const vendor = this.o.vendorConfig();
    const results = await Promise.all(
      req.symbols.map((symbol) => {
        const { port1, port2 } = new MessageChannel();
        port1.on('message', onTick);
        const task: BackfillTask & { port: typeof port2 } = {
          ...this.taskBase(cancel),
          type: 'backfill',
          req: { source: req.source, symbol, from: req.from, to: req.to, timeframe: req.timeframe, dataset: req.dataset, ...(req.schema ? { schema: req.schema } : {}), ingestRun },
          vendor,
          port: port2,
        };
        return (this.pool.run(task, { transferList: [port2] }) as Promise<BackfillSymbolResult>).finally(() => port1.close());
      }),
    );
    const total: BackfillResult = {
      newBars: results.reduce((s, r) => s + r.newBars, 0),
      alreadyPresent: results.reduce((s, r) => s + r.alreadyPresent, 0),
      rejected: results.reduce((s, r) => s + r.rejected, 0),
      runId: ingestRun,
      filesWritten: results.reduce((s, r) => s + r.filesWritten, 0),
      symbols: req.symbols,
      ...(req.schema && req.schema !== 'ohlcv' ? { table: TABLE_OF_SCHEMA[req.schema] } : {}),
    };
    const wasCancelled = results.some((r) => r.cancelled);
    this.o.catalog.endIngestRun(ingestRun, { at: Date.now(), status: wasCancelled ? 'cancelled' : 'succeeded', rows: { new: total.newBars, duplicate: total.alreadyPresent, rejected: total.rejected, input: total.newBars + total.alreadyPresent + total.rejected } });
    const final = this.progress(id, req.symbols.length, ticks, startedAt);
    this.o.catalog.updateJob(id, { progress: wasCancelled ? final : { ...final, fraction: 1, etaSeconds: 0 } });
    if (total.newBars > 0) this.o.bus.emit('lake.changed', { symbols: req.symbols });
    if (wasCancelled && this.closed) {
      // Stopped by a shutdown, not by the user: show it as interrupted so it can be resumed.
      this.finish(id, { status: 'interrupted', summary: `stopped at shutdown after ${backfillSummary(total)}`, error: 'the app stopped while this job ran; resume it to finish', result: total });
      return;
    }
    this.finish(id, {
      status: wasCancelled ? 'cancelled' : 'succeeded',
      summary: `${wasCancelled ? 'cancelled: ' : ''}${backfillSummary(total)}`,
      result: total,
    });
  }

  private progress(id: string, symbols: number, ticks: Map<string, BackfillTick>, startedAt: number): JobProgress {
    let done = 0;
    let rows = 0;
    for (const t of ticks.values()) {
      done += t.monthsDone / t.monthsTotal;
      rows += t.newBars + t.alreadyPresent;
    }
    const fraction = Math.min(1, done / symbols);
    const secs = Math.max(0.001, (Date.now() - startedAt) / 1000);
    const rate = rows / secs;
    const eta = fraction > 0 ? (secs * (1 - fraction)) / fraction : null;
    const newBars = [...ticks.values()].reduce((s, t) => s + t.newBars, 0);
    return { jobId: id, fraction, rows, rate, etaSeconds: eta, message: `${fmt(newBars)} new bars written` };
  }

  private finish(id: string, patch: Partial<Pick<JobInfo, 'status' | 'summary' | 'error' | 'failedOnInput' | 'result'>>): void {
    // What a job failed with may quote a vendor's answer: no key reaches the catalog or the event bus.
    const secrets = [...(this.o.secrets?.() ?? [])];
    if (patch.error && secrets.length) patch = { ...patch, error: redact(patch.error, secrets) };
    this.o.catalog.updateJob(id, { ...patch, endedAt: Date.now() });
    this.emitState(id);
  }

  private emitState(id: string): void {
    const j = this.o.catalog.getJob(id);
    if (j) this.o.bus.emit('job.state', j);
  }
}

/**
 * Handles the ticks still queued on a task's progress port. The worker posts its last tick before it
 * returns, but the result comes back on the pool's own channel and may be read first: without this,
 * closing the port would drop that tick.
 */
function drainPort<T>(port: MessagePort, handle: (t: T) => void): void {
  for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) handle(m.message as T);
}
