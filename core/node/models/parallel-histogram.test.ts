import { describe, expect, it } from 'vitest';
import { trainForest } from '../../common/models/forest';
import { predictGbdt, rng, trainGbdt } from '../../common/models/gbdt';
import { parallelHistograms } from './parallel-histogram';

/** Enough rows that nodes are split between the two threads, with missing values in one column. */
function data(n: number) {
  const r = rng(4);
  const x = [0, 1, 2, 3].map(() => new Float64Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (const c of x) c[i] = r() * 2 - 1;
    if (r() < 0.05) x[3]![i] = Number.NaN;
    y[i] = x[0]![i]! + x[1]![i]! * x[2]![i]! + (r() - 0.5) * 0.3 > 0 ? 1 : 0;
  }
  return { x, y };
}

describe('histograms built by two threads', () => {
  const train = data(60_000);
  const maxDiff = (a: Float64Array, b: Float64Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

  it('grow the same boosted trees as one thread (sums differ only in rounding order)', () => {
    const one = trainGbdt(train, { nTrees: 8, maxDepth: 5, seed: 2 });
    const two = trainGbdt(train, { nTrees: 8, maxDepth: 5, seed: 2 }, undefined, undefined, parallelHistograms);
    expect(two.trees.map((t) => Array.from(t.feature))).toEqual(one.trees.map((t) => Array.from(t.feature)));
    expect(maxDiff(predictGbdt(two, train.x), predictGbdt(one, train.x))).toBeLessThan(1e-9);
  });

  it('grow the same forest as one thread', () => {
    const one = trainForest(train, { nTrees: 4, maxDepth: 6, seed: 3 });
    const two = trainForest(train, { nTrees: 4, maxDepth: 6, seed: 3 }, undefined, parallelHistograms);
    expect(two.trees.map((t) => Array.from(t.threshold))).toEqual(one.trees.map((t) => Array.from(t.threshold)));
    expect(maxDiff(predictGbdt(two, train.x), predictGbdt(one, train.x))).toBeLessThan(1e-9);
  });
});
