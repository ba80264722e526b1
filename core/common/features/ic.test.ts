import { describe, expect, it } from 'vitest';
import { forwardReturns, icStats, pearson, quintileMeans, ranks } from './ic';

describe('IC statistics', () => {
  it('computes Pearson, ranks with ties and quintile means by hand', () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 14);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 14);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(Array.from(ranks([10, 30, 20, 30]))).toEqual([1, 3.5, 2, 3.5]);
    expect(quintileMeans([5, 4, 3, 2, 1, 10, 9, 8, 7, 6], [50, 40, 30, 20, 10, 100, 90, 80, 70, 60])).toEqual([15, 35, 55, 75, 95]);
    expect(Array.from(forwardReturns(Float64Array.from([1, 2, 4]), 1))).toEqual([Math.log(2), Math.log(2), Number.NaN]);
  });

  it('finds a predictive feature, its mirror image and noise, per period', () => {
    let x = 7;
    const rnd = (): number => {
      x = (x * 48271) % 2147483647;
      return x / 2147483647 - 0.5;
    };
    const n = 2000;
    const close = new Float64Array(n);
    close[0] = 100;
    for (let i = 1; i < n; i++) close[i] = close[i - 1]! * Math.exp(rnd() * 0.01);
    const forward = forwardReturns(close, 1);
    const period = Int32Array.from({ length: n }, (_, i) => Math.floor(i / 50));
    const good = Float64Array.from(forward, (r) => r + rnd() * 0.002);
    const mirror = Float64Array.from(good, (v) => -v);
    const noise = Float64Array.from({ length: n }, () => rnd());
    const g = icStats('good', 1, [{ feature: good, forward, period }]);
    expect(g.ic).toBeGreaterThan(0.8);
    expect(g.rankIc).toBeGreaterThan(0.8);
    expect(g.tStat).toBeGreaterThan(20);
    expect(g.periods).toBe(40);
    expect(g.observations).toBe(n - 1);
    expect(g.spread).toBeGreaterThan(0);
    expect(g.quintiles[4]).toBeGreaterThan(g.quintiles[0]!);
    const m = icStats('mirror', 1, [{ feature: mirror, forward, period }]);
    expect(m.ic).toBeCloseTo(-g.ic, 12);
    expect(m.spread).toBeLessThan(0);
    expect(Math.abs(icStats('noise', 1, [{ feature: noise, forward, period }]).tStat)).toBeLessThan(4);
  });
});
