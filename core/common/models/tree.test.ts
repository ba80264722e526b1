import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createArena } from './tree-kernels';
import { growthSpace } from './tree';

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
        const space = growthSpace([col], maxBins);
        const b = space.binned;
        const cuts = b.cuts[0]!;
        expect(cuts.length).toBeLessThanOrEqual(Math.max(0, maxBins - 2));
        for (let i = 1; i < cuts.length; i++) expect(cuts[i]!).toBeGreaterThan(cuts[i - 1]!);
        for (let i = 0; i < col.length; i++) {
          const bin = binByDefinition(col[i]!, cuts);
          expect(b.columns[0]![i]).toBe(bin);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('lays out each feature’s bins after the bins of the features before it', () => {
    const x = [Float64Array.from([0.1, 0.2, Number.NaN]), Float64Array.from([5, 4, 3])];
    const b = growthSpace(x, 16).binned;
    expect(Array.from(b.offsets)).toEqual([0, b.nb[0]!, b.nb[0]! + b.nb[1]!]);
    expect(b.columns[0]![2]).toBe(0);
  });
});

/** The definition a histogram must meet: per feature and bin, the sums of gradient and hessian of rows idx[start, end) in that bin. */
function histogramByDefinition(columns: Uint8Array[], offsets: Int32Array, gh: Float64Array, idx: Int32Array, start: number, end: number): Float64Array {
  const hist = new Float64Array(2 * offsets[columns.length]!);
  for (let k = start; k < end; k++) {
    const r = idx[k]!;
    columns.forEach((col, f) => {
      const at = 2 * (offsets[f]! + col[r]!);
      hist[at] = hist[at]! + gh[2 * r]!;
      hist[at + 1] = hist[at + 1]! + gh[2 * r + 1]!;
    });
  }
  return hist;
}

describe('histogram kernel (WebAssembly)', () => {
  it('sums every row range’s gradients and hessians into the bins of every feature, missing values included', () => {
    fc.assert(
      fc.property(
        // Up to 37 features (bins copied in 16-byte pieces, rows staged 256 at a time) and 700 rows.
        fc.tuple(fc.integer({ min: 1, max: 37 }), fc.integer({ min: 1, max: 700 })).chain(([nf, n]) =>
          fc.record({
            cols: fc.array(fc.array(value, { minLength: n, maxLength: n }), { minLength: nf, maxLength: nf }),
            g: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n }),
            range: fc.tuple(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n })),
            seed: fc.integer(),
          }),
        ),
        ({ cols, g, range, seed }) => {
          const x = cols.map((c) => Float64Array.from(c));
          const space = growthSpace(x, 8);
          const n = g.length;
          for (let i = 0; i < n; i++) {
            space.gh[2 * i] = g[i]!;
            space.gh[2 * i + 1] = Math.abs(g[(i + 1) % n]!) + 0.5;
          }
          // Any row order: a seeded shuffle, as partitions leave it.
          for (let i = 0; i < n; i++) space.idx[i] = i;
          for (let i = n - 1, s = seed >>> 0; i > 0; i--) {
            s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
            const j = s % (i + 1);
            [space.idx[i], space.idx[j]] = [space.idx[j]!, space.idx[i]!];
          }
          const [start, end] = [Math.min(...range), Math.max(...range)];
          const want = histogramByDefinition(space.binned.columns, space.binned.offsets, space.gh, space.idx, start, end);
          const got = space.histogram(start, end);
          expect(got.length).toBe(want.length);
          for (let k = 0; k < want.length; k++) expect(got[k]).toBeCloseTo(want[k]!, 12);
          space.close();
        },
      ),
      { numRuns: 100 },
    );
  });

  it('partitions any row range stably by any feature and bin, leaving the rows outside untouched', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }).chain((n) =>
          fc.record({
            cols: fc.array(fc.array(value, { minLength: n, maxLength: n }), { minLength: 2, maxLength: 2 }),
            f: fc.integer({ min: 0, max: 1 }),
            bin: fc.integer({ min: 0, max: 9 }),
            range: fc.tuple(fc.integer({ min: 0, max: n }), fc.integer({ min: 0, max: n })),
          }),
        ),
        ({ cols, f, bin, range }) => {
          const space = growthSpace(cols.map((c) => Float64Array.from(c)), 10);
          const n = cols[0]!.length;
          for (let i = 0; i < n; i++) space.idx[i] = n - 1 - i;
          const before = Array.from(space.idx);
          const [start, end] = [Math.min(...range), Math.max(...range)];
          const column = space.binned.columns[f]!;
          const inside = before.slice(start, end);
          const want = [...inside.filter((r) => column[r]! <= bin), ...inside.filter((r) => column[r]! > bin)];
          const lo = space.partition(f, bin, start, end);
          expect(lo).toBe(start + inside.filter((r) => column[r]! <= bin).length);
          expect(Array.from(space.idx)).toEqual([...before.slice(0, start), ...want, ...before.slice(end)]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('returns a new array per call, so a node keeps its histogram while its children are built', () => {
    const space = growthSpace([Float64Array.from([1, 2, 3, 4])], 4);
    space.gh.set([1, 1, 2, 1, 3, 1, 4, 1]);
    space.idx.set([0, 1, 2, 3]);
    const all = space.histogram(0, 4);
    const firstTwo = space.histogram(0, 2);
    expect(all).not.toBe(firstTwo);
    expect(all.reduce((a, v, k) => a + (k % 2 === 0 ? v : 0), 0)).toBe(10);
    expect(firstTwo.reduce((a, v, k) => a + (k % 2 === 0 ? v : 0), 0)).toBe(3);
  });

  it('refuses data beyond a 4 GiB memory with the sizes and what to change', () => {
    const offsets = Int32Array.from([0, 257]);
    expect(() => createArena(5_000_000_000, offsets, 1)).toThrow(/5,000,000,000 rows × 1 features need .* GiB .*limit is 4 GiB; train on fewer rows/);
  });
});
