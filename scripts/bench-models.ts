// Model benchmarks for `npm run bench`: ONNX Runtime inference of a 100-tree, depth-6 ensemble,
// in batches and one row at a time (as paper trading calls it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { predictGbdt, rng, trainGbdt, type GbdtModel } from '../core/common/models/gbdt';
import type { Tree } from '../core/common/models/tree';
import { trainForest } from '../core/common/models/forest';
import { rocAuc } from '../core/common/models/metrics';
import { compileGbdt, type CompiledTrees } from '../core/node/models/compiled-trees';
import { ModelRunner } from '../core/node/models/runner';
import { gbdtToOnnx, gbdtToTensorOnnx } from '../core/node/models/export-onnx';
import { readXgboostJson } from '../core/node/models/import-xgboost';
import { parallelHistograms } from '../core/node/models/parallel-histogram';
import type { Result } from './bench-features';

const log = (s: string): boolean => process.stderr.write(`${s}\n`);

/** A complete binary tree of the given depth with random splits, as a trained one would look. */
export function randomTree(depth: number, nf: number, next: () => number): Tree {
  const nodes = 2 ** (depth + 1) - 1;
  const feature = new Int32Array(nodes);
  const threshold = new Float64Array(nodes);
  const left = new Int32Array(nodes);
  const right = new Int32Array(nodes);
  const value = new Float64Array(nodes);
  for (let k = 0; k < nodes; k++) {
    if (2 * k + 1 < nodes) {
      feature[k] = Math.floor(next() * nf);
      threshold[k] = Math.fround(next() * 2 - 1);
      left[k] = 2 * k + 1;
      right[k] = 2 * k + 2;
    } else {
      feature[k] = -1;
      value[k] = (next() - 0.5) * 0.1;
    }
  }
  return { feature, threshold, left, right, value };
}

/** The best of three passes over all rows of x (row-major, nf columns) in batches, in milliseconds. */
async function bestBatchMs(session: ort.InferenceSession, x: Float32Array, nf: number, batch: number): Promise<number> {
  const rows = x.length / nf;
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let at = 0; at < rows; at += batch) await session.run({ x: new ort.Tensor('float32', x.subarray(at * nf, (at + batch) * nf), [batch, nf]) });
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** The best of three passes of a compiled ensemble over all rows of x in batches of 100,000, in milliseconds. */
function bestCompiledMs(c: CompiledTrees, x: Float32Array, nf: number): number {
  const rows = x.length / nf;
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let at = 0; at < rows; at += 100_000) c.predict(x.subarray(at * nf, Math.min(rows, at + 100_000) * nf), Math.min(100_000, rows - at));
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

export async function inferenceBenchmarks(): Promise<Result[]> {
  log('bench: ONNX Runtime inference, 100 trees of depth 6 over 30 features…');
  const nf = 30;
  const next = rng(42);
  const model: GbdtModel = { objective: 'binary', link: 'logistic', base: 0, trees: Array.from({ length: 100 }, () => randomTree(6, nf, next)), nFeatures: nf, importance: new Float64Array(nf), validationLoss: [] };
  const bytes = gbdtToOnnx(model, { features: Array.from({ length: nf }, (_, i) => `f${i}`), specHash: 'bench', modelCard: 'bench@1' });
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  const rows = 1_000_000;
  const x = Float32Array.from({ length: rows * nf }, () => next() * 2 - 1);
  const batch = 100_000;
  const best = await bestBatchMs(session, x, nf, batch);
  const rate = rows / (best / 1000);
  // The tensorised export (standard operators, for GPU providers), timed on the CPU for reference.
  const tensor = await ort.InferenceSession.create(gbdtToTensorOnnx(model, { features: Array.from({ length: nf }, (_, i) => `f${i}`), specHash: 'bench', modelCard: 'bench@1' }), { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
  let tensorBest = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 2; r++) {
    const t0 = performance.now();
    for (let at = 0; at < 200_000; at += 10_000) await tensor.run({ x: new ort.Tensor('float32', x.subarray(at * nf, (at + 10_000) * nf), [10_000, nf]) });
    tensorBest = Math.min(tensorBest, performance.now() - t0);
  }
  await tensor.release();
  const lat: number[] = [];
  const one = new Float32Array(nf);
  for (let i = 0; i < 20_000; i++) {
    one.set(x.subarray((i % rows) * nf, (i % rows) * nf + nf));
    const t0 = process.hrtime.bigint();
    await session.run({ x: new ort.Tensor('float32', one, [1, nf]) });
    lat.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  await session.release();
  // A paper session's row call, as the runner serves it: the compiled trees, checked against ONNX Runtime at open.
  const runner = await ModelRunner.fromBytes(bytes, nf, 'cpu');
  const served: number[] = [];
  for (let i = 0; i < 20_000; i++) {
    const at = (i % rows) * nf;
    const t0 = process.hrtime.bigint();
    await runner.predictRow(x.subarray(at, at + nf));
    served.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  await runner.close();
  const xgb = await xgboostInferenceReference(x, nf);
  const compiledRate = rows / (bestCompiledMs(compileGbdt(model), x, nf) / 1000);
  const quantile = (xs: number[]) => {
    const sorted = xs.slice(2_000).sort((a, b) => a - b);
    return (p: number): number => sorted[Math.floor(p * (sorted.length - 1))]!;
  };
  const q = quantile(served);
  const ortRow = quantile(lat);
  return [
    { name: 'inference_batch_100_trees_depth6', value: Math.round(rate), unit: 'rows/s (one core, ONNX Runtime CPU)', target: '>= 500,000', pass: rate >= 500_000, detail: { rows, batch, best_ms: Math.round(best), tensorised_export_cpu_rows_per_s: Math.round(200_000 / (tensorBest / 1000)), ...(typeof xgb === 'string' ? { same_xgboost_model: xgb } : { same_xgboost_model_xgboost_rows_per_s: xgb.xgboost, same_xgboost_model_onnx_runtime_rows_per_s: xgb.onnxRuntime }) } },
    {
      name: 'inference_batch_compiled_trees',
      value: Math.round(compiledRate),
      unit: 'rows/s (one thread, trees compiled to JavaScript)',
      target: ">= 2× ONNX Runtime's TreeEnsemble, and >= XGBoost's own predictor on the same XGBoost model",
      pass: compiledRate >= 2 * rate && (typeof xgb === 'string' || xgb.compiled >= xgb.xgboost),
      detail: { onnx_runtime_rows_per_s: Math.round(rate), ratio_to_onnx_runtime: Number((compiledRate / rate).toFixed(2)), ...(typeof xgb === 'string' ? { same_xgboost_model: xgb } : { same_xgboost_model_compiled_rows_per_s: xgb.compiled, same_xgboost_model_xgboost_rows_per_s: xgb.xgboost, ratio_to_xgboost: Number((xgb.compiled / xgb.xgboost).toFixed(2)) }) },
    },
    { name: 'inference_streaming_row_p50', value: Number(q(0.5).toFixed(1)), unit: `µs per row (${runner.engine.kind === 'compiled' ? 'compiled trees' : 'ONNX Runtime'}, as a paper session calls it)`, target: '<= 50 µs', pass: q(0.5) <= 50, detail: { p99_us: Number(q(0.99).toFixed(1)), calls: served.length - 2_000, onnx_runtime_p50_us: Number(ortRow(0.5).toFixed(1)), onnx_runtime_p99_us: Number(ortRow(0.99).toFixed(1)) } },
    { name: 'inference_streaming_row_p99', value: Number(q(0.99).toFixed(1)), unit: 'µs per row', target: '<= 200 µs', pass: q(0.99) <= 200 },
  ];
}

/** A Python interpreter with numpy (Debian's /usr/bin/python3 first), or undefined. */
const python = (): string | undefined => ['/usr/bin/python3', 'python3'].find((py) => spawnSync(py, ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0);

/**
 * Runs `code` in Python with `module` importable and X (float32, nf columns) and y loaded from `dir`,
 * returning the JSON it prints, or why it could not run (the bench reports that instead).
 */
function pythonReference<T>(module: string, dir: string, nf: number, code: string): T | string {
  const py = python();
  if (!py || spawnSync(py, ['-c', `import ${module}`]).status !== 0) return `python3-${module} not installed`;
  const script = `
import json, time, numpy as np
X = np.fromfile(${JSON.stringify(path.join(dir, 'x.f32'))}, dtype=np.float32).reshape(-1, ${nf})
y = np.fromfile(${JSON.stringify(path.join(dir, 'y.f32'))}, dtype=np.float32)
def roc_auc_score(t, s):
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s)); ranks[order] = np.arange(1, len(s) + 1)
    _, inv, counts = np.unique(s, return_inverse=True, return_counts=True)
    sums = np.bincount(inv, weights=ranks); ranks = (sums / counts)[inv]
    pos = t == 1
    return (ranks[pos].sum() - pos.sum() * (pos.sum() + 1) / 2) / (pos.sum() * (~pos).sum())
${code}
`;
  const res = spawnSync(py, ['-c', script], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (res.status !== 0) return `failed: ${res.stderr.trim().split('\n').pop()}`;
  return JSON.parse(res.stdout) as T;
}

/**
 * For scale: a 100-tree, depth-6 model trained by XGBoost, predicted by XGBoost itself on one thread
 * and, imported into Quantdesk, by ONNX Runtime on one thread, on the same rows.
 */
async function xgboostInferenceReference(x: Float32Array, nf: number): Promise<{ xgboost: number; onnxRuntime: number; compiled: number } | string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qd-bench-xgbpred-'));
  try {
    fs.writeFileSync(path.join(dir, 'x.f32'), x);
    fs.writeFileSync(path.join(dir, 'y.f32'), new Float32Array(0));
    const modelFile = path.join(dir, 'model.json');
    const ref = pythonReference<{ rows_per_s: number }>('xgboost', dir, nf, `
import xgboost as xgb
t = X[:200000]
b = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6, "eta": 0.1, "nthread": 2}, xgb.DMatrix(t, label=(t[:, 0] + t[:, 1] * t[:, 2] + 0.3 * t[:, 3] > 0).astype(np.float32)), 100)
b.save_model(${JSON.stringify(modelFile)})
b.set_param({"nthread": 1})
best = 1e9
for _ in range(3):
    t0 = time.perf_counter(); b.inplace_predict(X); best = min(best, time.perf_counter() - t0)
print(json.dumps({"rows_per_s": len(X) / best}))`);
    if (typeof ref === 'string') return ref;
    const { model, features } = readXgboostJson(fs.readFileSync(modelFile, 'utf8'), 'model.json');
    const session = await ort.InferenceSession.create(gbdtToOnnx(model as GbdtModel, { features, specHash: 'bench', modelCard: 'xgb@1' }), { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 });
    const best = await bestBatchMs(session, x, nf, 100_000);
    await session.release();
    const compiledMs = bestCompiledMs(compileGbdt(model as GbdtModel), x, nf);
    return { xgboost: Math.round(ref.rows_per_s), onnxRuntime: Math.round(x.length / nf / (best / 1000)), compiled: Math.round(x.length / nf / (compiledMs / 1000)) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Training on one 1M × 30 dataset (80% train, 20% test): our boosted trees and forest against
 * python3-xgboost (hist, 2 threads) and python3-sklearn's RandomForest (n_jobs=2) in the same run,
 * each skipped with a note where the library is not installed. Time and test AUC for both sides.
 */
export function trainingBenchmarks(): Result[] {
  const n = 1_000_000;
  const nf = 30;
  log('bench: training on 1M × 30 against XGBoost and scikit-learn where installed…');
  const r = rng(9);
  const rows = new Float32Array(n * nf);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let f = 0; f < nf; f++) {
      const v = Math.fround(r() * 2 - 1);
      rows[i * nf + f] = v;
      if (f < 6) s += (f % 2 ? -1 : 1) * v * (1 + f / 3) + (f === 4 ? v * v : 0);
    }
    y[i] = s + (r() - 0.5) * 1.5 > 0 ? 1 : 0;
  }
  const cut = Math.floor(n * 0.8);
  const cols = (from: number, to: number): Float64Array[] => Array.from({ length: nf }, (_, f) => Float64Array.from({ length: to - from }, (_, i) => rows[(from + i) * nf + f]!));
  const train = { x: cols(0, cut), y: Float64Array.from(y.subarray(0, cut)) };
  const test = { x: cols(cut, n), y: Float64Array.from(y.subarray(cut)) };
  const timed = <T>(f: () => T): [T, number] => {
    const t0 = performance.now();
    const v = f();
    return [v, (performance.now() - t0) / 1000];
  };
  // As training jobs run them: histograms on two threads.
  const [gbdt, gbdtSec] = timed(() => trainGbdt(train, { nTrees: 100, maxDepth: 6, learningRate: 0.1, maxBins: 255 }, undefined, undefined, parallelHistograms));
  const gbdtAuc = rocAuc(predictGbdt(gbdt, test.x), test.y);
  const [forest, forestSec] = timed(() => trainForest(train, { nTrees: 100, maxDepth: 10, minSamplesLeaf: 5 }, undefined, parallelHistograms));
  const forestAuc = rocAuc(predictGbdt(forest, test.x), test.y);

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qd-bench-train-'));
  fs.writeFileSync(path.join(dir, 'x.f32'), rows);
  fs.writeFileSync(path.join(dir, 'y.f32'), y);
  const run = (module: string, code: string): { sec: number; auc: number } | string =>
    pythonReference(module, dir, nf, `cut = ${cut}\n${code}\nprint(json.dumps({"sec": sec, "auc": float(roc_auc_score(y[cut:], p))}))`);
  const xgbRef = run('xgboost', `
import xgboost as xgb
d = xgb.DMatrix(X[:cut], label=y[:cut])
t0 = time.perf_counter()
b = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "max_depth": 6, "eta": 0.1, "max_bin": 256, "nthread": 2}, d, 100)
sec = time.perf_counter() - t0
p = b.predict(xgb.DMatrix(X[cut:]))`);
  const skRef = run('sklearn', `
from sklearn.ensemble import RandomForestClassifier
t0 = time.perf_counter()
m = RandomForestClassifier(n_estimators=100, max_depth=10, min_samples_leaf=5, n_jobs=2, random_state=0).fit(X[:cut], y[:cut])
sec = time.perf_counter() - t0
p = m.predict_proba(X[cut:])[:, 1]`);
  fs.rmSync(dir, { recursive: true, force: true });
  const result = (name: string, sec: number, auc: number, ref: { sec: number; auc: number } | string, maxRatio: number): Result => {
    if (typeof ref === 'string') {
      log(`bench: ${name}: the reference is skipped (${ref})`);
      return { name, value: Number(sec.toFixed(2)), unit: 's (reference skipped)', target: `<= ${maxRatio}x the reference, AUC within 0.01`, pass: false, detail: { auc: Number(auc.toFixed(4)), reference: ref } };
    }
    const ratio = sec / ref.sec;
    return { name, value: Number(ratio.toFixed(2)), unit: 'x the reference time', target: `<= ${maxRatio}, AUC within 0.01`, pass: ratio <= maxRatio && Math.abs(auc - ref.auc) <= 0.01, detail: { seconds: Number(sec.toFixed(2)), reference_seconds: Number(ref.sec.toFixed(2)), auc: Number(auc.toFixed(4)), reference_auc: Number(ref.auc.toFixed(4)) } };
  };
  return [result('train_gbdt_1m_x30_vs_xgboost', gbdtSec, gbdtAuc, xgbRef, 2), result('train_forest_1m_x30_vs_sklearn', forestSec, forestAuc, skRef, 1.5)];
}
