import { STORED_TIMEFRAME_MS } from './timeframes';
import type { Bars } from './bars';

/**
 * The one gate every bar passes before it is stored: imports (CSV, Parquet, DBN), vendor backfills,
 * the live feed's appender and retention's rewrite all call these checks, so a bar the lake holds
 * always meant the same thing whichever way it came in.
 */

/** Columns of bars, epoch-ms open times. */
export type GateColumns = Pick<Bars, 't' | 'o' | 'h' | 'l' | 'c' | 'v'>;

/**
 * 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the years a four-digit date writes, less year 0,
 * which DuckDB and JavaScript number differently (1 BC).
 */
export const FIRST_STORABLE_MS = -62_135_596_800_000;
export const LAST_STORABLE_MS = 253_402_300_799_999;

/** How far past the current clock a bar may be stamped (clock skew between a vendor and this machine). */
export const FUTURE_TOLERANCE_MS = 2 * 60_000;

/**
 * What is wrong with a minute a live feed sent, or undefined: the gate's checks, the minute grid, and
 * no older than `maxAgeMs` (a day unless a recorded feed is replayed: a 1970 stamp is not live data).
 */
export function liveMinuteProblem(m: { t: number; o: number; h: number; l: number; c: number; v: number }, now: number, maxAgeMs = 86_400_000): string | undefined {
  return (
    barTimeProblem(m.t, now) ??
    (m.t < now - maxAgeMs ? `timestamp ${isoOf(m.t)} is older than a live minute can be (${maxAgeMs / 3_600_000} h before now, ${isoOf(now)})` : undefined) ??
    barValueProblem(m.o, m.h, m.l, m.c, m.v) ??
    gridProblem(m.t, '1m')
  );
}

/**
 * Epoch ms of a UTC calendar time for any year 0–9999. `Date.UTC` reads years 0–99 as 1900–1999,
 * which shifted a file dated 0024 to 1924.
 */
export function utcMs(year: number, month1: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(Date.UTC(2000, month1 - 1, day, hour, minute, second, ms));
  d.setUTCFullYear(year, month1 - 1, day);
  return d.getTime();
}

/** An instant as ISO text, for messages (years beyond 9999 or before 0 show as JavaScript writes them). */
export function isoOf(ms: number): string {
  return Number.isFinite(ms) && ms >= -8.64e15 && ms <= 8.64e15 ? new Date(ms).toISOString().replace('.000Z', 'Z') : String(ms);
}

const FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;

/**
 * What is wrong with one bar's values, or undefined: every price a finite positive number, low below
 * open and close below high, volume finite and not negative.
 */
export function barValueProblem(o: number, h: number, l: number, c: number, v: number): string | undefined {
  const values = [o, h, l, c, v];
  for (let k = 0; k < 5; k++) {
    const x = values[k]!;
    if (Number.isNaN(x)) return `missing ${FIELDS[k]}`;
    if (!Number.isFinite(x)) return `${FIELDS[k]} is not finite: ${x}`;
  }
  if (h < o || h < c || h < l || l > o || l > c) return `OHLC inconsistent: open ${o} high ${h} low ${l} close ${c}`;
  if (l <= 0) return `prices must be positive: open ${o} high ${h} low ${l} close ${c}`;
  if (v < 0) return `negative volume ${v}`;
  return undefined;
}

/** What is wrong with a bar's time, or undefined: inside years 0–9999 and not after `now` plus a small tolerance. */
export function barTimeProblem(t: number, now: number): string | undefined {
  if (!Number.isFinite(t)) return 'missing timestamp';
  if (t < FIRST_STORABLE_MS || t > LAST_STORABLE_MS) return `timestamp outside the years 0001–9999: ${isoOf(t)}`;
  if (t > now + FUTURE_TOLERANCE_MS) return `timestamp ${isoOf(t)} is in the future (now is ${isoOf(now)}); bars can only be stored for times that have happened`;
  return undefined;
}

/** What is wrong with a trade's price and size, or undefined: a finite positive price and size. */
export function tradeProblem(price: number, size: number): string | undefined {
  if (Number.isNaN(price)) return 'missing price';
  if (!Number.isFinite(price) || price <= 0) return `price must be a positive number: ${price}`;
  if (!Number.isFinite(size) || size <= 0) return `size must be a positive number: ${size}`;
  return undefined;
}

/** Whether a bar time sits on its timeframe's grid: a multiple of the bar length in UTC (daily bars at midnight). */
export function gridProblem(t: number, timeframe: string): string | undefined {
  const step = STORED_TIMEFRAME_MS[timeframe];
  if (step === undefined) return undefined;
  const off = ((t % step) + step) % step;
  return off === 0 ? undefined : `timestamp ${isoOf(t)} is off the ${timeframe} grid (bars of ${timeframe} open at multiples of ${timeframe} in UTC${timeframe === '1d' ? ', daily bars at 00:00' : ''})`;
}

/** Everything the gate checks on one row, or undefined. */
export function rowProblem(b: GateColumns, i: number, now: number): string | undefined {
  return barTimeProblem(b.t[i]!, now) ?? barValueProblem(b.o[i]!, b.h[i]!, b.l[i]!, b.c[i]!, b.v[i]!);
}

/** The fields of one row, for a reject's raw text when the source has no text of its own. */
export function rowFields(b: GateColumns, i: number): string {
  // NaN and Infinity are written as words: JSON would show them as null.
  return JSON.stringify({ t: isoOf(b.t[i]!), open: b.o[i], high: b.h[i], low: b.l[i], close: b.c[i], volume: b.v[i] }, (_, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
}

function sameBar(a: GateColumns, i: number, b: GateColumns, j: number): boolean {
  return a.o[i] === b.o[j] && a.h[i] === b.h[j] && a.l[i] === b.l[j] && a.c[i] === b.c[j] && a.v[i] === b.v[j];
}

function values(b: GateColumns, i: number): string {
  return `open ${b.o[i]} high ${b.h[i]} low ${b.l[i]} close ${b.c[i]} volume ${b.v[i]}`;
}

/** A row the gate refused: its index in the input and why. */
export interface GateReject {
  row: number;
  reason: string;
}

/** What the gate lets through, and what not: kept.length + rejects.length + duplicates = rows given. */
export interface GateOutcome {
  /** Input row indices to store, in time order. */
  kept: Uint32Array;
  rejects: GateReject[];
  duplicates: number;
}

/**
 * Gates one series' rows (`rows`: indices into `b`, any order) against each other and against what the
 * lake already stores for it (`stored`, sorted by time): bad rows and off-grid times are rejected; a
 * time seen twice with equal values is a duplicate, with different values a conflict reject naming
 * the row (or stored bar) it disagrees with. The first row of a time in input order is the one kept.
 * `where(i)` names a row in messages (`line 12`, `record 3`); `rowCheck` adds a path's own rule (the live feed's age).
 */
export function gateSeries(b: GateColumns, rows: Uint32Array, timeframe: string, stored: GateColumns, now: number, where: (i: number) => string, rowCheck: (i: number) => string | undefined = () => undefined): GateOutcome {
  const rejects: GateReject[] = [];
  const valid: number[] = [];
  for (const i of rows) {
    const why = rowProblem(b, i, now) ?? gridProblem(b.t[i]!, timeframe) ?? rowCheck(i);
    if (why) rejects.push({ row: i, reason: why });
    else valid.push(i);
  }
  const order = Uint32Array.from(valid);
  let sorted = true;
  for (let k = 1; k < order.length && sorted; k++) sorted = b.t[order[k]!]! > b.t[order[k - 1]!]! || (b.t[order[k]!] === b.t[order[k - 1]!] && order[k]! > order[k - 1]!);
  if (!sorted) order.sort((x, y) => b.t[x]! - b.t[y]! || x - y);
  const kept = new Uint32Array(order.length);
  let n = 0;
  let duplicates = 0;
  let first = -1;
  for (let k = 0, j = 0; k < order.length; k++) {
    const i = order[k]!;
    const t = b.t[i]!;
    if (first >= 0 && b.t[first] === t) {
      if (sameBar(b, i, b, first)) duplicates++;
      else rejects.push({ row: i, reason: `conflict: same time ${isoOf(t)} as ${where(first)} with different values (${values(b, i)} here; ${values(b, first)} there)` });
      continue;
    }
    first = i;
    while (j < stored.t.length && stored.t[j]! < t) j++;
    if (j < stored.t.length && stored.t[j] === t) {
      if (sameBar(b, i, stored, j)) duplicates++;
      else rejects.push({ row: i, reason: `conflict: the lake already stores a ${timeframe} bar at ${isoOf(t)} with different values (${values(b, i)} here; ${values(stored, j)} stored)` });
      continue;
    }
    kept[n++] = i;
  }
  rejects.sort((x, y) => x.row - y.row);
  return { kept: kept.subarray(0, n), rejects, duplicates };
}

/**
 * What is wrong with a market event's times (epoch ms), or undefined: the receive time must be one the
 * lake can store and that has happened; the event time, when the venue gave one (NaN when not), must
 * be storable too.
 */
export function eventTimeProblem(recvMs: number, eventMs: number, now: number): string | undefined {
  const recv = barTimeProblem(recvMs, now);
  if (recv) return `ts_recv: ${recv}`;
  if (!Number.isNaN(eventMs) && (eventMs < FIRST_STORABLE_MS || eventMs > LAST_STORABLE_MS)) return `ts_event outside the years 0001–9999: ${isoOf(eventMs)}`;
  return undefined;
}

/** What is wrong with one side of a book level, or undefined: a level that shows size must show a finite price. */
export function levelProblem(price: number, size: number, what: string): string | undefined {
  if (size > 0 && !Number.isFinite(price)) return `${what} shows size ${size} but no price`;
  return undefined;
}

/**
 * What is wrong with the order of a book side's levels (`prices[k]` and `sizes[k]`, best first), or
 * undefined: among levels that show size, bids must fall and asks rise strictly.
 */
export function levelOrderProblem(prices: ArrayLike<number>, sizes: ArrayLike<number>, from: number, levels: number, side: 'bid' | 'ask'): string | undefined {
  let last = Number.NaN;
  for (let k = 0; k < levels; k++) {
    if (!(sizes[from + k]! > 0)) continue;
    const p = prices[from + k]!;
    if (!Number.isNaN(last) && (side === 'bid' ? p >= last : p <= last)) return `${side} level ${k} at ${p} is not ${side === 'bid' ? 'below' : 'above'} the level before it (${last})`;
    last = p;
  }
  return undefined;
}
