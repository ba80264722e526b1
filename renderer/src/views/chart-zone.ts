import { fmtDay } from '../format';
/** Zones the chart's time axis can show besides the machine's own; any bar is stored in UTC. */
export const CHART_ZONES = ['UTC', 'America/New_York', 'America/Chicago', 'Europe/London', 'Europe/Berlin', 'Europe/Zurich', 'Asia/Tokyo', 'Australia/Sydney'] as const;

/** Whether a stored value names a zone this browser knows. */
export function isZone(x: unknown): x is string {
  if (typeof x !== 'string' || x.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: x });
    return true;
  } catch {
    return false;
  }
}

/** The machine's own zone, as the browser reports it. */
export const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short' });
    formatters.set(zone, f);
  }
  return f;
}

/** An instant's wall-clock fields in a zone, with the zone's short name then (EST or EDT, GMT+1…). */
export function zonedParts(ms: number, zone: string): { date: string; time: string; zoneName: string; year: string; month: string; day: string } {
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) parts[p.type] = p.value;
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  return { date, time: `${parts.hour}:${parts.minute}`, zoneName: parts.timeZoneName ?? zone, year: parts.year!, month: parts.month!, day: parts.day! };
}

/**
 * The crosshair's and legend's time: `2024-03-01 09:30 EST` in the chosen zone for intraday bars; a
 * daily or weekly bar is a session date and is shown as that date, whatever the zone.
 */
export function crosshairTime(ms: number, zone: string, daily: boolean): string {
  if (daily) return fmtDay(ms);
  const p = zonedParts(ms, zone);
  return `${p.date} ${p.time} ${p.zoneName}`;
}

/** Tick mark kinds as lightweight-charts numbers them (TickMarkType). */
const YEAR = 0;
const MONTH = 1;
const DAY = 2;

/** A time-axis label in the chosen zone: the year, month, day or clock time the tick stands for. */
export function tickLabel(ms: number, tickType: number, zone: string, daily: boolean): string {
  const p = daily ? { year: new Date(ms).toISOString().slice(0, 4), month: new Date(ms).toISOString().slice(5, 7), day: new Date(ms).toISOString().slice(8, 10), time: '' } : zonedParts(ms, zone);
  if (tickType === YEAR) return p.year;
  if (tickType === MONTH) return `${p.year}-${p.month}`;
  if (tickType === DAY || daily) return `${p.month}-${p.day}`;
  return p.time;
}
