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

/** A graph input or output: a float tensor with fixed or named (dynamic) dimensions. */
export interface OnnxValue {
  name: string;
  dims: (number | string)[];
}

/** A node of the graph. */
export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  /** Integer and float attributes. */
  attrs?: Record<string, number>;
}

/** A constant float tensor. */
export interface OnnxInitializer {
  name: string;
  dims: number[];
  data: Float32Array;
}

function valueInfo(v: OnnxValue): Pb {
  const shape = new Pb();
  for (const d of v.dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d));
  const tensor = new Pb().int(1, ONNX_FLOAT).msg(2, shape);
  return new Pb().str(1, v.name).msg(2, new Pb().msg(1, tensor));
}

function attribute(name: string, value: number): Pb {
  // AttributeProto: name=1, f=2, i=3, type=20 (FLOAT=1, INT=2).
  const a = new Pb().str(1, name);
  return Number.isInteger(value) ? a.int(3, value).int(20, 2) : a.float32(2, value).int(20, 1);
}

/** Serialises a model (opset 17 by default) to ONNX bytes. */
export function buildOnnxModel(m: {
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  nodes: OnnxNode[];
  initializers?: OnnxInitializer[];
  name?: string;
  opset?: number;
  producer?: string;
}): Uint8Array {
  const graph = new Pb();
  for (const n of m.nodes) {
    const node = new Pb();
    for (const i of n.inputs) node.str(1, i);
    for (const o of n.outputs) node.str(2, o);
    if (n.name) node.str(3, n.name);
    node.str(4, n.op);
    for (const [k, v] of Object.entries(n.attrs ?? {})) node.msg(5, attribute(k, v));
    graph.msg(1, node);
  }
  graph.str(2, m.name ?? 'graph');
  for (const init of m.initializers ?? []) {
    const t = new Pb();
    for (const d of init.dims) t.int(1, d);
    t.int(2, ONNX_FLOAT).str(8, init.name).bytesField(9, new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength));
    graph.msg(5, t);
  }
  for (const i of m.inputs) graph.msg(11, valueInfo(i));
  for (const o of m.outputs) graph.msg(12, valueInfo(o));
  return new Pb()
    .int(1, 8)
    .str(2, m.producer ?? 'quantdesk')
    .msg(7, graph)
    .msg(8, new Pb().str(1, '').int(2, m.opset ?? 17))
    .finish();
}
