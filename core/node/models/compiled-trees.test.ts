import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { rng, trainGbdt, type GbdtModel } from '../../common/models/gbdt';
import { compileGbdt } from './compiled-trees';
import { gbdtToOnnx } from './export-onnx';

/** Rows of 5 features, a fifth of the values missing, with a label that depends on three of them. */
function data(n: number, seed: number): { x: Float64Array[]; y: Float64Array; rows: Float32Array } {
  const next = rng(seed);
  const x = Array.from({ length: 5 }, () => Float64Array.from({ length: n }, () => (next() < 0.2 ? Number.NaN : next() * 4 - 2)));
  const y = Float64Array.from({ length: n }, (_, i) => ((x[0]![i]! || 0) + (x[1]![i]! || 0) * (x[2]![i]! || 0) > 0.3 ? 1 : 0));
  const rows = new Float32Array(n * 5);
  for (let i = 0; i < n; i++) for (let j = 0; j < 5; j++) rows[i * 5 + j] = x[j]![i]!;
  return { x, y, rows };
}

async function onnxRuntime(model: GbdtModel, rows: Float32Array, n: number): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(gbdtToOnnx(model, { features: ['a', 'b', 'c', 'd', 'e'], specHash: '', modelCard: 'c@1' }), { executionProviders: ['cpu'] });
  try {
    const out = await s.run({ x: new ort.Tensor('float32', rows, [n, 5]) });
    return out[s.outputNames[0]!]!.data as Float32Array;
  } finally {
    await s.release();
  }
}

describe('tree ensembles compiled to JavaScript', () => {
  it('predict what ONNX Runtime predicts from the exported model, to 1e-6, missing values included, for a classifier and a regressor', async () => {
    const train = data(4000, 1);
    const test = data(3000, 2);
    // Depth 5 runs branch-free from flat arrays; depth 12 trees (past the padded limit of 8) as nested branches.
    for (const [objective, maxDepth] of [['binary', 5], ['regression', 5], ['binary', 12]] as const) {
      const model = trainGbdt({ x: train.x, y: objective === 'binary' ? train.y : train.y.map((v, i) => v * 3 + (train.x[3]![i]! || 0)) }, { objective, nTrees: 60, maxDepth, learningRate: 0.1 });
      const depth = (t: GbdtModel['trees'][number], k = 0): number => (t.feature[k]! < 0 ? 0 : 1 + Math.max(depth(t, t.left[k]!), depth(t, t.right[k]!)));
      if (maxDepth === 12) expect(Math.max(...model.trees.map((t) => depth(t)))).toBeGreaterThan(8);
      const want = await onnxRuntime(model, test.rows, 3000);
      const got = compileGbdt(model).predict(test.rows, 3000);
      let worst = 0;
      for (let i = 0; i < 3000; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
      expect(worst, objective).toBeLessThanOrEqual(1e-6);
      expect(new Set(Array.from(got, (v) => v.toFixed(3))).size, objective).toBeGreaterThan(20);
    }
  });

  it('refuses trees that would index outside the row or loop, linear leaves, and rows of the wrong width, by name', () => {
    const tree = { feature: Int32Array.of(0, -1, -1), threshold: Float64Array.of(0.5, 0, 0), left: Int32Array.of(1, 0, 0), right: Int32Array.of(2, 0, 0), value: Float64Array.of(0, -1, 1) };
    const model = (t: typeof tree & { linear?: unknown }): GbdtModel => ({ objective: 'regression', link: 'identity', base: 0, trees: [t as GbdtModel['trees'][number]], nFeatures: 2, importance: new Float64Array(2), validationLoss: [] });
    expect(Array.from(compileGbdt(model(tree)).predict(Float32Array.of(0, 9, 1, 9, Number.NaN, 9), 3))).toEqual([-1, 1, -1]);
    expect(() => compileGbdt(model({ ...tree, feature: Int32Array.of(7, -1, -1) }))).toThrow('tree 0 node 0 feature 7 is out of range (0–1)');
    expect(() => compileGbdt(model({ ...tree, left: Int32Array.of(0, 0, 0) }))).toThrow(/tree 0 is deeper than 64 levels or has a cycle/);
    expect(() => compileGbdt(model({ ...tree, right: Int32Array.of(9, 0, 0) }))).toThrow('tree 0 node 0 right child 9 is out of range (0–2)');
    expect(() => compileGbdt(model({ ...tree, linear: {} }))).toThrow(/tree 0 has linear leaves/);
    expect(() => compileGbdt(model(tree)).predict(new Float32Array(5), 3)).toThrow('expected 3 rows of 2 features (6 values), got 5');
  });
});
