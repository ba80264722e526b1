// Model benchmarks for `npm run bench`: ONNX Runtime inference of a 100-tree, depth-6 ensemble,
// in batches and one row at a time (as paper trading calls it).
import * as ort from 'onnxruntime-node';
import { rng, type GbdtModel, type Tree } from '../core/common/models/gbdt';
import { gbdtToOnnx } from '../core/node/models/export-onnx';
import type { Result } from './bench-features';

const log = (s: string): boolean => process.stderr.write(`${s}\n`);

/** A complete binary tree of the given depth with random splits, as a trained one would look. */
function randomTree(depth: number, nf: number, next: () => number): Tree {
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
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    for (let at = 0; at < rows; at += batch) await session.run({ x: new ort.Tensor('float32', x.subarray(at * nf, (at + batch) * nf), [batch, nf]) });
    best = Math.min(best, performance.now() - t0);
  }
  const rate = rows / (best / 1000);
  const lat: number[] = [];
  const one = new Float32Array(nf);
  for (let i = 0; i < 20_000; i++) {
    one.set(x.subarray((i % rows) * nf, (i % rows) * nf + nf));
    const t0 = process.hrtime.bigint();
    await session.run({ x: new ort.Tensor('float32', one, [1, nf]) });
    lat.push(Number(process.hrtime.bigint() - t0) / 1000);
  }
  await session.release();
  const sorted = lat.slice(2_000).sort((a, b) => a - b);
  const q = (p: number): number => sorted[Math.floor(p * (sorted.length - 1))]!;
  return [
    { name: 'inference_batch_100_trees_depth6', value: Math.round(rate), unit: 'rows/s (one core, ONNX Runtime CPU)', target: '>= 500,000', pass: rate >= 500_000, detail: { rows, batch, best_ms: Math.round(best) } },
    { name: 'inference_streaming_row_p50', value: Number(q(0.5).toFixed(1)), unit: 'µs per row', target: '<= 50 µs', pass: q(0.5) <= 50, detail: { p99_us: Number(q(0.99).toFixed(1)), calls: sorted.length } },
    { name: 'inference_streaming_row_p99', value: Number(q(0.99).toFixed(1)), unit: 'µs per row', target: '<= 200 µs', pass: q(0.99) <= 200 },
  ];
}
