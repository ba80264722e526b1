import { describe, expect, it } from 'vitest';
import type { Bars } from '../../../core/common/bars';
import { prependBars, toChartPoints } from './bar-window';

const bars = (t: number[]): Bars => {
  const f = (k: number): Float64Array => Float64Array.from(t, (x) => x + k);
  return { symbol: 'ES', timeframe: '1m', t: Float64Array.from(t), o: f(1), h: f(3), l: f(0), c: f(2), v: f(10) };
};

describe('chart bar window', () => {
  it('prepends an older page and drops the overlap so times stay strictly increasing', () => {
    const joined = prependBars(bars([1, 2, 3, 4]), bars([4, 5, 6]));
    expect(Array.from(joined.t)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(joined.c)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(Array.from(prependBars(bars([]), bars([7])).t)).toEqual([7]);
  });

  it('builds chart points in seconds, colouring volume by candle direction', () => {
    const b = bars([60_000]);
    b.c[0] = 0;
    const pts = toChartPoints(b);
    expect(pts.candles).toEqual([{ time: 60, open: 60_001, high: 60_003, low: 60_000, close: 0 }]);
    expect(pts.volumes[0]!.color).toContain('239,83,80');
  });

  it('joins the session columns with the bars, dropping the same overlap', () => {
    const withSessions = (t: number[]): Bars => ({ ...bars(t), sessions: { day: Int32Array.from(t), sessionStart: Float64Array.from(t, (x) => x * 10), monthEnd: Uint8Array.from(t, (x) => x % 2) } });
    const joined = prependBars(withSessions([1, 2, 3, 4]), withSessions([4, 5, 6]));
    expect(Array.from(joined.sessions!.day)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(joined.sessions!.sessionStart)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(prependBars(bars([1]), withSessions([2])).sessions).toBeUndefined();
  });
});
