import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { buildOnnxModel } from './onnx-builder';
import { readableOrtError } from './ort-errors';
import { PROVIDERS, type Provider } from './predict';

const requireHere = createRequire(import.meta.url);

/** One provider's verdict on this machine. */
export interface ProviderProbe {
  /** The execution provider. */
  provider: Provider;
  /** Whether a session could be created on it. */
  available: boolean;
  /** Why not, in words (no library source paths). */
  reason?: string;
}

/** What a GPU library's loader printed to stderr while probing, as one clause (Dawn's Vulkan loader says why WebGPU has no adapter). */
function stderrHint(stderr: string): string | undefined {
  const vulkan = /Couldn't load Vulkan: ([^:]+):/.exec(stderr);
  return vulkan ? `the Vulkan library ${vulkan[1]} is not installed` : undefined;
}

/** Runs in the probe child: tries each provider on a one-node model and prints the verdicts as JSON. */
const PROBE_SCRIPT = `
const ort = require(process.argv[1]);
const model = Buffer.from(process.argv[2], 'base64');
(async () => {
  const out = [];
  for (const provider of process.argv[3].split(',')) {
    try {
      const s = await ort.InferenceSession.create(model, { executionProviders: [provider] });
      await s.release();
      out.push({ provider, available: true });
    } catch (e) {
      out.push({ provider, available: false, reason: String(e && e.message) });
    }
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

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
  const args = ['-e', PROBE_SCRIPT, requireHere.resolve('onnxruntime-node'), Buffer.from(tiny).toString('base64'), PROVIDERS.join(',')];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { env, timeout: timeoutMs, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      let verdicts: ProviderProbe[];
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
          if (v.available) return { provider: v.provider, available: true };
          const reason = readableOrtError(v.reason ?? '');
          return { provider: v.provider, available: false, reason: v.provider === 'webgpu' && hint ? `${reason} (${hint})` : reason };
        }),
      );
    });
  });
}
