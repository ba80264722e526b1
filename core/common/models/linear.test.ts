import { describe, expect, it } from 'vitest';
import { rng } from './gbdt';
import { predictLinear, trainLasso, trainLogistic, trainRidge } from './linear';
import { scalerOf } from './moments';
import { rocAuc } from './metrics';

describe('linear models', () => {
  it('recovers logistic coefficients in the original feature scale, standardising internally', () => {
    const r = rng(11);
    const n = 20_000;
    const x = [Float64Array.from({ length: n }, () => r() * 100 + 4000), Float64Array.from({ length: n }, () => r() - 0.5)];
    const y = Float64Array.from({ length: n }, (_, i) => (r() < 1 / (1 + Math.exp(-(0.05 * (x[0]![i]! - 4050) + 3 * x[1]![i]!))) ? 1 : 0));
    const m = trainLogistic(x, y, { l2: 1e-6 });
    expect(m.coef[0]).toBeCloseTo(0.05, 2);
    expect(m.coef[1]).toBeCloseTo(3, 0);
    expect(m.intercept).toBeCloseTo(-0.05 * 4050, -1);
    expect(rocAuc(predictLinear(m, x), y)).toBeGreaterThan(0.8);
    // A strong penalty shrinks the weights.
    expect(Math.abs(trainLogistic(x, y, { l2: 1e5 }).coef[1]!)).toBeLessThan(Math.abs(m.coef[1]!) / 2);
  });

  it('fits ridge regression exactly on noiseless data and imputes missing inputs with the mean', () => {
    const x = [Float64Array.from([1, 2, 3, 4, 5, 6]), Float64Array.from([0, 1, 0, 1, 0, 2])];
    const y = Float64Array.from(x[0]!, (v, i) => 2 * v - 3 * x[1]![i]! + 1);
    const m = trainRidge(x, y, { l2: 1e-9 });
    expect(m.coef[0]).toBeCloseTo(2, 6);
    expect(m.coef[1]).toBeCloseTo(-3, 6);
    expect(m.intercept).toBeCloseTo(1, 6);
    const p = predictLinear(m, [Float64Array.from([Number.NaN]), Float64Array.from([1])]);
    expect(p[0]).toBeCloseTo(2 * 3.5 - 3 + 1, 6);
    expect(() => trainLogistic(x, y)).toThrow(/labels 0 and 1/);
  });

  /** Two informative columns on very different scales, four noise columns, 5% missing in one. */
  function mixed(n: number, seed: number) {
    const r = rng(seed);
    const x = [0, 1, 2, 3, 4, 5].map((j) => Float64Array.from({ length: n }, () => (j === 0 ? r() * 100 + 4000 : r() - 0.5)));
    for (let i = 0; i < n; i += 20) x[3]![i] = Number.NaN;
    const score = (i: number) => 0.04 * (x[0]![i]! - 4050) + 2.5 * x[1]![i]!;
    return { x, score, r };
  }

  it('fits L1 and elastic-net logistic regression: the same optimum as Newton without L1, exact zeros for noise with it', () => {
    const { x, score, r } = mixed(8000, 5);
    const y = Float64Array.from({ length: 8000 }, (_, i) => (r() < 1 / (1 + Math.exp(-score(i))) ? 1 : 0));
    // A vanishing L1 penalty takes the coordinate-descent path to the optimum Newton finds.
    const newton = trainLogistic(x, y, { l2: 2 });
    const cd = trainLogistic(x, y, { l2: 2, l1: 1e-12 });
    newton.coef.forEach((w, j) => expect(cd.coef[j]).toBeCloseTo(w, 6));
    expect(cd.intercept).toBeCloseTo(newton.intercept, 4);
    const sparse = trainLogistic(x, y, { l1: 150, l2: 0 });
    expect(sparse.coef[0]).toBeGreaterThan(0);
    expect(sparse.coef[1]).toBeGreaterThan(0);
    expect(Array.from(sparse.coef.slice(2))).toEqual([0, 0, 0, 0]);
    expect(rocAuc(predictLinear(sparse, x), y)).toBeGreaterThan(0.8);
  });

  it('fits the lasso to its optimality conditions, zeroing noise, and equals least squares as alpha vanishes', () => {
    const { x, score, r } = mixed(3000, 8);
    const y = Float64Array.from({ length: 3000 }, (_, i) => score(i) + (r() - 0.5) * 0.5);
    const ols = trainRidge(x, y, { l2: 1e-9 });
    const tiny = trainLasso(x, y, { alpha: 1e-9 });
    ols.coef.forEach((w, j) => expect(tiny.coef[j]).toBeCloseTo(w, 5));
    const alpha = 0.05;
    const m = trainLasso(x, y, { alpha });
    expect(Array.from(m.coef.slice(2))).toEqual([0, 0, 0, 0]);
    // KKT in the standardised space: (1/n) zⱼ·residual = alpha·sign(wⱼ) where wⱼ ≠ 0, and |…| ≤ alpha where wⱼ = 0.
    const { mean, sd } = scalerOf(x);
    const resid = Float64Array.from(y, (v, i) => v - predictLinear(m, x.map((c) => c.subarray(i, i + 1)))[0]!);
    x.forEach((c, j) => {
      let g = 0;
      for (let i = 0; i < c.length; i++) g += (Number.isNaN(c[i]!) ? 0 : (c[i]! - mean[j]!) / sd[j]!) * resid[i]!;
      g /= c.length;
      if (m.coef[j] === 0) expect(Math.abs(g)).toBeLessThanOrEqual(alpha + 1e-7);
      else expect(g).toBeCloseTo(alpha * Math.sign(m.coef[j]!), 6);
    });
  });
});
