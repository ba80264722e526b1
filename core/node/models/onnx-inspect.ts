/**
 * Reads what an import must check in an ONNX file without running it: metadata, operator-set domains
 * and whether any tensor keeps its data outside the file. A small protobuf reader over onnx.proto's
 * field numbers; anything it cannot read is reported as a corrupt file.
 */

import { fields, text } from './protobuf';

/** What an ONNX file declares. */
export interface OnnxInfo {
  metadata: Record<string, string>;
  /** Operator-set domains imported ('' is the standard one). */
  domains: string[];
  /** Whether any initializer keeps its data in an external file. */
  externalData: boolean;
  /** Operator type of every node of the main graph, in order. */
  operators: string[];
}

/** Inspects ONNX bytes; throws RangeError for bytes that are not a readable ONNX model. */
export function inspectOnnx(bytes: Uint8Array): OnnxInfo {
  const info: OnnxInfo = { metadata: {}, domains: [], externalData: false, operators: [] };
  let sawGraph = false;
  for (const f of fields(bytes)) {
    if (f.no === 8 && f.bytes) {
      let domain = '';
      for (const g of fields(f.bytes)) if (g.no === 1) domain = text(g.bytes);
      info.domains.push(domain);
    } else if (f.no === 14 && f.bytes) {
      let key = '';
      let value = '';
      for (const g of fields(f.bytes)) {
        if (g.no === 1) key = text(g.bytes);
        if (g.no === 2) value = text(g.bytes);
      }
      info.metadata[key] = value;
    } else if (f.no === 7 && f.bytes) {
      sawGraph = true;
      for (const g of fields(f.bytes)) {
        if (g.no === 1 && g.bytes) for (const t of fields(g.bytes)) if (t.no === 4) info.operators.push(text(t.bytes));
        if (g.no !== 5 || !g.bytes) continue;
        for (const t of fields(g.bytes)) if (t.no === 14 && t.int === 1n) info.externalData = true;
      }
    }
  }
  if (!sawGraph) throw new RangeError('no graph');
  return info;
}
