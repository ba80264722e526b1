import { z } from 'zod';
import {
  barsGetSchema,
  dateSchema,
  emptySchema,
  jobIdSchema,
  jobRequestSchema,
  riskLimitsSchema,
  instantSchema,
  symbolSchema,
  timeframeArg,
  universeFiltersSchema,
  BACKFILL_SOURCES,
  type TrainConfig,
} from './schemas';
import type { AppInfo, BacktestDetail, BacktestSummary, BookHeatmap, VolumeProfile, DeletedSeries, StageEvent, KillswitchStatus, FeatureBuildInfo, FeatureSetCheck, FeatureSetInfo, JobInfo, JobProgress, LakePartition, LakeSeries, QaReport, RejectRow, SeriesCoverage, InferenceSettings, ModelCheck, ModelInfo, PaperAlert, PaperSessionDetail, PaperSessionInfo, PaperSettings, ExportPreview, ExportResult, ExportSettings, ImportConfigResult, SqlResult, UniverseMember, VendorKeyStatus } from './types';
import type { Bars } from './bars';
import type { ContractSpec } from './instruments';
import type { CsvPreview } from './csv-preview';
import type { MonteCarloResult } from './backtest/monte-carlo';
import type { StrategyConfig } from './schemas';
import type { StateChange, TradingState } from './trading/risk';
import type { MenuCommand } from './menu';
import { CONFIG_NAME, PORTFOLIO_ID } from './ids';
import { STORED_TIMEFRAME_MS } from './timeframes';
import { STRATEGIES } from './backtest/strategies';
import { TICK_TABLES } from './tick-tables';
import type { OptionChainView, OptionsQaReport } from './options/types';

const paperSessionId = z.string().regex(/^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$/, 'expected a paper session id such as 20260101-120000-1a2b3c4d');

/** A lake table: bars, continuous futures, or a table of market events. */
const LAKE_TABLES = ['bars', 'continuous', ...TICK_TABLES] as const;
const lakeTableArg = z.enum(LAKE_TABLES, { error: `expected one of ${LAKE_TABLES.join(', ')}` });

/** A caller's name for an SQL console query. */
const sqlQueryId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a query id of letters, digits, - and _ (at most 64)');

/** Zod schema of each method's argument; the dispatcher validates with it before calling a handler. */
/** A bundle folder inside a repository. */
const bundleDir = z
  .string()
  .trim()
  .min(1, 'give the bundle folder, such as quantdesk')
  .max(200)
  .refine((d) => !d.startsWith('/') && !/^[A-Za-z]:/.test(d) && !d.replace(/\\/g, '/').split('/').some((x) => x === '..' || x === '.git'), 'the bundle folder is a relative path inside the repository, such as quantdesk')
  .default('quantdesk');

/** A stored portfolio's id (its folder under lake/gold/portfolios). */
const storedPortfolioId = z.string().regex(PORTFOLIO_ID, 'expected a stored portfolio id');

/** A config export: where to, what, and how to commit it. */
const exportRequest = z
  .object({
    repo: z.string().trim().min(1, 'choose the git repository (a folder)').max(1000),
    dir: bundleDir,
    /** A stored portfolio id or a portfolio file; absent: the one set in Settings, else the newest. */
    portfolio: z.string().trim().min(1).max(1000).nullable().default(null),
    includeModels: z.boolean().default(false),
    message: z.string().max(5000).optional(),
    tag: z.string().trim().max(200).optional(),
    push: z.boolean().default(false),
    /** Export although the bundle folder has uncommitted changes. */
    force: z.boolean().default(false),
    /** Why the export goes ahead although validation failed; recorded in the commit message. */
    override: z.string().trim().max(2000).optional(),
  })
  .strict();

/** A backtest run's id. */
const RUN_ID_SCHEMA = z.string().regex(/^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$/, 'expected a backtest run id such as 20260101-120000-1a2b3c4d');

export const apiSchemas = {
  'app.info': emptySchema,
  'instruments.list': emptySchema,
  'instruments.setMargin': z.object({ symbol: symbolSchema, maintenanceMargin: z.number().min(0, 'a margin is 0 or more').max(1e9, 'a margin is at most 1e9').nullable() }).strict(),
  'sources.list': emptySchema,
  'bars.get': barsGetSchema,
  'lake.summary': emptySchema,
  'book.heatmap': z
    .object({
      symbol: symbolSchema,
      /** Range, epoch ms. */
      from: z.number().int().nonnegative(),
      to: z.number().int().positive(),
      bucketSeconds: z.number().int().min(1, 'a bucket is at least 1 second').max(3600, 'a bucket is at most 3600 seconds'),
    })
    .strict()
    .refine((a) => a.from < a.to, { message: 'from must be before to', path: ['from'] }),
  'options.chain': z
    .object({
      symbol: symbolSchema,
      /** The moment: an ISO date-time, UTC unless it carries an offset. */
      at: instantSchema,
      /** Days to expiry to include: 0 for the session's own expiry (0DTE). */
      dte: z.number().int().min(0, 'dte is 0 (0DTE) or more').max(30, 'dte is at most 30 days').optional(),
      /** Oldest quote used, seconds before the moment. */
      maxAgeSeconds: z.number().int().min(1, 'at least 1 second').max(86_400, 'at most 86400 seconds').optional(),
      /** Risk-free rate, continuously compounded. */
      rate: z.number().min(-0.05, 'a rate from -0.05 to 0.5').max(0.5, 'a rate from -0.05 to 0.5').optional(),
    })
    .strict(),
  'options.qa': z.object({ symbol: symbolSchema }).strict(),
  'book.profile': z
    .object({ symbol: symbolSchema, from: z.number().int().nonnegative(), to: z.number().int().positive() })
    .strict()
    .refine((a) => a.from < a.to, { message: 'from must be before to', path: ['from'] }),
  'lake.partitions': z.object({ symbol: symbolSchema.optional(), timeframe: z.union([timeframeArg, z.literal('tick')]).optional(), table: lakeTableArg.optional() }).strict(),
  'lake.delete': z
    .object({
      symbol: symbolSchema,
      timeframe: z.string().refine((t) => t === 'tick' || STORED_TIMEFRAME_MS[t] !== undefined, `expected a stored timeframe (${Object.keys(STORED_TIMEFRAME_MS).join(', ')}), or tick for market events`),
      table: lakeTableArg.optional(),
    })
    .strict(),
  'jobs.start': jobRequestSchema,
  'jobs.list': z.object({ all: z.boolean().optional() }).strict(),
  'jobs.get': jobIdSchema,
  'jobs.cancel': jobIdSchema,
  'jobs.resume': jobIdSchema,
  'rejects.list': z.object({ runId: z.string().min(1).optional(), limit: z.number().int().positive().max(100_000).optional() }).strict(),
  'lake.sql': z
    .object({
      query: z.string().min(1, 'write a query').max(100_000),
      limit: z.number().int().positive().max(1_000_000).optional(),
      /** Stop the query after this many seconds (default 60). */
      timeoutSeconds: z.number().positive('give the time limit in seconds, above 0').max(3600, 'a query may run for at most an hour').optional(),
      /** The caller's name for the query, so `lake.sqlCancel` can stop it. */
      queryId: sqlQueryId.optional(),
    })
    .strict(),
  'lake.sqlCancel': z.object({ queryId: sqlQueryId }).strict(),
  'files.upload': z
    .object({
      uploadId: z.string().regex(/^[0-9a-f-]{36}$/, 'expected the uploadId the first chunk returned').optional(),
      name: z.string().min(1).max(255).regex(/^[^/\\\0]+$/, 'a file name without folders').refine((n) => n !== '.' && n !== '..', 'a file name, not . or ..'),
      offset: z.number().int().min(0),
      data: z.instanceof(Uint8Array, { message: 'expected the chunk as bytes (binary frame or IPC)' }),
      done: z.boolean(),
    })
    .strict(),
  'lake.universe': universeFiltersSchema,
  'imports.layout': z.object({ columns: z.array(z.string()).min(1).max(500) }).strict(),
  'imports.preview': z.object({ path: z.string().min(1, 'empty path').max(4096, 'a path is at most 4,096 characters') }).strict(),
  'lake.qa': z.object({ symbol: symbolSchema, timeframe: z.enum(['1s', '1m', '5m', '15m', '30m', '1h', '1d']).optional() }).strict(),
  'lake.coverage': emptySchema,
  'features.sets': z.object({}).strict(),
  'features.validate': z.object({ text: z.string().max(200_000) }).strict(),
  'features.save': z.object({ text: z.string().max(200_000) }).strict(),
  'features.build': z.object({ set: z.string().min(1).max(200) }).strict(),
  'models.list': z.object({}).strict(),
  'models.get': z.object({ model: z.string().min(1).max(100) }).strict(),
  'models.promote': z.object({ model: z.string().min(1).max(100) }).strict(),
  'models.predict': z
    .object({
      model: z.string().min(1).max(100),
      columns: z.array(z.instanceof(Float64Array)).min(1).max(10_000),
      provider: z.enum(['auto', 'cpu', 'coreml', 'webgpu', 'cuda', 'dml']).optional(),
    })
    .strict(),
  'models.check': z
    .object({
      model: z.string().min(1).max(100),
      provider: z.enum(['auto', 'cpu', 'coreml', 'webgpu', 'cuda', 'dml']).optional(),
      rows: z.number().int().min(1).max(1_000_000).optional(),
    })
    .strict(),
  'models.checkConfig': z.object({ text: z.string().max(100_000) }).strict(),
  'models.configYaml': z.object({ config: z.record(z.string(), z.unknown()).refine((c) => JSON.stringify(c).length <= 100_000, 'a training config is at most 100,000 characters') }).strict(),
  'paper.killswitch.get': z.object({}).strict(),
  'paper.killswitch.set': z
    .object({
      state: z.enum(['active', 'reducing', 'halted'], { error: 'expected active, reducing or halted' }),
      reason: z.string().trim().min(1, 'give a reason: it goes into the audit log').max(500),
      source: z.enum(['ui', 'menu', 'cli', 'api']).optional(),
      /** With a halt: also close every open paper position at its last price. */
      flatten: z.boolean().optional(),
    })
    .strict()
    .refine((a) => !a.flatten || a.state === 'halted', { message: 'flatten goes with a halt', path: ['flatten'] }),
  'paper.sessions': z.object({}).strict(),
  'paper.alerts': z.object({ limit: z.number().int().min(1, 'limit must be at least 1').max(1000).optional() }).strict(),
  'paper.session.get': z
    .object({
      session: paperSessionId,
      /** At most this many points of each equity curve (evenly thinned, the last kept); all when absent. */
      points: z.number().int().min(2, 'points must be at least 2').max(1_000_000).optional(),
    })
    .strict(),
  'paper.session.start': z.union([
    z
      .object({
        portfolio: z.string().min(1, 'name a stored portfolio (its id) or a portfolio file').max(1000),
        from: dateSchema,
        to: dateSchema,
        /** Bar time runs this many times faster than real time; max: as fast as possible. */
        speed: z.union([z.literal('max'), z.number().positive('speed must be above 0').max(1e9)]),
      })
      .strict()
      .refine((r) => r.from <= r.to, { message: 'from must not be after to', path: ['from'] }),
    z
      .object({
        portfolio: z.string().min(1, 'name a stored portfolio (its id) or a portfolio file').max(1000),
        /** A live session: the WebSocket URL of a Polygon-protocol feed of per-minute aggregates, or `dbn://host:port/DATASET` for Databento's live gateway (MBP-10). */
        live: z.url({ protocol: /^(wss?|dbn)$/, error: 'give the feed as a ws:// or wss:// URL (Polygon) or dbn://host:port/DATASET (Databento’s live gateway)' }),
        /** A feature set to evaluate at every bar close (its bar and book features), journaled as the session runs. */
        features: z.string().min(1).max(200).optional(),
      })
      .strict(),
  ]),
  'paper.session.control': z
    .object({
      session: paperSessionId,
      action: z.enum(['pause', 'resume', 'step', 'stop'], { error: 'expected pause, resume, step or stop' }),
    })
    .strict(),
  'config.portfolios': z.object({}).strict(),
  'config.setRuleOnly': z
    .object({
      portfolio: storedPortfolioId,
      /** Instruments that trade their strategy without a model (the rest are unmarked). */
      instruments: z.array(z.string().min(1).max(100)).max(1000),
    })
    .strict(),
  'config.preview': exportRequest,
  'config.export': exportRequest,
  'config.import': z
    .object({
      repo: z.string().trim().min(1, 'choose the git repository (a folder)').max(1000),
      /** A commit, branch or tag. */
      rev: z.string().trim().min(1, 'give a revision such as HEAD, main or a tag').max(200).default('HEAD'),
      dir: bundleDir,
    })
    .strict(),
  'backtest.list': z.object({}).strict(),
  'backtest.strategies': z.object({}).strict(),
  'backtest.get': z.object({ runId: RUN_ID_SCHEMA }).strict(),
  'backtest.saveStrategy': z
    .object({
      runId: RUN_ID_SCHEMA,
      name: z
        .string()
        .regex(CONFIG_NAME, 'expected a config name of letters, digits, - and _')
        .refine((n) => !STRATEGIES.has(n), 'that is a built-in strategy’s name; choose another'),
      overwrite: z.boolean().optional(),
    })
    .strict(),
  'backtest.monteCarlo': z
    .object({
      runId: RUN_ID_SCHEMA,
      method: z.enum(['reshuffle', 'resample', 'block']).optional(),
      simulations: z.number().int().min(10, 'run at least 10 simulations').max(100_000).optional(),
      seed: z.number().int().min(0).max(2 ** 31).optional(),
      block: z.number().int().min(1).max(250).optional(),
    })
    .strict(),
  'models.import': z
    .object({
      path: z.string().min(1, 'name the model file'),
      format: z.enum(['onnx', 'xgboost', 'lightgbm', 'catboost'], { error: 'expected onnx, xgboost, lightgbm or catboost' }).optional(),
      name: z.string().min(1).max(64).optional(),
      featureSet: z.string().min(1).optional(),
    })
    .strict(),
  'models.rollback': z.object({ id: z.string().min(1).max(100) }).strict(),
  'models.demote': z.object({ id: z.string().min(1).max(100) }).strict(),
  'models.leaderboard': z.object({ minScore: z.number().optional(), formula: z.string().min(1).max(1000).optional() }).strict(),
  'settings.retention': z.object({}).strict(),
  'settings.setRetention': z.object({ minuteDays: z.number().int().min(1, 'keep at least one day of 1-minute bars').max(36_500) }).strict(),
  'home.move': z.object({ to: z.string().trim().min(1, 'name the folder to move the home to') }).strict(),
  'settings.leaderboard': z.object({}).strict(),
  'settings.setLeaderboard': z.object({ formula: z.string().trim().min(1, 'write a score formula, e.g. 0.4 * balanced_accuracy + 0.6 * min(sharpe / 3, 1)').max(1000) }).strict(),
  'settings.inference': z.object({}).strict(),
  'settings.setInference': z.object({ provider: z.enum(['auto', 'cpu', 'coreml', 'webgpu', 'cuda', 'dml'], { error: 'expected auto, cpu, coreml, webgpu, cuda or dml' }) }).strict(),
  'settings.paper': z.object({}).strict(),
  'settings.setPaper': z
    .object({
      /** Alerts (killswitch trips, stopped sessions, model warnings) are also POSTed here as JSON; null: none. */
      webhook: z.url({ protocol: /^https?$/, error: 'give the webhook as an http:// or https:// URL' }).max(2000).nullable().optional(),
      /** Account risk limits and killswitch trips every session and replay applies (with the portfolio's own, the stricter wins); {} for none. */
      limits: riskLimitsSchema.optional(),
    })
    .strict(),
  'settings.export': z.object({}).strict(),
  'settings.setExport': z
    .object({
      repo: z.string().trim().min(1).max(1000).nullable().optional(),
      dir: bundleDir.optional(),
      remote: z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'expected a git remote name such as origin').optional(),
      portfolio: z.string().trim().min(1).max(1000).nullable().optional(),
      author: z.object({ name: z.string().trim().min(1, 'give the author a name').max(200), email: z.email('expected an email address such as you@example.com') }).strict().nullable().optional(),
      /** Lowest test metrics a model must reach, e.g. { auc: 0.52 }. */
      minimums: z.partialRecord(z.enum(['auc', 'accuracy', 'balancedAccuracy', 'precision', 'recall', 'f1', 'precisionAtTop10', 'r2', 'ic', 'directionAccuracy'], { error: 'expected a test metric: auc, accuracy, balancedAccuracy, precision, recall, f1, precisionAtTop10, r2, ic or directionAccuracy' }), z.number().finite()).optional(),
    })
    .strict(),
  'settings.vendorKeys': z.object({}).strict(),
  'settings.setVendorKey': z
    .object({
      vendor: z.enum(['databento', 'polygon'], { error: 'expected databento or polygon' }),
      key: z.string().trim().min(8, 'an API key is at least 8 characters').max(200).regex(/^[\x21-\x7e]+$/, 'an API key has no spaces or control characters').nullable(),
      /** The user agreed to store the key unencrypted where the host has no OS keychain. */
      unencrypted: z.boolean().optional(),
    })
    .strict(),
} as const;

/** Every method name. */
export type Method = keyof typeof apiSchemas;
/** What a caller passes to a method. */
export type ArgOf<M extends Method> = z.input<(typeof apiSchemas)[M]>;
/** What a handler receives after validation. */
export type ParsedArgOf<M extends Method> = z.output<(typeof apiSchemas)[M]>;

/** A data source a backfill can use. */
export interface SourceInfo {
  /** Source id, as `backfill --source` takes it. */
  id: (typeof BACKFILL_SOURCES)[number];
  /** Human name. */
  name: string;
  /** Symbols the source offers. */
  symbols: string[];
  /** Earliest date it can deliver, `YYYY-MM-DD`. */
  earliest: string;
}

/** The one API every host serves. */
export interface QuantApi {
  /** Versions, home folder and host kind. */
  'app.info': (a: ArgOf<'app.info'>) => Promise<AppInfo>;
  /** Contract specs of the known instruments (with the maintenance margins set in place of the table's). */
  'instruments.list': (a: ArgOf<'instruments.list'>) => Promise<ContractSpec[]>;
  /** Sets an instrument's maintenance margin per contract (null: back to the table's); returns the table. Backtests and portfolios built afterwards use it. */
  'instruments.setMargin': (a: ArgOf<'instruments.setMargin'>) => Promise<ContractSpec[]>;
  /** Sources a backfill can draw from. */
  'sources.list': (a: ArgOf<'sources.list'>) => Promise<SourceInfo[]>;
  /** Bars for one symbol and timeframe, oldest first; with `limit`, the last `limit` bars up to `to`. */
  'bars.get': (a: ArgOf<'bars.get'>) => Promise<Bars>;
  /** Per symbol and timeframe: rows, partitions, bytes, first and last bar. */
  'lake.summary': (a: ArgOf<'lake.summary'>) => Promise<LakeSeries[]>;
  /** The resting book over time (the book after each bucket's last update) for the chart's depth heatmap. */
  'book.heatmap': (a: ArgOf<'book.heatmap'>) => Promise<BookHeatmap>;
  /** A futures symbol's option chains at a moment: only options on the session's front contract, 0DTE unless `dte`; IV, greeks and gamma exposure by strike. */
  'options.chain': (a: ArgOf<'options.chain'>) => Promise<OptionChainView>;
  /** Per session with stored options: the front contract, the options' underlyings, and whether they agree. */
  'options.qa': (a: ArgOf<'options.qa'>) => Promise<OptionsQaReport>;
  /** Traded volume per price over a range, from the book's trades, for the chart's volume profile. */
  'book.profile': (a: ArgOf<'book.profile'>) => Promise<VolumeProfile>;
  /** Month partitions, optionally for one symbol or timeframe. */
  'lake.partitions': (a: ArgOf<'lake.partitions'>) => Promise<LakePartition[]>;
  /** Deletes one stored series (catalog, then files, backfill coverage, the symbol's resamples); its rejects stay. */
  'lake.delete': (a: ArgOf<'lake.delete'>) => Promise<DeletedSeries>;
  /** Starts a job on the worker pool. */
  'jobs.start': (a: ArgOf<'jobs.start'>) => Promise<{ jobId: string }>;
  /** Jobs, newest first: active and recent ones, or all with `all`. */
  'jobs.list': (a: ArgOf<'jobs.list'>) => Promise<JobInfo[]>;
  /** One job. */
  'jobs.get': (a: ArgOf<'jobs.get'>) => Promise<JobInfo>;
  /** Cancels a queued or running job. */
  'jobs.cancel': (a: ArgOf<'jobs.cancel'>) => Promise<JobInfo>;
  /** Re-runs an interrupted, failed or cancelled job's request as a new job; data already written is not duplicated. */
  'jobs.resume': (a: ArgOf<'jobs.resume'>) => Promise<{ jobId: string }>;
  /** Rejected rows of imports, newest run first: file, line, raw text and reason. */
  'rejects.list': (a: ArgOf<'rejects.list'>) => Promise<RejectRow[]>;
  /** Receives a file in chunks (from a drop or a file picker) into the home's inbox; the last chunk returns its path for an import. */
  'files.upload': (a: ArgOf<'files.upload'>) => Promise<{ uploadId: string; path: string | null; bytes: number }>;
  /** One read-only SQL query over the lake's views `bars`, `trades` and `rejects`. */
  'lake.sql': (a: ArgOf<'lake.sql'>) => Promise<SqlResult>;
  /** Stops a running SQL console query by the id its caller gave it; `cancelled` is false when none of that id runs. */
  'lake.sqlCancel': (a: ArgOf<'lake.sqlCancel'>) => Promise<{ cancelled: boolean }>;
  /** Symbols passing universe filters (price range, average volume, days listed, common stock only). */
  'lake.universe': (a: ArgOf<'lake.universe'>) => Promise<UniverseMember[]>;
  /** The column mapping and time zone remembered for a CSV layout (its header), or null. */
  'imports.layout': (a: ArgOf<'imports.layout'>) => Promise<{ map?: Record<string, string>; tz?: string } | null>;
  /** The header and first rows of a CSV on the host, for the mapping step; null for fixed layouts (DBN, Parquet). */
  'imports.preview': (a: ArgOf<'imports.preview'>) => Promise<CsvPreview | null>;
  /** Data-quality report of a stored series (finest stored timeframe unless named); also saved as validation.json. */
  'lake.qa': (a: ArgOf<'lake.qa'>) => Promise<QaReport>;
  /** Per stored bar series, the sessions between its first and last bar that hold bars, month by month. */
  'lake.coverage': (a: ArgOf<'lake.coverage'>) => Promise<SeriesCoverage[]>;
  /** Feature sets available (user sets in the home shadow defaults of the same name), with their YAML. */
  'features.sets': (a: ArgOf<'features.sets'>) => Promise<FeatureSetInfo[]>;
  /** Checks feature-set YAML without saving it: its hash and output columns, or the error naming the field. */
  'features.validate': (a: ArgOf<'features.validate'>) => Promise<FeatureSetCheck>;
  /** Validates and saves feature-set YAML as a user set in the home, named by its `name` field. */
  'features.save': (a: ArgOf<'features.save'>) => Promise<FeatureSetInfo>;
  /** The manifest and validation of a set's current build (its spec hash), or null when not built yet. */
  'features.build': (a: ArgOf<'features.build'>) => Promise<FeatureBuildInfo | null>;
  /** Registered model versions, newest first. */
  'models.list': (a: ArgOf<'models.list'>) => Promise<ModelInfo[]>;
  /** One model version (`ID` for the newest, `ID@VERSION`) with its model card. */
  'models.get': (a: ArgOf<'models.get'>) => Promise<ModelInfo & { card: unknown; history: StageEvent[] }>;
  /** Imports a model trained elsewhere (ONNX as it is; XGBoost, LightGBM and CatBoost files converted to ONNX), checked against a feature set when named; a multiclass model names its classes. */
  'models.import': (a: ArgOf<'models.import'>) => Promise<{ id: string; version: number; kind: string; objective: string; output: string; classes?: string[]; features: string[]; featureOrder?: 'same' | 'by name'; window?: number }>;
  /** Reads and validates a training config (YAML); errors name the line and the setting. */
  'models.checkConfig': (a: ArgOf<'models.checkConfig'>) => Promise<TrainConfig>;
  /** A training config (as the form builds it) written as the YAML `quantdesk train --config` reads. */
  'models.configYaml': (a: ArgOf<'models.configYaml'>) => Promise<{ text: string }>;
  /** The killswitch: the trading state and its audited history, newest first. */
  'paper.killswitch.get': (a: ArgOf<'paper.killswitch.get'>) => Promise<KillswitchStatus>;
  /** Sets the trading state (halted: only cancels; reducing: only reducing orders), journaled before it answers; re-arming is explicit. */
  'paper.killswitch.set': (a: ArgOf<'paper.killswitch.set'>) => Promise<KillswitchStatus>;
  /** Paper sessions, newest first, with their positions, orders, fills, P&L and limit usage. */
  'paper.sessions': (a: ArgOf<'paper.sessions'>) => Promise<PaperSessionInfo[]>;
  /** Alerts raised by trips, sessions and model monitoring, newest first (journaled; 100 unless `limit` says). */
  'paper.alerts': (a: ArgOf<'paper.alerts'>) => Promise<PaperAlert[]>;
  /** One paper session with its equity curve and the backtest's expectation for the same bars. */
  'paper.session.get': (a: ArgOf<'paper.session.get'>) => Promise<PaperSessionDetail>;
  /** Starts a paper session replaying stored bars of a portfolio at a speed, on its own worker. */
  'paper.session.start': (a: ArgOf<'paper.session.start'>) => Promise<PaperSessionInfo>;
  /** Pauses, resumes, single-steps or stops a running paper session. */
  'paper.session.control': (a: ArgOf<'paper.session.control'>) => Promise<PaperSessionInfo>;
  /** Stored portfolios, newest first, with their instruments (to choose what an export carries). */
  'config.portfolios': (a: ArgOf<'config.portfolios'>) => Promise<{ id: string; instruments: { name: string; symbol: string; model: string | null; ruleOnly: boolean }[] }[]>;
  /** Marks a stored portfolio's instruments that trade without a model (rule-only). */
  'config.setRuleOnly': (a: ArgOf<'config.setRuleOnly'>) => Promise<{ id: string; instruments: { name: string; symbol: string; model: string | null; ruleOnly: boolean }[] }>;
  /** What an export would write: files, a diff against the repository, validation, uncommitted changes; writes nothing. */
  'config.preview': (a: ArgOf<'config.preview'>) => Promise<ExportPreview>;
  /** Exports the config bundle: validated, committed (author from settings), optionally tagged and pushed. */
  'config.export': (a: ArgOf<'config.export'>) => Promise<ExportResult>;
  /** Restores a bundle from a repository at a revision into the home. */
  'config.import': (a: ArgOf<'config.import'>) => Promise<ImportConfigResult>;
  /** Strategy configs stored in the home's strategies/ folder (YAML), each naming a built-in strategy. */
  'backtest.strategies': (a: ArgOf<'backtest.strategies'>) => Promise<StrategyConfig[]>;
  /** Stored backtest runs, newest first. */
  'backtest.list': (a: ArgOf<'backtest.list'>) => Promise<BacktestSummary[]>;
  /** One backtest run with its equity curve and trades. */
  'backtest.get': (a: ArgOf<'backtest.get'>) => Promise<BacktestDetail>;
  /** Stores a run's strategy, parameters, model and trading terms as a strategy config (strategies/NAME.yml); an existing one only with overwrite. */
  'backtest.saveStrategy': (a: ArgOf<'backtest.saveStrategy'>) => Promise<StrategyConfig>;
  /** A run's trades reshuffled or resampled, or its daily returns block-bootstrapped, N times (seeded): percentiles of final equity, drawdown and Sharpe, probability of ruin, the equity fan. */
  'backtest.monteCarlo': (a: ArgOf<'backtest.monteCarlo'>) => Promise<MonteCarloResult>;
  /** Runs a model on the latest rows of its feature build: provider used, timing, prediction summary. */
  'models.check': (a: ArgOf<'models.check'>) => Promise<ModelCheck>;
  /**
   * Runs a model over feature columns (in the model's feature order), returning predictions and the provider that ran;
   * a multiclass model's `values` are each row's most probable class (an index into `classes`), `probabilities` one column per class.
   */
  'models.predict': (a: ArgOf<'models.predict'>) => Promise<{ values: Float32Array; classes?: string[]; probabilities?: Float32Array[]; provider: string; fallback: string | null; ms: number }>;
  /** Puts a version (`ID@VERSION`) in production; the one it replaces is archived; models/manifest.json follows. */
  'models.promote': (a: ArgOf<'models.promote'>) => Promise<ModelInfo>;
  /** Puts back the previous production version of a model. */
  'models.rollback': (a: ArgOf<'models.rollback'>) => Promise<ModelInfo>;
  /** Takes a model's production version out of production (archived; models/manifest.json follows): none of its versions trades until one is promoted. */
  'models.demote': (a: ArgOf<'models.demote'>) => Promise<ModelInfo>;
  /** Model versions ranked by a score formula (default 0.4 × balanced accuracy + 0.6 × min(Sharpe/3, 1)) over test metrics. */
  'models.leaderboard': (a: ArgOf<'models.leaderboard'>) => Promise<(ModelInfo & { score: number; values: Record<string, number>; runsOn: string })[]>;
  /** The retention policy: days of 1-minute bars kept before they become 5-minute bars. */
  'settings.retention': (a: ArgOf<'settings.retention'>) => Promise<{ minuteDays: number }>;
  /** Stores the retention policy that retention jobs apply when not told otherwise. */
  'settings.setRetention': (a: ArgOf<'settings.setRetention'>) => Promise<{ minuteDays: number }>;
  /** Where each vendor's API key comes from (environment, stored encrypted, missing); never the key. */
  /** Moves the home folder (catalog, lake, models) where the host can restart on it: the desktop app. */
  'home.move': (a: ArgOf<'home.move'>) => Promise<{ to: string; restarting: boolean }>;
  /** The leaderboard's score formula (stored, else the default). */
  'settings.leaderboard': (a: ArgOf<'settings.leaderboard'>) => Promise<{ formula: string; default: string }>;
  /** Stores the score formula after checking it compiles. */
  'settings.setLeaderboard': (a: ArgOf<'settings.setLeaderboard'>) => Promise<{ formula: string; default: string }>;
  /** The default execution provider, the platform's order for 'auto', and which providers load here. */
  'settings.inference': (a: ArgOf<'settings.inference'>) => Promise<InferenceSettings>;
  /** Stores the default execution provider. */
  'settings.setInference': (a: ArgOf<'settings.setInference'>) => Promise<InferenceSettings>;
  /** Paper trading settings: the alert webhook and the account's risk limits and trips. */
  'settings.paper': (a: ArgOf<'settings.paper'>) => Promise<PaperSettings>;
  /** Changes the paper trading settings given (a null webhook removes it; {} clears the limits). */
  'settings.setPaper': (a: ArgOf<'settings.setPaper'>) => Promise<PaperSettings>;
  /** Git export settings: repository, folder, remote, portfolio, author, metric minimums. */
  'settings.export': (a: ArgOf<'settings.export'>) => Promise<ExportSettings>;
  /** Changes git export settings (fields left out stay as they are). */
  'settings.setExport': (a: ArgOf<'settings.setExport'>) => Promise<ExportSettings>;
  'settings.vendorKeys': (a: ArgOf<'settings.vendorKeys'>) => Promise<VendorKeyStatus[]>;
  /** Stores a vendor key encrypted with the host's keychain (null removes it); refused where the host cannot encrypt. */
  'settings.setVendorKey': (a: ArgOf<'settings.setVendorKey'>) => Promise<VendorKeyStatus[]>;
}

/** Events the services publish to every connected client. */
export interface QuantEvents {
  /** Progress of a running job. */
  'job.progress': JobProgress;
  /** A job changed status. */
  'job.state': JobInfo;
  /** The lake gained data. */
  'lake.changed': { symbols: string[] };
  /** The killswitch changed state. */
  'paper.state': { state: TradingState; change: StateChange };
  /** A paper session's figures changed. */
  'paper.session': PaperSessionInfo;
  /** Something a trader must see now (a killswitch trip, a session that stopped): the desktop shows it as a notification. */
  'paper.alert': PaperAlert;
  /** A native menu item was chosen (Electron sends it; the browser host raises it in the page). */
  'menu.command': { command: MenuCommand };
}

/** Every event name. */
export type EventName = keyof QuantEvents;

/** What a method resolves to. */
export type ResultOf<M extends Method> = Awaited<ReturnType<QuantApi[M]>>;

/** What a transport tells a handler about the call besides its argument. */
export interface CallContext {
  /** Aborted when the caller goes away (its socket closed, its request was dropped): long work should stop. */
  signal?: AbortSignal;
}

/** Handler map the services implement: arguments arrive validated. */
export type Handlers = { [M in Method]: (a: ParsedArgOf<M>, ctx?: CallContext) => Promise<ResultOf<M>> };

/** All method names, for transports that route by name. */
export const METHODS = Object.keys(apiSchemas) as Method[];

/** True when a string names a method. */
export function isMethod(s: string): s is Method {
  return Object.prototype.hasOwnProperty.call(apiSchemas, s);
}
