/**
 * Binary frames for the API: a JSON header whose typed arrays are replaced by references into an
 * aligned binary tail. Bulk numbers cross a transport as raw bytes and are viewed, not parsed, on
 * arrival. Layout: uint32 LE header length, UTF-8 JSON, zero padding to 8 bytes, then each typed
 * array's bytes, each starting on an 8-byte boundary.
 */

type TypedArray = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | BigInt64Array;

const CTORS = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
  BigInt64Array,
} as const;
type CtorName = keyof typeof CTORS;

interface TypedRef {
  $ta: CtorName;
  off: number;
  len: number;
}

const align8 = (n: number): number => (n + 7) & ~7;

function ctorName(v: ArrayBufferView): CtorName | undefined {
  const name = v.constructor.name;
  return name in CTORS ? (name as CtorName) : undefined;
}

/** Encodes a value (plain JSON data plus typed arrays anywhere inside) into one frame. */
export function encodeFrame(value: unknown): Uint8Array {
  return concatBytes(encodeFrameParts(value));
}

/** Byte arrays laid one after another in a new array. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * The bytes of encodeFrame's frame as consecutive parts: the header (padded), then views on each typed
 * array's own bytes (with padding where one does not end on 8 bytes). A transport that sends a message
 * in fragments sends bulk arrays without copying them into one buffer.
 */
export function encodeFrameParts(value: unknown): Uint8Array[] {
  const arrays: TypedArray[] = [];
  let offset = 0;
  const json = JSON.stringify(value, (_k, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const name = ctorName(v);
      if (name === undefined) throw new TypeError(`cannot encode a ${v.constructor.name}`);
      const ref: TypedRef = { $ta: name, off: offset, len: (v as TypedArray).length };
      arrays.push(v as TypedArray);
      offset = align8(offset + v.byteLength);
      return ref;
    }
    return v;
  });
  const header = new TextEncoder().encode(json ?? 'null');
  const head = new Uint8Array(align8(4 + header.length));
  new DataView(head.buffer).setUint32(0, header.length, true);
  head.set(header, 4);
  const parts: Uint8Array[] = [head];
  for (const a of arrays) {
    parts.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    const pad = align8(a.byteLength) - a.byteLength;
    if (pad > 0) parts.push(new Uint8Array(pad));
  }
  return parts;
}

/**
 * Decodes a frame made by encodeFrame; typed arrays are views on the frame's buffer where aligned.
 * A JSON header longer than `maxHeader` bytes is refused before it is parsed.
 */
export function decodeFrame(frame: Uint8Array, maxHeader = Number.MAX_SAFE_INTEGER): unknown {
  if (frame.byteLength < 4) throw new RangeError('frame too short');
  const headerLen = new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0, true);
  if (4 + headerLen > frame.byteLength) throw new RangeError('frame header overruns the frame');
  if (headerLen > maxHeader) throw new RangeError(`frame header of ${headerLen} bytes is over the ${maxHeader} allowed`);
  // A view at an unaligned offset (Node pools small buffers) cannot back Float64Array views: copy once.
  const bytes = frame.byteOffset % 8 === 0 ? frame : frame.slice();
  const json = new TextDecoder().decode(bytes.subarray(4, 4 + headerLen));
  const bodyStart = bytes.byteOffset + align8(4 + headerLen);
  return JSON.parse(json, (_k, v: unknown) => {
    if (typeof v === 'object' && v !== null && typeof (v as TypedRef).$ta === 'string') {
      const ref = v as TypedRef;
      const Ctor = Object.prototype.hasOwnProperty.call(CTORS, ref.$ta) ? CTORS[ref.$ta] : undefined;
      if (Ctor === undefined) throw new TypeError(`unknown typed array ${ref.$ta}`);
      if (!Number.isSafeInteger(ref.off) || !Number.isSafeInteger(ref.len) || ref.off < 0 || ref.len < 0) throw new RangeError('typed array reference with a bad offset or length');
      const end = bodyStart + ref.off + ref.len * Ctor.BYTES_PER_ELEMENT;
      if (end > bytes.byteOffset + bytes.byteLength) throw new RangeError('typed array overruns the frame');
      return new Ctor(bytes.buffer as ArrayBuffer, bodyStart + ref.off, ref.len);
    }
    return v;
  });
}
