import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { QaCoverage } from '../../common/lake/types';
import type { Catalog } from '../catalog';
import { calendarFor, sessionsBetween, type Session } from '../calendar';
import { sessionDateSql } from './bar-reader';
import { readFloat64Columns, sqlString } from './duck-columns';

const DAY_MS = 86_400_000;
const MISSING_EXAMPLES = 100;

/** Trading days of a series' span without a calendar: the weekdays (UTC) from the first bar's date to the last's. */
function weekdays(firstMs: number, lastMs: number): { date: string; day: number }[] {
  const out: { date: string; day: number }[] = [];
  for (let d = Math.floor(firstMs / DAY_MS); d <= Math.floor(lastMs / DAY_MS); d++) {
    const dow = new Date(d * DAY_MS).getUTCDay();
    if (dow !== 0 && dow !== 6) out.push({ date: new Date(d * DAY_MS).toISOString().slice(0, 10), day: d });
  }
  return out;
}

/**
 * Which sessions between a series' first and last bar hold at least one bar: the calendar's sessions
 * (an intraday bar counts for the session whose hours hold it, a daily bar for its date), or weekdays
 * by UTC date without a calendar. Holes of any length show, months without a single bar included,
 * which gap counting inside sessions cannot see.
 */
export function sessionCoverage(t: Float64Array, timeframe: string, sessions: Session[] | null): QaCoverage {
  const n = t.length;
  if (n === 0) return { basis: sessions ? 'calendar' : 'weekdays', expectedSessions: 0, presentSessions: 0, missingSessions: [], missingMonths: [], months: [] };
  const daily = timeframe === '1d';
  const expected = sessions
    ? sessions.filter((s) => (daily ? s.day >= Math.floor(t[0]! / DAY_MS) && s.day <= Math.floor(t[n - 1]! / DAY_MS) : s.end > t[0]! && s.start <= t[n - 1]!))
    : weekdays(t[0]!, t[n - 1]!);
  const present = new Uint8Array(expected.length);
  // Bars and sessions are both in time order: one walk marks every session a bar falls in.
  for (let i = 0, k = 0; i < n && k < expected.length; i++) {
    const x = t[i]!;
    if (sessions && !daily) {
      const list = expected as Session[];
      while (k < list.length && list[k]!.end <= x) k++;
      if (k < list.length && x >= list[k]!.start) present[k] = 1;
    } else {
      const day = Math.floor(x / DAY_MS);
      while (k < expected.length && expected[k]!.day < day) k++;
      if (k < expected.length && expected[k]!.day === day) present[k] = 1;
    }
  }
  const months: QaCoverage['months'] = [];
  const missingSessions: string[] = [];
  let presentSessions = 0;
  expected.forEach((s, k) => {
    const month = s.date.slice(0, 7);
    if (months.length === 0 || months[months.length - 1]!.month !== month) months.push({ month, expected: 0, present: 0 });
    const m = months[months.length - 1]!;
    m.expected++;
    if (present[k]) {
      m.present++;
      presentSessions++;
    } else if (missingSessions.length < MISSING_EXAMPLES) missingSessions.push(s.date);
  });
  return {
    basis: sessions ? 'calendar' : 'weekdays',
    expectedSessions: expected.length,
    presentSessions,
    missingSessions,
    missingMonths: months.filter((m) => m.present === 0).map((m) => m.month),
    months,
  };
}

/**
 * Session coverage of one stored series from the session dates its bars fall on (one query over the
 * time column), without reading the bars themselves: what the Data view's coverage strips show.
 */
export async function storedCoverage(con: DuckDBConnection, catalog: Catalog, lakeRoot: string, symbol: string, timeframe: string): Promise<QaCoverage> {
  const files = catalog.barFiles({ timeframe, symbol });
  const cal = calendarFor(catalog, symbol);
  if (files.length === 0) return sessionCoverage(new Float64Array(0), '1d', cal ? [] : null);
  const list = files.map((f) => sqlString(path.join(lakeRoot, f.path))).join(', ');
  const day = timeframe === '1d' ? 'CAST(ts AS DATE)' : sessionDateSql(cal);
  const [days] = await readFloat64Columns(con, `SELECT DISTINCT epoch_ms(CAST(${day} AS TIMESTAMP))::DOUBLE AS d FROM read_parquet([${list}], hive_partitioning = false) ORDER BY d`);
  const t = days!;
  const sessions = cal && t.length > 0 ? sessionsBetween(cal, Math.floor(t[0]! / DAY_MS), Math.floor(t[t.length - 1]! / DAY_MS)) : null;
  return sessionCoverage(t, '1d', sessions);
}
