import type { FeatureSeries } from './types';

const DAY_MS = 86_400_000;

/** Whether a day number (days since 1970-01-01) falls on Monday–Friday. */
function weekday(day: number): boolean {
  const w = (((day + 4) % 7) + 7) % 7;
  return w !== 0 && w !== 6;
}

/**
 * Sessions for bars without an exchange calendar: each UTC calendar day is a session opening at
 * midnight UTC, and the month's last weekday is its last trading day.
 */
export function utcDaySeries(bars: { t: Float64Array; o: Float64Array; h: Float64Array; l: Float64Array; c: Float64Array; v: Float64Array }): FeatureSeries {
  const n = bars.t.length;
  const day = new Int32Array(n);
  const sessionStart = new Float64Array(n);
  const monthEnd = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const d = Math.floor(bars.t[i]! / DAY_MS);
    day[i] = d;
    sessionStart[i] = d * DAY_MS;
    const date = new Date(d * DAY_MS);
    let next = d + 1;
    while (!weekday(next)) next++;
    monthEnd[i] = new Date(next * DAY_MS).getUTCMonth() !== date.getUTCMonth() ? 1 : 0;
  }
  return { ...bars, day, sessionStart, monthEnd };
}
