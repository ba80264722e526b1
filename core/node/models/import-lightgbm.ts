import { ApiError } from '../../common/errors';
import { assertParseFits } from '../untrusted-files';
import { checkTreeShape } from './tree-shape';
import { parseBudgetBytes } from '../worker-limits';
import { MAX_CLASSES, MAX_MODEL_FEATURES, type ImportedTrees } from '../../common/models/gbdt';
import type { LinearLeaves, Tree } from '../../common/models/tree';
import { MAX_LEAF_FEATURES } from './export-linear-trees';
import { categorySplit, expansionBudget, MAX_CATEGORY, withIntervalSplits, zeroBandSplit, type IntervalSplit } from './interval-splits';
import { strictThreshold } from './float32';

const bad = (file: string, why: string): ApiError => new ApiError('invalid_argument', `${file}: ${why}`, 'file');

/**
 * A linear tree's leaf models (`is_linear=1`: leaf_const per leaf; num_features per leaf; leaf_features
 * and leaf_coeff, each leaf's run in turn), indexed by leaf; null for a tree with constant leaves.
 * LightGBM predicts const + Σ coeff·x, or the leaf_value when a feature the leaf reads is missing.
 */
function linearLeaves(f: Map<string, string>, leaves: number, nf: number, where: string): LinearLeaves | null {
  const flag = f.get('is_linear');
  if (flag === undefined || flag === '0') return null;
  const bad = (why: string): ApiError => new ApiError('invalid_argument', `${where}: ${why}`, 'file');
  if (flag !== '1') throw bad(`is_linear=${flag}; expected 0 or 1`);
  const nums = (k: string): number[] => (f.get(k) ?? '').split(' ').filter(Boolean).map(Number);
  const [constant, counts, features, coeff] = [nums('leaf_const'), nums('num_features'), nums('leaf_features'), nums('leaf_coeff')];
  if (constant.length !== leaves || counts.length !== leaves) throw bad(`leaf_const and num_features need one entry per leaf (${leaves}); the file has ${constant.length} and ${counts.length}`);
  if (!counts.every((c) => Number.isInteger(c) && c >= 0 && c <= MAX_LEAF_FEATURES)) throw bad(`num_features must be whole numbers from 0 to ${MAX_LEAF_FEATURES}`);
  const total = counts.reduce((a, b) => a + b, 0);
  if (features.length !== total || coeff.length !== total) throw bad(`num_features adds up to ${total} but leaf_features has ${features.length} and leaf_coeff ${coeff.length} entries`);
  if (!features.every((x) => Number.isInteger(x) && x >= 0 && x < nf)) throw bad(`leaf_features reads a feature outside the model's ${nf}`);
  if (![...constant, ...coeff].every(Number.isFinite)) throw bad('leaf_const or leaf_coeff has a value that is not a finite number');
  const out: LinearLeaves = { const: Float64Array.from(constant), features: [], coeff: [] };
  let at = 0;
  for (const c of counts) {
    out.features.push(Int32Array.from(features.slice(at, at + c)));
    out.coeff.push(Float64Array.from(coeff.slice(at, at + c)));
    at += c;
  }
  return out;
}

/**
 * A tree's category sets (`cat_boundaries` into the 32-bit words of `cat_threshold`): set i is the
 * categories whose bits are on in words cat_boundaries[i] … cat_boundaries[i+1]−1.
 */
function categorySets(f: Map<string, string>, where: string): number[][] {
  if (Number(f.get('num_cat') ?? 0) === 0) return [];
  const nums = (k: string): number[] => (f.get(k) ?? '').split(' ').filter(Boolean).map(Number);
  const [bounds, words] = [nums('cat_boundaries'), nums('cat_threshold')];
  const bad = (why: string): ApiError => new ApiError('invalid_argument', `${where}: ${why}`, 'file');
  if (bounds.length !== Number(f.get('num_cat')) + 1 || bounds[0] !== 0 || bounds[bounds.length - 1] !== words.length || bounds.some((b, i) => i > 0 && !(Number.isInteger(b) && b >= bounds[i - 1]!))) throw bad(`cat_boundaries does not divide cat_threshold's ${words.length} words into num_cat=${f.get('num_cat')} sets`);
  if (words.length * 32 > MAX_CATEGORY || !words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) throw bad('cat_threshold must be 32-bit words naming categories below 2^24');
  return bounds.slice(0, -1).map((from, i) => {
    const set: number[] = [];
    for (let w = from; w < bounds[i + 1]!; w++) for (let b = 0; b < 32; b++) if ((words[w]! >>> b) & 1) set.push((w - from) * 32 + b);
    return set;
  });
}

/** Leaf models indexed by leaf, moved to the nodes the leaves take after `inner` internal nodes. */
function afterInner(l: LinearLeaves, inner: number): LinearLeaves {
  const constant = new Float64Array(inner + l.const.length);
  constant.set(l.const, inner);
  return { const: constant, features: [...Array.from({ length: inner }, () => new Int32Array(0)), ...l.features], coeff: [...Array.from({ length: inner }, () => new Float64Array(0)), ...l.coeff] };
}

/**
 * Reads a LightGBM text model (`binary sigmoid:1`, `regression` or `multiclass num_class:k`,
 * numerical splits, linear trees) into a tree ensemble; a multiclass model's trees take the classes in
 * turn (num_tree_per_iteration = num_class) and its probabilities are the softmax of the class margins.
 * Internal nodes come first in each tree; a negative child −(k+1) is leaf k. decision_type bit 1 is
 * "default left"; bits 2–3 the missing type (0 none: NaN counts as 0; 1 zero: NaN and zero go to the
 * default side; 2 NaN: NaN goes to the default side). Leaf values already include the shrinkage.
 */
export function readLightgbmText(text: string, file: string, budgetBytes = parseBudgetBytes()): { model: ImportedTrees; features: string[] } {
  assertParseFits(text, { file, what: 'LightGBM model', separators: ' \n', perValue: 48, budgetBytes });
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== 'tree') throw bad(file, 'not a LightGBM text model (it does not start with "tree"); save it with booster.save_model("model.txt")');
  const header = new Map<string, string>();
  let at = 1;
  for (; at < lines.length && !lines[at]!.startsWith('Tree='); at++) {
    const m = /^([a-z_]+)=(.*)$/.exec(lines[at]!.trim());
    if (m) header.set(m[1]!, m[2]!);
  }
  const objective = header.get('objective') ?? '';
  const sigmoid = /^binary(?:\s+sigmoid:([\d.]+))?/.exec(objective);
  const multiclass = /^multiclass\s+num_class:(\d+)/.exec(objective);
  if (!sigmoid && !multiclass && !/^regression(\s|$)/.test(objective)) throw bad(file, `objective "${objective}" is not supported; Quantdesk imports binary, regression (L2) and multiclass (softmax) models`);
  if (sigmoid && Number(sigmoid[1] ?? 1) !== 1) throw bad(file, `sigmoid:${sigmoid[1]} is not supported; train with the default sigmoid:1`);
  const classes = Number(header.get('num_class') ?? 1);
  if (multiclass ? !(Number(multiclass[1]) === classes && classes >= 3 && classes <= MAX_CLASSES && Number(header.get('num_tree_per_iteration')) === classes) : classes !== 1) throw bad(file, `num_class=${header.get('num_class')} and num_tree_per_iteration=${header.get('num_tree_per_iteration')} do not fit objective "${objective}"${multiclass ? ` (expected both equal to its class count, 3 to ${MAX_CLASSES})` : ''}`);
  const nf = Number(header.get('max_feature_idx')) + 1;
  if (!Number.isInteger(nf) || nf < 1) throw bad(file, 'the header has no max_feature_idx');
  if (nf > MAX_MODEL_FEATURES) throw bad(file, `max_feature_idx=${nf - 1} claims ${nf} features; Quantdesk reads models of at most ${MAX_MODEL_FEATURES}`);
  const features = (header.get('feature_names') ?? '').split(' ').filter(Boolean);
  const trees: Tree[] = [];
  while (at < lines.length && lines[at]!.startsWith('Tree=')) {
    const ti = trees.length;
    const f = new Map<string, string>();
    for (at++; at < lines.length && lines[at]!.trim() !== '' && !lines[at]!.startsWith('Tree='); at++) {
      const m = /^([a-z_]+)=(.*)$/.exec(lines[at]!.trim());
      if (m) f.set(m[1]!, m[2]!);
    }
    while (at < lines.length && lines[at]!.trim() === '') at++;
    const nums = (k: string): number[] => (f.get(k) ?? '').split(' ').filter(Boolean).map(Number);
    const leaves = Number(f.get('num_leaves'));
    const leafValue = nums('leaf_value');
    if (!Number.isInteger(leaves) || leafValue.length !== leaves) throw bad(file, `tree ${ti}: num_leaves and leaf_value do not agree`);
    const linear = linearLeaves(f, leaves, nf, `${file}: tree ${ti}`);
    if (leaves === 1) {
      trees.push({ feature: Int32Array.from([-1]), threshold: new Float64Array(1), left: Int32Array.from([-1]), right: Int32Array.from([-1]), value: Float64Array.from(leafValue), missingLeft: new Uint8Array(1), ...(linear ? { linear } : {}) });
      continue;
    }
    const inner = leaves - 1;
    const [split, thr, dec, left, right] = [nums('split_feature'), nums('threshold'), nums('decision_type'), nums('left_child'), nums('right_child')];
    if ([split, thr, dec, left, right].some((a) => a.length !== inner)) throw bad(file, `tree ${ti}: the split arrays do not have num_leaves − 1 entries`);
    // Our layout: internal nodes 0..inner−1 as in the file, then leaf k at inner + k.
    const n = inner + leaves;
    const t: Tree = { feature: new Int32Array(n).fill(-1), threshold: new Float64Array(n), left: new Int32Array(n).fill(-1), right: new Int32Array(n).fill(-1), value: new Float64Array(n), missingLeft: new Uint8Array(n) };
    const node = (c: number): number => (c >= 0 ? c : inner + (-c - 1));
    const special = new Map<number, IntervalSplit>();
    const catSets = categorySets(f, `${file}: tree ${ti}`);
    for (let k = 0; k < inner; k++) {
      const d = dec[k]!;
      const missing = (d >> 2) & 3;
      if (split[k]! < 0 || split[k]! >= nf) throw bad(file, `tree ${ti} node ${k} splits on feature ${split[k]}, outside the model's ${nf}`);
      t.feature[k] = split[k]!;
      t.threshold[k] = strictThreshold(thr[k]!);
      t.left[k] = node(left[k]!);
      t.right[k] = node(right[k]!);
      // Missing type NaN: NaN goes to the default side; type none: NaN is read as 0; type zero: see interval-splits.ts.
      t.missingLeft![k] = missing === 2 ? ((d & 2) !== 0 ? 1 : 0) : 0 <= thr[k]! ? 1 : 0;
      // A categorical split sends the categories in its bitset left, NaN and other values right.
      if (d & 1) {
        const set = catSets[thr[k]!];
        if (!Number.isInteger(thr[k]) || !set) throw bad(file, `tree ${ti} node ${k} names category set ${thr[k]}, which cat_boundaries does not hold`);
        special.set(k, categorySplit(set, true, false, 'after-minus-one'));
      } else if (missing === 1) special.set(k, zeroBandSplit((d & 2) !== 0, t.threshold[k]!));
    }
    for (let k = 0; k < leaves; k++) t.value[inner + k] = leafValue[k]!;
    if (linear) t.linear = afterInner(linear, inner);
    checkTreeShape(t, nf, file, ti);
    if (special.size === 0) {
      trees.push(t);
      continue;
    }
    const maxNodes = expansionBudget(n);
    const plain = withIntervalSplits(t, special, maxNodes);
    if (!plain) throw bad(file, `tree ${ti}: its ${special.size} categorical and zero-as-missing splits would take it past ${maxNodes} nodes when written as plain splits; train with fewer categories per split (max_cat_threshold) or zero_as_missing=false`);
    checkTreeShape(plain, nf, file, ti);
    trees.push(plain);
  }
  if (trees.length === 0) throw bad(file, 'the model has no trees');
  const names = features.length === nf ? features : Array.from({ length: nf }, (_, i) => `Column_${i}`);
  if (multiclass) {
    if (trees.length % classes !== 0) throw bad(file, `${trees.length} trees do not make whole iterations of ${classes} classes`);
    if (trees.some((t) => t.linear)) throw bad(file, 'a multiclass model with linear trees (linear_tree=true), which Quantdesk does not convert; train it with linear_tree=false, or one binary model per class');
    return { model: { objective: 'multiclass', classes, trees, treeClass: Int32Array.from(trees, (_, i) => i % classes), base: new Float64Array(classes), nFeatures: nf }, features: names };
  }
  const binary = sigmoid !== null;
  return {
    model: { objective: binary ? 'binary' : 'regression', link: binary ? 'logistic' : 'identity', base: 0, trees, nFeatures: nf, importance: new Float64Array(nf), validationLoss: [] },
    features: names,
  };
}
