import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import * as ort from 'onnxruntime-node';
import type { ModelPlacement } from '../../common/models/types';
import { inspectOnnx } from './onnx-inspect';
import type { Provider } from './providers';

/**
 * Where ONNX Runtime really ran a model's nodes. Asking for a GPU provider is not the same as running
 * on it: the runtime places each node on the first provider that has a kernel for it, and the
 * `ai.onnx.ml` operators (tree ensembles, linear models, ZipMap…) have CPU kernels only. The report
 * comes from the runtime's own profile of one inference: each executed kernel names its provider.
 */

/** ONNX Runtime's execution provider names, as the app's provider names. */
export const PROVIDER_OF: Record<string, string> = {
  CPUExecutionProvider: 'cpu',
  CUDAExecutionProvider: 'cuda',
  WebGpuExecutionProvider: 'webgpu',
  JsExecutionProvider: 'webgpu',
  CoreMLExecutionProvider: 'coreml',
  DmlExecutionProvider: 'dml',
};

/** Operators of the `ai.onnx.ml` domain a tree or linear model is made of: no GPU provider implements them. */
export const ML_OPS = new Set(['TreeEnsembleClassifier', 'TreeEnsembleRegressor', 'TreeEnsemble', 'LinearClassifier', 'LinearRegressor', 'ZipMap', 'Normalizer', 'Binarizer', 'Scaler', 'SVMClassifier', 'SVMRegressor', 'ArrayFeatureExtractor', 'CastMap', 'FeatureVectorizer', 'Imputer', 'LabelEncoder', 'OneHotEncoder']);

/** The report in words: where the model ran, and why not where it was asked to where that is the case. */
export function summarisePlacement(asked: Provider, nodes: readonly { op: string; provider: string; count: number }[]): string {
  const total = nodes.reduce((a, n) => a + n.count, 0);
  const on = (p: string): number => nodes.filter((n) => n.provider === p).reduce((a, n) => a + n.count, 0);
  const cpuOps = [...new Set(nodes.filter((n) => n.provider === 'cpu').map((n) => n.op))];
  if (total === 0) return 'no node ran (the profile recorded no kernel)';
  if (asked === 'cpu') return `ran on CPU (${total} ${total === 1 ? 'node' : 'nodes'})`;
  if (on(asked) === total) return `ran on ${asked} (all ${total} nodes)`;
  if (on('cpu') === total) {
    if (cpuOps.some((op) => ML_OPS.has(op))) return `ran on CPU (tree operators have no GPU kernels: ${cpuOps.join(', ')})`;
    return `ran on CPU (ONNX Runtime placed none of its ${total} nodes on ${asked})`;
  }
  return `${on(asked)} of ${total} nodes on ${asked}; on CPU: ${cpuOps.join(', ')}${cpuOps.some((op) => ML_OPS.has(op)) ? ' (tree operators have no GPU kernels)' : ''}`;
}

/** A zero tensor for a model input, its symbolic dimensions taken as 1. */
function zeros(meta: ort.InferenceSession.ValueMetadata): ort.Tensor {
  if (!meta.isTensor) throw new Error(`input ${meta.name} is not a tensor`);
  const shape = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const n = shape.reduce((a, b) => a * b, 1);
  switch (meta.type) {
    case 'float32':
      return new ort.Tensor('float32', new Float32Array(n), shape);
    case 'float64':
      return new ort.Tensor('float64', new Float64Array(n), shape);
    case 'int64':
      return new ort.Tensor('int64', new BigInt64Array(n), shape);
    case 'int32':
      return new ort.Tensor('int32', new Int32Array(n), shape);
    default:
      throw new Error(`input ${meta.name} is of type ${meta.type}, which the placement check does not feed`);
  }
}

/**
 * Runs a model once on `provider` with ONNX Runtime's profiler on and reads, from the profile it
 * writes in `tmpDir`, which provider ran each node. The profile is removed afterwards.
 */
export async function placementOf(model: Uint8Array, provider: Provider, tmpDir: string): Promise<ModelPlacement> {
  fs.mkdirSync(tmpDir, { recursive: true });
  const prefix = path.join(tmpDir, `placement-${randomUUID()}`);
  const session = await ort.InferenceSession.create(model, { executionProviders: [provider], enableProfiling: true, profileFilePrefix: prefix });
  let files: string[] = [];
  try {
    await session.run(Object.fromEntries(session.inputMetadata.map((m) => [m.name, zeros(m)])));
    session.endProfiling();
  } finally {
    await session.release();
    files = fs.readdirSync(tmpDir).filter((f) => f.startsWith(path.basename(prefix))).map((f) => path.join(tmpDir, f));
  }
  try {
    const counts = new Map<string, { op: string; provider: string; count: number }>();
    for (const f of files) {
      const events = JSON.parse(fs.readFileSync(f, 'utf8')) as { cat?: string; args?: { op_name?: string; provider?: string } }[];
      for (const e of events) {
        if (e.cat !== 'Node' || !e.args?.op_name || !e.args.provider) continue;
        const p = PROVIDER_OF[e.args.provider] ?? e.args.provider;
        const key = `${e.args.op_name}|${p}`;
        const had = counts.get(key);
        if (had) had.count++;
        else counts.set(key, { op: e.args.op_name, provider: p, count: 1 });
      }
    }
    const nodes = [...counts.values()].sort((a, b) => a.provider.localeCompare(b.provider) || a.op.localeCompare(b.op));
    return { asked: provider, nodes, summary: summarisePlacement(provider, nodes) };
  } finally {
    for (const f of files) fs.rmSync(f, { force: true });
  }
}

/**
 * Where a registered model can run, from its files alone: a graph of `ai.onnx.ml` operators runs on
 * the CPU whatever provider is chosen; the tensorised export (model.tensor.onnx) lets GPU providers
 * run it; a graph of standard operators runs on any provider.
 */
export function runsOnOf(dir: string): string {
  const ops = inspectOnnx(fs.readFileSync(path.join(dir, 'model.onnx'))).operators;
  const ml = [...new Set(ops.filter((op) => ML_OPS.has(op)))];
  if (ml.length === 0) return 'any provider';
  return fs.existsSync(path.join(dir, 'model.tensor.onnx')) ? 'CPU; GPU providers via the tensorised export' : `CPU only (${ml.join(', ')} have no GPU kernels)`;
}
