import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, encodeSplitFrame, DETACH_BYTES, FrameReader, MAX_PARTS } from './codec';

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

  it('splits bulk arrays into messages of their own, sent as they are, and reassembles them in order', () => {
    const big = Float64Array.from({ length: 100 }, (_, i) => i / 3);
    const value = { id: 7, bars: { t: big, flags: Uint8Array.from([1, 2, 3]), v: new Float32Array(30).fill(0.5) }, list: [new Int32Array(17).fill(-4)], note: 'x' };
    const messages = encodeSplitFrame(value, 64);
    expect(messages).toHaveLength(4);
    // The large Float64Array goes out as a view on its own memory, not a copy.
    expect(messages[1]!.buffer).toBe(big.buffer);
    const reader = new FrameReader();
    const got = messages.map((m) => reader.push(m.slice()));
    expect(got.slice(0, 3)).toEqual([undefined, undefined, undefined]);
    expect(got[3]!.value).toEqual(value);
    // Small arrays stay in the head; a head without detached arrays decodes on its own.
    expect(encodeSplitFrame({ a: new Float64Array(4) })).toHaveLength(1);
    expect(encodeSplitFrame({ a: new Float64Array(DETACH_BYTES / 8) })).toHaveLength(2);
    expect(new FrameReader().push(encodeSplitFrame({ a: Float64Array.of(1, 2) })[0]!)!.value).toEqual({ a: Float64Array.of(1, 2) });
    const alone = new FrameReader();
    expect(alone.push(encodeSplitFrame(big, 64)[0]!)).toBeUndefined();
    expect(alone.push(new Uint8Array(big.buffer))!.value).toEqual(big);
  });

  it('refuses split frames that lie: parts named twice or out of range, parts of the wrong size, too many, or a part in a plain frame', () => {
    const head = (refs: unknown): Uint8Array => {
      const json = new TextEncoder().encode(JSON.stringify(refs));
      const out = new Uint8Array(((4 + json.length + 7) & ~7));
      new DataView(out.buffer).setUint32(0, json.length, true);
      out.set(json, 4);
      return out;
    };
    const ref = (part: number, len = 2): object => ({ $ta: 'Float64Array', part, len });
    expect(() => new FrameReader().push(head({ a: ref(0), b: ref(0) }))).toThrow(/each once/);
    expect(() => new FrameReader().push(head({ a: ref(1) }))).toThrow(/each once/);
    expect(() => new FrameReader().push(head({ a: ref(-1) }))).toThrow(/bad number/);
    expect(() => new FrameReader().push(head({ a: { $ta: 'Function', part: 0, len: 1 } }))).toThrow(/unknown typed array/);
    expect(() => new FrameReader().push(head(Array.from({ length: MAX_PARTS + 1 }, (_, i) => ref(i))))).toThrow(/more than/);
    expect(() => decodeFrame(head({ a: ref(0) }))).toThrow(/takes none/);
    const reader = new FrameReader();
    expect(reader.push(head({ a: ref(0) }))).toBeUndefined();
    expect(() => reader.push(new Uint8Array(24))).toThrow(/24 bytes, not the 16/);
    // After a refused part the reader takes a fresh head again.
    expect(reader.push(encodeFrame({ ok: 1 }))!.value).toEqual({ ok: 1 });
  });

  it('keeps a part keyed __proto__ as data instead of resetting the prototype', () => {
    const json = '{"__proto__":{"$ta":"Float64Array","part":0,"len":1}}';
    const bytes = new TextEncoder().encode(json);
    const head = new Uint8Array((4 + bytes.length + 7) & ~7);
    new DataView(head.buffer).setUint32(0, bytes.length, true);
    head.set(bytes, 4);
    const reader = new FrameReader();
    reader.push(head);
    const out = reader.push(new Uint8Array(Float64Array.of(3).buffer))!.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')!.value).toEqual(Float64Array.of(3));
  });
});
