import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { trainForest } from '../../common/models/forest';
import { rng, trainGbdt, type GbdtModel, type MulticlassTrees } from '../../common/models/gbdt';
import { buildKnn } from '../../common/models/knn';
import { trainMlp } from '../../common/models/mlp';
import { blendToOnnx, gbdtToOnnx, gbdtToTensorOnnx, assembleModel, mlpPart, multiclassToOnnx, treesPart } from './export-onnx';
import { readXgboostJson } from './import-xgboost';
import { treesOfOnnx } from './onnx-trees';
import { withoutZipMap } from './onnx-zipmap';
import { withAnyBatch } from './onnx-batch';
import { ModelRunner } from './runner';
import { below, COMPILED_TOLERANCE, probeRows, serveCompiled } from './served-trees';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'tests', 'fixtures', 'models');
const meta = (n: number) => ({ features: Array.from({ length: n }, (_, i) => `f${i}`), specHash: '', modelCard: 't@1' });

/** Four features, a fifth of them missing, and a 0/1 label depending on three. */
function data(n: number, seed: number): { x: Float64Array[]; y: Float64Array } {
  const next = rng(seed);
  const x = Array.from({ length: 4 }, () => Float64Array.from({ length: n }, () => (next() < 0.2 ? Number.NaN : next() * 4 - 2)));
  return { x, y: Float64Array.from({ length: n }, (_, i) => ((x[0]![i]! || 0) - (x[1]![i]! || 0) * (x[2]![i]! || 0) > 0.2 ? 1 : 0)) };
}

/** Predictions of an ONNX model through the runner, on compiled trees and on ONNX Runtime. */
async function bothEngines(bytes: Uint8Array, x: Float32Array, nf: number): Promise<{ compiled: Float32Array; runtime: Float32Array; engine: ModelRunner['engine'] }> {
  const served = await ModelRunner.fromBytes(bytes, nf, 'cpu');
  const reference = await ModelRunner.fromBytes(bytes, nf, 'cpu', 'onnxruntime');
  try {
    return { compiled: await served.predictRows(x, x.length / nf), runtime: await reference.predictRows(x, x.length / nf), engine: served.engine };
  } finally {
    await served.close();
    await reference.close();
  }
}

describe('tree ensembles read back from ONNX files and served compiled', () => {
  const train = data(3000, 1);

  it('serves the app’s boosted classifier, regressor, Poisson and forest compiled, equal to ONNX Runtime within 1e-6 on rows with ties and missing values', async () => {
    const models: [string, GbdtModel][] = [
      ['binary', trainGbdt(train, { objective: 'binary', nTrees: 40, maxDepth: 5 })],
      ['regression', trainGbdt({ x: train.x, y: train.y.map((v, i) => v * 2 + (train.x[3]![i]! || 0)) }, { objective: 'regression', nTrees: 40, maxDepth: 4 })],
      ['forest', trainForest(train, { nTrees: 20, maxDepth: 6, seed: 2 })],
      ['deep', trainGbdt(train, { objective: 'binary', nTrees: 10, maxDepth: 11 })],
    ];
    const exp = trainGbdt(train, { objective: 'regression', nTrees: 10, maxDepth: 3 });
    models.push(['exp link', { ...exp, link: 'exp' }]);
    for (const [name, model] of models) {
      const bytes = gbdtToOnnx(model, meta(4));
      const read = treesOfOnnx(bytes, 4)!;
      expect(read, name).not.toBeNull();
      expect([read.link, read.trees.length], name).toEqual([model.link, model.trees.length]);
      const x = probeRows(model);
      const { compiled, runtime, engine } = await bothEngines(bytes, x, 4);
      expect(engine, name).toEqual({ kind: 'compiled' });
      for (let i = 0; i < runtime.length; i++) expect(Math.abs(compiled[i]! - runtime[i]!), `${name} row ${i}`).toBeLessThanOrEqual(COMPILED_TOLERANCE * Math.max(1, Math.abs(runtime[i]!)));
    }
  });

  it('serves sklearn-onnx’s gradient boosting compiled, and predicts what scikit-learn predicted', async () => {
    for (const name of ['sko-gb-binary', 'sko-gb-regression']) {
      // As an import stores it: any batch size, sklearn-onnx's ZipMap replaced by the probabilities tensor.
      const file = fs.readFileSync(path.join(FIXTURES, `${name}.onnx`));
      const batched = withAnyBatch(file)?.model ?? file;
      const bytes = withoutZipMap(batched)?.model ?? batched;
      const [head, ...lines] = fs.readFileSync(path.join(FIXTURES, `${name}.expected.csv`), 'utf8').trim().split('\n');
      const nf = head!.split(',').length - 1;
      const rows = lines.map((l) => l.split(',').map(Number));
      const x = Float32Array.from(rows.flatMap((r) => r.slice(0, nf)));
      const { compiled, runtime, engine } = await bothEngines(bytes, x, nf);
      expect(engine, name).toEqual({ kind: 'compiled' });
      rows.forEach((r, i) => {
        expect(Math.abs(compiled[i]! - r[nf]!), `${name} row ${i}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(r[nf]!)));
        expect(Math.abs(compiled[i]! - runtime[i]!), `${name} row ${i}`).toBeLessThanOrEqual(COMPILED_TOLERANCE * Math.max(1, Math.abs(runtime[i]!)));
      });
    }
  });

  it('reads ≥ and > splits (branches swapped, thresholds as written) as ONNX Runtime evaluates them', async () => {
    const model = trainGbdt(train, { objective: 'binary', nTrees: 15, maxDepth: 4 });
    const x = probeRows(model);
    const want = (await bothEngines(gbdtToOnnx(model, meta(4)), x, 4)).runtime;
    // The same trees written the other way round: "x ≥ t" (or "x > the float32 below t") sends a row
    // to what was the right child, and missing values, which went left, to the false branch.
    for (const mode of ['BRANCH_GTE', 'BRANCH_GT'] as const) {
      const part = treesPart(model, 'p');
      const attrs = part.nodes[0]!.attrs as Record<string, { ints?: number[]; floats?: number[]; strings?: string[] }>;
      const modes = attrs.nodes_modes!.strings!;
      const [yes, no] = [attrs.nodes_truenodeids!.ints!, attrs.nodes_falsenodeids!.ints!];
      modes.forEach((m, i) => {
        if (m === 'LEAF') return;
        modes[i] = mode;
        [yes[i], no[i]] = [no[i]!, yes[i]!];
        attrs.nodes_missing_value_tracks_true!.ints![i] = 0;
        if (mode === 'BRANCH_GT') attrs.nodes_values!.floats![i] = below(Math.fround(attrs.nodes_values!.floats![i]!));
      });
      const bytes = assembleModel([part], 4, 'p', meta(4), 'binary');
      const { compiled, runtime, engine } = await bothEngines(bytes, x, 4);
      expect(engine, mode).toEqual({ kind: 'compiled' });
      for (let i = 0; i < want.length; i++) {
        expect(Math.abs(runtime[i]! - want[i]!), `${mode}: ONNX Runtime, row ${i}`).toBeLessThanOrEqual(1e-6);
        expect(Math.abs(compiled[i]! - want[i]!), `${mode}: compiled, row ${i}`).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it('serves a multiclass ensemble compiled: every class’s probability as ONNX Runtime gives it', async () => {
    const { model, features } = readXgboostJson(fs.readFileSync(path.join(FIXTURES, 'xgb-softprob.json'), 'utf8'), 'xgb-softprob.json');
    const multi = model as MulticlassTrees;
    const bytes = multiclassToOnnx(multi, { features, specHash: '', modelCard: 'mc@1' });
    const nf = features.length;
    const x = probeRows(multi);
    const columns = Array.from({ length: nf }, (_, f) => Float64Array.from({ length: x.length / nf }, (_, r) => x[r * nf + f]!));
    const served = await ModelRunner.fromBytes(bytes, nf, 'cpu');
    const reference = await ModelRunner.fromBytes(bytes, nf, 'cpu', 'onnxruntime');
    try {
      expect(served.engine).toEqual({ kind: 'compiled' });
      const [got, want] = [await served.predictClasses(columns), await reference.predictClasses(columns)];
      expect(got.classes).toBe(multi.classes);
      expect(got.values.length).toBe(want.values.length);
      got.values.forEach((p, i) => expect(Math.abs(p - want.values[i]!), `value ${i}`).toBeLessThanOrEqual(COMPILED_TOLERANCE));
    } finally {
      await served.close();
      await reference.close();
    }
  });

  it('leaves every other graph to ONNX Runtime, saying why', async () => {
    const gbdt = trainGbdt(train, { objective: 'binary', nTrees: 5, maxDepth: 3 });
    const ix = buildKnn(train.x, train.y, 5);
    const mlp = trainMlp(train, { objective: 'binary', hidden: [8], epochs: 2, seed: 4 });
    const graphs: [string, Uint8Array][] = [
      ['kNN blend', blendToOnnx({ ...treesPart(gbdt, 'model_p'), nf: 4, out: 'model_p' }, ix, 0.5, meta(4))],
      ['MLP', assembleModel([mlpPart(mlp, 'p')], 4, 'p', meta(4), 'binary')],
      ['tensorised trees', gbdtToTensorOnnx(gbdt, meta(4))],
      ['sklearn-onnx random forest, three classes', fs.readFileSync(path.join(FIXTURES, 'sko-rf-multi.onnx'))],
      ['sklearn-onnx logistic regression with a ZipMap', fs.readFileSync(path.join(FIXTURES, 'skl-logistic-zipmap.onnx'))],
    ];
    for (const [name, bytes] of graphs) expect(treesOfOnnx(bytes, 4), name).toBeNull();
    const runner = await ModelRunner.fromBytes(graphs[1]![1], 4, 'cpu');
    expect(runner.engine).toEqual({ kind: 'onnxruntime', why: 'its graph is not a plain tree ensemble' });
    await runner.close();
  });

  it('refuses malformed and hostile files without running them: truncated, random, out-of-range ids, huge varints', async () => {
    const good = gbdtToOnnx(trainGbdt(train, { objective: 'binary', nTrees: 3, maxDepth: 3 }), meta(4));
    const never = async (): Promise<Float32Array> => {
      throw new Error('the reference must not run for a file that is refused');
    };
    for (const cut of [7, 100, good.length - 3]) {
      const r = await serveCompiled(good.subarray(0, cut), 4, never);
      expect(r.compiled, `cut at ${cut}`).toBeNull();
    }
    const next = rng(9);
    for (let k = 0; k < 50; k++) {
      const noise = Uint8Array.from({ length: 200 }, () => Math.floor(next() * 256));
      expect((await serveCompiled(noise, 4, never)).compiled).toBeNull();
    }
    // The model reads 4 features: fewer declared makes every split on a later one out of range.
    expect(treesOfOnnx(good, 1)).toBeNull();
    // One attribute changed in an otherwise good classifier: its first entry replaced.
    const small = trainGbdt(train, { objective: 'binary', nTrees: 2, maxDepth: 2 });
    const tampered = (attr: string, first: number | string): Uint8Array => {
      const part = treesPart(small, 'p');
      const attrs = part.nodes[0]!.attrs as Record<string, { ints?: number[]; strings?: string[] }>;
      const list = attrs[attr]!;
      if (list.ints) list.ints = [first as number, ...list.ints.slice(1)];
      else list.strings = [first as string, ...list.strings!.slice(1)];
      return assembleModel([part], 4, 'p', meta(4), 'binary');
    };
    expect(treesOfOnnx(tampered('nodes_truenodeids', 0), 4)).not.toBeNull();
    expect(treesOfOnnx(tampered('nodes_truenodeids', 999), 4)).toBeNull();
    // A negative int64 is ten bytes on the wire, read as out of range.
    expect(treesOfOnnx(tampered('nodes_featureids', -1), 4)).toBeNull();
    expect(treesOfOnnx(tampered('nodes_featureids', 2 ** 40), 4)).toBeNull();
    // A set-membership split, and two trees sharing one id (so a node id repeats).
    expect(treesOfOnnx(tampered('nodes_modes', 'BRANCH_EQ'), 4)).toBeNull();
    expect(treesOfOnnx(tampered('nodes_treeids', 1), 4)).toBeNull();
  });

  it('keeps ONNX Runtime when the compiled ensemble disagrees with it on the probe', async () => {
    const model = trainGbdt(train, { objective: 'binary', nTrees: 5, maxDepth: 3 });
    const bytes = gbdtToOnnx(model, meta(4));
    const off = await serveCompiled(bytes, 4, async (x, rows) => {
      const right = await (await ModelRunner.fromBytes(bytes, 4, 'cpu', 'onnxruntime')).predictRows(x, rows);
      right[17] = right[17]! + 1e-4;
      return right;
    });
    expect(off).toEqual({ compiled: null, why: expect.stringMatching(/^the compiled ensemble predicted [\d.e-]+ where ONNX Runtime predicted [\d.e-]+ \(probe row 17\)$/) });
  });

  it('probes every split with a tie, both sides and a missing value', () => {
    const model = trainGbdt(train, { objective: 'binary', nTrees: 20, maxDepth: 4 });
    const x = probeRows(model);
    const rows = x.length / 4;
    for (const t of model.trees) {
      for (let k = 0; k < t.feature.length; k++) {
        const f = t.feature[k]!;
        if (f < 0) continue;
        const th = Math.fround(t.threshold[k]!);
        const column = Array.from({ length: rows }, (_, r) => x[r * 4 + f]!);
        expect(column.some((v) => v === th), `tie at split ${k}`).toBe(true);
        expect(column.some((v) => v === below(th)), `just left of split ${k}`).toBe(true);
        expect(column.some((v) => v > th), `right of split ${k}`).toBe(true);
        expect(column.some(Number.isNaN)).toBe(true);
      }
    }
  });
});
