import type { GbdtModel } from '../../common/models/gbdt';
import type { OnnxInitializer, OnnxNode } from './onnx-builder';
import { ensembleAttrs, LINK_OP } from './tree-ensemble-attrs';

/** ONNX element types (TensorProto.DataType) the casts use. */
const FLOAT = 1;
const INT64 = 7;

/** The most features a linear leaf may read (LightGBM's linear models read the features on the leaf's path). */
export const MAX_LEAF_FEATURES = 64;

/**
 * Trees with linear leaves (LightGBM linear_tree) as standard ONNX operators. One
 * TreeEnsembleRegressor writes, per tree t, slots laid out [slot × trees + t]: the leaf's plain value,
 * its constant, and for each of up to K features the feature's index, its coefficient and whether the
 * slot is used. GatherElements fetches the features; a tree whose leaf reads a missing feature gives
 * its plain value, else constant + Σ coefficient × feature; the trees are summed onto the base and
 * the link applied. Writes `out` [batch, 1] from `x` [batch, features].
 */
export function linearTreesPart(model: GbdtModel, out: string): { nodes: OnnxNode[]; initializers: OnnxInitializer[] } {
  const T = model.trees.length;
  let k = 1;
  for (const t of model.trees) for (const f of t.linear?.features ?? []) k = Math.max(k, f.length);
  if (k > MAX_LEAF_FEATURES) throw new RangeError(`a linear leaf reads ${k} features; at most ${MAX_LEAF_FEATURES} are exported`);
  const slots = 2 + 3 * k;
  const { nodes, t } = ensembleAttrs(model.trees, (ti, n) => {
    const tree = model.trees[ti]!;
    const at = (slot: number, weight: number): [number, number] => [slot * T + ti, weight];
    const plain = tree.value[n]!;
    if (!tree.linear) return [at(0, plain), at(1, plain)];
    const features = tree.linear.features[n]!;
    const coeff = tree.linear.coeff[n]!;
    return [at(0, plain), at(1, tree.linear.const[n]!), ...Array.from(features, (f, j) => [at(2 + j, f), at(2 + k + j, coeff[j]!), at(2 + 2 * k + j, 1)]).flat()];
  });
  const c = (name: string): string => `${out}_${name}`;
  const i64 = (...v: number[]): BigInt64Array => BigInt64Array.from(v.map(BigInt));
  const link = LINK_OP[model.link];
  const margin = link ? c('margin') : out;
  const attrs = { ...nodes, n_targets: slots * T, aggregate_function: 'SUM', post_transform: 'NONE', target_treeids: { ints: t.treeIds }, target_nodeids: { ints: t.nodeIds }, target_ids: { ints: t.ids }, target_weights: { floats: t.weights } };
  return {
    initializers: [
      { name: c('slots_shape'), dims: [3], data: i64(-1, slots, T) },
      { name: c('split'), dims: [5], data: i64(1, 1, k, k, k) },
      { name: c('flat_shape'), dims: [2], data: i64(-1, k * T) },
      { name: c('grid_shape'), dims: [3], data: i64(-1, k, T) },
      { name: c('axis1'), dims: [1], data: i64(1) },
      { name: c('axis2'), dims: [1], data: i64(2) },
      { name: c('zero'), dims: [1], data: new Float32Array([0]) },
      { name: c('half'), dims: [1], data: new Float32Array([0.5]) },
      { name: c('base'), dims: [1], data: new Float32Array([model.base]) },
    ],
    nodes: [
      { op: 'TreeEnsembleRegressor', domain: 'ai.onnx.ml', inputs: ['x'], outputs: [c('slots_flat')], attrs },
      { op: 'Reshape', inputs: [c('slots_flat'), c('slots_shape')], outputs: [c('slots')] },
      { op: 'Split', inputs: [c('slots'), c('split')], outputs: [c('plain'), c('const'), c('feature'), c('coeff'), c('used')], attrs: { axis: 1 } },
      { op: 'Cast', inputs: [c('feature')], outputs: [c('feature_i')], attrs: { to: INT64 } },
      { op: 'Reshape', inputs: [c('feature_i'), c('flat_shape')], outputs: [c('feature_flat')] },
      { op: 'GatherElements', inputs: ['x', c('feature_flat')], outputs: [c('values_flat')], attrs: { axis: 1 } },
      { op: 'Reshape', inputs: [c('values_flat'), c('grid_shape')], outputs: [c('values')] },
      { op: 'IsNaN', inputs: [c('values')], outputs: [c('nan')] },
      { op: 'Greater', inputs: [c('used'), c('half')], outputs: [c('used_b')] },
      { op: 'And', inputs: [c('nan'), c('used_b')], outputs: [c('missing_b')] },
      { op: 'Cast', inputs: [c('missing_b')], outputs: [c('missing_f')], attrs: { to: FLOAT } },
      { op: 'ReduceMax', inputs: [c('missing_f')], outputs: [c('any_missing')], attrs: { axes: { ints: [1] }, keepdims: 1 } },
      { op: 'Where', inputs: [c('nan'), c('zero'), c('values')], outputs: [c('values0')] },
      { op: 'Mul', inputs: [c('coeff'), c('values0')], outputs: [c('terms')] },
      { op: 'ReduceSum', inputs: [c('terms'), c('axis1')], outputs: [c('dot')], attrs: { keepdims: 1 } },
      { op: 'Add', inputs: [c('const'), c('dot')], outputs: [c('linear')] },
      { op: 'Greater', inputs: [c('any_missing'), c('half')], outputs: [c('fallback')] },
      { op: 'Where', inputs: [c('fallback'), c('plain'), c('linear')], outputs: [c('per_tree')] },
      { op: 'ReduceSum', inputs: [c('per_tree'), c('axis2')], outputs: [c('sum')], attrs: { keepdims: 0 } },
      { op: 'Add', inputs: [c('sum'), c('base')], outputs: [margin] },
      ...(link ? [{ op: link, inputs: [margin], outputs: [out] }] : []),
    ],
  };
}
