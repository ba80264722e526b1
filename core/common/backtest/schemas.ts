import { z } from 'zod';
import { CONFIG_NAME } from '../ids';
import { dateSchema, symbolSchema, timeframeArg } from '../schemas';
import { riskLimitsSchema } from '../trading/schemas';

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
