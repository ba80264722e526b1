import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { buildOnnxModel } from './onnx-builder';
import { readableOrtError } from './ort-errors';
import { PROVIDER_OF } from './placement';
import { PROVIDERS, type Provider } from './providers';

const requireHere = createRequire(import.meta.url);

/** One provider's verdict on this machine. */
export interface ProviderProbe {
  /** The execution provider. */
  provider: Provider;
  /** Whether a session could be created on it. */
  available: boolean;
  /** Why not, in words (no library source paths). */
  reason?: string;
  /** Where a tree ensemble's nodes ran on it, from ONNX Runtime's profile (available providers only). */
  trees?: string;
}

/** What a GPU library's loader printed to stderr while probing, as one clause (Dawn's Vulkan loader says why WebGPU has no adapter). */
function stderrHint(stderr: string): string | undefined {
  const vulkan = /Couldn't load Vulkan: ([^:]+):/.exec(stderr);
  return vulkan ? `the Vulkan library ${vulkan[1]} is not installed` : undefined;
}

/**
 * Runs in the probe child: tries each provider on a one-node model, then runs a one-tree ensemble on
 * each that loads with the profiler on and reads which providers ran its nodes; prints JSON.
 */
const PROBE_SCRIPT = `
const ort = require(process.argv[1]);
const fs = require('fs');
const path = require('path');
const model = Buffer.from(process.argv[2], 'base64');
const tree = Buffer.from(process.argv[4], 'base64');
const dir = process.argv[5];
(async () => {
  const out = [];
  for (const provider of process.argv[3].split(',')) {
    try {
      const s = await ort.InferenceSession.create(model, { executionProviders: [provider] });
      await s.release();
    } catch (e) {
      out.push({ provider, available: false, reason: String(e && e.message) });
      continue;
    }
    const prefix = path.join(dir, 'probe-' + provider);
    const t = await ort.InferenceSession.create(tree, { executionProviders: [provider], enableProfiling: true, profileFilePrefix: prefix });
    await t.run({ x: new ort.Tensor('float32', new Float32Array(2), [1, 2]) });
    t.endProfiling();
    await t.release();
    const ran = {};
    for (const f of fs.readdirSync(dir).filter((f) => f.startsWith('probe-' + provider))) {
      for (const e of JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'))) if (e.cat === 'Node' && e.args && e.args.provider) ran[e.args.op_name + ' on ' + e.args.provider] = 1;
      fs.rmSync(path.join(dir, f), { force: true });
    }
    out.push({ provider, available: true, ran: Object.keys(ran) });
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

/** A one-tree regression ensemble (split on feature 0 at 0.5): what every GBDT the app trains or imports is made of. */
function oneTree(): Uint8Array {
  return buildOnnxModel({
    opsets: { 'ai.onnx.ml': 3 },
    inputs: [{ name: 'x', dims: [1, 2] }],
    outputs: [{ name: 'y', dims: [1, 1] }],
    nodes: [
      {
        op: 'TreeEnsembleRegressor',
        domain: 'ai.onnx.ml',
        inputs: ['x'],
        outputs: ['y'],
        attrs: {
          n_targets: 1,
          nodes_treeids: { ints: [0, 0, 0] },
          nodes_nodeids: { ints: [0, 1, 2] },
          nodes_featureids: { ints: [0, 0, 0] },
          nodes_values: { floats: [0.5, 0, 0] },
          nodes_modes: { strings: ['BRANCH_LEQ', 'LEAF', 'LEAF'] },
          nodes_truenodeids: { ints: [1, 0, 0] },
          nodes_falsenodeids: { ints: [2, 0, 0] },
          nodes_missing_value_tracks_true: { ints: [0, 0, 0] },
          target_treeids: { ints: [0, 0] },
          target_nodeids: { ints: [1, 2] },
          target_ids: { ints: [0, 0] },
          target_weights: { floats: [-1, 1] },
        },
      },
    ],
  });
}

/** What the probe saw a tree's nodes run on, in words. */
function treeVerdict(provider: string, ran: string[]): string {
  const on = [...new Set(ran.map((r) => PROVIDER_OF[r.split(' on ')[1]!] ?? r.split(' on ')[1]!))];
  if (on.length === 1 && on[0] === provider) return provider === 'cpu' ? 'cpu' : `${provider} (every node)`;
  if (on.length === 1 && on[0] === 'cpu') return 'cpu (tree operators have no GPU kernels)';
  return on.join(' and ') || 'no node ran';
}

/**
 * Whether each provider can run a model on this machine, and why not where it cannot. The probe runs
 * in a child process so that what GPU libraries print while loading (Dawn's "Couldn't load Vulkan")
 * stays out of the host's output; it is summarised in the reason instead. The child gets no
 * environment beyond what finding libraries needs: no vendor key can reach it.
 */
export function probeProviders(timeoutMs = 60_000): Promise<ProviderProbe[]> {
  const tiny = buildOnnxModel({ inputs: [{ name: 'x', dims: [1, 1] }], outputs: [{ name: 'y', dims: [1, 1] }], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
  const env: Record<string, string> = { ELECTRON_RUN_AS_NODE: '1' };
  for (const k of ['PATH', 'LD_LIBRARY_PATH', 'DYLD_LIBRARY_PATH', 'CUDA_PATH', 'SystemRoot', 'TEMP', 'TMP']) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qd-probe-'));
  const args = ['-e', PROBE_SCRIPT, requireHere.resolve('onnxruntime-node'), Buffer.from(tiny).toString('base64'), PROVIDERS.join(','), Buffer.from(oneTree()).toString('base64'), dir];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env, timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      fs.rmSync(dir, { recursive: true, force: true });
      let verdicts: (ProviderProbe & { ran?: string[] })[];
      try {
        verdicts = JSON.parse(stdout) as ProviderProbe[];
      } catch {
        const why = err ? `the probe process failed (${err.killed ? `no answer in ${timeoutMs / 1000} s` : (err.message.split('\n')[0] ?? 'no output')})` : 'the probe process gave no answer';
        resolve(PROVIDERS.map((provider) => (provider === 'cpu' ? { provider, available: true } : { provider, available: false, reason: why })));
        return;
      }
      const hint = stderrHint(stderr);
      resolve(
        verdicts.map((v) => {
          if (v.available) return { provider: v.provider, available: true, trees: treeVerdict(v.provider, v.ran ?? []) };
          const reason = readableOrtError(v.reason ?? '');
          return { provider: v.provider, available: false, reason: v.provider === 'webgpu' && hint ? `${reason} (${hint})` : reason };
        }),
      );
    });
  });
}
