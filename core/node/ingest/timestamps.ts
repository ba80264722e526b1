import { DateTime } from 'luxon';
import { utcMs } from '../../common/bar-gate';
import { ApiError } from '../../common/errors';

/** A parsed timestamp: epoch ms as if the wall time were UTC, and what the text carried. */
export interface ParsedTime {
  /** Epoch ms of the wall time read as UTC (or the true instant when `zoned`). */
  ms: number;
  /** Whether a time of day was present. */
  hasTime: boolean;
  /** Whether the text fixed the instant itself (epoch number, `Z` or an offset). */
  zoned: boolean;
}

const ISO = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;
const DECIMAL_YEAR = /^(?:19|20)\d\d(?:\.\d+)?$/;
/** Business days a decimal-year grid counts per year (R's daily financial series, e.g. EuStockMarkets, use frequency 260). */
const BUSINESS_DAYS_PER_YEAR = 260;

/**
 * A decimal year (`1991.49615384615`) as a date: the fraction counts business days on a 260-day grid,
 * so k/260 is the k-th weekday (0-based) from 1 January of that year. Such files carry no dates at
 * all; weekdays are the grid they were sampled on.
 */
function decimalYear(s: string): ParsedTime | undefined {
  const year = Math.floor(Number(s));
  const k = Math.round((Number(s) - year) * BUSINESS_DAYS_PER_YEAR);
  if (k >= BUSINESS_DAYS_PER_YEAR) return undefined;
  let ms = utcMs(year, 1, 1);
  for (let seen = -1; ; ms += 86_400_000) {
    const dow = new Date(ms).getUTCDay();
    if (dow !== 0 && dow !== 6 && ++seen === k) return { ms, hasTime: false, zoned: false };
  }
}
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:[T ]?(\d{2}):?(\d{2}):?(\d{2})?)?$/;

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function valid(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return false;
  const leap = mo === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0);
  return d <= MONTH_DAYS[mo - 1]! + (leap ? 1 : 0);
}

const d2 = (s: string, i: number): number => (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);

/** `YYYY-MM-DD` and `YYYY-MM-DD[T ]HH:MM:SS[Z]` by character arithmetic: the shapes of most files, read fast. */
function parseIsoFast(s: string): ParsedTime | undefined {
  const len = s.length;
  if ((len !== 10 && len !== 19 && len !== 20) || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined;
  for (const i of len === 10 ? DATE_DIGITS : DATETIME_DIGITS) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  const y = d2(s, 0) * 100 + d2(s, 2);
  const mo = d2(s, 5);
  const d = d2(s, 8);
  if (len === 10) return valid(y, mo, d, 0, 0, 0) ? { ms: utcMs(y, mo, d), hasTime: false, zoned: false } : undefined;
  const sep = s.charCodeAt(10);
  if ((sep !== 32 && sep !== 84) || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || (len === 20 && s.charCodeAt(19) !== 90)) return undefined;
  const h = d2(s, 11);
  const mi = d2(s, 14);
  const sec = d2(s, 17);
  if (!valid(y, mo, d, h, mi, sec)) return undefined;
  return { ms: utcMs(y, mo, d, h, mi, sec), hasTime: true, zoned: len === 20 };
}

const DATE_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9];
const DATETIME_DIGITS = [...DATE_DIGITS, 11, 12, 14, 15, 17, 18];

/**
 * Reads the timestamp forms vendor files use: ISO dates and date-times (with `T` or a space,
 * optional seconds, fraction, `Z` or offset), `YYYYMMDD[ HHMMSS]`, and epoch numbers in s, ms or ns.
 * Returns undefined when the text is none of these.
 */
export function parseTimestamp(text: string): ParsedTime | undefined {
  const fast = parseIsoFast(text);
  if (fast !== undefined) return fast;
  const s = text.trim();
  if (DECIMAL_YEAR.test(s)) return decimalYear(s);
  // Epoch numbers: 10 digits are seconds, 13 milliseconds, 16–19 nanoseconds (or microseconds at 16).
  if (/^\d+$/.test(s) && (s.length === 10 || s.length === 13 || s.length >= 16) && s.length <= 19) {
    const n = s.length >= 16 ? Number(BigInt(s) / (s.length === 16 ? 1_000n : 1_000_000n)) : s.length === 13 ? Number(s) : Number(s) * 1000;
    return { ms: n, hasTime: true, zoned: true };
  }
  let m = ISO.exec(s);
  if (!m) m = COMPACT.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const h = m[4] === undefined ? 0 : Number(m[4]);
  const mi = m[5] === undefined ? 0 : Number(m[5]);
  const sec = m[6] === undefined ? 0 : Number(m[6]);
  if (!valid(y, mo, d, h, mi, sec)) return undefined;
  const frac = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  let ms = utcMs(y, mo, d, h, mi, sec, frac);
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return { ms, hasTime: m[4] !== undefined, zoned: zone !== undefined };
}

/**
 * Converts wall-clock times of an IANA zone to UTC. Offsets are looked up once per local hour, so
 * millions of rows cost a few thousand zone lookups; DST is taken from the zone's rules.
 */
export function zoneConverter(zone: string): (wallMs: number) => number {
  if (zone === 'UTC' || zone === 'Etc/UTC') return (ms) => ms;
  if (!DateTime.now().setZone(zone).isValid) throw new ApiError('invalid_argument', `unknown time zone ${zone}; use an IANA name such as Europe/Zurich or America/New_York`, 'tz');
  const cache = new Map<number, number>();
  return (wallMs) => {
    const hour = Math.floor(wallMs / 3_600_000);
    let offset = cache.get(hour);
    if (offset === undefined) {
      const w = DateTime.fromMillis(hour * 3_600_000, { zone: 'UTC' });
      const local = DateTime.fromObject({ year: w.year, month: w.month, day: w.day, hour: w.hour }, { zone });
      offset = local.offset * 60_000;
      cache.set(hour, offset);
    }
    return wallMs - offset;
  };
}
