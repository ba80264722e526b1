/**
 * Just enough of the protobuf wire format to read ONNX files from elsewhere and to rewrite parts of
 * them (field numbers are onnx.proto's, named where they are used). Reading throws RangeError on bytes
 * that are not a message.
 */

import { concatBytes } from '../../common/codec';

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

/** A string field's text. */
export const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b ?? new Uint8Array(0));

/** A non-negative integer as varint bytes. */
function varint(x: number): number[] {
  const out: number[] = [];
  while (x >= 0x80) {
    out.push((x & 0x7f) | 0x80);
    x = Math.floor(x / 128);
  }
  out.push(x);
  return out;
}

/** A length-delimited field: key, length, bytes. */
export function lengthDelimited(no: number, body: Uint8Array): Uint8Array {
  const head = [...varint((no << 3) | 2), ...varint(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/** A message with the `index`-th occurrence of length-delimited field `no` given a new body; null when there is no such field. */
export function withField(message: Uint8Array, no: number, index: number, body: Uint8Array): Uint8Array | null {
  const all = [...fields(message)];
  const at = all.filter((f) => f.no === no && f.bytes).at(index);
  if (!at) return null;
  return concatBytes(all.map((f) => (f === at ? lengthDelimited(no, body) : message.subarray(f.start, f.end))));
}

/** The body of the first length-delimited field `no` of a message. */
export const firstField = (message: Uint8Array, no: number): Uint8Array | undefined => {
  for (const f of fields(message)) if (f.no === no && f.bytes) return f.bytes;
  return undefined;
};
