import { z } from 'zod';
import { TIMEFRAMES } from './timeframes';
import { CONFIG_NAME, MODEL_ID } from './ids';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Parses `YYYY-MM-DD` or an ISO date-time to epoch ms UTC (a bare date or time without offset is UTC); NaN when invalid. */
export function parseUtc(s: string): number {
  if (!DATETIME_RE.test(s)) return Number.NaN;
  const iso = s.length === 10 ? `${s}T00:00:00Z` : /Z|[+-]\d{2}:?\d{2}$/.test(s) ? s.replace(' ', 'T') : `${s.replace(' ', 'T')}Z`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return ms;
  // Date.parse rolls 2024-02-31 over to March; a real calendar date must survive the round trip.
  return new Date(ms).toISOString().slice(0, 10) === iso.slice(0, 10) || !iso.endsWith('Z') ? ms : Number.NaN;
}

/** A calendar date `YYYY-MM-DD` that exists. */
export const dateSchema = z
  .string()
  .regex(DATE_RE, 'expected a date as YYYY-MM-DD')
  .refine((s) => !Number.isNaN(parseUtc(s)), 'not a real calendar date');

/** A date `YYYY-MM-DD` or ISO date-time, read as UTC unless it carries an offset. */
export const instantSchema = z
  .string()
  .refine((s) => !Number.isNaN(parseUtc(s)), 'expected YYYY-MM-DD or an ISO date-time such as 2024-03-01T14:30:00Z');

/** An instrument symbol: capital letters and digits, 1–12 characters. */
export const symbolSchema = z.string().regex(/^[A-Z0-9][A-Z0-9._-]{0,11}$/, 'expected a symbol such as ES (capital letters and digits)');

export const timeframeArg = z.enum(TIMEFRAMES, { error: `expected one of ${TIMEFRAMES.join(', ')}` });

/** Arguments of `bars.get`. */
export const barsGetSchema = z
  .object({
    symbol: symbolSchema,
    timeframe: timeframeArg,
    from: instantSchema.optional(),
    to: instantSchema.optional(),
    limit: z.number().int().positive().max(5_000_000).optional(),
    /** Also return each bar's exchange session (trading date, session open, month-end flag). */
    sessions: z.boolean().optional(),
  })
  .strict()
  .refine((a) => a.from === undefined || a.to === undefined || parseUtc(a.from) <= parseUtc(a.to), {
    message: '`from` is after `to`',
    path: ['from'],
  });

/** The sources a backfill can draw from. */
export const BACKFILL_SOURCES = ['demo', 'databento', 'polygon'] as const;

/** Timeframes a backfill can ask a source for. */
export const BACKFILL_TIMEFRAMES = ['1m', '1h', '1d'] as const;

/**
 * What a backfill fetches: bars (`ohlcv`, at the request's timeframe), one of Databento's order-book
 * and reference schemas into its lake table, or `options`: a futures symbol's option chains (their
 * definitions, open interest, quotes and trades) into the options tables.
 */
export const BACKFILL_SCHEMAS = ['ohlcv', 'mbp-10', 'mbp-1', 'tbbo', 'bbo-1s', 'bbo-1m', 'mbo', 'definition', 'statistics', 'status', 'imbalance', 'options'] as const;

/** The last day a backfill may name: today in UTC, or tomorrow where a user's local date is ahead of UTC. */
export function latestBackfillDay(now = Date.now()): string {
  return new Date(now + 86_400_000).toISOString().slice(0, 10);
}

/** A backfill job request. Dates are inclusive UTC calendar dates. */
export const backfillRequestSchema = z
  .object({
    kind: z.literal('backfill'),
    source: z.enum(BACKFILL_SOURCES, { error: `unknown source; available: ${BACKFILL_SOURCES.join(', ')}` }),
    symbols: z.array(symbolSchema).min(1, 'name at least one symbol').max(64),
    timeframe: z.enum(BACKFILL_TIMEFRAMES, { error: `expected one of ${BACKFILL_TIMEFRAMES.join(', ')}` }),
    from: dateSchema.refine((s) => s >= '2000-01-01', 'backfills start on 2000-01-01 at the earliest'),
    to: dateSchema,
    /** Databento dataset code. */
    dataset: z.string().regex(/^[A-Z0-9.]{3,32}$/, 'expected a dataset code such as GLBX.MDP3').optional(),
    /** What to fetch; bars when not given. */
    schema: z.enum(BACKFILL_SCHEMAS, { error: `expected one of ${BACKFILL_SCHEMAS.join(', ')}` }).optional(),
  })
  .strict()
  .refine((a) => a.from <= a.to, { message: '`from` is after `to`', path: ['from'] })
  .refine((a) => a.source !== 'polygon' || (a.schema ?? 'ohlcv') === 'ohlcv', { message: 'Polygon backfills bars only (schema ohlcv)', path: ['schema'] })
  .refine((a) => a.source !== 'demo' || ['ohlcv', 'mbp-10', 'options'].includes(a.schema ?? 'ohlcv'), { message: 'the demo source offers bars (ohlcv), a ten-level book (mbp-10) and 0DTE option chains (options)', path: ['schema'] })
  .refine((a) => a.to <= latestBackfillDay(), { message: `no source has bars after now: end the range today (UTC) at the latest`, path: ['to'] })
  .refine((a) => a.source !== 'demo' || a.timeframe === '1m', { message: 'the demo source stores 1m bars; coarser timeframes are built on read', path: ['timeframe'] });

/** Exchange calendars symbols can be assigned. */
export const CALENDAR_IDS = ['cme', 'nyse', 'xetra'] as const;

/** File formats an import understands; `auto` detects from the content and header. */
export const IMPORT_FORMATS = ['auto', 'generic', 'backtrader', 'polygon', 'databento-csv', 'dbn', 'yahoo', 'stooq', 'parquet'] as const;

/** A field of a bar that a CSV column can be mapped to. */
export const MAP_FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume', 'symbol'] as const;

/** An import of files from the local disk into bronze. */
/** Filters that pick a stock universe: price range, average daily volume, days listed, common stock only. */
export const universeFiltersSchema = z
  .object({
    minPrice: z.number().min(0).optional(),
    maxPrice: z.number().positive().optional(),
    minAvgVolume: z.number().min(0).optional(),
    minDays: z.number().int().min(0).optional(),
    commonOnly: z.boolean().optional(),
  })
  .strict()
  .refine((a) => a.minPrice === undefined || a.maxPrice === undefined || a.minPrice <= a.maxPrice, { message: 'minPrice is above maxPrice', path: ['minPrice'] });

export const importRequestSchema = z
  .object({
    kind: z.literal('import'),
    paths: z.array(z.string().min(1, 'empty path')).min(1, 'name at least one file').max(1000),
    format: z.enum(IMPORT_FORMATS, { error: `expected one of ${IMPORT_FORMATS.join(', ')}` }).optional(),
    symbol: symbolSchema.optional(),
    tz: z.string().min(1).max(64).optional(),
    map: z.partialRecord(z.enum(MAP_FIELDS, { error: `map fields are ${MAP_FIELDS.join(', ')}` }), z.string().min(1)).optional(),
    /** Exchange calendar of the imported symbols (sessions, holidays, DST). */
    calendar: z.enum(CALENDAR_IDS, { error: `expected one of ${CALENDAR_IDS.join(', ')}` }).optional(),
    /** Keep only symbols passing these filters (stock universes from flat files); the rest are rejected with the reason. */
    universe: universeFiltersSchema.optional(),
  })
  .strict();

/** Builds a root's continuous futures series from its stored contracts. */
export const continuousRequestSchema = z
  .object({
    kind: z.literal('continuous'),
    root: z.string().regex(/^[A-Z0-9]{1,5}$/, 'expected a futures root such as ES'),
    threshold: z.number().gt(0.5, 'the roll threshold is a volume share above 0.5').lt(1).optional(),
  })
  .strict();

/** Builds the 1 Hz snapshot table (`book_1s`) of a symbol's stored book, for its dates from `from` to `to`. */
export const snapshotsRequestSchema = z
  .object({
    kind: z.literal('snapshots'),
    symbol: symbolSchema,
    from: dateSchema.optional(),
    to: dateSchema.optional(),
  })
  .strict()
  .refine((r) => !r.from || !r.to || r.from <= r.to, { message: 'from is after to', path: ['to'] });

/** Applies the retention policy: 1-minute bars older than `minuteDays` (whole months) become 5-minute bars. */
export const retentionRequestSchema = z
  .object({
    kind: z.literal('retention'),
    minuteDays: z.number().int().min(1, 'keep at least one day of 1-minute bars').max(36_500).optional(),
  })
  .strict();

/** Writes a resampled series to silver; reads use it while its sources are unchanged. */
export const materializeRequestSchema = z
  .object({
    kind: z.literal('materialize'),
    symbol: symbolSchema,
    timeframe: z.enum(['5m', '15m', '30m', '1h', '1d', '1w'], { error: 'expected one of 5m, 15m, 30m, 1h, 1d, 1w' }),
  })
  .strict();

/** Builds a feature set's silver files (a set name, or a .yml path). */
export const featuresRequestSchema = z
  .object({
    kind: z.literal('features'),
    set: z.string().min(1, 'name a feature set or a .yml file').max(1000),
    symbols: z.array(symbolSchema).max(1000).optional(),
    force: z.boolean().optional(),
  })
  .strict();

/** Promotes a silver build to a versioned gold dataset. */
export const promoteRequestSchema = z
  .object({
    kind: z.literal('promote'),
    build: z.string().min(1, 'name a build, <set>@<hash>').max(200),
    filters: z.array(z.string().regex(/^(rth|complete|from=\d{4}-\d{2}-\d{2}|to=\d{4}-\d{2}-\d{2})$/, 'expected rth, complete, from=YYYY-MM-DD or to=YYYY-MM-DD')).max(10).optional(),
    /** Promote a build some of whose symbols failed or were interrupted (the missing ones are recorded). */
    allowPartial: z.boolean().optional(),
  })
  .strict();

/** IC analysis of a feature set's current build. */
export const icRequestSchema = z
  .object({
    kind: z.literal('ic'),
    set: z.string().min(1, 'name a feature set or a .yml file').max(1000),
    horizons: z.array(z.number().int().min(1, 'horizons are at least 1 bar').max(10_000)).min(1, 'give at least one horizon').max(20),
    /** Analyse a build some of whose symbols failed or were interrupted (the missing ones are recorded). */
    allowPartial: z.boolean().optional(),
  })
  .strict();


/** How many contracts an entry takes: fixed, a notional, a volatility target or a capped Kelly fraction. */
const sizingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('fixed'), contracts: z.number().positive().max(1e9) }).strict(),
  z.object({ kind: z.literal('notional'), amount: z.number().positive().max(1e12) }).strict(),
  z.object({ kind: z.literal('volatility'), target: z.number().positive().max(10), lookback: z.number().int().min(2).max(10_000), maxLeverage: z.number().positive().max(100).optional() }).strict(),
  z.object({ kind: z.literal('kelly'), cap: z.number().positive().max(1), payoff: z.number().positive().max(100) }).strict(),
]);

/** What backtests and sweeps both take: strategy, symbols and period, capital, fills and costs. */
const runFields = {
  /** A built-in strategy (ibs), a strategy config stored in the home's strategies/ folder, or a .yml path. */
  strategy: z.string().min(1, 'name a strategy such as ibs, or a strategy config').max(1000),
  symbols: z.array(symbolSchema).min(1, 'give at least one symbol').max(500),
  timeframe: timeframeArg.optional(),
  from: dateSchema.optional(),
  to: dateSchema.optional(),
  capital: z.number().positive('capital must be above 0').max(1e12).optional(),
  fillAt: z.enum(['next_open', 'close']).optional(),
  commission: z.number().min(0).max(10_000).optional(),
  commissionBps: z.number().min(0).max(1000).optional(),
  minCommission: z.number().min(0).max(10_000).optional(),
  slippageTicks: z.number().min(0).max(1000).optional(),
  slippageBps: z.number().min(0).max(1000).optional(),
  slippageRange: z.number().min(0).max(1).optional(),
};

/**
 * The trading terms a strategy config records (YAML keys in snake_case, as in portfolio.yml): what its
 * backtests and sweeps trade on unless a request gives its own. Left out: the backtester's default.
 */
export const strategyTermsSchema = z
  .object({
    capital: runFields.capital,
    fill_at: runFields.fillAt,
    commission: runFields.commission,
    commission_bps: runFields.commissionBps,
    min_commission: runFields.minCommission,
    slippage_ticks: runFields.slippageTicks,
    slippage_bps: runFields.slippageBps,
    slippage_range: runFields.slippageRange,
    participation: z.number().min(0).max(1).optional(),
    max_positions: z.number().int().min(0).max(10_000).optional(),
    sizing: sizingSchema.optional(),
  })
  .strict();

/** A strategy configuration (YAML): a built-in strategy with its parameters, optionally gated by a model, and the terms it trades on. */
export const strategyConfigSchema = z
  .object({
    name: z.string().regex(CONFIG_NAME, 'expected a config name of letters, digits, - and _'),
    strategy: z.string().min(1, 'name a built-in strategy such as ibs').max(64),
    params: z.record(z.string(), z.number()).optional(),
    model: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}(@\d+)?$/i, 'expected a model as ID or ID@VERSION').optional(),
    threshold: z.number().min(0).max(1).optional(),
    terms: strategyTermsSchema.optional(),
  })
  .strict();
export type StrategyConfig = z.output<typeof strategyConfigSchema>;

/** A contract's terms as a run traded it: currency per point, tick, settlement currency and maintenance margin per contract. */
export const contractTermsSchema = z
  .object({
    multiplier: z.number().positive('multiplier must be above 0').max(1e9),
    tickSize: z.number().positive('tick size must be above 0').max(1e9),
    currency: z.string().regex(/^[A-Z]{3}$/, 'expected a currency code such as USD'),
    maintenanceMargin: z.number().min(0).max(1e9),
  })
  .strict();
export type ContractTerms = z.output<typeof contractTermsSchema>;

/**
 * The trading terms a portfolio carries from the runs that chose it, read by its joint backtest, paper
 * replays and sessions alike: starting capital, fill rule, commission and slippage (sizing stays the
 * portfolio's own field), and each instrument's contract terms. Every value is given, defaults
 * resolved, so nothing falls back to zero costs; without `contracts` (portfolios stored before they
 * kept them) the instrument table's are used.
 */
export const portfolioTermsSchema = z
  .object({
    capital: runFields.capital.unwrap(),
    fillAt: runFields.fillAt.unwrap(),
    commission: runFields.commission.unwrap(),
    commissionBps: runFields.commissionBps.unwrap(),
    minCommission: runFields.minCommission.unwrap(),
    slippageTicks: runFields.slippageTicks.unwrap(),
    slippageBps: runFields.slippageBps.unwrap(),
    slippageRange: runFields.slippageRange.unwrap(),
    participation: z.number().min(0).max(1),
    contracts: z.record(symbolSchema, contractTermsSchema).optional(),
  })
  .strict();
export type PortfolioTerms = z.output<typeof portfolioTermsSchema>;

/** A backtest of a built-in strategy over stored bars. */
export const backtestRequestSchema = z
  .object({
    kind: z.literal('backtest'),
    ...runFields,
    /** Strategy parameters by name (checked against the strategy's own list). */
    params: z.record(z.string(), z.number()).optional(),
    /** A registered classifier gating entries (ID or ID@VERSION), at its stored threshold unless `threshold` is given. */
    model: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}(@\d+)?$/i, 'expected a model as ID or ID@VERSION').optional(),
    threshold: z.number().min(0).max(1).optional(),
    maxPositions: z.number().int().min(0).max(10_000).optional(),
    participation: z.number().min(0).max(1).optional(),
    sizing: sizingSchema.optional(),
    /** A symbol whose daily returns give alpha, beta and the information ratio. */
    benchmark: symbolSchema.optional(),
    /** Daily factor returns (CSV: a date column, then one per factor; RF makes returns excess) to regress the run's daily returns on. */
    factors: z.object({ path: z.string().min(1, 'name the factor CSV'), percent: z.boolean().optional() }).strict().optional(),
  })
  .strict()
  .refine((r) => r.from === undefined || r.to === undefined || r.from <= r.to, { message: 'from must not be after to', path: ['from'] });

/** A parameter sweep of a strategy with the vectorised engine. */
export const sweepRequestSchema = z
  .object({
    kind: z.literal('sweep'),
    ...runFields,
    /** Values to try per parameter; every combination runs. */
    grid: z.record(z.string(), z.array(z.number()).min(1, 'give each grid parameter at least one value').max(1000)),
    contracts: z.number().positive().max(1e9).optional(),
    /** Walk-forward optimisation (one symbol): in-sample and out-of-sample window lengths in bars, rolling or anchored. */
    walkForward: z.object({ inSample: z.number().int().min(10).max(10_000_000), outOfSample: z.number().int().min(1).max(10_000_000), anchored: z.boolean().optional() }).strict().optional(),
    ...runFields,
  })
  .strict();

/** The trade-filter pipeline: per instrument, a classifier of a strategy's trades trained on a feature set. */
export const filterRequestSchema = z
  .object({
    kind: z.literal('filter'),
    strategy: z.string().min(1, 'name a strategy such as ibs').max(64),
    symbols: z.array(symbolSchema).min(1, 'give at least one symbol').max(100),
    /** The feature set whose build gives each trade's features (and whose timeframe the strategy trades). */
    set: z.string().min(1, 'name a feature set').max(1000),
    params: z.record(z.string(), z.number()).optional(),
    commission: z.number().min(0).max(10_000).optional(),
    slippageTicks: z.number().min(0).max(1000).optional(),
    /** The classifier (any classifier kind of a training config); small boosted trees by default. */
    model: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** Risk limits of a portfolio: what the risk engine trips on (all optional; absent means no such limit). */
export const riskLimitsSchema = z
  .object({
    /** Halt when equity falls this fraction below its peak (0.2 = 20%). */
    maxDrawdown: z.number().gt(0).lt(1).optional(),
    /** Halt for the day when the day's loss reaches this much currency. */
    dailyLoss: z.number().positive().optional(),
    /** Largest notional one position may have, in currency. */
    maxPositionNotional: z.number().positive().optional(),
    /** Halt when more orders than this are placed within a minute (an order-rate breach). */
    maxOrdersPerMinute: z.number().int().positive().optional(),
    /** Largest absolute position per symbol, in contracts. */
    maxPosition: z.number().positive().optional(),
    /** Largest gross exposure across symbols, in currency. */
    maxGrossExposure: z.number().positive().optional(),
    /** Most orders per second; more are denied. */
    maxOrdersPerSecond: z.number().int().positive().optional(),
    /** Most symbols holding a position or an order at once. */
    maxConcurrentPositions: z.number().int().positive().optional(),
    /** Halt after this many errors (bad bars, failing strategies) within a minute. */
    maxErrorsPerMinute: z.number().int().positive().optional(),
    /** Halt when no bar arrives for this many bar intervals. */
    staleBars: z.number().positive().optional(),
  })
  .strict();

/** A paper-trading replay of a portfolio over stored bars. */
export const paperReplayRequestSchema = z
  .object({
    kind: z.literal('paper'),
    portfolio: z.string().min(1, 'name a stored portfolio (its id) or a portfolio file').max(1000),
    from: dateSchema,
    to: dateSchema,
  })
  .strict()
  .refine((r) => r.from <= r.to, { message: 'from must not be after to', path: ['from'] });

/** Greedy portfolio construction from stored backtest runs. */
export const portfolioRequestSchema = z
  .object({
    kind: z.literal('portfolio'),
    runs: z.array(z.string().regex(/^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}$/, 'expected backtest run ids such as 20260101-120000-1a2b3c4d')).min(1, 'give at least one backtest run').max(500),
    objective: z.enum(['sharpe', 'cagr_over_maxdd'], { error: 'expected sharpe or cagr_over_maxdd' }).optional(),
    /** Trades entered before this date train the selection; later ones test it (default: 70% through the runs' span). */
    split: dateSchema.optional(),
    maxPositions: z.array(z.number().int().min(1).max(1000)).min(1).max(100).optional(),
    correlationLimit: z.number().min(-1).max(1).optional(),
    capital: z.number().positive('capital must be above 0').max(1e12).optional(),
    /** Limits the portfolio config carries for the risk engine that trades it. */
    riskLimits: riskLimitsSchema.optional(),
  })
  .strict();

/** The train/validation/test split a config gets when it names none (the training form writes it). */
export const SPLIT_DEFAULTS = { validation: 0.2, test: 0.2, embargo: 1 } as const;

/** A model training configuration (what `train --config FILE.yml` holds). */
export const trainConfigSchema = z
  .object({
    name: z.string().regex(MODEL_ID, 'expected a model name of letters, digits, - and _'),
    featureSet: z.string().min(1, 'name the feature set whose current build to train on'),
    symbols: z.array(symbolSchema).min(1).optional(),
    label: z.string().regex(/^label_/, 'expected a label column such as label_b1'),
    features: z.array(z.string().min(1)).min(1).optional(),
    model: z.discriminatedUnion(
      'kind',
      [
        z
          .object({
            kind: z.literal('gbdt'),
            objective: z.enum(['binary', 'regression']).default('binary'),
            nTrees: z.number().int().min(1).max(10_000).default(200),
            maxDepth: z.number().int().min(1).max(16).default(6),
            /** Grow best split first up to this many leaves (within maxDepth); 0: no limit (level-wise). */
            maxLeaves: z.number().int().min(0).max(65_536).refine((v) => v !== 1, 'a tree needs at least 2 leaves (0: no limit)').default(0),
            learningRate: z.number().positive().max(1).default(0.1),
            minChildWeight: z.number().min(0).default(1),
            lambda: z.number().min(0).default(1),
            subsample: z.number().gt(0).max(1).default(1),
            colsample: z.number().gt(0).max(1).default(1),
            maxBins: z.number().int().min(2).max(255).default(255),
            earlyStoppingRounds: z.number().int().min(0).default(20),
          })
          .strict(),
        z
          .object({
            kind: z.literal('forest'),
            objective: z.enum(['binary', 'regression']).default('binary'),
            nTrees: z.number().int().min(1).max(10_000).default(100),
            maxDepth: z.number().int().min(1).max(30).default(8),
            minSamplesLeaf: z.number().int().min(1).default(5),
            maxFeatures: z.union([z.literal('sqrt'), z.number().gt(0).max(1)]).default('sqrt'),
            bootstrap: z.boolean().default(true),
            maxBins: z.number().int().min(2).max(255).default(255),
          })
          .strict(),
        z
          .object({
            kind: z.literal('mlp'),
            objective: z.enum(['binary', 'regression']).default('binary'),
            hidden: z.array(z.number().int().min(1).max(1024)).min(1).max(4).default([32]),
            epochs: z.number().int().min(1).max(1000).default(50),
            batchSize: z.number().int().min(1).max(65_536).default(256),
            learningRate: z.number().positive().max(1).default(0.001),
            l2: z.number().min(0).default(1e-4),
            patience: z.number().int().min(1).default(5),
          })
          .strict(),
        z.object({ kind: z.literal('knn'), objective: z.literal('binary').default('binary'), k: z.number().int().min(1).max(100).default(5), maxEvents: z.number().int().min(10).max(200_000).default(50_000) }).strict(),
        z.object({ kind: z.literal('logistic'), objective: z.literal('binary').default('binary'), l2: z.number().min(0).default(1), l1: z.number().min(0).default(0) }).strict(),
        z.object({ kind: z.literal('ridge'), objective: z.literal('regression').default('regression'), l2: z.number().min(0).default(1) }).strict(),
        z.object({ kind: z.literal('lasso'), objective: z.literal('regression').default('regression'), alpha: z.number().min(0).default(0.01) }).strict(),
      ],
      { error: 'expected model.kind gbdt, forest, mlp, knn, logistic, ridge or lasso' },
    ),
    split: z
      .object({
        validation: z.number().gt(0).lt(0.5).default(0.2),
        test: z.number().gt(0).lt(0.5).default(0.2),
        /** Rows purged before each fold boundary: at least the label's horizon. */
        embargo: z.number().int().min(0).default(1),
      })
      .strict()
      .default(() => ({ ...SPLIT_DEFAULTS })),
    /** Blend a classifier with kNN retrieval of similar past events: p = (1 − weight) p_model + weight p_knn. */
    blendKnn: z
      .object({ k: z.number().int().min(1).max(100).default(5), weight: z.number().min(0).max(1).default(0.25), maxEvents: z.number().int().min(10).max(200_000).default(50_000) })
      .strict()
      .optional(),
    /** For trade-filter classifiers: the probability threshold chosen on validation, reported on test. */
    threshold: z
      .object({
        objective: z.enum(['precision', 'f1'], { error: 'expected precision or f1 (profit factor and Sharpe need backtests)' }),
        /** Least share of rows a precision threshold must keep. */
        minShare: z.number().gt(0).max(1).default(0.05),
      })
      .strict()
      .optional(),
    /**
     * Hyperparameter search (TPE with median pruning) over walk-forward folds; every trial is stored
     * and a rerun of the same configuration resumes it. The best parameters train the final model.
     */
    search: z
      .object({
        trials: z.number().int().min(1).max(500).default(20),
        metric: z.enum(['auc', 'logLoss', 'balancedAccuracy', 'precisionAtTop10', 'rmse', 'r2', 'ic']).optional(),
        space: z.record(
          z.string(),
          z
            .object({ low: z.number(), high: z.number(), log: z.boolean().optional(), int: z.boolean().optional() })
            .strict()
            .refine((r) => r.low < r.high, 'low must be below high')
            .refine((r) => !r.log || r.low > 0, 'a log range needs low > 0'),
        ),
      })
      .strict()
      .optional(),
    /** Walk-forward validation before the test period, reported per fold. */
    validation: z
      .object({
        folds: z.number().int().min(2).max(50).default(5),
        window: z.enum(['expanding', 'rolling'], { error: 'expected expanding or rolling' }).default('expanding'),
        /** Blocks a rolling window trains on. */
        rollingBlocks: z.number().int().min(1).default(2),
      })
      .strict()
      .optional(),
    seed: z.number().int().default(1),
  })
  .strict()
  .refine((c) => !c.blendKnn || (c.model.objective === 'binary' && c.model.kind !== 'knn'), { message: 'blendKnn applies to classifiers (objective binary) other than kNN itself', path: ['blendKnn'] })
  .refine((c) => !c.search || c.validation, { message: 'a search scores trials on walk-forward folds: add validation: { folds: N }', path: ['search'] })
  .refine((c) => !c.search || Object.keys(c.search.space).every((k) => typeof (c.model as Record<string, unknown>)[k] === 'number'), { message: 'search.space names a parameter the model does not have (or one that is not a number)', path: ['search', 'space'] });
export type TrainConfig = z.output<typeof trainConfigSchema>;
/** Risk limits a portfolio carries. */
export type RiskLimits = z.output<typeof riskLimitsSchema>;

/** Trains a model from a configuration. */
/** Trains a model; `allowPartial` trains on a build some of whose symbols failed or were interrupted (recorded on the model's card). */
export const trainRequestSchema = z.object({ kind: z.literal('train'), config: trainConfigSchema, allowPartial: z.boolean().optional() }).strict();

/** Any job request. */
export const jobRequestSchema = z.discriminatedUnion('kind', [backfillRequestSchema, importRequestSchema, continuousRequestSchema, snapshotsRequestSchema, retentionRequestSchema, materializeRequestSchema, featuresRequestSchema, promoteRequestSchema, icRequestSchema, trainRequestSchema, backtestRequestSchema, sweepRequestSchema, portfolioRequestSchema, filterRequestSchema, paperReplayRequestSchema]);

export const jobIdSchema = z.object({ jobId: z.string().min(1).max(64) }).strict();
export const emptySchema = z.object({}).strict();
