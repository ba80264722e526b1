import type { GbdtModel } from '../../common/models/gbdt';
import type { OnnxInitializer, OnnxNode } from './onnx-builder';
import { perfectTree, treeDepth } from './perfect-tree';
import { LINK_OP } from './tree-ensemble-attrs';

/** Deepest ensemble the traversal pads to a perfect depth (2^depth leaves a tree). */
export const MAX_TRAVERSAL_DEPTH = 10;

/** Ensembles this shallow or shallower go to the GEMM form, whose dense products suit them best (Hummingbird's rule). */
export const MAX_GEMM_DEPTH = 3;

/** The deepest tree of an ensemble. */
export function ensembleDepth(model: GbdtModel): number {
  return Math.max(0, ...model.trees.map((t, ti) => treeDepth(t, ti)));
}

/**
 * A tree ensemble as a perfect-tree traversal in standard operators (Hummingbird's
 * PerfectTreeTraversal): every tree is padded to the ensemble's depth D and stored as flat arrays;
 * each row starts at every tree's root and moves, level by level, to child 2k+1 (left) or 2k+2 with
 * Gather (the node's feature and threshold), GatherElements (the row's value), GreaterOrEqual and
 * IsNaN (missing values go where the split sends them); after D levels the leaf values are gathered
 * and summed. Indices are int32, which GPU providers support where int64 often is not. Null when the
 * ensemble is deeper than {@link MAX_TRAVERSAL_DEPTH}.
 */
export function perfectTreesPart(model: GbdtModel, out: string): { nodes: OnnxNode[]; initializers: OnnxInitializer[] } | null {
  if (model.trees.some((t) => t.linear)) throw new RangeError('trees with linear leaves have no dense-tensor export; they run through model.onnx');
  const depth = Math.max(1, ensembleDepth(model));
  if (depth > MAX_TRAVERSAL_DEPTH) return null;
  const nt = model.trees.length;
  const inner = 2 ** depth - 1;
  const leaves = 2 ** depth;
  const feature = new Int32Array(nt * inner);
  const threshold = new Float32Array(nt * inner);
  const missingRight = new Int32Array(nt * inner);
  const leaf = new Float32Array(nt * leaves);
  model.trees.forEach((t, ti) => {
    const p = perfectTree(t, model.nFeatures, ti, MAX_TRAVERSAL_DEPTH, depth)!;
    feature.set(p.feature, ti * inner);
    threshold.set(p.threshold, ti * inner);
    missingRight.set(p.missingRight, ti * inner);
    leaf.set(p.leaf, ti * leaves);
  });
  const c = (name: string): string => `${out}_${name}`;
  const i32 = (...v: number[]): Int32Array => Int32Array.from(v);
  const initializers: OnnxInitializer[] = [
    { name: c('feature'), dims: [nt * inner], data: feature },
    { name: c('threshold'), dims: [nt * inner], data: threshold },
    { name: c('missing_right'), dims: [nt * inner], data: missingRight },
    { name: c('leaf'), dims: [nt * leaves], data: leaf },
    { name: c('node_offset'), dims: [1, nt], data: Int32Array.from({ length: nt }, (_, t) => t * inner) },
    { name: c('leaf_offset'), dims: [1, nt], data: Int32Array.from({ length: nt }, (_, t) => t * leaves - inner) },
    { name: c('root_feature'), dims: [nt], data: Int32Array.from({ length: nt }, (_, t) => feature[t * inner]!) },
    { name: c('root_threshold'), dims: [nt], data: Float32Array.from({ length: nt }, (_, t) => threshold[t * inner]!) },
    { name: c('root_missing_right'), dims: [nt], data: Int32Array.from({ length: nt }, (_, t) => missingRight[t * inner]!) },
    { name: c('one'), dims: [], data: i32(1) },
    { name: c('two'), dims: [], data: i32(2) },
    { name: c('sum_axes'), dims: [1], data: BigInt64Array.of(1n) },
    { name: c('base'), dims: [1], data: Float32Array.of(model.base) },
  ];
  const nodes: OnnxNode[] = [];
  // One level: from the row's value at each tree's current split, the step right (1) or left (0).
  const step = (d: number, value: string, th: string, mr: string): string => {
    const s = (name: string): string => c(`${name}_${d}`);
    nodes.push(
      { op: 'GreaterOrEqual', inputs: [value, th], outputs: [s('ge')] },
      { op: 'IsNaN', inputs: [value], outputs: [s('nan')] },
      { op: 'Cast', inputs: [mr], outputs: [s('mr')], attrs: { to: 9 } },
      { op: 'And', inputs: [s('nan'), s('mr')], outputs: [s('nan_right')] },
      { op: 'Or', inputs: [s('ge'), s('nan_right')], outputs: [s('right')] },
      { op: 'Cast', inputs: [s('right')], outputs: [s('step')], attrs: { to: 6 } },
    );
    return s('step');
  };
  // The root: every row reads the same feature of each tree.
  nodes.push({ op: 'Gather', inputs: ['x', c('root_feature')], outputs: [c('value_0')], attrs: { axis: 1 } });
  let at = c('at_1');
  nodes.push({ op: 'Add', inputs: [step(0, c('value_0'), c('root_threshold'), c('root_missing_right')), c('one')], outputs: [at] });
  for (let d = 1; d < depth; d++) {
    const s = (name: string): string => c(`${name}_${d}`);
    nodes.push(
      { op: 'Add', inputs: [at, c('node_offset')], outputs: [s('node')] },
      { op: 'Gather', inputs: [c('feature'), s('node')], outputs: [s('feature')], attrs: { axis: 0 } },
      { op: 'GatherElements', inputs: ['x', s('feature')], outputs: [s('value')], attrs: { axis: 1 } },
      { op: 'Gather', inputs: [c('threshold'), s('node')], outputs: [s('threshold')], attrs: { axis: 0 } },
      { op: 'Gather', inputs: [c('missing_right'), s('node')], outputs: [s('missing_right')], attrs: { axis: 0 } },
    );
    const right = step(d, s('value'), s('threshold'), s('missing_right'));
    const next = c(`at_${d + 1}`);
    nodes.push({ op: 'Mul', inputs: [at, c('two')], outputs: [s('twice')] }, { op: 'Add', inputs: [s('twice'), c('one')], outputs: [s('left')] }, { op: 'Add', inputs: [s('left'), right], outputs: [next] });
    at = next;
  }
  const link = LINK_OP[model.link];
  nodes.push(
    { op: 'Add', inputs: [at, c('leaf_offset')], outputs: [c('leaf_at')] },
    { op: 'Gather', inputs: [c('leaf'), c('leaf_at')], outputs: [c('leaf_value')], attrs: { axis: 0 } },
    { op: 'ReduceSum', inputs: [c('leaf_value'), c('sum_axes')], outputs: [c('sum')], attrs: { keepdims: 1 } },
    { op: 'Add', inputs: [c('sum'), c('base')], outputs: [link ? c('raw') : out] },
    ...(link ? [{ op: link, inputs: [c('raw')], outputs: [out] }] : []),
  );
  return { initializers, nodes };
}
