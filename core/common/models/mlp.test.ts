import { describe, expect, it } from 'vitest';
import { rng } from './gbdt';
import { rocAuc } from './metrics';
import { predictMlp, trainMlp } from './mlp';

describe('multilayer perceptron', () => {
  it('learns a non-linear boundary with Adam, stops early on validation, and is deterministic for a seed', () => {
    const make = (n: number, seed: number) => {
      const r = rng(seed);
      const x = [new Float64Array(n), new Float64Array(n)];
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        x[0]![i] = r() * 4 - 2;
        x[1]![i] = r() < 0.05 ? Number.NaN : r() * 4 - 2;
        y[i] = x[0]![i]! ** 2 + (Number.isNaN(x[1]![i]!) ? 0 : x[1]![i]! ** 2) < 2 ? 1 : 0;
      }
      return { x, y };
    };
    const train = make(4000, 1);
    const valid = make(1000, 2);
    const m = trainMlp(train, { hidden: [16], epochs: 60, learningRate: 0.01, patience: 5, seed: 3 }, valid);
    expect(rocAuc(predictMlp(m, valid.x), valid.y)).toBeGreaterThan(0.95);
    const again = trainMlp(train, { hidden: [16], epochs: 60, learningRate: 0.01, patience: 5, seed: 3 }, valid);
    expect(Array.from(predictMlp(again, valid.x))).toEqual(Array.from(predictMlp(m, valid.x)));
    expect(() => trainMlp({ x: [Float64Array.from([1])], y: Float64Array.from([3]) })).toThrow(/labels 0 and 1/);
  });
});
