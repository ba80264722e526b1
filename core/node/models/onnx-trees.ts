/**
 * Reads the tree ensemble back out of an ONNX file whose graph is nothing but one (ai.onnx.ml
 * TreeEnsembleRegressor or TreeEnsembleClassifier over the input, then at most a Slice of its
 * probabilities and a Sigmoid or Exp): the graphs the app writes for its own and imported boosted
 * trees and forests, and sklearn-onnx's for gradient boosting. Anything else (kNN blends, linear
 * leaves, several targets, equality splits, other operators) gives null: ONNX Runtime runs it.
 */

import type { GbdtModel, MulticlassTrees } from '../../common/models/gbdt';
import type { Tree } from '../../common/models/tree';
import { fields, text, type Field } from './protobuf';

/** Operators that may surround the ensemble without changing what it computes beyond its link. */
const AROUND = new Set(['Slice', 'Sigmoid', 'Exp']);

/** Most nodes an ensemble may declare: bounds every allocation below. */
const MAX_NODES = 10_000_000;

interface Attr {
  ints: number[];
  floats: number[];
  strings: string[];
  int?: number;
  str?: string;
  tensor: boolean;
}

interface Node {
  op: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attrs: Map<string, Attr>;
}

/** The packed or repeated 32-bit floats of a field. */
function floatsOf(buf: Uint8Array, f: Field, into: number[]): void {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (f.wire === 5) into.push(view.getFloat32(f.end - 4, true));
  else if (f.bytes) {
    if (f.bytes.length % 4 !== 0) throw new RangeError('packed floats of a length not a multiple of 4');
    const v = new DataView(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength);
    for (let i = 0; i < f.bytes.length; i += 4) into.push(v.getFloat32(i, true));
  }
}

/**
 * The packed or repeated varints of a field. Ids, counts and flags are small and never negative:
 * anything from 2^31 up (a negative int64 included) becomes NaN, which the reader refuses.
 */
function intsOf(f: Field, into: number[]): void {
  const small = (x: number): number => (x < 2 ** 31 ? x : Number.NaN);
  if (f.wire === 0) into.push(f.int! < 2n ** 31n ? Number(f.int!) : Number.NaN);
  else if (f.bytes) {
    let x = 0;
    let scale = 1;
    for (const b of f.bytes) {
      x += (b & 0x7f) * scale;
      if (b < 0x80) {
        into.push(small(x));
        x = 0;
        scale = 1;
      } else if ((scale *= 128) > 2 ** 70) throw new RangeError('varint too long');
    }
    if (scale !== 1) throw new RangeError('truncated varint');
  }
}

function attribute(buf: Uint8Array): [string, Attr] {
  const a: Attr = { ints: [], floats: [], strings: [], tensor: false };
  let name = '';
  for (const f of fields(buf)) {
    if (f.no === 1) name = text(f.bytes);
    else if (f.no === 2) floatsOf(buf, f, a.floats);
    else if (f.no === 3) {
      const one: number[] = [];
      intsOf(f, one);
      a.int = one[0];
    }
    else if (f.no === 4) a.str = text(f.bytes);
    else if (f.no === 5 || f.no === 10) a.tensor = true;
    else if (f.no === 7) floatsOf(buf, f, a.floats);
    else if (f.no === 8) intsOf(f, a.ints);
    else if (f.no === 9) a.strings.push(text(f.bytes));
  }
  return [name, a];
}

function node(buf: Uint8Array): Node {
  const n: Node = { op: '', domain: '', inputs: [], outputs: [], attrs: new Map() };
  for (const f of fields(buf)) {
    if (f.no === 1) n.inputs.push(text(f.bytes));
    else if (f.no === 2) n.outputs.push(text(f.bytes));
    else if (f.no === 4) n.op = text(f.bytes);
    else if (f.no === 7) n.domain = text(f.bytes);
    else if (f.no === 5 && f.bytes) {
      const [name, a] = attribute(f.bytes);
      n.attrs.set(name, a);
    }
  }
  return n;
}

/** The graph's nodes and its input names (initializers excluded). */
function graphOf(model: Uint8Array): { nodes: Node[]; inputs: string[] } | null {
  let graph: Uint8Array | undefined;
  for (const f of fields(model)) if (f.no === 7 && f.bytes) graph = f.bytes;
  if (!graph) return null;
  const nodes: Node[] = [];
  const inputs: string[] = [];
  const initializers = new Set<string>();
  for (const f of fields(graph)) {
    if (f.no === 1 && f.bytes) nodes.push(node(f.bytes));
    else if (f.no === 11 && f.bytes) {
      for (const g of fields(f.bytes)) if (g.no === 1) inputs.push(text(g.bytes));
    } else if (f.no === 5 && f.bytes) {
      for (const g of fields(f.bytes)) if (g.no === 8) initializers.add(text(g.bytes));
    }
  }
  return { nodes, inputs: inputs.filter((i) => !initializers.has(i)) };
}

const num = (a: Attr | undefined): number[] => a?.ints ?? [];

/**
 * Each comparison as the evaluators' one form, "left when x < threshold": for float32 inputs,
 * x ≤ t is x < (the float32 after t), and x > t and x ≥ t are the same tests with the branches
 * swapped. Missing values keep the branch the node sends them to, whichever side that becomes.
 */
const SPLITS: Record<string, { up: boolean; yesIsLeft: boolean }> = {
  BRANCH_LT: { up: false, yesIsLeft: true },
  BRANCH_LEQ: { up: true, yesIsLeft: true },
  BRANCH_GTE: { up: false, yesIsLeft: false },
  BRANCH_GT: { up: true, yesIsLeft: false },
};

/** The smallest float32 above a float32 `v` (v itself for +∞ and NaN). */
function above(v: number): number {
  if (!Number.isFinite(v)) return v === -Infinity ? -3.4028234663852886e38 : v;
  if (v === 0) return 1.401298464324817e-45;
  const f = Float32Array.of(v);
  const bits = new Int32Array(f.buffer);
  bits[0] = v > 0 ? bits[0]! + 1 : bits[0]! - 1;
  return f[0]!;
}

/** An ensemble's trees, each expanded per target it adds to (leaf values for that target). */
interface ReadEnsemble {
  trees: Tree[];
  /** The target (class) each tree adds to. */
  target: number[];
  targets: number;
  base: number[];
  post: string;
  classifier: boolean;
  /** The graph's nodes other than the ensemble. */
  around: Node[];
}

/**
 * The one tree-ensemble node of a graph whose other nodes are all among `around`, with its trees
 * (order comparisons, constant leaves) expanded per target; null for anything else.
 */
function readEnsemble(model: Uint8Array, nFeatures: number, around: ReadonlySet<string>): ReadEnsemble | null {
  const g = graphOf(model);
  if (!g || g.inputs.length !== 1) return null;
  const ensembles = g.nodes.filter((n) => n.domain === 'ai.onnx.ml' && (n.op === 'TreeEnsembleRegressor' || n.op === 'TreeEnsembleClassifier'));
  if (ensembles.length !== 1 || g.nodes.some((n) => n !== ensembles[0] && !(n.domain === '' && around.has(n.op)))) return null;
  const e = ensembles[0]!;
  if (e.inputs[0] !== g.inputs[0]) return null;
  const classifier = e.op === 'TreeEnsembleClassifier';
  const a = (name: string): Attr | undefined => e.attrs.get(name);
  if ([...e.attrs.values()].some((x) => x.tensor)) return null;
  const post = a('post_transform')?.str ?? 'NONE';
  // Classes numbered 0, 1, … or named; a regressor's targets; the sums are SUMs either way.
  const labels = num(a('classlabels_int64s'));
  const named = a('classlabels_strings')?.strings ?? [];
  if (classifier && labels.length > 0 && (named.length > 0 || labels.some((l, i) => l !== i))) return null;
  const targets = classifier ? labels.length || named.length : (a('n_targets')?.int ?? 1);
  if (!(targets >= 1 && targets <= 10_000) || (!classifier && (a('aggregate_function')?.str ?? 'SUM') !== 'SUM')) return null;
  const leafAttr = classifier ? 'class' : 'target';
  const treeIds = num(a('nodes_treeids'));
  const nodeIds = num(a('nodes_nodeids'));
  const featureIds = num(a('nodes_featureids'));
  const values = a('nodes_values')?.floats ?? [];
  const modes = a('nodes_modes')?.strings ?? [];
  const trueIds = num(a('nodes_truenodeids'));
  const falseIds = num(a('nodes_falsenodeids'));
  const missingTrue = num(a('nodes_missing_value_tracks_true'));
  const n = treeIds.length;
  if (n === 0 || n > MAX_NODES || [nodeIds, featureIds, values, modes, trueIds, falseIds].some((x) => x.length !== n) || (missingTrue.length !== 0 && missingTrue.length !== n)) return null;
  const lt = num(a(`${leafAttr}_treeids`));
  const ln = num(a(`${leafAttr}_nodeids`));
  const lid = num(a(`${leafAttr}_ids`));
  const lw = a(`${leafAttr}_weights`)?.floats ?? [];
  if (lt.length !== ln.length || lt.length !== lid.length || lt.length !== lw.length || lid.some((x) => !(x >= 0 && x < targets))) return null;
  const base = a('base_values')?.floats ?? [];
  if (base.length !== 0 && base.length !== targets && !(classifier && targets === 2 && base.length === 1)) return null;

  // Nodes per tree, in declaration order; ids map to positions.
  const byTree = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    if (!(modes[i]! in SPLITS) && modes[i] !== 'LEAF') return null;
    const list = byTree.get(treeIds[i]!) ?? [];
    list.push(i);
    byTree.set(treeIds[i]!, list);
  }
  // Per tree, per target it adds to, each leaf's weight.
  const leafValue = new Map<number, Map<number, Map<number, number>>>();
  for (let j = 0; j < lt.length; j++) {
    const perTarget = leafValue.get(lt[j]!) ?? new Map<number, Map<number, number>>();
    leafValue.set(lt[j]!, perTarget);
    const leaves = perTarget.get(lid[j]!) ?? new Map<number, number>();
    perTarget.set(lid[j]!, leaves);
    leaves.set(ln[j]!, (leaves.get(ln[j]!) ?? 0) + lw[j]!);
  }
  const out: ReadEnsemble = { trees: [], target: [], targets, base: Array.from({ length: targets }, (_, k) => base[k] ?? 0), post, classifier, around: g.nodes.filter((x) => x !== e) };
  if (classifier && targets === 2 && base.length === 1) out.base = [base[0]!, 0];
  for (const [tid, rows] of byTree) {
    const at = new Map<number, number>();
    rows.forEach((r, k) => at.set(nodeIds[r]!, k));
    if (at.size !== rows.length) return null;
    const children = new Set<number>();
    for (const r of rows) if (modes[r] !== 'LEAF') children.add(trueIds[r]!).add(falseIds[r]!);
    const roots = rows.filter((r) => !children.has(nodeIds[r]!));
    if (roots.length !== 1) return null;
    // The root goes first: the evaluators start at node 0.
    const order = [roots[0]!, ...rows.filter((r) => r !== roots[0])];
    const pos = new Map(order.map((r, k) => [nodeIds[r]!, k]));
    const m = order.length;
    const shape = { feature: new Int32Array(m), threshold: new Float64Array(m), left: new Int32Array(m), right: new Int32Array(m), missingLeft: new Uint8Array(m) };
    for (let k = 0; k < m; k++) {
      const r = order[k]!;
      if (modes[r] === 'LEAF') {
        shape.feature[k] = -1;
        continue;
      }
      const yes = pos.get(trueIds[r]!);
      const no = pos.get(falseIds[r]!);
      if (yes === undefined || no === undefined || !(featureIds[r]! >= 0 && featureIds[r]! < nFeatures)) return null;
      const split = SPLITS[modes[r]!]!;
      const missingYes = missingTrue.length > 0 && missingTrue[r] === 1;
      shape.feature[k] = featureIds[r]!;
      shape.threshold[k] = split.up ? above(values[r]!) : values[r]!;
      shape.left[k] = split.yesIsLeft ? yes : no;
      shape.right[k] = split.yesIsLeft ? no : yes;
      shape.missingLeft[k] = missingYes === split.yesIsLeft ? 1 : 0;
    }
    // One tree per target it adds to (a tree adding to none adds nothing and is left out).
    for (const [target, leaves] of [...(leafValue.get(tid) ?? new Map<number, Map<number, number>>())].sort((x, y) => x[0] - y[0])) {
      const value = new Float64Array(m);
      for (let k = 0; k < m; k++) if (shape.feature[k] === -1) value[k] = leaves.get(nodeIds[order[k]!]!) ?? 0;
      out.trees.push({ ...shape, value });
      out.target.push(target);
    }
  }
  return out;
}

/**
 * The ensemble as the app's tree model, or null where the graph is not a plain single-output ensemble
 * (one target; a binary classifier's class 1) or its attributes are not the simple kind (order
 * comparisons, constant leaves, SUM). Throws RangeError on bytes that are not a protobuf message.
 */
export function treesOfOnnx(model: Uint8Array, nFeatures: number): GbdtModel | null {
  const r = readEnsemble(model, nFeatures, AROUND);
  if (!r) return null;
  const { classifier, post } = r;
  // A binary classifier's probability is its class-1 score: its trees all add to class 0 (ONNX
  // Runtime's binary case) and give P(class 1) through the transform.
  if (classifier ? r.targets !== 2 || r.target.some((t) => t !== 0) || (post !== 'LOGISTIC' && post !== 'NONE') : r.targets !== 1 || post !== 'NONE') return null;
  const trees = r.trees;
  const base = [r.base[0]!];
  // The link: the classifier's own transform, or the regressor's Sigmoid or Exp after it.
  const after = r.around.find((x) => x.op === 'Sigmoid' || x.op === 'Exp');
  const link: GbdtModel['link'] = classifier ? (post === 'LOGISTIC' ? 'logistic' : 'identity') : after?.op === 'Sigmoid' ? 'logistic' : after?.op === 'Exp' ? 'exp' : 'identity';
  return { objective: classifier ? 'binary' : link === 'logistic' ? 'binary' : 'regression', link, base: base[0] ?? 0, trees, nFeatures, importance: new Float64Array(nFeatures), validationLoss: [] };
}

/** Operators that may follow a multiclass ensemble: its Softmax, and the ArgMax of the label output. */
const AROUND_MULTICLASS = new Set(['Softmax', 'ArgMax']);

/**
 * A multiclass ensemble (three classes or more) as the app's multiclass trees, or null: a
 * TreeEnsembleRegressor with one target per class followed by a Softmax (the app's export), or a
 * TreeEnsembleClassifier whose transform is SOFTMAX (sklearn-onnx's gradient boosting).
 */
export function multiclassOfOnnx(model: Uint8Array, nFeatures: number): MulticlassTrees | null {
  const r = readEnsemble(model, nFeatures, AROUND_MULTICLASS);
  if (!r || r.targets < 3) return null;
  const softmax = r.around.filter((x) => x.op === 'Softmax');
  const ok = r.classifier ? r.post === 'SOFTMAX' && softmax.length === 0 : r.post === 'NONE' && softmax.length === 1 && [1, -1].includes(softmax[0]!.attrs.get('axis')?.int ?? -1);
  if (!ok) return null;
  return { objective: 'multiclass', classes: r.targets, trees: r.trees, treeClass: Int32Array.from(r.target), base: Float64Array.from(r.base), nFeatures };
}
