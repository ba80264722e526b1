import { z } from 'zod';
import { symbolSchema } from '../schemas';

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
