import { describe, expect, it } from 'vitest';
import { treeValue } from '../../common/models/gbdt';
import type { Tree } from '../../common/models/tree';
import { categorySplit, withIntervalSplits, zeroBandSplit } from './interval-splits';
import { nextUp32 } from './float32';

/** One split on feature 0 with leaves −1 (left) and +1 (right). */
const stump = (): Tree => ({ feature: Int32Array.from([0, -1, -1]), threshold: Float64Array.from([0, 0, 0]), left: Int32Array.from([1, -1, -1]), right: Int32Array.from([2, -1, -1]), value: Float64Array.from([0, -1, 1]), missingLeft: Uint8Array.from([1, 0, 0]) });
const sides = (t: Tree, xs: number[]): string => xs.map((_, i) => (treeValue(t, [Float64Array.from(xs)], i) < 0 ? 'L' : 'R')).join('');

describe('splits written as plain x < threshold splits', () => {
  it('sends categories by set, truncating x toward zero, with LightGBM’s and XGBoost’s rules for negatives and NaN', () => {
    const xs = [-2, -1, -0.5, -0, 0, 0.5, 1, 2.9, 3, 4, 5, 16777215, Number.NaN];
    // LightGBM: {0, 1, 3} left; (−1, 0) truncates to 0; −1 and below, NaN and the rest right.
    const lgb = withIntervalSplits(stump(), new Map([[0, categorySplit([3, 0, 1], true, false, 'after-minus-one')]]), 100)!;
    expect(sides(lgb, xs)).toBe('RRLLLLLRLRRRR');
    // XGBoost: {0, 1, 3} right; negatives name no category (left); NaN the default way (here right).
    const xgb = withIntervalSplits(stump(), new Map([[0, categorySplit([0, 1, 3], false, false, 'zero')]]), 100)!;
    expect(sides(xgb, xs)).toBe('LLLRRRRLRLLLR');
  });

  it('sends zero, NaN and LightGBM’s ±1e-35 band to the default side and the rest by the threshold', () => {
    const band = Math.fround(1e-35);
    const xs = [-5, -nextUp32(band), -band, 0, band, nextUp32(band), 0.5, 5, Number.NaN];
    // Threshold x ≤ 2 (strict: x < nextUp(2)), default right: the band and NaN go right.
    const t = withIntervalSplits(stump(), new Map([[0, zeroBandSplit(false, nextUp32(2))]]), 100)!;
    expect(sides(t, xs)).toBe('LLRRRLLRR');
  });

  it('refuses to copy children past the node budget', () => {
    expect(withIntervalSplits(stump(), new Map([[0, categorySplit([0, 2, 4, 6, 8], true, false, 'zero')]]), 8)).toBeNull();
  });
});
