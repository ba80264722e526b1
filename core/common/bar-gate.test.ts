import { describe, expect, it } from 'vitest';
import { barTimeProblem, gateSeries, gridProblem, liveMinuteProblem, rowFields, utcMs, type GateColumns } from './bar-gate';
import { intradayTimeframeOf, STORED_TIMEFRAME_MS } from './timeframes';

const cols = (rows: [number, number, number, number, number, number][]): GateColumns => ({
  t: Float64Array.from(rows, (r) => r[0]),
  o: Float64Array.from(rows, (r) => r[1]),
  h: Float64Array.from(rows, (r) => r[2]),
  l: Float64Array.from(rows, (r) => r[3]),
  c: Float64Array.from(rows, (r) => r[4]),
  v: Float64Array.from(rows, (r) => r[5]),
});
const none = cols([]);
const NOW = Date.UTC(2026, 11, 3, 12);

describe('the bar gate', () => {
  it('writes years 0001–9999 as written (Date.UTC would shift 0–99 to the 1900s)', () => {
    for (const y of [1, 24, 99, 1899, 1970, 2200, 9999]) expect(new Date(utcMs(y, 3, 1, 10, 5)).toISOString()).toBe(`${String(y).padStart(4, '0')}-03-01T10:05:00.000Z`);
    expect(barTimeProblem(utcMs(1, 1, 1), NOW)).toBeUndefined();
    expect(barTimeProblem(utcMs(0, 12, 31), NOW)).toMatch(/outside the years 0001–9999/);
    expect(barTimeProblem(NOW + 60_000, NOW)).toBeUndefined();
    expect(barTimeProblem(NOW + 3 * 60_000, NOW)).toMatch(/in the future/);
    expect(barTimeProblem(Number.NaN, NOW)).toBe('missing timestamp');
    expect(rowFields(cols([[Number.NaN, Number.NaN, Number.POSITIVE_INFINITY, 1, 1, -1]]), 0)).toBe('{"t":"NaN","open":"NaN","high":"Infinity","low":1,"close":1,"volume":-1}');
  });

  it('keeps the first row of a time in input order: equal later rows are duplicates, different ones conflicts naming it', () => {
    const t = Date.UTC(2024, 0, 2, 14, 30);
    const b = cols([
      [t + 60_000, 1, 2, 0.5, 1.5, 1],
      [t, 1, 2, 0.5, 1.5, 1],
      [t, 1, 2, 0.5, 1.5, 1],
      [t, 1, 2, 0.5, 1.25, 1],
      [t + 90_000, 1, 2, 0.5, 1.5, 1],
    ]);
    const g = gateSeries(b, Uint32Array.from([0, 1, 2, 3, 4]), '1m', none, NOW, (i) => `line ${i + 2}`);
    expect(Array.from(g.kept)).toEqual([1, 0]);
    expect(g.duplicates).toBe(1);
    expect(g.rejects.map((r) => [r.row, r.reason.slice(0, 60)])).toEqual([
      [3, 'conflict: same time 2024-01-02T14:30:00Z as line 3 with diff'],
      [4, 'timestamp 2024-01-02T14:31:30Z is off the 1m grid (bars of 1'],
    ]);
    // Against the lake: the stored bar stands.
    const stored = cols([[t, 1, 2, 0.5, 1.75, 1]]);
    const again = gateSeries(b, Uint32Array.from([1]), '1m', stored, NOW, (i) => `line ${i + 2}`);
    expect(again.kept.length).toBe(0);
    expect(again.rejects[0]!.reason).toMatch(/the lake already stores a 1m bar at 2024-01-02T14:30:00Z with different values .*close 1.5 .*close 1.75/);
  });

  it('puts daily bars at midnight UTC, and refuses live minutes a day old or off the minute', () => {
    expect(gridProblem(Date.UTC(2024, 0, 2), '1d')).toBeUndefined();
    expect(gridProblem(Date.UTC(2024, 0, 2, 5), '1d')).toMatch(/daily bars at 00:00/);
    const m = { t: NOW - 2 * 86_400_000, o: 1, h: 1, l: 1, c: 1, v: 1 };
    expect(liveMinuteProblem(m, NOW)).toMatch(/older than a live minute can be \(24 h/);
    expect(liveMinuteProblem(m, NOW, 3 * 86_400_000)).toBeUndefined();
    expect(liveMinuteProblem({ ...m, t: NOW - 30_000 }, NOW)).toMatch(/off the 1m grid/);
  });
});

describe('timeframe inference', () => {
  const of = (times: number[], known: string[] = []): string | undefined => intradayTimeframeOf((step) => times.filter((t) => t % step === 0).length, times.length, known);
  const min = (k: number): number => Date.UTC(2024, 0, 2, 14) + k * 60_000;

  it('takes the largest grid all bars sit on; with 20 bars or more, 90% of them', () => {
    expect(of([min(0), min(30), min(90)])).toBe('30m');
    expect(of([min(0), min(1), min(7) + 30_000])).toBe('1s');
    const minutes = Array.from({ length: 30 }, (_, k) => min(k));
    expect(of([...minutes, min(40) + 30_000])).toBe('1m');
    expect(of([...minutes, ...[41, 42, 43, 44].map((k) => min(k) + 30_000)])).toBe('1s');
  });

  it('prefers the one timeframe the lake stores the symbol at over a finer answer, never over a coarser one', () => {
    expect(of([min(0), min(1), min(7) + 30_000], ['1m'])).toBe('1m');
    expect(of([min(0), min(5)], ['1m'])).toBe('5m');
    expect(of([min(0), min(1), min(2)], ['5m'])).toBe('1m');
    expect(of([min(0), min(1), min(2)], ['1m', '5m'])).toBe('1m');
    expect(Object.keys(STORED_TIMEFRAME_MS)).toContain('1s');
  });
});
