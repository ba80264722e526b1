import type { GbdtModel, MulticlassTrees } from '../../common/models/gbdt';
import { rng } from '../../common/models/gbdt';
import { compileGbdt, compileMulticlass, type CompiledTrees } from './compiled-trees';
import { multiclassOfOnnx, treesOfOnnx } from './onnx-trees';

/** Largest difference from ONNX Runtime a compiled ensemble may show on the probe (relative above 1). */
export const COMPILED_TOLERANCE = 1e-6;

/** Probe rows at least, and at most (4 per distinct threshold of the busiest feature in between). */
const PROBE_MIN_ROWS = 512;
const PROBE_MAX_ROWS = 16_384;

/**
 * Rows that take every split of the ensemble each way: each feature walks through its distinct
 * thresholds, four rows per threshold, holding the threshold itself (a tie, which goes right), the
 * float32 just below it (left), a missing value and a value nearby; seeded, so a model's probe is the
 * same at every open. Past {@link PROBE_MAX_ROWS} rows the later thresholds are left out.
 */
export function probeRows(m: GbdtModel | MulticlassTrees): Float32Array {
  const nf = m.nFeatures;
  const sets: Set<number>[] = Array.from({ length: nf }, () => new Set());
  for (const t of m.trees) for (let k = 0; k < t.feature.length; k++) if (t.feature[k]! >= 0) sets[t.feature[k]!]!.add(Math.fround(t.threshold[k]!));
  const cuts = sets.map((c) => (c.size ? [...c] : [0]));
  const rows = Math.min(PROBE_MAX_ROWS, Math.max(PROBE_MIN_ROWS, 4 * Math.max(...cuts.map((c) => c.length))));
  const next = rng(7);
  const x = new Float32Array(rows * nf);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < nf; f++) {
      const c = cuts[f]!;
      const at = c[(Math.floor(r / 4) + f * 13) % c.length]!;
      const mode = (r + f) % 4;
      x[r * nf + f] = mode === 0 ? at : mode === 1 ? below(at) : mode === 2 ? Number.NaN : at + (next() - 0.5) * (Math.abs(at) + 1);
    }
  }
  return x;
}

/** The largest float32 below `v` (a float32). */
export function below(v: number): number {
  const f = new Float32Array([v]);
  const bits = new Int32Array(f.buffer);
  if (v === 0) return -1.401298464324817e-45;
  bits[0] = v > 0 ? bits[0]! - 1 : bits[0]! + 1;
  return f[0]!;
}

/** Why a model is served by ONNX Runtime rather than compiled, or the compiled ensemble (`classes` values a row: 1, or one probability per class). */
export type ServedTrees = { compiled: CompiledTrees; classes: number } | { compiled: null; why: string };

/**
 * The compiled evaluator for an ONNX file that is a plain tree ensemble (one prediction a row, or
 * one probability per class), once it has predicted what ONNX Runtime predicts (`reference`, on the
 * same session that would otherwise serve, with as many values a row) on probe rows within
 * {@link COMPILED_TOLERANCE}; otherwise why not.
 */
export async function serveCompiled(onnx: Uint8Array, nf: number, reference: (x: Float32Array, rows: number, classes: number) => Promise<Float32Array>): Promise<ServedTrees> {
  let read: { model: GbdtModel | MulticlassTrees; compile: () => CompiledTrees; classes: number } | null;
  try {
    const single = treesOfOnnx(onnx, nf);
    const multi = single ? null : multiclassOfOnnx(onnx, nf);
    read = single ? { model: single, compile: () => compileGbdt(single), classes: 1 } : multi ? { model: multi, compile: () => compileMulticlass(multi), classes: multi.classes } : null;
  } catch (e) {
    return { compiled: null, why: `its graph could not be read (${(e as Error).message})` };
  }
  if (!read) return { compiled: null, why: 'its graph is not a plain tree ensemble' };
  let compiled: CompiledTrees;
  try {
    compiled = read.compile();
  } catch (e) {
    return { compiled: null, why: (e as Error).message };
  }
  const x = probeRows(read.model);
  const n = x.length / nf;
  let want: Float32Array;
  try {
    want = await reference(x, n, read.classes);
  } catch (e) {
    return { compiled: null, why: `ONNX Runtime could not run the probe (${(e as Error).message})` };
  }
  const got = compiled.predict(x, n);
  if (want.length !== got.length) return { compiled: null, why: `ONNX Runtime gives ${want.length / n} values a row where the ensemble has ${read.classes}` };
  for (let i = 0; i < got.length; i++) {
    const w = want[i]!;
    const same = Math.abs(got[i]! - w) <= COMPILED_TOLERANCE * Math.max(1, Math.abs(w)) || (Number.isNaN(w) && Number.isNaN(got[i]!));
    if (!same) return { compiled: null, why: `the compiled ensemble predicted ${got[i]} where ONNX Runtime predicted ${w} (probe row ${Math.floor(i / read.classes)})` };
  }
  return { compiled, classes: read.classes };
}
