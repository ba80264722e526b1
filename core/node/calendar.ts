import { DateTime } from 'luxon';
import { CALENDARS, findInstrument, type SessionCalendar } from '../common/instruments';

/** One trading session: its trading date and its UTC bounds [start, end). */
export interface Session {
  /** Trading date, `YYYY-MM-DD` (the day the session closes). */
  date: string;
  /** Day number since 1970-01-01 of the trading date. */
  day: number;
  /** First minute, epoch ms UTC. */
  start: number;
  /** End (exclusive), epoch ms UTC. */
  end: number;
}

const DAY_MS = 86_400_000;

function hm(s: string): { hour: number; minute: number } {
  const [h, m] = s.split(':').map(Number);
  return { hour: h!, minute: m! };
}

/** Day number (days since 1970-01-01) of a `YYYY-MM-DD` date. */
export function dayNumber(date: string): number {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
}

/** `YYYY-MM-DD` of a day number. */
export function dayString(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Easter Sunday of a year (anonymous Gregorian algorithm), as a day number. */
export function easterDay(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const dayOfMonth = ((h + l - 7 * m + 114) % 31) + 1;
  return Math.floor(Date.UTC(year, month - 1, dayOfMonth) / DAY_MS);
}

function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  if (n > 0) {
    const first = Math.floor(Date.UTC(year, month - 1, 1) / DAY_MS);
    const dow = new Date(first * DAY_MS).getUTCDay();
    return first + ((weekday - dow + 7) % 7) + (n - 1) * 7;
  }
  const last = Math.floor(Date.UTC(year, month, 0) / DAY_MS);
  const dow = new Date(last * DAY_MS).getUTCDay();
  return last - ((dow - weekday + 7) % 7);
}

const holidayCache = new Map<string, Set<number>>();

/** The closed dates of a calendar in a year, as day numbers. */
export function holidaysOf(cal: SessionCalendar, year: number): Set<number> {
  const key = `${cal.id}:${year}`;
  const cached = holidayCache.get(key);
  if (cached) return cached;
  const r = cal.holidays;
  const out = new Set<number>();
  const fixed = [...r.fixed, ...(r.fixedSince ?? []).filter((x) => year >= x.since).map((x) => x.date)];
  for (const md of fixed) {
    let d = dayNumber(`${year}-${md}`);
    const dow = new Date(d * DAY_MS).getUTCDay();
    if (r.observed && dow === 6) d -= 1;
    if (r.observed && dow === 0) d += 1;
    out.add(d);
  }
  for (const off of r.easter ?? []) out.add(easterDay(year) + off);
  for (const x of r.nth ?? []) if (x.since === undefined || year >= x.since) out.add(nthWeekday(year, x.month, x.weekday, x.n));
  holidayCache.set(key, out);
  return out;
}

/** Whether a calendar date is a trading date: a weekday that is not a holiday. */
export function isTradingDay(cal: SessionCalendar, day: number): boolean {
  const date = new Date(day * DAY_MS);
  const dow = date.getUTCDay();
  if (dow === 0 || dow === 6) return false;
  return !holidaysOf(cal, date.getUTCFullYear()).has(day);
}

/** The calendar of a symbol: the one chosen for it on import, else a built-in instrument's. */
export function calendarFor(catalog: { symbolCalendar(symbol: string): string | undefined }, symbol: string): SessionCalendar | undefined {
  const id = catalog.symbolCalendar(symbol);
  return (id !== undefined ? CALENDARS[id] : undefined) ?? findInstrument(symbol)?.calendar;
}

/** Whether sessions open on the evening before their trading date. */
export function opensOvernight(cal: SessionCalendar): boolean {
  return minutesOf(cal.open) > minutesOf(cal.close);
}

/** The session that closes on a trading date, with DST taken from the calendar's IANA zone. */
export function sessionOf(cal: SessionCalendar, day: number): Session {
  const date = dayString(day);
  const close = DateTime.fromISO(date, { zone: cal.tz }).set({ ...hm(cal.close), second: 0, millisecond: 0 });
  const open = DateTime.fromISO(dayString(opensOvernight(cal) ? day - 1 : day), { zone: cal.tz }).set({ ...hm(cal.open), second: 0, millisecond: 0 });
  return { date, day, start: open.toMillis(), end: close.toMillis() };
}

/** Sessions whose trading dates fall in [fromDay, toDay], oldest first. */
export function sessionsBetween(cal: SessionCalendar, fromDay: number, toDay: number): Session[] {
  const out: Session[] = [];
  for (let d = fromDay; d <= toDay; d++) if (isTradingDay(cal, d)) out.push(sessionOf(cal, d));
  return out;
}

/** Sessions that hold any minute of [fromMs, toMs), oldest first. */
export function sessionsOverlapping(cal: SessionCalendar, fromMs: number, toMs: number): Session[] {
  const first = Math.floor(fromMs / DAY_MS) - 1;
  const last = Math.floor(toMs / DAY_MS) + 2;
  return sessionsBetween(cal, first, last).filter((s) => s.end > fromMs && s.start < toMs);
}

/** Local minute of the day (0–1439) in the calendar's zone for each of a session's minutes, with DST respected. */
export function localMinuteOfDay(cal: SessionCalendar, s: Session): Int16Array {
  const n = Math.round((s.end - s.start) / 60_000);
  const out = new Int16Array(n);
  const startLocal = DateTime.fromMillis(s.start, { zone: cal.tz });
  const startMinute = startLocal.hour * 60 + startLocal.minute;
  const offsetStart = startLocal.offset;
  // Sessions span at most one DST switch (Sunday 02:00 local); find it once rather than per minute.
  const endOffset = DateTime.fromMillis(s.end - 60_000, { zone: cal.tz }).offset;
  let switchAt = n;
  let delta = 0;
  if (endOffset !== offsetStart) {
    delta = endOffset - offsetStart;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (DateTime.fromMillis(s.start + mid * 60_000, { zone: cal.tz }).offset === offsetStart) lo = mid + 1;
      else hi = mid;
    }
    switchAt = lo;
  }
  for (let i = 0; i < n; i++) out[i] = (((startMinute + i + (i >= switchAt ? delta : 0)) % 1440) + 1440) % 1440;
  return out;
}

/** Minutes from local midnight of an `HH:MM` string. */
export function minutesOf(s: string): number {
  const { hour, minute } = hm(s);
  return hour * 60 + minute;
}
