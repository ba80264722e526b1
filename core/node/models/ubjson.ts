import { ApiError } from '../../common/errors';

/** Bytes of each fixed-size number type: int8 i, uint8 U, int16 I, int32 l, int64 L, float32 d, float64 D. */
const NUMBER_SIZE: Readonly<Record<number, number>> = { 0x69: 1, 0x55: 1, 0x49: 2, 0x6c: 4, 0x4c: 8, 0x64: 4, 0x44: 8 };

/** How deep containers may nest: a model is a few levels; a hostile file could nest until the stack overflows. */
const MAX_DEPTH = 64;

/**
 * Decodes Universal Binary JSON (big-endian, as XGBoost writes `.ubj` models), including optimised
 * containers (`$` type and `#` count) whose typed numbers become typed arrays. Every count is checked
 * against the bytes left before anything is allocated, so a forged size fails with the offset.
 */
export function decodeUbjson(bytes: Uint8Array, file: string): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder('utf-8', { fatal: true });
  let at = 0;
  const bad = (why: string): ApiError => new ApiError('invalid_argument', `${file}: not a readable UBJSON model at byte ${at} (${why}); save the model again with booster.save_model("model.ubj"), or as JSON`, 'file');
  const need = (n: number): void => {
    if (!(n >= 0) || at + n > bytes.length) throw bad(`needs ${n} more bytes, ${bytes.length - at} left`);
  };
  const marker = (): number => {
    need(1);
    return bytes[at++]!;
  };
  /** A fixed-size number of type `t`, or undefined where `t` is not one. */
  const number = (t: number): number | undefined => {
    const n = NUMBER_SIZE[t];
    if (n === undefined) return undefined;
    need(n);
    const p = at;
    at += n;
    switch (t) {
      case 0x69:
        return view.getInt8(p);
      case 0x55:
        return view.getUint8(p);
      case 0x49:
        return view.getInt16(p);
      case 0x6c:
        return view.getInt32(p);
      case 0x4c: {
        const v = view.getBigInt64(p);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER)) throw bad(`an integer ${v} beyond 2^53`);
        return Number(v);
      }
      case 0x64:
        return view.getFloat32(p);
      default:
        return view.getFloat64(p);
    }
  };
  const length = (): number => {
    const n = number(marker());
    if (n === undefined || !Number.isInteger(n) || n < 0) throw bad('a length that is not a non-negative integer');
    return n;
  };
  const string = (): string => {
    const n = length();
    need(n);
    let s: string;
    try {
      s = text.decode(bytes.subarray(at, at + n));
    } catch {
      throw bad('a string that is not UTF-8');
    }
    at += n;
    return s;
  };
  const typed = (t: number, count: number): number[] => {
    need(count * NUMBER_SIZE[t]!);
    const out = new Array<number>(count);
    for (let i = 0; i < count; i++) out[i] = number(t)!;
    return out;
  };
  const value = (t: number, depth: number): unknown => {
    if (depth > MAX_DEPTH) throw bad(`containers nested deeper than ${MAX_DEPTH}`);
    const n = number(t);
    if (n !== undefined) return n;
    switch (t) {
      case 0x5a:
        return null;
      case 0x54:
        return true;
      case 0x46:
        return false;
      case 0x43:
        need(1);
        return String.fromCharCode(bytes[at++]!);
      case 0x53:
      case 0x48:
        return string();
      case 0x5b:
      case 0x7b:
        return container(t === 0x7b, depth + 1);
      default:
        throw bad(`unknown type marker 0x${t.toString(16)}`);
    }
  };
  const container = (object: boolean, depth: number): unknown => {
    let type: number | undefined;
    let count: number | undefined;
    if (bytes[at] === 0x24) {
      at++;
      type = marker();
      if (bytes[at] !== 0x23) throw bad('a typed container without a count');
    }
    if (bytes[at] === 0x23) {
      at++;
      count = length();
      // Every element takes at least a byte (a key two), unless a typed container's type carries no payload (null, true, false).
      if (type === undefined || ![0x5a, 0x54, 0x46].includes(type)) need(object ? count * 2 : count);
    }
    if (!object && type !== undefined && count !== undefined && NUMBER_SIZE[type] !== undefined) return typed(type, count);
    const items: unknown[] = [];
    const fields: Record<string, unknown> = {};
    for (let i = 0; count === undefined || i < count; i++) {
      if (count === undefined) {
        need(1);
        if (bytes[at] === (object ? 0x7d : 0x5d)) {
          at++;
          break;
        }
      }
      const key = object ? string() : '';
      const v = value(type ?? marker(), depth);
      if (object) fields[key] = v;
      else items.push(v);
    }
    return object ? fields : items;
  };
  const root = value(marker(), 0);
  if (at !== bytes.length) throw bad(`${bytes.length - at} bytes after the document`);
  return root;
}
