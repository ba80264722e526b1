import type { LinearLeaves, Tree } from '../../common/models/tree';
import { nextUp32 } from './float32';

/**
 * Splits that are not one `x < threshold` question, written as plain ones: LightGBM's zero-as-missing
 * splits and the categorical splits of LightGBM and XGBoost. Each is a partition of the float32 line
 * into intervals, each sent to the left or right child, plus a side for NaN; it becomes a small
 * binary search over the interval bounds whose ends are copies of the children (a child reached from
 * several intervals is copied each time), within a node budget.
 */

/** A split as intervals: interval 0 is x < bounds[0], interval i is bounds[i−1] ≤ x < bounds[i], the last is x ≥ the last bound. */
export interface IntervalSplit {
  /** Increasing float32 bounds. */
  bounds: number[];
  /** Per interval (bounds.length + 1), whether it goes to the left child. */
  left: boolean[];
  /** Whether NaN goes to the left child. */
  nanLeft: boolean;
}

/**
 * The most nodes a tree of `nodes` nodes may grow to once its interval splits are written as plain
 * ones: 16 times its size, at least 1,024 and at most 1,000,000.
 */
export const expansionBudget = (nodes: number): number => Math.min(1_000_000, Math.max(1024, 16 * nodes));

/** LightGBM's zero band: |x| ≤ kZeroThreshold (1e-35 as a float) counts as zero. */
const K_ZERO = Math.fround(1e-35);

/**
 * A LightGBM split of missing type Zero: NaN and |x| ≤ 1e-35 go to the default side, other values
 * left when x < `strict` (its x ≤ threshold for float32 x).
 */
export function zeroBandSplit(defaultLeft: boolean, strict: number): IntervalSplit {
  const lo = -K_ZERO;
  const hi = nextUp32(K_ZERO);
  const bounds = [...new Set([lo, hi, strict])].sort((a, b) => a - b);
  // Each interval's side, judged at its first value (the band's values are all zero to LightGBM).
  const at = [Number.NEGATIVE_INFINITY, ...bounds];
  return { bounds, left: at.map((x) => (x >= lo && x < hi ? defaultLeft : x < strict)), nanLeft: defaultLeft };
}

/** The most category a categorical split may name: categories up to 2^24 are exact in float32. */
export const MAX_CATEGORY = 1 << 24;

/**
 * A categorical split over integer categories: the category of x is x truncated toward zero, and
 * `inSetLeft` says where the set's categories go (the rest go the other way). `zeroFrom` is where
 * category 0 starts: −1 exclusive for LightGBM (it truncates x in (−1, 0) to 0), 0 for XGBoost (it
 * treats negative x as no category). NaN goes to `nanLeft`.
 */
export function categorySplit(categories: number[], inSetLeft: boolean, nanLeft: boolean, zeroFrom: 'after-minus-one' | 'zero'): IntervalSplit {
  const sorted = [...new Set(categories)].sort((a, b) => a - b);
  const bounds: number[] = [];
  const left: boolean[] = [!inSetLeft];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    const start = sorted[i] === 0 && zeroFrom === 'after-minus-one' ? nextUp32(-1) : sorted[i]!;
    bounds.push(start, sorted[j]! + 1);
    left.push(inSetLeft, !inSetLeft);
    i = j + 1;
  }
  return { bounds, left, nanLeft };
}

/**
 * A tree with the given nodes' splits written as plain `x < threshold` splits; null when the copies
 * would take it past `maxNodes` nodes. The tree must be acyclic (checked before).
 */
export function withIntervalSplits(t: Tree, splits: Map<number, IntervalSplit>, maxNodes: number): Tree | null {
  const nodes: { feature: number; threshold: number; left: number; right: number; missingLeft: number; source: number }[] = [];
  const push = (n: (typeof nodes)[number]): number => {
    if (nodes.length >= maxNodes) throw new RangeError('too many nodes');
    nodes.push(n);
    return nodes.length - 1;
  };
  const branch = (feature: number, threshold: number, missingLeft: number, left: () => number, right: () => number): number => {
    const at = push({ feature, threshold, left: -1, right: -1, missingLeft, source: -1 });
    nodes[at]!.left = left();
    nodes[at]!.right = right();
    return at;
  };
  const emit = (k: number): number => {
    const f = t.feature[k]!;
    if (f < 0) return push({ feature: -1, threshold: 0, left: -1, right: -1, missingLeft: 0, source: k });
    const left = (): number => emit(t.left[k]!);
    const right = (): number => emit(t.right[k]!);
    const s = splits.get(k);
    if (!s) return branch(f, t.threshold[k]!, t.missingLeft?.[k] ?? 1, left, right);
    // Neighbouring intervals that go the same way are one.
    const bounds: number[] = [];
    const sides = [s.left[0]!];
    s.bounds.forEach((b, i) => {
      if (s.left[i + 1] === sides[sides.length - 1]) return;
      bounds.push(b);
      sides.push(s.left[i + 1]!);
    });
    // NaN follows the search towards the first interval that goes its way.
    const nanTarget = sides.indexOf(s.nanLeft);
    if (nanTarget < 0) throw new RangeError('no interval goes the way NaN goes');
    const search = (lo: number, hi: number): number => {
      if (lo === hi) return sides[lo] ? left() : right();
      const mid = (lo + hi) >> 1;
      return branch(f, bounds[mid]!, nanTarget <= mid ? 1 : 0, () => search(lo, mid), () => search(mid + 1, hi));
    };
    return search(0, sides.length - 1);
  };
  try {
    emit(0);
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
  const n = nodes.length;
  const out: Tree = { feature: Int32Array.from(nodes, (x) => x.feature), threshold: Float64Array.from(nodes, (x) => x.threshold), left: Int32Array.from(nodes, (x) => x.left), right: Int32Array.from(nodes, (x) => x.right), value: Float64Array.from(nodes, (x) => (x.source >= 0 ? t.value[x.source]! : 0)), missingLeft: Uint8Array.from(nodes, (x) => x.missingLeft) };
  if (t.linear) out.linear = copiedLeaves(t.linear, nodes.map((x) => x.source), n);
  return out;
}

/** Linear leaf models for nodes that copy source nodes (−1: an internal node, no model). */
function copiedLeaves(l: LinearLeaves, source: number[], n: number): LinearLeaves {
  return {
    const: Float64Array.from({ length: n }, (_, i) => (source[i]! >= 0 ? l.const[source[i]!]! : 0)),
    features: source.map((s) => (s >= 0 ? l.features[s]! : new Int32Array(0))),
    coeff: source.map((s) => (s >= 0 ? l.coeff[s]! : new Float64Array(0))),
  };
}
