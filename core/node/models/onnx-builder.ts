/**
 * A minimal ONNX model writer: enough of the protobuf wire format (onnx.proto field numbers) to
 * serialise graphs of standard operators with float tensors, so models can be exported without Python.
 */

class Pb {
  private readonly bytes: number[] = [];

  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.bytes.push(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.bytes.push(Number(x));
  }

  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number): this {
    this.key(field, 0);
    this.varint(v);
    return this;
  }

  bytesField(field: number, data: Uint8Array): this {
    this.key(field, 2);
    this.varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  float32(field: number, v: number): this {
    this.key(field, 5);
    for (const b of new Uint8Array(new Float32Array([v]).buffer)) this.bytes.push(b);
    return this;
  }

  str(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }

  msg(field: number, m: Pb): this {
    return this.bytesField(field, m.finish());
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** ONNX element types used here. */
export const ONNX_FLOAT = 1;

/** A graph input or output: a tensor (float unless said) with fixed or named (dynamic) dimensions. */
export interface OnnxValue {
  name: string;
  dims: (number | string)[];
  /** Element type (default float; ONNX_INT64 for labels). */
  elemType?: number;
}

/** An attribute value: a number (int when whole), a string, or a list of ints, floats or strings. */
export type OnnxAttr = number | string | { ints: number[] } | { floats: number[] } | { strings: string[] };

/** A node of the graph. */
export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  /** Operator domain, e.g. `ai.onnx.ml` (default: the standard one). */
  domain?: string;
  attrs?: Record<string, OnnxAttr>;
}

/** A constant tensor: float32, int64 (shapes, axes, counts) or int32 (indices for GPU providers, which lack most int64 kernels). */
export interface OnnxInitializer {
  name: string;
  dims: number[];
  data: Float32Array | BigInt64Array | Int32Array;
}

/** ONNX element type of int64 tensors. */
export const ONNX_INT64 = 7;
/** ONNX element types of int32 and bool tensors. */
export const ONNX_INT32 = 6;
export const ONNX_BOOL = 9;

function valueInfo(v: OnnxValue): Pb {
  const shape = new Pb();
  for (const d of v.dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d));
  const tensor = new Pb().int(1, v.elemType ?? ONNX_FLOAT).msg(2, shape);
  return new Pb().str(1, v.name).msg(2, new Pb().msg(1, tensor));
}

function attribute(name: string, value: OnnxAttr): Pb {
  // AttributeProto: name=1, f=2, i=3, s=4, floats=7, ints=8, strings=9, type=20
  // (FLOAT=1, INT=2, STRING=3, FLOATS=6, INTS=7, STRINGS=8).
  const a = new Pb().str(1, name);
  if (typeof value === 'number') return Number.isInteger(value) ? a.int(3, value).int(20, 2) : a.float32(2, value).int(20, 1);
  if (typeof value === 'string') return a.str(4, value).int(20, 3);
  if ('ints' in value) {
    for (const v of value.ints) a.int(8, v);
    return a.int(20, 7);
  }
  if ('floats' in value) {
    for (const v of value.floats) a.float32(7, v);
    return a.int(20, 6);
  }
  for (const v of value.strings) a.str(9, v);
  return a.int(20, 8);
}

/** Serialises a model (opset 17 by default) to ONNX bytes. */
export function buildOnnxModel(m: {
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  nodes: OnnxNode[];
  initializers?: OnnxInitializer[];
  name?: string;
  opset?: number;
  /** Extra operator sets, e.g. { 'ai.onnx.ml': 3 }. */
  opsets?: Record<string, number>;
  producer?: string;
  /** Model metadata (feature names, spec hash, model-card id). */
  metadata?: Record<string, string>;
}): Uint8Array {
  const graph = new Pb();
  for (const n of m.nodes) {
    const node = new Pb();
    for (const i of n.inputs) node.str(1, i);
    for (const o of n.outputs) node.str(2, o);
    if (n.name) node.str(3, n.name);
    node.str(4, n.op);
    for (const [k, v] of Object.entries(n.attrs ?? {})) node.msg(5, attribute(k, v));
    if (n.domain) node.str(7, n.domain);
    graph.msg(1, node);
  }
  graph.str(2, m.name ?? 'graph');
  for (const init of m.initializers ?? []) {
    const t = new Pb();
    for (const d of init.dims) t.int(1, d);
    t.int(2, init.data instanceof BigInt64Array ? ONNX_INT64 : init.data instanceof Int32Array ? ONNX_INT32 : ONNX_FLOAT).str(8, init.name).bytesField(9, new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength));
    graph.msg(5, t);
  }
  for (const i of m.inputs) graph.msg(11, valueInfo(i));
  for (const o of m.outputs) graph.msg(12, valueInfo(o));
  const model = new Pb()
    .int(1, 8)
    .str(2, m.producer ?? 'quantdesk')
    .msg(7, graph)
    .msg(8, new Pb().str(1, '').int(2, m.opset ?? 17));
  for (const [domain, version] of Object.entries(m.opsets ?? {})) model.msg(8, new Pb().str(1, domain).int(2, version));
  for (const [key, value] of Object.entries(m.metadata ?? {})) model.msg(14, new Pb().str(1, key).str(2, value));
  return model.finish();
}
