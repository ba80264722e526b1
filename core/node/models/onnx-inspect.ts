/**
 * Reads what an import must check in an ONNX file without running it: metadata, operator-set domains
 * and whether any tensor keeps its data outside the file. A small protobuf reader over onnx.proto's
 * field numbers; anything it cannot read is reported as a corrupt file.
 */

/** One protobuf field, with where it lies in its message's bytes (from its key to its end). */
export interface Field {
  no: number;
  wire: number;
  start: number;
  end: number;
  /** Varint value (wire 0). */
  int?: bigint;
  /** Bytes (wire 2). */
  bytes?: Uint8Array;
}

/** The fields of a protobuf message, in order; throws RangeError on bytes that are not one. */
export function* fields(buf: Uint8Array): Generator<Field> {
  let at = 0;
  const varint = (): bigint => {
    let x = 0n;
    let shift = 0n;
    for (;;) {
      if (at >= buf.length) throw new RangeError('truncated varint');
      const b = buf[at++]!;
      x |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return x;
      shift += 7n;
      if (shift > 70n) throw new RangeError('varint too long');
    }
  };
  while (at < buf.length) {
    const start = at;
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) {
      const int = varint();
      yield { no, wire, start, end: at, int };
    } else if (wire === 2) {
      const len = Number(varint());
      if (at + len > buf.length) throw new RangeError('truncated field');
      yield { no, wire, start, end: at + len, bytes: buf.subarray(at, at + len) };
      at += len;
    } else if (wire === 5 || wire === 1) {
      at += wire === 5 ? 4 : 8;
      if (at > buf.length) throw new RangeError('truncated field');
      yield { no, wire, start, end: at };
    } else throw new RangeError(`unknown wire type ${wire}`);
  }
}

export const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b ?? new Uint8Array(0));

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
