import { z } from 'zod';
import { barsGetSchema, universeFiltersSchema } from './lake/schemas';
import { dateSchema, emptySchema, jobIdSchema, instantSchema, symbolSchema, timeframeArg } from './schemas';
import { jobRequestSchema } from './job-requests';
import { riskLimitsSchema } from './trading/schemas';
import { CONFIG_NAME, PORTFOLIO_ID } from './ids';
import { STORED_TIMEFRAME_MS } from './timeframes';
import { STRATEGIES } from './backtest/strategies';
import { TICK_TABLES } from './tick-tables';

const paperSessionId = z.string().regex(/^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$/, 'expected a paper session id such as 20260101-120000-1a2b3c4d');

/** A lake table: bars, continuous futures, or a table of market events. */
const LAKE_TABLES = ['bars', 'continuous', ...TICK_TABLES] as const;

const lakeTableArg = z.enum(LAKE_TABLES, { error: `expected one of ${LAKE_TABLES.join(', ')}` });

/** A caller's name for an SQL console query. */
const sqlQueryId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'expected a query id of letters, digits, - and _ (at most 64)');

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

/** Zod schema of each method's argument; the dispatcher validates with it before calling a handler. */
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
