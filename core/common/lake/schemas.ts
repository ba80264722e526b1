import { z } from 'zod';
import { parseUtc, dateSchema, instantSchema, symbolSchema, timeframeArg } from '../schemas';

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
