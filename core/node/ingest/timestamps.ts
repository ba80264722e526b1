import { DateTime } from 'luxon';

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
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:[T ]?(\d{2}):?(\d{2}):?(\d{2})?)?$/;

function valid(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return false;
  return d <= new Date(Date.UTC(y, mo, 0)).getUTCDate();
}

/**
 * Reads the timestamp forms vendor files use: ISO dates and date-times (with `T` or a space,
 * optional seconds, fraction, `Z` or offset), `YYYYMMDD[ HHMMSS]`, and epoch numbers in s, ms or ns.
 * Returns undefined when the text is none of these.
 */
export function parseTimestamp(text: string): ParsedTime | undefined {
  const s = text.trim();
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
  let ms = Date.UTC(y, mo - 1, d, h, mi, sec, frac);
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
  if (!DateTime.now().setZone(zone).isValid) throw new Error(`unknown time zone ${zone}; use an IANA name such as Europe/Zurich or America/New_York`);
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
