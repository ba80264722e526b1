import { z } from 'zod';

/** Bar timeframes the lake stores or aggregates to. Only `1m` is stored; the rest are built on read. */
export const TIMEFRAMES = ['1m', '5m', '15m', '1h', '1d'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];
export const timeframeSchema = z.enum(TIMEFRAMES);

/** Length of an intraday timeframe in milliseconds; `1d` is session-based and has no fixed length. */
export const INTRADAY_MS: Record<Exclude<Timeframe, '1d'>, number> = {
  '1m': 60_000,
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
};
