import type { Tree } from '../../common/models/tree';

/** `i` as an index below `bound`, or a RangeError naming what it indexes. */
export function checkedIndex(i: number, bound: number, what: string): string {
  if (!Number.isInteger(i) || i < 0 || i >= bound) throw new RangeError(`${what} ${i} is out of range (0–${bound - 1})`);
  return String(i);
}

/** Levels of splits from the root to the deepest leaf; throws on a cycle or a child out of range. */
export function treeDepth(t: Tree, ti: number): number {
  const n = t.feature.length;
  const depthOf = (k: number, d: number): number => {
    if (d > 64) throw new RangeError(`tree ${ti} is deeper than 64 levels or has a cycle`);
    return t.feature[k]! < 0 ? d : Math.max(depthOf(Number(checkedIndex(t.left[k]!, n, `tree ${ti} node ${k} left child`)), d + 1), depthOf(Number(checkedIndex(t.right[k]!, n, `tree ${ti} node ${k} right child`)), d + 1));
  };
  return depthOf(0, 0);
}

/** A tree as a perfect tree in flat arrays: node k's children are 2k+1 and 2k+2. */
export interface PerfectTree {
  depth: number;
  /** Per split (2^depth − 1): the feature it reads, its float32 threshold (go right at or above), 1 where missing values go right. */
  feature: Int32Array;
  threshold: Float32Array;
  missingRight: Int32Array;
  /** Per leaf (2^depth), left to right. */
  leaf: Float32Array;
}

/**
 * A tree padded to a perfect tree of `depth` levels (its own depth when not given): a leaf above the
 * last level becomes a split that always goes left (threshold +∞, missing values left) over copies
 * of itself. Returns null when the tree is deeper than `maxDepth`.
 */
export function perfectTree(t: Tree, nf: number, ti: number, maxDepth: number, depth = treeDepth(t, ti)): PerfectTree | null {
  const own = treeDepth(t, ti);
  if (own > depth) throw new RangeError(`tree ${ti} is ${own} levels deep, deeper than the ${depth} asked for`);
  if (depth > maxDepth) return null;
  const inner = 2 ** depth - 1;
  const feature = new Int32Array(inner);
  const threshold = new Float32Array(inner).fill(Infinity);
  const missingRight = new Int32Array(inner);
  const leaf = new Float32Array(2 ** depth);
  const place = (k: number, at: number, d: number): void => {
    if (d === depth) {
      leaf[at - inner] = t.value[k]!;
      return;
    }
    if (t.feature[k]! < 0) {
      place(k, 2 * at + 1, d + 1);
      place(k, 2 * at + 2, d + 1);
      return;
    }
    feature[at] = Number(checkedIndex(t.feature[k]!, nf, `tree ${ti} node ${k} feature`));
    threshold[at] = t.threshold[k]!;
    missingRight[at] = (t.missingLeft?.[k] ?? 1) === 1 ? 0 : 1;
    place(t.left[k]!, 2 * at + 1, d + 1);
    place(t.right[k]!, 2 * at + 2, d + 1);
  };
  place(0, 0, 0);
  return { depth, feature, threshold, missingRight, leaf };
}
