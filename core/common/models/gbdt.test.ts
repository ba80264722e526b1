import { describe, expect, it } from 'vitest';
import { trainForest } from './forest';
import { predictGbdt, rng, trainGbdt } from './gbdt';
import { calibrationTable, chooseThreshold, classifierMetrics, rocAuc, rocCurve } from './metrics';

/** Two informative features, one noise feature with missing values; y = 1 when x0 + x1² beats a noisy threshold. */
function synthetic(n: number, seed: number) {
  const r = rng(seed);
  const x = [new Float64Array(n), new Float64Array(n), new Float64Array(n)];
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x[0]![i] = r() * 2 - 1;
    x[1]![i] = r() * 2 - 1;
    x[2]![i] = r() < 0.1 ? Number.NaN : r();
    y[i] = x[0]![i]! + x[1]![i]! ** 2 + (r() - 0.5) * 0.4 > 0.3 ? 1 : 0;
  }
  return { x, y };
}

describe('gradient-boosted trees', () => {
  it('learns a non-linear boundary, deterministically for a seed, and stops early on a validation set', () => {
    const train = synthetic(4000, 1);
    const valid = synthetic(2000, 2);
    const params = { nTrees: 200, maxDepth: 4, learningRate: 0.1, subsample: 0.8, colsample: 1, seed: 7, earlyStoppingRounds: 10 };
    const m = trainGbdt(train, params, valid);
    const p = predictGbdt(m, valid.x);
    const metrics = classifierMetrics(p, valid.y);
    expect(metrics.auc).toBeGreaterThan(0.93);
    expect(metrics.balancedAccuracy).toBeGreaterThan(0.85);
    expect(m.trees.length).toBeLessThan(200);
    expect(m.importance[2]!).toBeLessThan(m.importance[0]! / 5);
    const again = trainGbdt(train, params, valid);
    expect(Array.from(predictGbdt(again, valid.x))).toEqual(Array.from(p));
    const other = trainGbdt(train, { ...params, seed: 8 }, valid);
    expect(Array.from(predictGbdt(other, valid.x))).not.toEqual(Array.from(p));
  });

  it('grows trees best split first up to maxLeaves, and level-wise when the leaf budget is a full tree', () => {
    const train = synthetic(4000, 3);
    const valid = synthetic(1000, 4);
    const leavesOf = (t: { feature: Int32Array }) => Array.from(t.feature).filter((f) => f < 0).length;
    const depthOf = (t: { left: Int32Array; right: Int32Array; feature: Int32Array }, n = 0): number => (t.feature[n]! < 0 ? 0 : 1 + Math.max(depthOf(t, t.left[n]!), depthOf(t, t.right[n]!)));
    const levelWise = trainGbdt(train, { nTrees: 15, maxDepth: 4, seed: 2 });
    const fullBudget = trainGbdt(train, { nTrees: 15, maxDepth: 4, maxLeaves: 16, seed: 2 });
    expect(Array.from(predictGbdt(fullBudget, valid.x))).toEqual(Array.from(predictGbdt(levelWise, valid.x)));
    const five = trainGbdt(train, { nTrees: 15, maxDepth: 10, maxLeaves: 5, seed: 2 });
    expect(five.trees.every((t) => leavesOf(t) <= 5)).toBe(true);
    expect(five.trees.filter((t) => leavesOf(t) === 5).length).toBeGreaterThan(10);
    // Five leaves grown by gain need not form a balanced tree: some go deeper than two levels.
    expect(Math.max(...five.trees.map((t) => depthOf(t)))).toBeGreaterThan(2);
    expect(rocAuc(predictGbdt(five, valid.x), valid.y)).toBeGreaterThan(0.9);
  });

  it('fits regression targets with squared error', () => {
    const r = rng(3);
    const n = 3000;
    const x = [Float64Array.from({ length: n }, () => r() * 4)];
    const y = Float64Array.from(x[0]!, (v) => Math.sin(v) + (r() - 0.5) * 0.1);
    const m = trainGbdt({ x, y }, { objective: 'regression', nTrees: 100, maxDepth: 3 });
    const p = predictGbdt(m, x);
    let se = 0;
    for (let i = 0; i < n; i++) se += (p[i]! - Math.sin(x[0]![i]!)) ** 2;
    expect(Math.sqrt(se / n)).toBeLessThan(0.06);
  });

  it('builds calibration tables and chooses thresholds on validation', () => {
    const p = [0.05, 0.15, 0.15, 0.85, 0.95, 0.9, 0.6, 0.4];
    const y = [0, 0, 1, 1, 1, 1, 0, 0];
    const table = calibrationTable(p, y, 10);
    expect(table.find((b) => b.from === 0.1)).toMatchObject({ n: 2, meanPredicted: 0.15, observed: 0.5 });
    expect(table.reduce((a, b) => a + b.n, 0)).toBe(8);
    // Above 0.6 every row is a 1: precision 1 while keeping 3 of 8 rows.
    const best = chooseThreshold(p, y, 'precision', 0.25);
    expect(best.value).toBe(1);
    expect(best.threshold).toBeGreaterThan(0.6);
    expect(best.threshold).toBeLessThanOrEqual(0.85);
    expect(chooseThreshold(p, y, 'f1').value).toBeGreaterThan(0.8);
    const roc = rocCurve(p, y, 8);
    expect(roc[0]).toEqual({ fpr: 0, tpr: 0 });
    expect(roc[roc.length - 1]).toEqual({ fpr: 1, tpr: 1 });
    // The area under these points is the AUC.
    let area = 0;
    for (let k = 1; k < roc.length; k++) area += ((roc[k]!.fpr - roc[k - 1]!.fpr) * (roc[k]!.tpr + roc[k - 1]!.tpr)) / 2;
    expect(area).toBeCloseTo(rocAuc(p, y), 12);
  });

  it('computes AUC with ties and refuses non-binary labels for the binary objective', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.5, 0.5], [0, 1])).toBeCloseTo(0.5, 12);
    expect(() => trainGbdt({ x: [Float64Array.from([1, 2])], y: Float64Array.from([0, 2]) })).toThrow(/labels 0 and 1/);
  });

  it('grows random forests that average bootstrap trees into probabilities, deterministically', () => {
    const train = synthetic(4000, 1);
    const valid = synthetic(2000, 2);
    const f = trainForest(train, { nTrees: 40, maxDepth: 8, minSamplesLeaf: 5, seed: 3 });
    const p = predictGbdt(f, valid.x);
    expect(Math.min(...p)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...p)).toBeLessThanOrEqual(1 + 1e-9);
    expect(rocAuc(p, valid.y)).toBeGreaterThan(0.92);
    expect(Array.from(predictGbdt(trainForest(train, { nTrees: 40, maxDepth: 8, minSamplesLeaf: 5, seed: 3 }), valid.x))).toEqual(Array.from(p));
    // One tree without bootstrap, trying every feature, at full depth: leaves are the means of their rows.
    const single = trainForest(train, { nTrees: 1, bootstrap: false, maxFeatures: 1, maxDepth: 1, minSamplesLeaf: 1 });
    const leaves = single.trees[0]!.value.filter((_, k) => single.trees[0]!.feature[k]! < 0);
    expect(leaves.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});
