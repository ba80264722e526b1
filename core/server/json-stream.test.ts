import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeJson } from './json-stream';

async function written(value: unknown): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await writeJson(out, value);
  return Buffer.concat(chunks).toString('utf8');
}

describe('writeJson', () => {
  it('writes what JSON.stringify would, with typed arrays as arrays, NaN as null and BigInt64 as numbers', async () => {
    const value = { symbol: 'ES', t: Float64Array.from([1, 2.5, Number.NaN, Infinity]), nested: [{ v: Int32Array.from([-1, 0]) }, 'x'], big: BigInt64Array.from([2n ** 60n]), skip: undefined };
    expect(await written(value)).toBe('{"symbol":"ES","t":[1,2.5,null,null],"nested":[{"v":[-1,0]},"x"],"big":[1152921504606846976]}');
    expect(await written(null)).toBe('null');
    expect(await written([])).toBe('[]');
  });

  it('cannot be fooled by a string that looks like its own placeholder', async () => {
    const value = { s: '\u0000deadbeefdeadbeef:0', a: Float64Array.from([1]) };
    expect(JSON.parse(await written(value))).toEqual({ s: '\u0000deadbeefdeadbeef:0', a: [1] });
  });

  it('writes a large typed array in pieces that parse back exactly, letting other work run between them', async () => {
    const n = 300_000;
    const a = Float64Array.from({ length: n }, (_, i) => i / 7);
    let turns = 0;
    const timer = setInterval(() => turns++, 0);
    const text = await written({ a });
    clearInterval(timer);
    const back = JSON.parse(text) as { a: number[] };
    expect(back.a.length).toBe(n);
    expect(back.a[n - 1]).toBe((n - 1) / 7);
    expect(turns).toBeGreaterThan(0);
  });
});
