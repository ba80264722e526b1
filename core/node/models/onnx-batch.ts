import { concatBytes } from '../../common/codec';
import { fields, firstField, lengthDelimited, text, withField } from './protobuf';

/**
 * Converters of 2018–2019 (onnxmltools 1.3, the first sklearn-onnx) declare a model's input as
 * [1, features], a batch of one row, though their operators take any number of rows. The import
 * declares the first dimension of such inputs and outputs as a named one ("batch") so ONNX Runtime
 * accepts a batch; the rows the import then predicts prove the operators agree. Field numbers are
 * onnx.proto's: ModelProto.graph 7; GraphProto.initializer 5, input 11, output 12; TensorProto.name 8;
 * ValueInfoProto.name 1, type 2; TypeProto.tensor_type 1; Tensor.shape 2; TensorShapeProto.dim 1;
 * Dimension dim_value 1, dim_param 2.
 */

/** A value whose tensor's first dimension is the fixed 1, declared as "batch" instead; null when it is not. */
function anyBatch(valueInfo: Uint8Array): Uint8Array | null {
  const type = firstField(valueInfo, 2);
  const tensor = type && firstField(type, 1);
  const shape = tensor && firstField(tensor, 2);
  const dim = shape && firstField(shape, 1);
  if (!type || !tensor || !shape || !dim) return null;
  if ([...fields(dim)].find((f) => f.no === 1)?.int !== 1n) return null;
  const newShape = withField(shape, 1, 0, lengthDelimited(2, new TextEncoder().encode('batch')))!;
  const newTensor = withField(tensor, 2, 0, newShape)!;
  return withField(valueInfo, 2, 0, withField(type, 1, 0, newTensor)!);
}

/**
 * The model with every graph input and output declared [1, …] declared [batch, …] instead, and the
 * names changed; null when none is. Initializers listed among the inputs (older IR versions list
 * them) keep their shapes. Throws RangeError on bytes that are not a readable model.
 */
export function withAnyBatch(model: Uint8Array): { model: Uint8Array; changed: string[] } | null {
  const graphBytes = firstField(model, 7);
  if (!graphBytes) return null;
  const graph = [...fields(graphBytes)];
  const constants = new Set(graph.filter((f) => f.no === 5 && f.bytes).map((f) => text(firstField(f.bytes!, 8))));
  const changed: string[] = [];
  const parts = graph.map((f) => {
    if ((f.no !== 11 && f.no !== 12) || !f.bytes) return graphBytes.subarray(f.start, f.end);
    const name = text(firstField(f.bytes, 1));
    const next = f.no === 11 && constants.has(name) ? null : anyBatch(f.bytes);
    if (!next) return graphBytes.subarray(f.start, f.end);
    changed.push(name);
    return lengthDelimited(f.no, next);
  });
  if (changed.length === 0) return null;
  return { model: withField(model, 7, 0, concatBytes(parts))!, changed };
}
