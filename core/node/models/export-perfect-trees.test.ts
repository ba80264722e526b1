import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { trainForest } from '../../common/models/forest';
import { rng, trainGbdt, type GbdtModel } from '../../common/models/gbdt';
import { assembleModel, gbdtToOnnx, gbdtToTensorOnnx, tensorTreesPart, treesTensorPart } from './export-onnx';
import { ensembleDepth, MAX_TRAVERSAL_DEPTH, perfectTreesPart } from './export-perfect-trees';
import { inspectOnnx } from './onnx-inspect';
import { probeRows } from './served-trees';

const meta = { features: ['a', 'b', 'c', 'd'], specHash: 'h', modelCard: 't@1' };

function data(n: number, seed: number): { x: Float64Array[]; y: Float64Array } {
  const next = rng(seed);
  const x = Array.from({ length: 4 }, () => Float64Array.from({ length: n }, () => (next() < 0.15 ? Number.NaN : next() * 4 - 2)));
  return { x, y: Float64Array.from({ length: n }, (_, i) => ((x[0]![i]! || 0) + (x[1]![i]! || 0) * (x[2]![i]! || 0) > 0.4 ? 1 : 0)) };
}

async function run(bytes: Uint8Array, x: Float32Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    return (await s.run({ x: new ort.Tensor('float32', x, [x.length / 4, 4]) }))[s.outputNames[0]!]!.data as Float32Array;
  } finally {
    await s.release();
  }
}

describe('tree ensembles as a perfect-tree traversal of standard operators', () => {
  const train = data(4000, 3);
  const models: [string, GbdtModel][] = [
    ['boosted, depth 5', trainGbdt(train, { nTrees: 30, maxDepth: 5, seed: 5 })],
    ['forest, depth 7', trainForest(train, { nTrees: 12, maxDepth: 7, seed: 5 })],
    ['regression, depth 2', trainGbdt({ x: train.x, y: Float64Array.from(train.x[0]!, (v) => (v || 0) * 3) }, { objective: 'regression', nTrees: 10, maxDepth: 2 })],
    ['boosted, depth 10', trainGbdt(train, { nTrees: 4, maxDepth: 10, seed: 6 })],
  ];

  it('predicts what the ai.onnx.ml export predicts within 1e-5 on rows with ties, values just below each threshold and missing values — and so does the GEMM form', async () => {
    for (const [name, model] of models) {
      const x = probeRows(model);
      const want = await run(gbdtToOnnx(model, meta), x);
      const out = model.objective === 'binary' ? 'p' : 'yhat';
      for (const [form, part] of [['traversal', perfectTreesPart(model, out)!], ['gemm', treesTensorPart(model, out)]] as const) {
        const bytes = assembleModel([part], 4, out, meta, model.objective);
        const ops = inspectOnnx(bytes).operators;
        expect(ops.some((o) => o.startsWith('TreeEnsemble')), `${name} ${form}`).toBe(false);
        if (form === 'traversal') expect(ops.filter((o) => o === 'GatherElements').length, name).toBe(ensembleDepth(model) - 1);
        const got = await run(bytes, x);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
        expect(worst, `${name} ${form}`).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it('is chosen by depth: GEMM to depth 3, the traversal to depth 10, GEMM past that while it stays small', () => {
    const strategy = (m: GbdtModel): string | undefined => tensorTreesPart(m, 'p')?.strategy;
    expect(models.map(([, m]) => [ensembleDepth(m), strategy(m)])).toEqual([
      [5, 'perfect-tree-traversal'],
      [7, 'perfect-tree-traversal'],
      [2, 'gemm'],
      [10, 'perfect-tree-traversal'],
    ]);
    const deep = trainGbdt(train, { nTrees: 2, maxDepth: 14, seed: 7 });
    expect(ensembleDepth(deep)).toBeGreaterThan(MAX_TRAVERSAL_DEPTH);
    expect(perfectTreesPart(deep, 'p')).toBeNull();
    expect(strategy(deep)).toBe('gemm');
    expect(inspectOnnx(gbdtToTensorOnnx(models[0]![1], meta)).metadata.tree_strategy).toBe('perfect-tree-traversal');
  });

  it('refuses linear leaves and an ensemble too large for either form', () => {
    const model = models[0]![1];
    const linear = { ...model, trees: [{ ...model.trees[0]!, linear: { const: new Float64Array(1), features: [], coeff: [] } }] };
    expect(tensorTreesPart(linear, 'p')).toBeNull();
    expect(() => gbdtToTensorOnnx(linear, meta)).toThrow(/linear leaves/);
    // A chain 60 levels deep, 5,000 times: past the traversal's depth, and GEMM's path matrices over 16M entries.
    const chain = (depth: number): GbdtModel['trees'][number] => {
      const n = 2 * depth + 1;
      const t = { feature: new Int32Array(n).fill(-1), threshold: new Float64Array(n), left: new Int32Array(n), right: new Int32Array(n), value: new Float64Array(n) };
      for (let k = 0; k < depth; k++) {
        t.feature[2 * k] = 0;
        t.threshold[2 * k] = k;
        t.left[2 * k] = 2 * k + 1;
        t.right[2 * k] = 2 * k + 2;
      }
      return t;
    };
    const wide: GbdtModel = { ...model, trees: Array.from({ length: 5000 }, () => chain(60)) };
    expect(tensorTreesPart(wide, 'p')).toBeNull();
    expect(() => gbdtToTensorOnnx(wide, meta)).toThrow(/too large for a dense-tensor export/);
  });
});
