import { DateTime } from 'luxon';
import type { SessionCalendar } from '../common/instruments';

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

/** Whether a calendar date is a trading date: a weekday that is not a holiday. */
export function isTradingDay(cal: SessionCalendar, day: number): boolean {
  const dow = new Date(day * DAY_MS).getUTCDay();
  if (dow === 0 || dow === 6) return false;
  return !cal.holidays.includes(dayString(day).slice(5));
}

/** The session that closes on a trading date, with DST taken from the calendar's IANA zone. */
export function sessionOf(cal: SessionCalendar, day: number): Session {
  const date = dayString(day);
  const close = DateTime.fromISO(date, { zone: cal.tz }).set({ ...hm(cal.close), second: 0, millisecond: 0 });
  const open = DateTime.fromISO(dayString(day - 1), { zone: cal.tz }).set({ ...hm(cal.open), second: 0, millisecond: 0 });
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
