/**
 * Binary frames for the API: a JSON header whose typed arrays are replaced by references into an
 * aligned binary tail. Bulk numbers cross a transport as raw bytes and are viewed, not parsed, on
 * arrival. Layout: uint32 LE header length, UTF-8 JSON, zero padding to 8 bytes, then each typed
 * array's bytes, each starting on an 8-byte boundary. A split frame's head has the same layout; its
 * large arrays are named by part number instead and follow as messages of their own.
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
  return encodeSplitFrame(value, Number.POSITIVE_INFINITY)[0]!;
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

/** Typed arrays of at least this many bytes travel detached in a split frame, each as a message of its own. */
export const DETACH_BYTES = 64 * 1024;

/** The most detached parts one head may name; a head naming more is refused before any part is awaited. */
export const MAX_PARTS = 256;

interface PartRef {
  $ta: CtorName;
  part: number;
  len: number;
}

/**
 * A value as a head frame followed by detached parts: typed arrays of `detachBytes` or more are named in
 * the head by part number and sent as they are, each as its own message; smaller ones stay in the head's
 * tail. A receiver views each array on its own message's memory, so a bulk reply is neither concatenated
 * by the sender nor reassembled from fragments by the receiver (FrameReader).
 */
export function encodeSplitFrame(value: unknown, detachBytes = DETACH_BYTES): Uint8Array[] {
  const inline: TypedArray[] = [];
  const detached: Uint8Array[] = [];
  let offset = 0;
  const json = JSON.stringify(value, (_k, v: unknown) => {
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const name = ctorName(v);
      if (name === undefined) throw new TypeError(`cannot encode a ${v.constructor.name}`);
      if (v.byteLength >= detachBytes) {
        detached.push(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
        return { $ta: name, part: detached.length - 1, len: (v as TypedArray).length } satisfies PartRef;
      }
      const ref: TypedRef = { $ta: name, off: offset, len: (v as TypedArray).length };
      inline.push(v as TypedArray);
      offset = align8(offset + v.byteLength);
      return ref;
    }
    return v;
  });
  const header = new TextEncoder().encode(json ?? 'null');
  const out = new Uint8Array(align8(4 + header.length) + offset);
  new DataView(out.buffer).setUint32(0, header.length, true);
  out.set(header, 4);
  let at = align8(4 + header.length);
  for (const a of inline) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at = align8(at + a.byteLength);
  }
  return [out, ...detached];
}

/** Where a detached part goes once it arrives: the object or array that holds it, and its key. */
interface PendingPart {
  ref: PartRef;
  holder: Record<string, unknown>;
  key: string;
}

/**
 * Decodes a frame made by encodeFrame; typed arrays are views on the frame's buffer where aligned.
 * A JSON header longer than `maxHeader` bytes is refused before it is parsed, as is a reference to a
 * detached part (only FrameReader takes split frames).
 */
export function decodeFrame(frame: Uint8Array, maxHeader = Number.MAX_SAFE_INTEGER): unknown {
  return decodeHead(frame, maxHeader, undefined);
}

function decodeHead(frame: Uint8Array, maxHeader: number, parts: PendingPart[] | undefined): unknown {
  if (frame.byteLength < 4) throw new RangeError('frame too short');
  const headerLen = new DataView(frame.buffer, frame.byteOffset, 4).getUint32(0, true);
  if (4 + headerLen > frame.byteLength) throw new RangeError('frame header overruns the frame');
  if (headerLen > maxHeader) throw new RangeError(`frame header of ${headerLen} bytes is over the ${maxHeader} allowed`);
  // A view at an unaligned offset (Node pools small buffers) cannot back Float64Array views: copy once.
  const bytes = frame.byteOffset % 8 === 0 ? frame : frame.slice();
  const json = new TextDecoder().decode(bytes.subarray(4, 4 + headerLen));
  const bodyStart = bytes.byteOffset + align8(4 + headerLen);
  return JSON.parse(json, function (this: Record<string, unknown>, key: string, v: unknown) {
    if (typeof v === 'object' && v !== null && typeof (v as TypedRef).$ta === 'string') {
      const Ctor = ctorOf((v as TypedRef).$ta);
      if ('part' in v) {
        const ref = v as PartRef;
        if (parts === undefined) throw new RangeError('a detached part is named in a frame that takes none');
        if (!Number.isSafeInteger(ref.part) || !Number.isSafeInteger(ref.len) || ref.part < 0 || ref.len < 0) throw new RangeError('detached part with a bad number or length');
        if (parts.length >= MAX_PARTS) throw new RangeError(`frame names more than ${MAX_PARTS} detached parts`);
        parts.push({ ref, holder: this, key });
        return null;
      }
      const ref = v as TypedRef;
      if (!Number.isSafeInteger(ref.off) || !Number.isSafeInteger(ref.len) || ref.off < 0 || ref.len < 0) throw new RangeError('typed array reference with a bad offset or length');
      const end = bodyStart + ref.off + ref.len * Ctor.BYTES_PER_ELEMENT;
      if (end > bytes.byteOffset + bytes.byteLength) throw new RangeError('typed array overruns the frame');
      return new Ctor(bytes.buffer as ArrayBuffer, bodyStart + ref.off, ref.len);
    }
    return v;
  });
}

function ctorOf(name: string): (typeof CTORS)[CtorName] {
  const Ctor = Object.prototype.hasOwnProperty.call(CTORS, name) ? CTORS[name as CtorName] : undefined;
  if (Ctor === undefined) throw new TypeError(`unknown typed array ${name}`);
  return Ctor;
}

/**
 * Reassembles split frames (encodeSplitFrame) from messages taken in order: a head, then each detached
 * part it names. Part numbers must be 0…n−1, each once, and each part exactly its array's size.
 */
export class FrameReader {
  private head: { value: unknown; parts: PendingPart[]; got: Uint8Array[] } | undefined;

  /** @param maxHeader the longest JSON header taken, in bytes */
  constructor(private readonly maxHeader = Number.MAX_SAFE_INTEGER) {}

  /** Takes the next message; returns the decoded value once its head and all its parts have come, else undefined. */
  push(message: Uint8Array): { value: unknown } | undefined {
    if (this.head === undefined) {
      const parts: PendingPart[] = [];
      const value = decodeHead(message, this.maxHeader, parts);
      const numbers = new Set(parts.map((p) => p.ref.part));
      if (numbers.size !== parts.length || parts.some((p) => p.ref.part >= parts.length)) throw new RangeError('detached part numbers are not 0…n−1, each once');
      if (parts.length === 0) return { value };
      this.head = { value, parts: [...parts].sort((a, b) => a.ref.part - b.ref.part), got: [] };
      return undefined;
    }
    const head = this.head;
    const pending = head.parts[head.got.length]!;
    const Ctor = ctorOf(pending.ref.$ta);
    if (message.byteLength !== pending.ref.len * Ctor.BYTES_PER_ELEMENT) {
      this.head = undefined;
      throw new RangeError(`detached part ${pending.ref.part} has ${message.byteLength} bytes, not the ${pending.ref.len * Ctor.BYTES_PER_ELEMENT} its head names`);
    }
    head.got.push(message.byteOffset % Ctor.BYTES_PER_ELEMENT === 0 ? message : message.slice());
    if (head.got.length < head.parts.length) return undefined;
    this.head = undefined;
    head.parts.forEach((p, i) => {
      const b = head.got[i]!;
      // defineProperty, not assignment: a key named __proto__ must stay data, not reset a prototype.
      Object.defineProperty(p.holder, p.key, { value: new (ctorOf(p.ref.$ta))(b.buffer as ArrayBuffer, b.byteOffset, p.ref.len), enumerable: true, writable: true, configurable: true });
    });
    // A head that is itself one detached array parses to null; its array is in JSON.parse's root holder.
    return { value: head.value === null ? head.parts[0]!.holder[''] : head.value };
  }
}
