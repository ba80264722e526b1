import type { GbdtModel } from '../../common/models/gbdt';
import type { LinearModel } from '../../common/models/linear';
import { buildOnnxModel } from './onnx-builder';

/** What goes into a model's ONNX metadata. */
export interface ModelMeta {
  /** Feature names in input-column order. */
  features: string[];
  /** Spec hash of the feature set the model was trained on. */
  specHash: string;
  /** Model-card id (`<id>@<version>`). */
  modelCard: string;
}

const metadata = (m: ModelMeta, objective: string): Record<string, string> => ({ features: JSON.stringify(m.features), spec_hash: m.specHash, model_card: m.modelCard, objective });

/**
 * A tree ensemble as ONNX: ai.onnx.ml TreeEnsembleRegressor summing the leaves onto the base score
 * (BRANCH_LT, missing values to the true branch), then Sigmoid for boosted classifiers (a forest's
 * averaged leaves are probabilities already).
 * Input `x` [batch, features] float; output `p` (probability) or `yhat` [batch, 1].
 */
export function gbdtToOnnx(model: GbdtModel, meta: ModelMeta): Uint8Array {
  if (meta.features.length !== model.nFeatures) throw new Error(`the model has ${model.nFeatures} features but ${meta.features.length} names were given`);
  const a = { treeIds: [] as number[], nodeIds: [] as number[], featureIds: [] as number[], values: [] as number[], modes: [] as string[], trueIds: [] as number[], falseIds: [] as number[], missingTrue: [] as number[] };
  const t = { treeIds: [] as number[], nodeIds: [] as number[], ids: [] as number[], weights: [] as number[] };
  model.trees.forEach((tree, ti) => {
    for (let n = 0; n < tree.feature.length; n++) {
      const leaf = tree.feature[n]! < 0;
      a.treeIds.push(ti);
      a.nodeIds.push(n);
      a.featureIds.push(leaf ? 0 : tree.feature[n]!);
      a.values.push(leaf ? 0 : tree.threshold[n]!);
      a.modes.push(leaf ? 'LEAF' : 'BRANCH_LT');
      a.trueIds.push(leaf ? 0 : tree.left[n]!);
      a.falseIds.push(leaf ? 0 : tree.right[n]!);
      a.missingTrue.push(leaf ? 0 : (tree.missingLeft?.[n] ?? 1));
      if (leaf) {
        t.treeIds.push(ti);
        t.nodeIds.push(n);
        t.ids.push(0);
        t.weights.push(tree.value[n]!);
      }
    }
  });
  const logistic = model.link === 'logistic';
  const out = model.objective === 'binary' ? 'p' : 'yhat';
  return buildOnnxModel({
    name: 'quantdesk-trees',
    inputs: [{ name: 'x', dims: ['batch', model.nFeatures] }],
    outputs: [{ name: out, dims: ['batch', 1] }],
    opsets: { 'ai.onnx.ml': 3 },
    metadata: metadata(meta, model.objective),
    nodes: [
      {
        op: 'TreeEnsembleRegressor',
        domain: 'ai.onnx.ml',
        inputs: ['x'],
        outputs: [logistic ? 'raw' : out],
        attrs: {
          n_targets: 1,
          aggregate_function: 'SUM',
          post_transform: 'NONE',
          base_values: { floats: [model.base] },
          nodes_treeids: { ints: a.treeIds },
          nodes_nodeids: { ints: a.nodeIds },
          nodes_featureids: { ints: a.featureIds },
          nodes_values: { floats: a.values },
          nodes_modes: { strings: a.modes },
          nodes_truenodeids: { ints: a.trueIds },
          nodes_falsenodeids: { ints: a.falseIds },
          nodes_missing_value_tracks_true: { ints: a.missingTrue },
          target_treeids: { ints: t.treeIds },
          target_nodeids: { ints: t.nodeIds },
          target_ids: { ints: t.ids },
          target_weights: { floats: t.weights },
        },
      },
      ...(logistic ? [{ op: 'Sigmoid', inputs: ['raw'], outputs: [out] }] : []),
    ],
  });
}

/**
 * A linear model as ONNX: ai.onnx.ml Imputer (missing inputs → training means), LinearRegressor, then
 * Sigmoid for logistic models. Input `x` [batch, features]; output `p` or `yhat` [batch, 1].
 */
export function linearToOnnx(model: LinearModel, meta: ModelMeta): Uint8Array {
  const nf = model.coef.length;
  if (meta.features.length !== nf) throw new Error(`the model has ${nf} features but ${meta.features.length} names were given`);
  const binary = model.objective === 'binary';
  const out = binary ? 'p' : 'yhat';
  return buildOnnxModel({
    name: 'quantdesk-linear',
    inputs: [{ name: 'x', dims: ['batch', nf] }],
    outputs: [{ name: out, dims: ['batch', 1] }],
    opsets: { 'ai.onnx.ml': 3 },
    metadata: metadata(meta, model.objective),
    nodes: [
      { op: 'Imputer', domain: 'ai.onnx.ml', inputs: ['x'], outputs: ['filled'], attrs: { imputed_value_floats: { floats: Array.from(model.mean) }, replaced_value_float: Number.NaN } },
      { op: 'LinearRegressor', domain: 'ai.onnx.ml', inputs: ['filled'], outputs: [binary ? 'score' : out], attrs: { coefficients: { floats: Array.from(model.coef) }, intercepts: { floats: [model.intercept] }, targets: 1, post_transform: 'NONE' } },
      ...(binary ? [{ op: 'Sigmoid', inputs: ['score'], outputs: [out] }] : []),
    ],
  });
}
