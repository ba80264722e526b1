import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WindowRing, windowsOf } from './window-ring';

describe('windows of feature rows', () => {
  it('holds the last T rows oldest first, missing before T rows were seen', () => {
    const ring = new WindowRing(3, 2);
    const w = new Float32Array(6);
    ring.push([1, 10]);
    ring.write(w);
    expect(Array.from(w)).toEqual([NaN, NaN, NaN, NaN, 1, 10]);
    for (const r of [[2, 20], [3, 30], [4, 40]]) ring.push(r);
    ring.write(w);
    expect(Array.from(w)).toEqual([2, 20, 3, 30, 4, 40]);
    expect(() => new WindowRing(0, 2)).toThrow(RangeError);
  });

  it('gives each row of a batch of columns the window of the T rows ending there', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.float({ noNaN: false }), { minLength: 0, maxLength: 60 }), (t, f, values) => {
        const n = Math.floor(values.length / f);
        const columns = Array.from({ length: f }, (_, j) => Float64Array.from({ length: n }, (_, i) => values[i * f + j]!));
        const batch = windowsOf(columns, t);
        // Window i holds rows i − T + 1 … i, each as float32, missing before the first row.
        for (let i = 0; i < n; i++) {
          const want = Array.from({ length: t * f }, (_, k) => {
            const row = i - t + 1 + Math.floor(k / f);
            return row < 0 ? Number.NaN : Math.fround(columns[k % f]![row]!);
          });
          expect(Array.from(batch.subarray(i * t * f, (i + 1) * t * f))).toEqual(want);
        }
      }),
    );
  });
});
