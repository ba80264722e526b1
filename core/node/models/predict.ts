import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ApiError } from '../../common/errors';
import { detectDelimiter, splitCsvLine } from '../../common/csv-preview';

/** Execution providers a user may ask for. */
export const PROVIDERS = ['cpu', 'coreml', 'webgpu', 'cuda', 'dml'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** An ONNX Runtime session on the provider asked for, else on the CPU with the reason it could not be used. */
export async function openSession(model: Uint8Array | string, provider: Provider): Promise<{ session: ort.InferenceSession; provider: Provider; fallback?: string }> {
  if (provider !== 'cpu') {
    try {
      return { session: await ort.InferenceSession.create(model as Uint8Array, { executionProviders: [provider] }), provider };
    } catch (e) {
      return { session: await ort.InferenceSession.create(model as Uint8Array, { executionProviders: ['cpu'] }), provider: 'cpu', fallback: `${provider} is not available here (${(e as Error).message.split('\n')[0]}); ran on the CPU` };
    }
  }
  return { session: await ort.InferenceSession.create(model as Uint8Array, { executionProviders: ['cpu'] }), provider: 'cpu' };
}

/**
 * Runs a model over a CSV whose columns are named as the model's features (extra columns are kept,
 * order does not matter) and writes the input plus `p` (classifiers) or `yhat` (regressors).
 */
export async function predictCsv(o: { modelFile: string; features: string[]; objective: string; input: string; out: string; provider: Provider }): Promise<{ rows: number; provider: Provider; fallback?: string; out: string }> {
  let text: string;
  try {
    text = fs.readFileSync(o.input, 'utf8');
  } catch (e) {
    throw new ApiError('invalid_argument', `${o.input}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'input');
  }
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
  const s = await openSession(fs.readFileSync(o.modelFile), o.provider);
  try {
    const out = await s.session.run({ [s.session.inputNames[0]!]: new ort.Tensor('float32', x, [n, at.length]) });
    const y = out[s.session.outputNames[0]!]!.data as Float32Array;
    const col = o.objective === 'binary' ? 'p' : 'yhat';
    const body = lines.slice(1).map((l, r) => `${l}${delim}${y[r]}`);
    const dest = path.resolve(o.out);
    const staged = `${dest}.${process.pid}.tmp`;
    fs.writeFileSync(staged, `${lines[0]}${delim}${col}\n${body.join('\n')}\n`);
    fs.renameSync(staged, dest);
    return { rows: n, provider: s.provider, ...(s.fallback ? { fallback: s.fallback } : {}), out: dest };
  } finally {
    await s.session.release();
  }
}
