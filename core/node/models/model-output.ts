import type * as ort from 'onnxruntime-node';
import { ApiError } from '../../common/errors';

/** Which output of an ONNX model carries its prediction, and whether the model is a classifier (a label output beside its probabilities). */
export interface OutputChoice {
  /** The output read. */
  name: string;
  /** A classifier (sklearn-onnx, onnxmltools: a label and a probability tensor): its prediction is P(second class). */
  classifier: boolean;
}

/** The graph outputs naming a kNN prediction's neighbours, [batch, k] int64 each: event time (epoch ms), symbol (index into the card's symbols), outcome (0/1). */
export const NEIGHBOUR_OUTPUTS = ['neighbour_t', 'neighbour_symbol', 'neighbour_outcome'] as const;

const bad = (file: string, why: string): ApiError => new ApiError('invalid_argument', `${file}: ${why}`, 'file');

/**
 * Chooses the prediction among a model's outputs: its float tensor (the one named like
 * `probabilities` where there are several). A model whose probabilities are still maps (a ZipMap the
 * import could not take off: see onnx-zipmap.ts) is refused with the option that turns them into a
 * tensor: ONNX Runtime for Node returns no maps.
 */
export function chooseOutput(session: Pick<ort.InferenceSession, 'outputMetadata'>, file: string): OutputChoice {
  const outputs = session.outputMetadata;
  const floats = outputs.filter((m) => m.isTensor && (m.type === 'float32' || m.type === 'float64'));
  // A retrieval model's neighbours (kNN's neighbour_* outputs) explain its prediction; they are not a classifier's label.
  const labels = outputs.filter((m) => m.isTensor && (m.type === 'int64' || m.type === 'int32' || m.type === 'string') && !(NEIGHBOUR_OUTPUTS as readonly string[]).includes(m.name));
  const maps = outputs.filter((m) => !m.isTensor);
  if (floats.length === 0) {
    if (maps.length) throw bad(file, `its output "${maps[0]!.name}" is not a tensor (sklearn-onnx's ZipMap: a list of class → probability maps); convert with options={id(model): {"zipmap": False}} (onnxmltools: zipmap=False) so the probabilities are a [rows, classes] tensor`);
    throw bad(file, `has no float output (outputs: ${outputs.map((m) => `${m.name} ${m.isTensor ? m.type : 'non-tensor'}`).join(', ')}); Quantdesk reads a float prediction per row`);
  }
  const chosen = floats.find((m) => /prob/i.test(m.name)) ?? floats[0]!;
  return { name: chosen.name, classifier: labels.length > 0 };
}

/**
 * One prediction per row from the chosen output's tensor: a regressor's [rows] or [rows, 1]; a
 * classifier's P(second class) from its [rows, 2] probabilities. Several values per row (a
 * multi-output regressor, a multiclass model) are refused rather than read into the wrong rows.
 */
export function predictionsOf(t: ort.Tensor, rows: number, choice: OutputChoice, file: string): Float32Array {
  const dims = t.dims.map(Number);
  const width = dims.length === 1 ? 1 : dims.length === 2 ? dims[1]! : Number.NaN;
  if (dims[0] !== rows || !Number.isInteger(width)) throw bad(file, `its output "${choice.name}" has the shape [${dims.join(', ')}] for ${rows} rows; expected [rows] or [rows, 1]${choice.classifier ? ' or [rows, 2] probabilities' : ''}`);
  const data = t.data as Float32Array | Float64Array;
  if (width === 1) return Float32Array.from(data);
  if (choice.classifier && width === 2) return Float32Array.from({ length: rows }, (_, i) => data[i * 2 + 1]!);
  if (choice.classifier) throw bad(file, `a ${width}-class model (its "${choice.name}" holds ${width} probabilities per row), where this reads one prediction per row (backtests, trade filters and paper trading read binary models); \`models predict\` and \`predict\` give its probability per class`);
  throw bad(file, `writes ${width} values per row in "${choice.name}" (a multi-output model); Quantdesk reads one prediction per row: export one model per target`);
}

/**
 * A classifier's probability per class, row after row ([rows, classes] row-major), from its
 * probabilities tensor; what is not a classifier's [rows, k ≥ 2] tensor is refused.
 */
export function classProbabilitiesOf(t: ort.Tensor, rows: number, choice: OutputChoice, file: string): { classes: number; values: Float32Array } {
  const dims = t.dims.map(Number);
  if (!choice.classifier || dims.length !== 2 || dims[0] !== rows || !(dims[1]! >= 2)) throw bad(file, `its output "${choice.name}" of shape [${dims.join(', ')}] is not a classifier's [rows, classes] probabilities`);
  return { classes: dims[1]!, values: Float32Array.from(t.data as Float32Array | Float64Array) };
}

/** Each row's most probable class (the first of equals), from [rows, classes] row-major probabilities. */
export function mostProbable(p: { classes: number; values: Float32Array }): Uint32Array {
  const n = p.values.length / p.classes;
  return Uint32Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let c = 1; c < p.classes; c++) if (p.values[i * p.classes + c]! > p.values[i * p.classes + best]!) best = c;
    return best;
  });
}
