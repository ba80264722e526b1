import { z } from 'zod';
import { TIMEFRAMES } from './timeframes';

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

export const jobIdSchema = z.object({ jobId: z.string().min(1).max(64) }).strict();
export const emptySchema = z.object({}).strict();
