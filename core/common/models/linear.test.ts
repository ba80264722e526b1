import { describe, expect, it } from 'vitest';
import { rng } from './gbdt';
import { predictLinear, trainLogistic, trainRidge } from './linear';
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
});
