// `npm run bench -- device` (or scripts/device-check.sh): on a machine with a GPU, runs the
// tensorised trees on the CUDA and WebGPU providers beside the CPU, checks they predict what the CPU
// predicts, and prints rows/s for batch sizes 1, 1k and 100k with where each node ran. Providers
// that cannot load here are listed with the reason. No test depends on it.
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { rng, type GbdtModel } from '../core/common/models/gbdt';
import { gbdtToTensorOnnx, tensorTreesPart } from '../core/node/models/export-onnx';
import { placementOf } from '../core/node/models/placement';
import type { Provider } from '../core/node/models/providers';
import { readableOrtError } from '../core/node/models/ort-errors';
import { randomTree } from './bench-models';
import type { Result } from './bench-features';

const BATCHES = [1, 1_000, 100_000];

async function rowsPerSecond(session: ort.InferenceSession, x: Float32Array, nf: number, batch: number): Promise<number> {
  const calls = batch === 1 ? 2_000 : batch === 1_000 ? 100 : 3;
  const input = (i: number): ort.Tensor => new ort.Tensor('float32', x.subarray(((i * batch) % (x.length / nf - batch + 1)) * nf, ((i * batch) % (x.length / nf - batch + 1)) * nf + batch * nf), [batch, nf]);
  await session.run({ x: input(0) });
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await session.run({ x: input(i) });
  return Math.round((calls * batch) / ((performance.now() - t0) / 1000));
}

export async function deviceBenchmarks(): Promise<Result[]> {
  const nf = 30;
  const next = rng(11);
  const x = Float32Array.from({ length: 100_000 * nf }, () => (next() < 0.05 ? Number.NaN : next() * 2 - 1));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qd-device-'));
  const results: Result[] = [];
  try {
    for (const depth of [3, 6]) {
      const model: GbdtModel = { objective: 'binary', link: 'logistic', base: 0, trees: Array.from({ length: 100 }, () => randomTree(depth, nf, next)), nFeatures: nf, importance: new Float64Array(nf), validationLoss: [] };
      const strategy = tensorTreesPart(model, 'p')!.strategy;
      const bytes = gbdtToTensorOnnx(model, { features: Array.from({ length: nf }, (_, i) => `f${i}`), specHash: 'device', modelCard: 'device@1' });
      const cpu = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
      const want = (await cpu.run({ x: new ort.Tensor('float32', x, [100_000, nf]) }))[cpu.outputNames[0]!]!.data as Float32Array;
      for (const provider of ['cpu', 'cuda', 'webgpu'] as Provider[]) {
        const name = `device_trees_${strategy}_depth${depth}_${provider}`;
        let session: ort.InferenceSession;
        try {
          session = await ort.InferenceSession.create(bytes, { executionProviders: [provider] });
        } catch (e) {
          results.push({ name, value: 0, unit: 'rows/s', target: 'runs where a GPU is present', pass: provider !== 'cpu', detail: { unavailable: readableOrtError((e as Error).message) } });
          continue;
        }
        const got = (await session.run({ x: new ort.Tensor('float32', x, [100_000, nf]) }))[session.outputNames[0]!]!.data as Float32Array;
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
        const rates = Object.fromEntries(await Promise.all(BATCHES.map(async (b) => [`batch_${b}_rows_per_s`, await rowsPerSecond(session, x, nf, b)] as const)));
        const placement = await placementOf(bytes, provider, tmp);
        await session.release();
        results.push({ name, value: rates['batch_100000_rows_per_s']!, unit: 'rows/s at batch 100k', target: 'parity with the CPU <= 1e-5', pass: worst <= 1e-5, detail: { max_abs_diff_vs_cpu: worst, ...rates, placement: placement.summary, nodes: placement.nodes.map((n) => `${n.op} × ${n.count} on ${n.provider}`).join('; ') } });
      }
      await cpu.release();
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}
