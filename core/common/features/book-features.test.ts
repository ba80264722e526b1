import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BookFeatureStream, computeBookFeatures, ofiEvent, parseBookFeature, type BookSeries } from './book-features';

/** A one-level book series from rows of [t ms, action, side, price, size, depth, bid, bidSize, ask, askSize]. */
function series(rows: [number, string, string, number, number, number, number, number, number, number][]): BookSeries {
  const n = rows.length;
  const s: BookSeries = { t: new Float64Array(n), action: new Uint8Array(n), side: new Uint8Array(n), price: new Float64Array(n), size: new Float64Array(n), depth: new Uint8Array(n), levels: 1, bidPx: new Float64Array(n), askPx: new Float64Array(n), bidSz: new Float64Array(n), askSz: new Float64Array(n) };
  rows.forEach(([t, a, sd, p, q, d, pb, qb, pa, qa], i) => {
    s.t[i] = t;
    s.action[i] = a.charCodeAt(0);
    s.side[i] = sd.charCodeAt(0);
    s.price[i] = p;
    s.size[i] = q;
    s.depth[i] = d;
    s.bidPx[i] = pb;
    s.bidSz[i] = qb;
    s.askPx[i] = pa;
    s.askSz[i] = qa;
  });
  return s;
}

// Five top-of-book states a second apart; by the definition e = 0 (first), +2, +2, +7, −10.
const FIVE = series([
  [0, 'A', 'B', 100, 10, 0, 100, 10, 101, 5],
  [1000, 'A', 'B', 100, 2, 0, 100, 12, 101, 5],
  [2000, 'C', 'A', 101, 2, 0, 100, 12, 101, 3],
  [3000, 'T', 'B', 101, 3, 0, 101, 4, 102, 7],
  [4000, 'T', 'A', 101, 4, 0, 100, 9, 101, 6],
]);

describe('book features', () => {
  it('order-flow imbalance by hand: per event, windowed sum, slope, variance and peak', () => {
    expect(ofiEvent(100, 10, 101, 5, 100, 12, 101, 5)).toBe(2);
    expect(ofiEvent(100, 12, 101, 3, 101, 4, 102, 7)).toBe(7);
    expect(ofiEvent(101, 4, 102, 7, 100, 9, 101, 6)).toBe(-10);
    const f = computeBookFeatures(FIVE, Float64Array.of(4000), ['ofi(3,60)']);
    expect(f.get('ofi_3')![0]).toBe(-1);
    expect(f.get('ofi_60')![0]).toBe(1);
    expect(f.get('ofi_60_peak')![0]).toBe(11);
    expect(f.get('ofi_60_var')![0]).toBeCloseTo(31.36, 12);
    // Cumulative 0, 2, 4, 11, 1 at 56…60 s into the window: least-squares slope 11 / 10.
    expect(f.get('ofi_60_slope')![0]).toBeCloseTo(1.1, 12);
    expect(computeBookFeatures(FIVE, Float64Array.of(-1), ['ofi(3)']).get('ofi_3')![0]).toBeNaN();
  });

  it('top of book, trade signs and depth by hand', () => {
    const f = computeBookFeatures(FIVE, Float64Array.of(3500, 4000), ['micro', 'tradeimb(2,60)', 'depth(1,1)']);
    // At 3.5 s: bid 101 × 4, ask 102 × 7.
    expect([f.get('micro_spread')![0], f.get('micro_dev')![0], f.get('micro_imbalance')![0]]).toEqual([1, (101 * 7 + 102 * 4) / 11 - 101.5, -3 / 11]);
    // Trades: buy 3 at 3 s, sell 4 at 4 s.
    expect([f.get('tradeimb_60')![0], f.get('tradeimb_60')![1], f.get('tradeimb_2')![1]]).toEqual([1, -1 / 7, -1 / 7]);
    // Within one tick of the mid 100.5 at 4 s: the bid 100 × 9 and the ask 101 × 6.
    expect([f.get('depth')![1], f.get('depth_imbalance')![1]]).toEqual([15, 3 / 15]);
    expect(f.get('depth_chg_60')![1]).toBeNaN();
    // Absorption over 5 minutes: traded 7 against 10 + 2 added at the best levels.
    expect(f.get('depth_absorb')![1]).toBeCloseTo(7 / 19, 12);
  });

  it('streaming equals batch on random books, fed in random pieces with closes between', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom('A', 'C', 'T', 'M'), fc.constantFrom('A', 'B'), fc.integer({ min: -3, max: 3 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 40 })), { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 60_000 }), (steps, every) => {
        let t = 1_700_000_000_000;
        let mid = 4000;
        const rows = steps.map(([dt, a, sd, move, qb, qa, q]): [number, string, string, number, number, number, number, number, number, number] => {
          t += dt;
          mid += move * 0.25;
          return [t, a, sd, mid, q, 0, mid - 0.125, qb, mid + 0.125, qa];
        });
        const s = series(rows);
        const closes: number[] = [];
        for (let c = s.t[0]! - 1; c <= t + every; c += every) closes.push(c);
        const specs = ['ofi(1,5,30)', 'micro', 'tradeimb(2,10)', 'depth(2,0.25)'];
        const batch = computeBookFeatures(s, Float64Array.from(closes), specs);
        const stream = new BookFeatureStream(specs);
        let i = 0;
        closes.forEach((c, k) => {
          let j = i;
          while (j < s.t.length && s.t[j]! <= c) j++;
          // Fed in two pieces, as live events arrive in batches.
          const mid2 = i + Math.floor((j - i) / 2);
          stream.events(s, i, mid2);
          stream.events(s, mid2, j);
          i = j;
          const got = stream.close(c);
          stream.outputs.forEach((name, o) => expect(Object.is(got[o], batch.get(name)![k]) || got[o] === batch.get(name)![k], `${name} at close ${k}`).toBe(true));
        });
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it('refuses specs it cannot read, naming them', () => {
    expect(() => parseBookFeature('ofi(0)')).toThrow(/book feature "ofi\(0\)": seconds must be a number from 1 to 3600, got "0"/);
    expect(() => parseBookFeature('vwap')).toThrow(/unknown book feature "vwap" in "vwap"; book features: ofi, micro, tradeimb, depth/);
    expect(() => parseBookFeature('micro(3)')).toThrow(/micro takes at most 0 parameters/);
    expect(parseBookFeature('ofi').spec).toBe('ofi(60)');
  });
});
