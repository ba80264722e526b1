import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { trainForest } from '../../common/models/forest';
import { predictGbdt, rng, trainGbdt, type GbdtModel } from '../../common/models/gbdt';
import { predictLinear, trainLogistic, trainRidge } from '../../common/models/linear';
import { buildKnn, predictKnn } from '../../common/models/knn';
import { trainMlp, predictMlp } from '../../common/models/mlp';
import fs from 'node:fs';
import path from 'node:path';
import { readXgboostJson } from './import-xgboost';
import { inspectOnnx } from './onnx-inspect';
import { ModelRunner } from './runner';
import { assembleModel, blendToOnnx, gbdtToOnnx, gbdtToTensorOnnx, knnToOnnx, linearToOnnx, mlpPart, treesPart } from './export-onnx';

function data(n: number, seed: number) {
  const r = rng(seed);
  const x = [0, 1, 2, 3].map(() => new Float64Array(n));
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (const c of x) c[i] = r() * 10 - 5;
    if (r() < 0.05) x[3]![i] = Number.NaN;
    y[i] = x[0]![i]! * x[1]![i]! + x[2]![i]! > 0 ? 1 : 0;
  }
  return { x, y };
}

/** Row-major float32 input for ONNX Runtime. */
function rows(x: Float64Array[]): Float32Array {
  const n = x[0]!.length;
  const out = new Float32Array(n * x.length);
  for (let i = 0; i < n; i++) for (let f = 0; f < x.length; f++) out[i * x.length + f] = x[f]![i]!;
  return out;
}

describe('gradient-boosted trees exported to ONNX', () => {
  for (const objective of ['binary', 'regression'] as const) {
    it(`predicts the same as the app in ONNX Runtime (${objective}), metadata included`, async () => {
      const train = data(3000, 1);
      const test = data(1000, 2);
      if (objective === 'regression') train.y.forEach((_, i) => (train.y[i] = train.x[0]![i]! * 2 + Math.sin(train.x[1]![i]!)));
      const model = trainGbdt(train, { objective, nTrees: 60, maxDepth: 5, seed: 3 });
      const names = ['a', 'b', 'c', 'd'];
      const bytes = gbdtToOnnx(model, { features: names, specHash: 'abc123', modelCard: 'm1@1' });
      // The metadata travels in the file: feature names in order, spec hash, model card.
      for (const text of ['["a","b","c","d"]', 'abc123', 'm1@1']) expect(Buffer.from(bytes).includes(text)).toBe(true);
      expect(inspectOnnx(bytes).operators).toEqual(objective === 'binary' ? ['TreeEnsembleClassifier', 'Slice'] : ['TreeEnsembleRegressor']);
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
      const out = await session.run({ x: new ort.Tensor('float32', rows(test.x), [1000, 4]) });
      const got = out[objective === 'binary' ? 'p' : 'yhat']!.data as Float32Array;
      const mine = predictGbdt(model, test.x);
      let worst = 0;
      for (let i = 0; i < 1000; i++) worst = Math.max(worst, Math.abs(got[i]! - mine[i]!) / (objective === 'binary' ? 1 : Math.max(1, Math.abs(mine[i]!))));
      expect(worst).toBeLessThanOrEqual(1e-5);
      await session.release();
    });
  }

  it('exports random forests (averaged leaves, no sigmoid) that ONNX Runtime evaluates as the app does', async () => {
    const train = data(3000, 6);
    const test = data(800, 7);
    const model = trainForest(train, { nTrees: 30, maxDepth: 6, seed: 2 });
    const bytes = gbdtToOnnx(model, { features: ['a', 'b', 'c', 'd'], specHash: 'h', modelCard: 'rf@1' });
    expect(inspectOnnx(bytes).operators).toEqual(['TreeEnsembleClassifier', 'Slice']);
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
    const got = (await session.run({ x: new ort.Tensor('float32', rows(test.x), [800, 4]) })).p!.data as Float32Array;
    const mine = predictGbdt(model, test.x);
    let worst = 0;
    for (let i = 0; i < 800; i++) worst = Math.max(worst, Math.abs(got[i]! - mine[i]!));
    expect(worst).toBeLessThanOrEqual(1e-5);
    await session.release();
  });

  for (const objective of ['binary', 'regression'] as const) {
    it(`exports linear models that ONNX Runtime evaluates as the app does (${objective}, missing values imputed)`, async () => {
      const train = data(3000, 4);
      const test = data(500, 5);
      const model = objective === 'binary' ? trainLogistic(train.x, train.y, { l2: 1 }) : trainRidge(train.x, Float64Array.from(train.x[0]!, (v, i) => 3 * v - train.x[2]![i]! + 1), { l2: 0.1 });
      const bytes = linearToOnnx(model, { features: ['a', 'b', 'c', 'd'], specHash: 'h', modelCard: 'lin@1' });
      expect(inspectOnnx(bytes).operators).toEqual(objective === 'binary' ? ['Imputer', 'LinearClassifier', 'Slice'] : ['Imputer', 'LinearRegressor']);
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
      const out = await session.run({ x: new ort.Tensor('float32', rows(test.x), [500, 4]) });
      const got = out[objective === 'binary' ? 'p' : 'yhat']!.data as Float32Array;
      const mine = predictLinear(model, test.x);
      let worst = 0;
      for (let i = 0; i < 500; i++) worst = Math.max(worst, Math.abs(got[i]! - mine[i]!) / (objective === 'binary' ? 1 : Math.max(1, Math.abs(mine[i]!))));
      expect(worst).toBeLessThanOrEqual(1e-5);
      await session.release();
    });
  }

  it('exports kNN retrieval with standard operators, alone and blended with a model, agreeing with the app', async () => {
    const train = data(4000, 8);
    const test = data(600, 9);
    const ix = buildKnn(train.x, train.y, 5);
    const run = async (bytes: Uint8Array): Promise<Float32Array> => {
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
      const out = (await session.run({ x: new ort.Tensor('float32', rows(test.x), [600, 4]) })).p!.data as Float32Array;
      await session.release();
      return out;
    };
    const meta = { features: ['a', 'b', 'c', 'd'], specHash: 'h', modelCard: 'knn@1' };
    const mine = predictKnn(ix, test.x);
    const got = await run(knnToOnnx(ix, meta));
    // Distances are float32 on both sides; only exact near-ties could pick a different neighbour.
    let same = 0;
    for (let i = 0; i < 600; i++) if (Math.abs(got[i]! - mine[i]!) <= 1e-6) same++;
    expect(same / 600).toBeGreaterThanOrEqual(0.995);
    const model = trainGbdt(train, { nTrees: 20, maxDepth: 3 });
    const blended = await run(blendToOnnx({ ...treesPart(model, 'model_p'), nf: 4, out: 'model_p' }, ix, 0.25, meta));
    const pm = predictGbdt(model, test.x);
    let worst = 0;
    for (let i = 0; i < 600; i++) if (Math.abs(got[i]! - mine[i]!) <= 1e-6) worst = Math.max(worst, Math.abs(blended[i]! - (0.75 * pm[i]! + 0.25 * mine[i]!)));
    expect(worst).toBeLessThanOrEqual(1e-5);
  });

  it('names the neighbours behind a kNN prediction (time, symbol, outcome), nearest first, as a plain search finds them', async () => {
    const train = data(3000, 12);
    const t = Float64Array.from(train.y, (_, i) => Date.UTC(2024, 0, 2) + i * 120_000);
    const symbol = Uint16Array.from(train.y, (_, i) => i % 3);
    // maxEvents keeps the last 2,000 rows: their times and symbols travel with them.
    const ix = buildKnn(train.x, train.y, 5, 2000, { t, symbol });
    const meta = { features: ['a', 'b', 'c', 'd'], specHash: 'h', modelCard: 'knn@1' };
    const test = data(40, 13);
    for (const bytes of [knnToOnnx(ix, meta), blendToOnnx({ ...treesPart(trainGbdt(train, { nTrees: 5, maxDepth: 2 }), 'model_p'), nf: 4, out: 'model_p' }, ix, 0.5, meta)]) {
      const runner = await ModelRunner.fromBytes(bytes, 4, 'cpu');
      expect(runner.explains).toBe(true);
      let checked = 0;
      for (let r = 0; r < 40; r++) {
        const row = test.x.map((c) => c[r]!);
        const got = await runner.explainRow(row);
        // The plain search: standardised distance in float64 to each kept event, the five smallest.
        const z = row.map((v, f) => (Number.isNaN(v) ? 0 : (v - ix.mean[f]!) / ix.sd[f]!));
        const d = Array.from({ length: 2000 }, (_, e) => ({ e, d: z.reduce((a, zf, f) => a + (zf - ix.events[e * 4 + f]!) ** 2, 0) })).sort((a, b) => a.d - b.d);
        // A near-tie at the fifth place may fall either way in float32: only rows with a clear gap are compared.
        if (d[5]!.d - d[4]!.d < 1e-4) continue;
        checked++;
        expect(got.neighbours.map((n) => n.t)).toEqual(d.slice(0, 5).map((x) => t[1000 + x.e]));
        expect(got.neighbours.map((n) => [n.symbol, n.outcome])).toEqual(d.slice(0, 5).map((x) => [symbol[1000 + x.e], train.y[1000 + x.e]]));
        expect(got.p).toBeCloseTo(await runner.predictRow(row), 6);
      }
      expect(checked).toBeGreaterThan(30);
      await runner.close();
    }
    // An index without times (a model trained before they were kept) explains nothing and predicts as before.
    const plain = await ModelRunner.fromBytes(knnToOnnx(buildKnn(train.x, train.y, 5), meta), 4, 'cpu');
    expect(plain.explains).toBe(false);
    expect((await plain.explainRow([0, 0, 0, 0])).neighbours).toEqual([]);
    await plain.close();
  });

  for (const objective of ['binary', 'regression'] as const) {
    it(`exports MLPs with standard operators that ONNX Runtime evaluates as the app does (${objective})`, async () => {
      const train = data(3000, 10);
      const test = data(500, 11);
      if (objective === 'regression') train.y.forEach((_, i) => (train.y[i] = Math.tanh(train.x[0]![i]!) + 0.1 * train.x[1]![i]!));
      const model = trainMlp(train, { objective, hidden: [16, 8], epochs: 5, seed: 4 });
      const out = objective === 'binary' ? 'p' : 'yhat';
      const session = await ort.InferenceSession.create(assembleModel([mlpPart(model, out)], 4, out, { features: ['a', 'b', 'c', 'd'], specHash: 'h', modelCard: 'mlp@1' }, objective), { executionProviders: ['cpu'] });
      const got = (await session.run({ x: new ort.Tensor('float32', rows(test.x), [500, 4]) }))[out]!.data as Float32Array;
      const mine = predictMlp(model, test.x);
      let worst = 0;
      for (let i = 0; i < 500; i++) worst = Math.max(worst, Math.abs(got[i]! - mine[i]!) / Math.max(1, Math.abs(mine[i]!)));
      expect(worst).toBeLessThanOrEqual(1e-5);
      await session.release();
    });
  }

  it('exports tree ensembles as dense tensors (standard operators only) equal to the app and to the ai.onnx.ml export', async () => {
    const train = data(3000, 12);
    const test = data(700, 13);
    const meta = { features: ['a', 'b', 'c', 'd'], specHash: 'h', modelCard: 't@1' };
    const xgb = readXgboostJson(fs.readFileSync(path.resolve(__dirname, '../../../tests/fixtures/models/xgb-binary.json'), 'utf8'), 'xgb-binary.json');
    for (const model of [trainGbdt(train, { nTrees: 30, maxDepth: 5, seed: 5 }), trainForest(train, { nTrees: 15, maxDepth: 6, seed: 5 }), trainGbdt({ x: train.x, y: Float64Array.from(train.x[0]!, (v) => v * 3) }, { objective: 'regression', nTrees: 10, maxDepth: 4 }), xgb.model as GbdtModel]) {
      const bytes = gbdtToTensorOnnx(model, meta);
      expect(Buffer.from(bytes).includes('TreeEnsemble')).toBe(false);
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
      const got = (await session.run({ x: new ort.Tensor('float32', rows(test.x), [700, 4]) }))[session.outputNames[0]!]!.data as Float32Array;
      const mine = predictGbdt(model, test.x);
      let worst = 0;
      for (let i = 0; i < 700; i++) worst = Math.max(worst, Math.abs(got[i]! - mine[i]!) / Math.max(1, Math.abs(mine[i]!)));
      expect(worst).toBeLessThanOrEqual(1e-5);
      await session.release();
    }
  });
});
