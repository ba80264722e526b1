import { describe, expect, it } from 'vitest';
import { decodeUbjson } from './ubjson';

const bytes = (...parts: (number | string)[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...Buffer.from(p, 'latin1')])));

describe('UBJSON', () => {
  it('decodes the value types and optimised containers XGBoost writes, big-endian', () => {
    // {"a": [1.5 (float32), -2 (int8)], "b": "hi", "c": [$U#i3 7 8 9], "d": true, "e": null}
    const doc = bytes('{', 'i', 1, 'a', '[', 'd', 0x3f, 0xc0, 0, 0, 'i', 0xfe, ']', 'i', 1, 'b', 'S', 'i', 2, 'hi', 'i', 1, 'c', '[', '$', 'U', '#', 'i', 3, 7, 8, 9, 'i', 1, 'd', 'T', 'i', 1, 'e', 'Z', '}');
    expect(decodeUbjson(doc, 'm.ubj')).toEqual({ a: [1.5, -2], b: 'hi', c: [7, 8, 9], d: true, e: null });
    // A counted object and an int64 length.
    expect(decodeUbjson(bytes('{', '#', 'i', 1, 'L', 0, 0, 0, 0, 0, 0, 0, 1, 'x', 'l', 0, 0, 1, 0), 'm.ubj')).toEqual({ x: 256 });
  });

  it('refuses truncated, forged and hostile input with the byte offset, allocating nothing for a forged count', () => {
    expect(() => decodeUbjson(bytes('{', 'i', 5, 'ab'), 'm.ubj')).toThrow(/m\.ubj: not a readable UBJSON model at byte 3 \(needs 5 more bytes, 2 left\)/);
    // A typed array claiming 2^31 float64 values in a 12-byte file.
    expect(() => decodeUbjson(bytes('[', '$', 'D', '#', 'l', 0x7f, 0xff, 0xff, 0xff), 'm.ubj')).toThrow(/needs 2147483647 more bytes/);
    expect(() => decodeUbjson(bytes('[', '#', 'L', 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), 'm.ubj')).toThrow(/beyond 2\^53/);
    expect(() => decodeUbjson(bytes('[', '#', 'i', 0xff), 'm.ubj')).toThrow(/a length that is not a non-negative integer/);
    expect(() => decodeUbjson(bytes('X'), 'm.ubj')).toThrow(/unknown type marker 0x58/);
    expect(() => decodeUbjson(bytes('T', 'T'), 'm.ubj')).toThrow(/1 bytes after the document/);
    expect(() => decodeUbjson(bytes('S', 'i', 2, 0xc3, 0x28), 'm.ubj')).toThrow(/m\.ubj: not a readable UBJSON model at byte 3 \(a string that is not UTF-8\)/);
    expect(() => decodeUbjson(new Uint8Array(200).fill(0x5b), 'm.ubj')).toThrow(/nested deeper than 64/);
  });
});
