import { concatBytes } from '../../common/codec';
import { fields, firstField, lengthDelimited, text, withField, type Field } from './protobuf';

/**
 * sklearn-onnx and onnxmltools end a classifier, by default, with a ZipMap: it turns the
 * [rows, classes] probability tensor into a sequence of class → probability maps, which ONNX Runtime
 * for Node cannot return. The tensor it reads holds the same numbers, so the import removes the ZipMap
 * and makes its input the graph's output. Field numbers are onnx.proto's: ModelProto.graph 7;
 * GraphProto.node 1, output 12; NodeProto input 1, output 2, op_type 4, domain 7; ValueInfoProto name
 * 1, type 2; TypeProto.tensor_type 1; TypeProto.Tensor.elem_type 1 (FLOAT = 1).
 */

/** A graph output declared as a float tensor of unstated shape. */
const floatOutput = (name: string): Uint8Array => lengthDelimited(12, concatBytes([lengthDelimited(1, new TextEncoder().encode(name)), lengthDelimited(2, lengthDelimited(1, Uint8Array.of(0x08, 0x01)))]));

/** A NodeProto's op_type, domain, inputs and outputs. */
function nodeOf(bytes: Uint8Array): { op: string; domain: string; inputs: string[]; outputs: string[] } {
  const n = { op: '', domain: '', inputs: [] as string[], outputs: [] as string[] };
  for (const f of fields(bytes)) {
    if (f.no === 1) n.inputs.push(text(f.bytes));
    else if (f.no === 2) n.outputs.push(text(f.bytes));
    else if (f.no === 4) n.op = text(f.bytes);
    else if (f.no === 7) n.domain = text(f.bytes);
  }
  return n;
}

const nameOf = (valueInfo: Uint8Array): string => text(firstField(valueInfo, 1));

/**
 * The model with each ZipMap that makes a graph output removed and its probability tensor output in
 * its place (same position), and which outputs were replaced; null when the model has no such ZipMap.
 * Throws RangeError on bytes that are not a readable model.
 */
export function withoutZipMap(model: Uint8Array): { model: Uint8Array; replaced: { zipmap: string; tensor: string }[] } | null {
  const graphBytes = firstField(model, 7);
  if (!graphBytes) return null;
  const graph: Field[] = [...fields(graphBytes)];
  const outputs = new Set(graph.filter((f) => f.no === 12 && f.bytes).map((f) => nameOf(f.bytes!)));
  const zipmaps = new Map<string, string>();
  const dropped = new Set<Field>();
  for (const f of graph) {
    if (f.no !== 1 || !f.bytes) continue;
    const n = nodeOf(f.bytes);
    if (n.op === 'ZipMap' && n.domain === 'ai.onnx.ml' && n.inputs.length === 1 && n.outputs.length === 1 && outputs.has(n.outputs[0]!)) {
      zipmaps.set(n.outputs[0]!, n.inputs[0]!);
      dropped.add(f);
    }
  }
  if (zipmaps.size === 0) return null;
  const newGraph = concatBytes(
    graph.flatMap((f) => {
      if (dropped.has(f)) return [];
      const tensor = f.no === 12 && f.bytes ? zipmaps.get(nameOf(f.bytes)) : undefined;
      if (tensor === undefined) return [graphBytes.subarray(f.start, f.end)];
      // Where the tensor is a graph output already, the ZipMap's output just goes.
      return outputs.has(tensor) ? [] : [floatOutput(tensor)];
    }),
  );
  return {
    model: withField(model, 7, 0, newGraph)!,
    replaced: [...zipmaps].map(([zipmap, tensor]) => ({ zipmap, tensor })),
  };
}
