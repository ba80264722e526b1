import { z } from 'zod';
import { dateSchema } from '../schemas';

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

/** Risk limits a portfolio carries. */
export type RiskLimits = z.output<typeof riskLimitsSchema>;
