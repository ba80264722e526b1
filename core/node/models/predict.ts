import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ApiError } from '../../common/errors';
import { detectDelimiter, splitCsvLine } from '../../common/csv-preview';
import { readableOrtError } from './ort-errors';
import { MAX_BYTES, readRegularText } from '../untrusted-files';
import { chooseOutput, classProbabilitiesOf, predictionsOf } from './model-output';
import { classLabels } from './registry';
import { placementOf } from './placement';
import { providersFor, type Provider } from './providers';
import { nodesOffProvider } from './tensor-export';

// A provider that cannot load logs its own error from deep inside ONNX Runtime; the fallback note
// says it once, plainly, so the runtime's log keeps to fatal errors.
ort.env.logLevel = 'fatal';

/**
 * An ONNX Runtime session on the provider asked for ('auto': the platform's list), falling back along
 * the list to the CPU; `fallback` says which providers failed and why.
 */
export async function openSession(model: Uint8Array, provider: Provider | 'auto'): Promise<{ session: ort.InferenceSession; provider: Provider; fallback?: string }> {
  const order = provider === 'auto' ? providersFor(process.platform, process.arch) : provider === 'cpu' ? ['cpu' as const] : [provider, 'cpu' as const];
  const failed: string[] = [];
  for (const p of order) {
    try {
      const session = await ort.InferenceSession.create(model, { executionProviders: [p] });
      return { session, provider: p, ...(failed.length ? { fallback: `${failed.join('; ')}; ran on ${p}` } : {}) };
    } catch (e) {
      if (p === 'cpu') throw e;
      failed.push(`${p} is not available here (${readableOrtError((e as Error).message)})`);
    }
  }
  throw new Error('no execution provider could load the model');
}

/**
 * Opens a registered model's folder: `model.onnx` on the provider asked for, and on a GPU provider the
 * tree ensemble's standard-operator export (`model.tensor.onnx`) when there is one and the provider
 * places every one of its nodes (its profile of one inference, written under `tmpDir`, says so);
 * otherwise `model.onnx`, whose tree operators run on the CPU, with `fallback` saying why.
 */
export async function openModel(dir: string, provider: Provider | 'auto', tmpDir: string): Promise<{ session: ort.InferenceSession; provider: Provider; fallback?: string; bytes: Uint8Array }> {
  const bytes = fs.readFileSync(path.join(dir, 'model.onnx'));
  const s = await openSession(bytes, provider);
  const file = modelFileFor(dir, s.provider);
  if (file.endsWith('model.onnx')) return { ...s, bytes };
  const tensor = fs.readFileSync(file);
  const off = nodesOffProvider(await placementOf(tensor, s.provider, tmpDir));
  if (off.length) return { ...s, bytes, fallback: `${s.fallback ? `${s.fallback}; ` : ''}the tensorised trees would leave ${off.join(', ')} to the CPU on ${s.provider}, so the trees run on the CPU` };
  await s.session.release();
  return { ...(await openSession(tensor, s.provider)), bytes: tensor };
}

/** The file of a model folder a provider runs: the tensorised export on a GPU provider where there is one, else model.onnx. */
export function modelFileFor(dir: string, provider: Provider): string {
  const tensor = path.join(dir, 'model.tensor.onnx');
  return provider !== 'cpu' && fs.existsSync(tensor) ? tensor : path.join(dir, 'model.onnx');
}

/**
 * Runs a model over a CSV whose columns are named as the model's features (extra columns are kept,
 * order does not matter) and writes the input plus `p` (classifiers), `yhat` (regressors) or, for a
 * multiclass model, `p_<class>` per class.
 */
export async function predictCsv(o: { dir: string; features: string[]; objective: string; card?: unknown; input: string; out: string; provider: Provider | 'auto'; tmpDir: string }): Promise<{ rows: number; provider: Provider; fallback?: string; out: string }> {
  const text = readRegularText(o.input, { maxBytes: MAX_BYTES.table, field: 'input', what: 'CSV input' });
  const lines = text.split(/\r?\n/).filter((l, i, all) => l.trim() !== '' || i < all.length - 1);
  while (lines.length && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length < 2) throw new ApiError('invalid_argument', `${o.input}: needs a header and at least one row`, 'input');
  const delim = detectDelimiter(lines[0]!);
  const header = splitCsvLine(lines[0]!, delim).map((h) => h.trim());
  const missing = o.features.filter((f) => !header.includes(f));
  if (missing.length) throw new ApiError('invalid_argument', `${o.input}: line 1: the model needs columns ${missing.join(', ')}; the file has ${header.join(', ')}`, 'input');
  const at = o.features.map((f) => header.indexOf(f));
  const n = lines.length - 1;
  const x = new Float32Array(n * at.length);
  for (let r = 0; r < n; r++) {
    const cells = splitCsvLine(lines[r + 1]!, delim);
    at.forEach((c, j) => {
      const raw = (cells[c] ?? '').trim();
      const v = raw === '' ? Number.NaN : Number(raw);
      if (raw !== '' && !Number.isFinite(v)) throw new ApiError('invalid_argument', `${o.input}: line ${r + 2}: ${o.features[j]} "${raw}" is not a number (leave it empty for missing)`, 'input');
      x[r * at.length + j] = v;
    });
  }
  const s = await openModel(o.dir, o.provider, o.tmpDir);
  try {
    const choice = chooseOutput(s.session, o.dir);
    const out = await s.session.run({ [s.session.inputNames[0]!]: new ort.Tensor('float32', x, [n, at.length]) }, [choice.name]);
    let cols: string[];
    let cells: (r: number) => string;
    if (o.objective === 'multiclass') {
      const { classes, values } = classProbabilitiesOf(out[choice.name]!, n, choice, o.dir);
      cols = classLabels(o.card, classes).map((c) => `p_${c}`);
      cells = (r) => Array.from(values.subarray(r * classes, (r + 1) * classes)).join(delim);
    } else {
      const y = predictionsOf(out[choice.name]!, n, choice, o.dir);
      cols = [o.objective === 'binary' ? 'p' : 'yhat'];
      cells = (r) => String(y[r]);
    }
    const body = lines.slice(1).map((l, r) => `${l}${delim}${cells(r)}`);
    const dest = path.resolve(o.out);
    const staged = `${dest}.${process.pid}.tmp`;
    fs.writeFileSync(staged, `${lines[0]}${delim}${cols.join(delim)}\n${body.join('\n')}\n`);
    fs.renameSync(staged, dest);
    return { rows: n, provider: s.provider, ...(s.fallback ? { fallback: s.fallback } : {}), out: dest };
  } finally {
    await s.session.release();
  }
}
