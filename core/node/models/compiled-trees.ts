import type { GbdtModel, MulticlassTrees } from '../../common/models/gbdt';
import type { Tree } from '../../common/models/tree';
import { checkedIndex, perfectTree } from './perfect-tree';

/**
 * Tree ensembles compiled to JavaScript, as treelite and lleaves compile them to native code: each
 * tree becomes a function of nested branches with its thresholds and leaves as constants, which V8
 * compiles to machine code; rows are evaluated a block at a time, tree by tree, so one tree's code
 * and branch history stay hot across the block. Thresholds and leaves are the float32 values the ONNX
 * file holds and splits compare float32 inputs, as ONNX Runtime's TreeEnsemble does, so the two agree.
 */

/** Rows evaluated together, tree by tree. */
const BLOCK = 256;

/** A number as a JavaScript literal; the generated code holds nothing but such literals and indices. */
function literal(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return Object.is(x, -0) ? '-0' : String(x);
}


/** One tree as an expression of nested conditionals over the row at offset `o` of `x` (the generated loop's variable). */
function treeSource(t: Tree, nf: number, ti: number): string {
  const n = t.feature.length;
  const node = (k: number, d: number): string => {
    if (d > 64) throw new RangeError(`tree ${ti} is deeper than 64 levels or has a cycle`);
    const f = t.feature[k]!;
    // Leaves as the ONNX file stores them (float32 weights), so the sums are ONNX Runtime's.
    if (f < 0) return literal(Math.fround(t.value[k]!));
    const v = `x[o + ${checkedIndex(f, nf, `tree ${ti} node ${k} feature`)}]`;
    const threshold = literal(Math.fround(t.threshold[k]!));
    // Missing values go left unless the node says otherwise (XGBoost's and LightGBM's default directions).
    const missingLeft = (t.missingLeft?.[k] ?? 1) === 1;
    const test = missingLeft ? `!(${v} >= ${threshold})` : `${v} < ${threshold}`;
    return `(${test} ? ${node(Number(checkedIndex(t.left[k]!, n, `tree ${ti} node ${k} left child`)), d + 1)} : ${node(Number(checkedIndex(t.right[k]!, n, `tree ${ti} node ${k} right child`)), d + 1)})`;
  };
  return node(0, 0);
}

/** Deepest tree padded to a perfect tree for branch-free evaluation (2^depth leaves each). */
const MAX_PERFECT_DEPTH = 8;

/** Rows walked down a perfect tree together, so their independent paths overlap in the CPU. */
const LANES = 4;

type PerfectAdd = (f: Int32Array, th: Float32Array, mr: Int32Array, leaf: Float32Array, x: Float32Array, score: Float32Array, from: number, to: number, nf: number) => void;
const perfectAdders = new Map<number, PerfectAdd>();

/**
 * The evaluator of perfect trees of one depth, generated once per depth with the levels unrolled: for
 * rows [from, to) it adds each row's leaf to `score`, without branches on the data — each level moves
 * to child 2k+1+(go right) — LANES rows at a time. Its source holds only the depth and lane count.
 */
function perfectAdder(depth: number): PerfectAdd {
  const known = perfectAdders.get(depth);
  if (known) return known;
  const lanes = Array.from({ length: LANES }, (_, j) => j);
  const step = (a: string, o: string): string => `v = x[${o} + f[${a}]]; ${a} = 2 * ${a} + 1 + +(v >= th[${a}]) + (mr[${a}] & +(v !== v));`;
  const inner = 2 ** depth - 1;
  const body = `
    let r = from;
    let v = 0;
    for (; r + ${LANES} <= to; r += ${LANES}) {
      const o0 = r * nf;
      ${lanes.slice(1).map((j) => `const o${j} = o${j - 1} + nf;`).join(' ')}
      ${lanes.map((j) => `let a${j} = 0;`).join(' ')}
      ${Array.from({ length: depth }, () => lanes.map((j) => step(`a${j}`, `o${j}`)).join('\n')).join('\n')}
      ${lanes.map((j) => `score[r + ${j}] += leaf[a${j} - ${inner}];`).join('\n')}
    }
    for (; r < to; r++) {
      const o = r * nf;
      let a = 0;
      ${Array.from({ length: depth }, () => step('a', 'o')).join('\n')}
      score[r] += leaf[a - ${inner}];
    }`;
  const fn = new Function('f', 'th', 'mr', 'leaf', 'x', 'score', 'from', 'to', 'nf', body) as PerfectAdd;
  perfectAdders.set(depth, fn);
  return fn;
}

/** A compiled ensemble: predictions for rows of float32 features. */
export interface CompiledTrees {
  /** Predictions (probabilities, counts or values, per the link) for `n` rows of `x`, row-major with the model's feature count per row. */
  predict(x: Float32Array, n: number): Float64Array;
}

type AddTree = (x: Float32Array, score: Float32Array, from: number, to: number, nf: number) => void;

/**
 * Each tree as a function adding its leaf to a score per row. Shallow trees run branch-free from flat
 * arrays; a deep one (LightGBM's leaf-wise trees) as nested branches compiled to a function of its
 * own, which loops over a block of rows itself: small functions are optimised where one huge one
 * would not be.
 */
function treeAdders(trees: readonly Tree[], nf: number): AddTree[] {
  if (!Number.isInteger(nf) || nf < 1) throw new RangeError(`the model reads ${nf} features`);
  return trees.map((t, ti) => {
    if (t.linear) throw new RangeError(`tree ${ti} has linear leaves, which the compiled evaluator does not take; ONNX Runtime runs it`);
    const p = perfectTree(t, nf, ti, MAX_PERFECT_DEPTH);
    if (p) {
      const add = perfectAdder(p.depth);
      return (x, score, from, to, n) => add(p.feature, p.threshold, p.missingRight, p.leaf, x, score, from, to, n);
    }
    const body = treeSource(t, nf, ti);
    return new Function('x', 'score', 'from', 'to', 'nf', `for (let r = from, o = from * nf; r < to; r++, o += nf) score[r] += ${body};`) as AddTree;
  });
}

/**
 * Each row's summed leaves per target (trees[i] adding to target `targetOf(i)`), in float32, tree by
 * tree a block of rows at a time, the bases added last: ONNX Runtime's order and precision.
 */
function sums(fns: readonly AddTree[], targetOf: (tree: number) => number, base: ArrayLike<number>, x: Float32Array, n: number, nf: number): Float32Array[] {
  if (x.length !== n * nf) throw new RangeError(`expected ${n} rows of ${nf} features (${n * nf} values), got ${x.length}`);
  const score = Array.from(base, () => new Float32Array(n));
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    fns.forEach((f, i) => f(x, score[targetOf(i)]!, start, end, nf));
  }
  score.forEach((s, k) => {
    const b = Math.fround(base[k]!);
    for (let r = 0; r < n; r++) s[r] = s[r]! + b;
  });
  return score;
}

/** Compiles a boosted or averaged ensemble of constant-leaf trees (the app's own, and those imported from XGBoost, LightGBM and CatBoost). */
export function compileGbdt(m: GbdtModel): CompiledTrees {
  const nf = m.nFeatures;
  const fns = treeAdders(m.trees, nf);
  const link = m.link;
  return {
    predict(x: Float32Array, n: number): Float64Array {
      const [score] = sums(fns, () => 0, [m.base], x, n, nf);
      const out = new Float64Array(n);
      for (let r = 0; r < n; r++) {
        const s = score![r]!;
        out[r] = link === 'logistic' ? 1 / (1 + Math.exp(-s)) : link === 'exp' ? Math.exp(s) : s;
      }
      return out;
    },
  };
}

/** Compiles a multiclass ensemble: each tree adds to one class's margin; the prediction is the softmax of the margins, [rows, classes] row-major. */
export function compileMulticlass(m: MulticlassTrees): CompiledTrees {
  const nf = m.nFeatures;
  const k = m.classes;
  if (m.treeClass.length !== m.trees.length || m.base.length !== k) throw new RangeError(`a ${k}-class ensemble of ${m.trees.length} trees with ${m.treeClass.length} tree classes and ${m.base.length} bases`);
  m.treeClass.forEach((c, i) => checkedIndex(c, k, `tree ${i} class`));
  const fns = treeAdders(m.trees, nf);
  return {
    predict(x: Float32Array, n: number): Float64Array {
      const margins = sums(fns, (i) => m.treeClass[i]!, m.base, x, n, nf);
      const out = new Float64Array(n * k);
      for (let r = 0; r < n; r++) {
        let top = -Infinity;
        for (let c = 0; c < k; c++) top = Math.max(top, margins[c]![r]!);
        let total = 0;
        for (let c = 0; c < k; c++) total += out[r * k + c] = Math.exp(margins[c]![r]! - top);
        for (let c = 0; c < k; c++) out[r * k + c]! /= total;
      }
      return out;
    },
  };
}
