import type { LinearLeaves, Tree } from '../../common/models/gbdt';

/** LightGBM's zero band: |x| ≤ kZeroThreshold (1e-35 as a float) counts as zero. */
const K_ZERO = Math.fround(1e-35);

/** A LightGBM split of missing type Zero: NaN and |x| ≤ 1e-35 go to the default side, other values by x ≤ threshold. */
export interface ZeroSplit {
  /** Whether the default side is the left child. */
  defaultLeft: boolean;
  /** The split's threshold as `x < threshold` for float32 x (LightGBM's x ≤ t made strict). */
  strict: number;
}

/**
 * A tree whose zero-as-missing splits are rewritten with plain `x < threshold` splits. Where the zero
 * band and NaN already fall on the default side of the threshold the split stays one node (NaN sent to
 * the default side); otherwise it becomes three: x < −1e-35 (then the threshold), |x| ≤ 1e-35 and NaN
 * (the default side), x > 1e-35 (then the threshold), and a child reached from two of them is copied.
 * Returns null when the copies would take the tree past `maxNodes` nodes.
 */
export function withoutZeroSplits(t: Tree, zero: Map<number, ZeroSplit>, maxNodes: number): Tree | null {
  const lo = -K_ZERO;
  const above = nextUp32(K_ZERO);
  const nodes: { feature: number; threshold: number; left: number; right: number; missingLeft: number; source: number }[] = [];
  const push = (n: (typeof nodes)[number]): number => {
    if (nodes.length >= maxNodes) throw new RangeError('too many nodes');
    nodes.push(n);
    return nodes.length - 1;
  };
  const split = (feature: number, threshold: number, missingLeft: number, left: () => number, right: () => number): number => {
    const at = push({ feature, threshold, left: -1, right: -1, missingLeft, source: -1 });
    nodes[at]!.left = left();
    nodes[at]!.right = right();
    return at;
  };
  const emit = (k: number): number => {
    const f = t.feature[k]!;
    if (f < 0) return push({ feature: -1, threshold: 0, left: -1, right: -1, missingLeft: 0, source: k });
    const z = zero.get(k);
    const left = (): number => emit(t.left[k]!);
    const right = (): number => emit(t.right[k]!);
    if (!z) return split(f, t.threshold[k]!, t.missingLeft?.[k] ?? 1, left, right);
    const side = z.defaultLeft ? left : right;
    const bandLeft = above <= z.strict;
    const bandRight = lo >= z.strict;
    if ((bandLeft && z.defaultLeft) || (bandRight && !z.defaultLeft)) return split(f, z.strict, z.defaultLeft ? 1 : 0, left, right);
    // Below the band, by the threshold (all left when the threshold lies at or above the band's bottom).
    const below = (): number => (lo <= z.strict ? left() : split(f, z.strict, 1, left, right));
    // Above the band, by the threshold (all right when the threshold lies at or below its top).
    const over = (): number => (z.strict <= above ? right() : split(f, z.strict, 1, left, right));
    return split(f, lo, 0, below, () => split(f, above, 1, side, over));
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

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The smallest float32 above a positive float32. */
function nextUp32(x: number): number {
  f32[0] = x;
  u32[0] = u32[0]! + 1;
  return f32[0]!;
}
