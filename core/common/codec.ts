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
  const bodyStart = align8(4 + header.length);
  const out = new Uint8Array(bodyStart + offset);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  let at = bodyStart;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at = align8(at + a.byteLength);
  }
  return out;
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
