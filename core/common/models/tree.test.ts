import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { binFeatures } from './tree';

/** The definition binning must meet: 0 for missing, else 1 + the number of cuts ≤ fround(x). */
function binByDefinition(x: number, cuts: Float64Array): number {
  if (Number.isNaN(x)) return 0;
  let n = 0;
  while (n < cuts.length && cuts[n]! <= Math.fround(x)) n++;
  return n + 1;
}

const value = fc.oneof(
  fc.double({ min: -1, max: 1, noNaN: true }),
  fc.double({ min: -1e12, max: 1e12, noNaN: true }),
  fc.constantFrom(Number.NaN, 0, 0.5, -0.5, 1e-30),
  fc.integer({ min: -3, max: 3 }),
);

describe('feature binning', () => {
  it('puts every value in the bin its cuts define, for tails, ties, missing values and few distinct values', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 600 }), fc.integer({ min: 3, max: 255 }), (vals, maxBins) => {
        const col = Float64Array.from(vals);
        const b = binFeatures([col], maxBins);
        const cuts = b.cuts[0]!;
        expect(cuts.length).toBeLessThanOrEqual(Math.max(0, maxBins - 2));
        for (let i = 1; i < cuts.length; i++) expect(cuts[i]!).toBeGreaterThan(cuts[i - 1]!);
        for (let i = 0; i < col.length; i++) {
          const bin = binByDefinition(col[i]!, cuts);
          expect(b.columns[0]![i]).toBe(bin);
          expect(b.rows[i]).toBe(b.offsets[0]! + bin);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('stores each row’s histogram slots row-major after the offsets of the features before it', () => {
    const x = [Float64Array.from([0.1, 0.2, Number.NaN]), Float64Array.from([5, 4, 3])];
    const b = binFeatures(x, 16);
    expect(Array.from(b.offsets)).toEqual([0, b.nb[0]!, b.nb[0]! + b.nb[1]!]);
    for (let i = 0; i < 3; i++) for (let f = 0; f < 2; f++) expect(b.rows[i * 2 + f]).toBe(b.offsets[f]! + b.columns[f]![i]!);
    expect(b.columns[0]![2]).toBe(0);
  });
});
