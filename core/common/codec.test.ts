import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, encodeFrameParts } from './codec';

describe('binary frames', () => {
  it('round-trips JSON with typed arrays anywhere inside', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { maxLength: 50 }), fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 20 }), fc.string(), (ds, is, s) => {
        const value = { s, nested: { a: Float64Array.from(ds), list: [Int32Array.from(is), 1, null] }, b: new Uint8Array([1, 2, 3]) };
        const back = decodeFrame(encodeFrame(value)) as typeof value;
        expect(back.s).toBe(s);
        expect(back.nested.a).toBeInstanceOf(Float64Array);
        expect(Array.from(back.nested.a)).toEqual(ds);
        expect(Array.from(back.nested.list[0] as Int32Array)).toEqual(is);
        expect(back.nested.list.slice(1)).toEqual([1, null]);
        expect(Array.from(back.b)).toEqual([1, 2, 3]);
      }),
    );
  });

  it('views aligned payloads without copying and still decodes an unaligned frame', () => {
    const frame = encodeFrame({ t: new Float64Array([1, 2, 3]) });
    const viewed = decodeFrame(frame) as { t: Float64Array };
    expect(viewed.t.buffer).toBe(frame.buffer);
    const shifted = new Uint8Array(frame.length + 3);
    shifted.set(frame, 3);
    const odd = decodeFrame(shifted.subarray(3)) as { t: Float64Array };
    expect(Array.from(odd.t)).toEqual([1, 2, 3]);
  });

  it('rejects truncated frames instead of reading past them', () => {
    const frame = encodeFrame({ t: new Float64Array(100) });
    expect(() => decodeFrame(frame.subarray(0, frame.length - 8))).toThrow(/overruns/);
    expect(() => decodeFrame(new Uint8Array(2))).toThrow(/too short/);
  });

  it('gives the same bytes in parts (header, then each array’s own bytes, padded to 8) as in one frame', () => {
    const value = { id: 7, bars: { t: Float64Array.from([1, 2, 3]), flags: Uint8Array.from([1, 2, 3]), v: Float32Array.from([0.5]) }, note: 'x' };
    const parts = encodeFrameParts(value);
    const joined = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.byteLength;
    }
    expect(Array.from(joined)).toEqual(Array.from(encodeFrame(value)));
    // The Float64Array goes out as a view on its own memory, not a copy.
    expect(parts.some((p) => p.buffer === value.bars.t.buffer)).toBe(true);
    expect(decodeFrame(joined)).toEqual(value);
  });
});
