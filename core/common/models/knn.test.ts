import { describe, expect, it } from 'vitest';
import { buildKnn, predictKnn } from './knn';

describe('kNN retrieval', () => {
  it('reports the share of positive outcomes among the k most similar standardised events', () => {
    // Events on a line; outcomes 1 on the right half.
    const x = [Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), Float64Array.from([5, 5, 5, 5, 5, 5, 5, 5, 5, 5])];
    const y = Float64Array.from([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    const ix = buildKnn(x, y, 3);
    const p = predictKnn(ix, [Float64Array.from([0.2, 8.7, 4.6, Number.NaN]), Float64Array.from([5, 5, 5, 5])]);
    // 0.2 → events 0,1,2 (all 0); 8.7 → 9,8,7 (all 1); 4.6 → 5,4,6 (two of three 1); missing → the mean, 4.5 → 4,5 and a tie resolved to the earlier event 3.
    expect(Array.from(p)).toEqual([0, 1, 2 / 3, 1 / 3]);
    expect(() => buildKnn(x, y, 20)).toThrow(/at least k = 20 events/);
    // Only the most recent events are kept.
    expect(buildKnn(x, y, 3, 4).outcomes.length).toBe(4);
  });
});
