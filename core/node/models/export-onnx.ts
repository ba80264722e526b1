import type { GbdtModel, MulticlassTrees } from '../../common/models/gbdt';
import type { LinearModel } from '../../common/models/linear';
import type { KnnIndex } from '../../common/models/knn';
import type { MlpModel } from '../../common/models/mlp';
import { buildOnnxModel, ONNX_INT64, type OnnxInitializer, type OnnxNode, type OnnxValue } from './onnx-builder';
import { ensembleAttrs, LINK_OP } from './tree-ensemble-attrs';
import { NEIGHBOUR_OUTPUTS } from './model-output';
import { linearTreesPart } from './export-linear-trees';
import { ensembleDepth, MAX_GEMM_DEPTH, perfectTreesPart } from './export-perfect-trees';

/** What goes into a model's ONNX metadata. */
export interface ModelMeta {
  /** Feature names in input-column order. */
  features: string[];
  /** Spec hash of the feature set the model was trained on. */
  specHash: string;
  /** Model-card id (`<id>@<version>`). */
  modelCard: string;
}

const metadata = (m: ModelMeta & { extra?: Record<string, string> }, objective: string): Record<string, string> => ({ features: JSON.stringify(m.features), spec_hash: m.specHash, model_card: m.modelCard, objective, ...m.extra });

/** Nodes and constants computing one output from the input `x`; parts can be combined into one graph. */
export interface GraphPart {
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  /** Graph outputs the part adds beside the prediction (kNN's neighbours). */
  outputs?: OnnxValue[];
}

/** Serialises parts whose last one writes `out` ([batch, 1]) from `x` ([batch, nf]). */
export function assembleModel(parts: GraphPart[], nf: number, out: string, meta: ModelMeta, objective: string): Uint8Array {
  return assemble(parts, nf, out, meta, objective, `quantdesk-${objective}`);
}

function assemble(parts: GraphPart[], nf: number, out: string, meta: ModelMeta & { extra?: Record<string, string> }, objective: string, name: string): Uint8Array {
  if (meta.features.length !== nf) throw new Error(`the model has ${nf} features but ${meta.features.length} names were given`);
  return buildOnnxModel({
    name,
    inputs: [{ name: 'x', dims: ['batch', nf] }],
    outputs: [{ name: out, dims: ['batch', 1] }, ...parts.flatMap((p) => p.outputs ?? [])],
    opsets: { 'ai.onnx.ml': 3 },
    metadata: metadata(meta, objective),
    nodes: parts.flatMap((p) => p.nodes),
    initializers: parts.flatMap((p) => p.initializers),
  });
}

/**
 * A tree ensemble as ONNX (ai.onnx.ml, BRANCH_LT, missing values to the true branch): classifiers as
 * TreeEnsembleClassifier (boosted: leaves summed onto the base log-odds, LOGISTIC; a forest: averaged
 * leaves are probabilities already, NONE) with class 1's column sliced out, regressors as
 * TreeEnsembleRegressor. Input `x` [batch, features] float; output `p` (probability) or `yhat` [batch, 1].
 */
export function gbdtToOnnx(model: GbdtModel, meta: ModelMeta): Uint8Array {
  const out = model.objective === 'binary' ? 'p' : 'yhat';
  return assemble([treesPart(model, out)], model.nFeatures, out, meta, model.objective, 'quantdesk-trees');
}

/**
 * A multiclass tree ensemble as ONNX: a TreeEnsembleRegressor with one target per class (each tree's
 * leaves add to its class's margin), Softmax over the classes as `probabilities` [batch, classes], and
 * the most probable class as `label` [batch] (int64), the outputs sklearn-onnx gives a classifier.
 */
export function multiclassToOnnx(model: MulticlassTrees, meta: ModelMeta): Uint8Array {
  if (meta.features.length !== model.nFeatures) throw new Error(`the model has ${model.nFeatures} features but ${meta.features.length} names were given`);
  const { nodes, t } = ensembleAttrs(model.trees, (ti, n) => [[model.treeClass[ti]!, model.trees[ti]!.value[n]!]]);
  const attrs = { ...nodes, n_targets: model.classes, aggregate_function: 'SUM', post_transform: 'NONE', base_values: { floats: Array.from(model.base) }, target_treeids: { ints: t.treeIds }, target_nodeids: { ints: t.nodeIds }, target_ids: { ints: t.ids }, target_weights: { floats: t.weights } };
  return buildOnnxModel({
    name: 'quantdesk-multiclass-trees',
    inputs: [{ name: 'x', dims: ['batch', model.nFeatures] }],
    outputs: [
      { name: 'label', dims: ['batch'], elemType: ONNX_INT64 },
      { name: 'probabilities', dims: ['batch', model.classes] },
    ],
    opsets: { 'ai.onnx.ml': 3 },
    metadata: metadata(meta, 'multiclass'),
    nodes: [
      { op: 'TreeEnsembleRegressor', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['margins'], attrs },
      { op: 'Softmax', inputs: ['margins'], outputs: ['probabilities'], attrs: { axis: 1 } },
      { op: 'ArgMax', inputs: ['probabilities'], outputs: ['label'], attrs: { axis: 1, keepdims: 0 } },
    ],
  });
}


/** The tree-ensemble part: writes `out` from `x`. */
export function treesPart(model: GbdtModel, out: string): GraphPart {
  if (model.trees.some((t) => t.linear)) return linearTreesPart(model, out);
  const { nodes, t } = ensembleAttrs(model.trees, (ti, n) => [[0, model.trees[ti]!.value[n]!]]);
  if (model.objective === 'regression') {
    const attrs = { ...nodes, n_targets: 1, aggregate_function: 'SUM', post_transform: 'NONE', base_values: { floats: [model.base] }, target_treeids: { ints: t.treeIds }, target_nodeids: { ints: t.nodeIds }, target_ids: { ints: t.ids }, target_weights: { floats: t.weights } };
    const link = LINK_OP[model.link];
    const margin = link ? `${out}_margin` : out;
    return { initializers: [], nodes: [{ op: 'TreeEnsembleRegressor', domain: 'ai.onnx.ml', inputs: ['x'], outputs: [margin], attrs }, ...(link ? [{ op: link, inputs: [margin], outputs: [out] }] : [])] };
  }
  const attrs = {
    ...nodes,
    classlabels_int64s: { ints: [0, 1] },
    post_transform: model.link === 'logistic' ? 'LOGISTIC' : 'NONE',
    base_values: { floats: [model.base] },
    class_treeids: { ints: t.treeIds },
    class_nodeids: { ints: t.nodeIds },
    class_ids: { ints: t.ids },
    class_weights: { floats: t.weights },
  };
  return classOneColumn({ op: 'TreeEnsembleClassifier', domain: 'ai.onnx.ml', inputs: ['x'], outputs: [`${out}_label`, `${out}_classes`], attrs }, out);
}

/**
 * A binary ai.onnx.ml classifier node (outputs: label, then probabilities [batch, 2]) followed by a
 * Slice keeping class 1's column as `out` [batch, 1].
 */
function classOneColumn(classifier: OnnxNode, out: string): GraphPart {
  const i64 = (v: number): BigInt64Array => BigInt64Array.from([BigInt(v)]);
  return {
    initializers: [
      { name: `${out}_from`, dims: [1], data: i64(1) },
      { name: `${out}_to`, dims: [1], data: i64(2) },
      { name: `${out}_axis`, dims: [1], data: i64(1) },
    ],
    nodes: [classifier, { op: 'Slice', inputs: [classifier.outputs[1]!, `${out}_from`, `${out}_to`, `${out}_axis`], outputs: [out] }],
  };
}

/**
 * A linear model as ONNX: ai.onnx.ml Imputer (missing inputs → training means), then LinearClassifier
 * (LOGISTIC, class 1's column sliced out) for logistic models or LinearRegressor for ridge.
 * Input `x` [batch, features]; output `p` or `yhat` [batch, 1].
 */
export function linearToOnnx(model: LinearModel, meta: ModelMeta): Uint8Array {
  const out = model.objective === 'binary' ? 'p' : 'yhat';
  return assemble([linearPart(model, out)], model.coef.length, out, meta, model.objective, 'quantdesk-linear');
}

/** The linear part: writes `out` from `x`. */
export function linearPart(model: LinearModel, out: string): GraphPart {
  const impute: OnnxNode = { op: 'Imputer', domain: 'ai.onnx.ml', inputs: ['x'], outputs: [`${out}_filled`], attrs: { imputed_value_floats: { floats: Array.from(model.mean) }, replaced_value_float: Number.NaN } };
  const weights = { coefficients: { floats: Array.from(model.coef) }, intercepts: { floats: [model.intercept] } };
  if (model.objective === 'regression') {
    return { initializers: [], nodes: [impute, { op: 'LinearRegressor', domain: 'ai.onnx.ml', inputs: [`${out}_filled`], outputs: [out], attrs: { ...weights, targets: 1, post_transform: 'NONE' } }] };
  }
  const classifier: OnnxNode = { op: 'LinearClassifier', domain: 'ai.onnx.ml', inputs: [`${out}_filled`], outputs: [`${out}_label`, `${out}_classes`], attrs: { ...weights, classlabels_ints: { ints: [0, 1] }, post_transform: 'LOGISTIC' } };
  const part = classOneColumn(classifier, out);
  return { initializers: part.initializers, nodes: [impute, ...part.nodes] };
}

/**
 * The kNN part, with standard operators only: impute and standardise x, distances to every event as
 * ‖e‖² − 2 z·e (MatMul), TopK smallest k, gather their outcomes and average them into `out`. Where the
 * index knows its events' times and symbols, the neighbours' time, symbol and outcome are outputs too.
 */
export function knnPart(ix: KnnIndex, out: string): GraphPart {
  const nf = ix.nFeatures;
  const m = ix.outcomes.length;
  const eventsT = new Float32Array(nf * m);
  for (let e = 0; e < m; e++) for (let f = 0; f < nf; f++) eventsT[f * m + e] = ix.events[e * nf + f]!;
  const c = (name: string): string => `${out}_${name}`;
  const part: GraphPart = {
    initializers: [
      { name: c('mean'), dims: [nf], data: Float32Array.from(ix.mean) },
      { name: c('sd'), dims: [nf], data: Float32Array.from(ix.sd) },
      { name: c('events_t'), dims: [nf, m], data: eventsT },
      { name: c('norms'), dims: [m], data: ix.norms },
      { name: c('outcomes'), dims: [m], data: ix.outcomes },
      { name: c('two'), dims: [1], data: new Float32Array([2]) },
      { name: c('k'), dims: [1], data: new BigInt64Array([BigInt(ix.k)]) },
    ],
    nodes: [
      { op: 'Imputer', domain: 'ai.onnx.ml', inputs: ['x'], outputs: [c('filled')], attrs: { imputed_value_floats: { floats: Array.from(ix.mean) }, replaced_value_float: Number.NaN } },
      { op: 'Sub', inputs: [c('filled'), c('mean')], outputs: [c('centred')] },
      { op: 'Div', inputs: [c('centred'), c('sd')], outputs: [c('z')] },
      { op: 'MatMul', inputs: [c('z'), c('events_t')], outputs: [c('dots')] },
      { op: 'Mul', inputs: [c('dots'), c('two')], outputs: [c('dots2')] },
      { op: 'Sub', inputs: [c('norms'), c('dots2')], outputs: [c('dist')] },
      { op: 'TopK', inputs: [c('dist'), c('k')], outputs: [c('near'), c('idx')], attrs: { axis: -1, largest: 0, sorted: 1 } },
      { op: 'Gather', inputs: [c('outcomes'), c('idx')], outputs: [c('hits')], attrs: { axis: 0 } },
      { op: 'ReduceMean', inputs: [c('hits')], outputs: [out], attrs: { axes: { ints: [1] }, keepdims: 1 } },
    ],
  };
  if (!ix.times || !ix.symbols) return part;
  const [t, symbol, outcome] = NEIGHBOUR_OUTPUTS;
  const dims = ['batch', ix.k];
  return {
    initializers: [...part.initializers, { name: c('times'), dims: [m], data: BigInt64Array.from(ix.times, (x) => BigInt(Math.round(x))) }, { name: c('symbols'), dims: [m], data: BigInt64Array.from(ix.symbols, (x) => BigInt(x)) }],
    nodes: [
      ...part.nodes,
      { op: 'Gather', inputs: [c('times'), c('idx')], outputs: [t], attrs: { axis: 0 } },
      { op: 'Gather', inputs: [c('symbols'), c('idx')], outputs: [symbol], attrs: { axis: 0 } },
      { op: 'Cast', inputs: [c('hits')], outputs: [outcome], attrs: { to: ONNX_INT64 } },
    ],
    outputs: [t, symbol, outcome].map((name) => ({ name, dims, elemType: ONNX_INT64 })),
  };
}

/** A kNN retrieval model as ONNX: output `p` [batch, 1]. */
export function knnToOnnx(ix: KnnIndex, meta: ModelMeta): Uint8Array {
  return assemble([knnPart(ix, 'p')], ix.nFeatures, 'p', meta, 'binary', 'quantdesk-knn');
}

/** A classifier blended with kNN retrieval: p = (1 − w) × p_model + w × p_knn, in one graph. */
export function blendToOnnx(model: GraphPart & { nf: number; out: string }, ix: KnnIndex, weight: number, meta: ModelMeta): Uint8Array {
  const blend: GraphPart = {
    initializers: [
      { name: 'blend_wm', dims: [1], data: new Float32Array([1 - weight]) },
      { name: 'blend_wk', dims: [1], data: new Float32Array([weight]) },
    ],
    nodes: [
      { op: 'Mul', inputs: [model.out, 'blend_wm'], outputs: ['blend_m'] },
      { op: 'Mul', inputs: ['knn_p', 'blend_wk'], outputs: ['blend_k'] },
      { op: 'Add', inputs: ['blend_m', 'blend_k'], outputs: ['p'] },
    ],
  };
  return assemble([model, knnPart(ix, 'knn_p'), blend], model.nf, 'p', meta, 'binary', 'quantdesk-blend');
}

/** The MLP part, standard operators only: impute, standardise, MatMul + Add per layer, Relu between, Sigmoid for binary. */
export function mlpPart(model: MlpModel, out: string): GraphPart {
  const c = (name: string): string => `${out}_${name}`;
  const nf = model.mean.length;
  const initializers: OnnxInitializer[] = [
    { name: c('mean'), dims: [nf], data: Float32Array.from(model.mean) },
    { name: c('sd'), dims: [nf], data: Float32Array.from(model.sd) },
  ];
  const nodes: OnnxNode[] = [
    { op: 'Imputer', domain: 'ai.onnx.ml', inputs: ['x'], outputs: [c('filled')], attrs: { imputed_value_floats: { floats: Array.from(model.mean) }, replaced_value_float: Number.NaN } },
    { op: 'Sub', inputs: [c('filled'), c('mean')], outputs: [c('centred')] },
    { op: 'Div', inputs: [c('centred'), c('sd')], outputs: [c('h0')] },
  ];
  model.layers.forEach((layer, li) => {
    const last = li === model.layers.length - 1;
    initializers.push({ name: c(`w${li}`), dims: [layer.inputs, layer.outputs], data: layer.w }, { name: c(`b${li}`), dims: [layer.outputs], data: layer.b });
    nodes.push({ op: 'MatMul', inputs: [c(`h${li}`), c(`w${li}`)], outputs: [c(`m${li}`)] });
    const sum = last && model.objective === 'regression' ? out : c(`s${li}`);
    nodes.push({ op: 'Add', inputs: [c(`m${li}`), c(`b${li}`)], outputs: [sum] });
    if (!last) nodes.push({ op: 'Relu', inputs: [sum], outputs: [c(`h${li + 1}`)] });
    else if (model.objective === 'binary') nodes.push({ op: 'Sigmoid', inputs: [sum], outputs: [out] });
  });
  return { initializers, nodes };
}

/**
 * A tree ensemble as dense tensors and standard operators (the GEMM strategy of Microsoft's
 * Hummingbird), so GPU providers without the ai.onnx.ml tree operator can run it:
 * - every split gathers its feature and compares it with its threshold (missing counts as "left");
 * - per tree, those decisions times a path matrix C (+1 where a leaf lies left of a split, −1 right)
 *   equal the leaf's count of left turns D only for the leaf the row reaches;
 * - that one-hot leaf picks its value; the trees' values add up onto the base score.
 * Trees are padded to the largest one: padded splits never matter (their C rows are 0) and padded
 * leaves never match (their D is −1).
 */
export function treesTensorPart(model: GbdtModel, out: string): GraphPart {
  const c = (name: string): string => `${out}_${name}`;
  const paths = model.trees.map((t) => {
    const internal: number[] = [];
    const leaves: number[] = [];
    for (let n = 0; n < t.feature.length; n++) (t.feature[n]! >= 0 ? internal : leaves).push(n);
    return { t, internal, leaves };
  });
  const nt = model.trees.length;
  const maxI = Math.max(1, ...paths.map((p) => p.internal.length));
  const maxL = Math.max(1, ...paths.map((p) => p.leaves.length));
  const featureIds = new BigInt64Array(nt * maxI);
  const thresholds = new Float32Array(nt * maxI).fill(Number.POSITIVE_INFINITY);
  const pathC = new Float32Array(nt * maxI * maxL);
  const turnsD = new Float32Array(nt * maxL).fill(-1);
  const values = new Float32Array(nt * maxL);
  const missingLeft = new Float32Array(nt * maxI).fill(1);
  paths.forEach(({ t, internal, leaves }, ti) => {
    const slot = new Map(internal.map((n, k) => [n, k]));
    internal.forEach((n, k) => {
      featureIds[ti * maxI + k] = BigInt(t.feature[n]!);
      thresholds[ti * maxI + k] = t.threshold[n]!;
      missingLeft[ti * maxI + k] = t.missingLeft === undefined || t.missingLeft[n] === 1 ? 1 : 0;
    });
    // Walk from the root: each leaf's path is the splits above it and the side taken at each.
    const walk = (n: number, trail: [number, 1 | -1][]): void => {
      if (t.feature[n]! < 0) {
        const li = leaves.indexOf(n);
        let lefts = 0;
        for (const [split, side] of trail) {
          pathC[ti * maxI * maxL + split * maxL + li] = side;
          if (side === 1) lefts++;
        }
        turnsD[ti * maxL + li] = lefts;
        values[ti * maxL + li] = t.value[n]!;
        return;
      }
      const k = slot.get(n)!;
      walk(t.left[n]!, [...trail, [k, 1]]);
      walk(t.right[n]!, [...trail, [k, -1]]);
    };
    walk(0, []);
  });
  const i64 = (...v: number[]): BigInt64Array => BigInt64Array.from(v.map(BigInt));
  const link = LINK_OP[model.link];
  return {
    initializers: [
      { name: c('feature_ids'), dims: [nt * maxI], data: featureIds },
      { name: c('thresholds'), dims: [nt * maxI], data: thresholds },
      { name: c('missing_left'), dims: [nt * maxI], data: missingLeft },
      { name: c('path'), dims: [nt, maxI, maxL], data: pathC },
      { name: c('turns'), dims: [nt, 1, maxL], data: turnsD },
      { name: c('values'), dims: [nt, 1, maxL], data: values },
      { name: c('base'), dims: [1], data: new Float32Array([model.base]) },
      { name: c('shape3'), dims: [3], data: i64(0, nt, maxI) },
      { name: c('perm_axes'), dims: [1], data: i64(2) },
      { name: c('tree_axes'), dims: [1], data: i64(0) },
      { name: c('shape2'), dims: [2], data: i64(-1, 1) },
    ],
    nodes: [
      { op: 'Gather', inputs: ['x', c('feature_ids')], outputs: [c('g')], attrs: { axis: 1 } },
      { op: 'Less', inputs: [c('g'), c('thresholds')], outputs: [c('lt')] },
      { op: 'Cast', inputs: [c('lt')], outputs: [c('ltf')], attrs: { to: 1 } },
      // Missing values take the side their split sends them: left (1) or right (0).
      { op: 'IsNaN', inputs: [c('g')], outputs: [c('nan')] },
      { op: 'Where', inputs: [c('nan'), c('missing_left'), c('ltf')], outputs: [c('go_left')] },
      { op: 'Reshape', inputs: [c('go_left'), c('shape3')], outputs: [c('per_tree')] },
      { op: 'Transpose', inputs: [c('per_tree')], outputs: [c('tree_major')], attrs: { perm: { ints: [1, 0, 2] } } },
      { op: 'MatMul', inputs: [c('tree_major'), c('path')], outputs: [c('s')] },
      { op: 'Equal', inputs: [c('s'), c('turns')], outputs: [c('hit')] },
      { op: 'Cast', inputs: [c('hit')], outputs: [c('hitf')], attrs: { to: 1 } },
      { op: 'Mul', inputs: [c('hitf'), c('values')], outputs: [c('picked')] },
      { op: 'ReduceSum', inputs: [c('picked'), c('perm_axes')], outputs: [c('per_tree_value')], attrs: { keepdims: 0 } },
      { op: 'ReduceSum', inputs: [c('per_tree_value'), c('tree_axes')], outputs: [c('sum')], attrs: { keepdims: 0 } },
      { op: 'Reshape', inputs: [c('sum'), c('shape2')], outputs: [c('col')] },
      { op: 'Add', inputs: [c('col'), c('base')], outputs: [link ? c('raw') : out] },
      ...(link ? [{ op: link, inputs: [c('raw')], outputs: [out] }] : []),
    ],
  };
}

/** Most entries the GEMM form's path matrices may hold (trees × splits × leaves): 64 MiB of float32. */
const MAX_GEMM_ENTRIES = 16 * 2 ** 20;

/** How an ensemble is tensorised: the GEMM form for shallow trees, the perfect-tree traversal up to depth 10, else the GEMM form while it stays small. */
export type TensorStrategy = 'gemm' | 'perfect-tree-traversal';

/**
 * The standard-operator form of a tree ensemble for GPU providers, chosen by size as Hummingbird
 * chooses: GEMM for trees of depth ≤ 3 (dense products), the perfect-tree traversal to depth 10
 * (work per row grows with depth, not with the number of nodes), GEMM past that while its path
 * matrices stay under 64 MiB; null when neither fits (the model then runs on the CPU only).
 */
export function tensorTreesPart(model: GbdtModel, out: string): { part: GraphPart; strategy: TensorStrategy } | null {
  if (model.trees.some((t) => t.linear)) return null;
  const depth = ensembleDepth(model);
  if (depth > MAX_GEMM_DEPTH) {
    const traversal = perfectTreesPart(model, out);
    if (traversal) return { part: traversal, strategy: 'perfect-tree-traversal' };
  }
  const splits = Math.max(1, ...model.trees.map((t) => t.feature.filter((f) => f >= 0).length));
  const leaves = Math.max(1, ...model.trees.map((t) => t.feature.filter((f) => f < 0).length));
  return model.trees.length * splits * leaves <= MAX_GEMM_ENTRIES ? { part: treesTensorPart(model, out), strategy: 'gemm' } : null;
}

/** The tensorised tree export as a whole model (standard operators only), in the strategy `tensorTreesPart` chooses; its metadata names it. */
export function gbdtToTensorOnnx(model: GbdtModel, meta: ModelMeta): Uint8Array {
  const out = model.objective === 'binary' ? 'p' : 'yhat';
  const t = tensorTreesPart(model, out);
  if (!t) throw new RangeError(model.trees.some((x) => x.linear) ? 'trees with linear leaves have no dense-tensor export; they run through model.onnx' : 'the ensemble is too large for a dense-tensor export; it runs through model.onnx');
  return assemble([t.part], model.nFeatures, out, { ...meta, extra: { tree_strategy: t.strategy } }, model.objective, 'quantdesk-trees-tensor');
}
