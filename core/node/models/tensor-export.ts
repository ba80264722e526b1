import * as ort from 'onnxruntime-node';
import type { ModelPlacement } from '../../common/models/types';
import { gbdtToTensorOnnx, type ModelMeta } from './export-onnx';
import { treesOfOnnx } from './onnx-trees';
import { probeRows } from './served-trees';

/** Largest difference the tensorised export may show from the tree operators (relative above 1). */
export const TENSOR_TOLERANCE = 1e-5;

async function runCpu(bytes: Uint8Array, x: Float32Array, nf: number): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    const out = await s.run({ [s.inputNames[0]!]: new ort.Tensor('float32', x, [x.length / nf, nf]) });
    const y = out[s.outputNames[s.outputNames.length - 1]!]!;
    // A binary classifier's graph gives [rows, 2] probabilities: class 1 is the second column.
    const data = y.data as Float32Array;
    const width = y.dims.length === 2 ? Number(y.dims[1]) : 1;
    return width === 1 ? data : Float32Array.from({ length: data.length / width }, (_, i) => data[i * width + width - 1]!);
  } finally {
    await s.release();
  }
}

/**
 * The tensorised export (standard operators only, for GPU providers) of an ONNX file that is a plain
 * tree ensemble, once ONNX Runtime on the CPU has run both graphs on probe rows that take every split
 * each way and they agree within {@link TENSOR_TOLERANCE}; null where no export applies or they differ.
 */
export async function verifiedTensorExport(onnx: Uint8Array, nf: number, meta: ModelMeta): Promise<Uint8Array | null> {
  const model = treesOfOnnx(onnx, nf);
  if (!model || model.trees.some((t) => t.linear)) return null;
  let tensor: Uint8Array;
  try {
    tensor = gbdtToTensorOnnx(model, meta);
  } catch {
    return null;
  }
  const x = probeRows(model);
  const [want, got] = [await runCpu(onnx, x, nf), await runCpu(tensor, x, nf)];
  for (let i = 0; i < want.length; i++) if (!(Math.abs(got[i]! - want[i]!) <= TENSOR_TOLERANCE * Math.max(1, Math.abs(want[i]!)))) return null;
  return tensor;
}

/** Nodes a GPU provider left to the CPU (memory copies between the two aside): none means the whole graph runs on the GPU. */
export function nodesOffProvider(p: ModelPlacement): string[] {
  return p.nodes.filter((n) => n.provider !== p.asked && !n.op.startsWith('Memcpy')).map((n) => `${n.op} × ${n.count}`);
}
