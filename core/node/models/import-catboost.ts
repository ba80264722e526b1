import { ApiError } from '../../common/errors';
import { checkTreeShape } from './tree-shape';
import { strictThreshold } from './float32';
import { MAX_CLASSES, MAX_MODEL_FEATURES, type GbdtModel, type ImportedTrees } from '../../common/models/gbdt';
import type { Tree } from '../../common/models/tree';

/** CatBoost's deepest oblivious tree (its `depth` parameter allows at most 16). */
const MAX_DEPTH = 16;

/** Loss functions imported, and how the summed leaves become the prediction (MultiClass: the softmax of one margin per class). */
const LOSSES: Record<string, { objective: GbdtModel['objective'] | 'multiclass'; link: GbdtModel['link'] | 'softmax' }> = {
  MultiClass: { objective: 'multiclass', link: 'softmax' },
  Logloss: { objective: 'binary', link: 'logistic' },
  CrossEntropy: { objective: 'binary', link: 'logistic' },
  RMSE: { objective: 'regression', link: 'identity' },
  MAE: { objective: 'regression', link: 'identity' },
  Quantile: { objective: 'regression', link: 'identity' },
};

interface CbFloatFeature {
  feature_index?: unknown;
  flat_feature_index?: unknown;
  feature_id?: unknown;
  nan_value_treatment?: unknown;
}

interface CbSplit {
  border?: unknown;
  float_feature_index?: unknown;
  split_type?: unknown;
}

interface CbDoc {
  features_info?: { float_features?: CbFloatFeature[]; categorical_features?: unknown[]; text_features?: unknown[]; embedding_features?: unknown[] };
  model_info?: { params?: { loss_function?: { type?: unknown } } };
  oblivious_trees?: { leaf_values?: unknown; splits?: CbSplit[] }[];
  trees?: unknown;
  scale_and_bias?: unknown;
}

/** Whether a parsed JSON document is a CatBoost model (`save_model(..., format="json")`) rather than an XGBoost one. */
export function isCatboostDoc(doc: unknown): boolean {
  return doc !== null && typeof doc === 'object' && 'features_info' in doc && ('oblivious_trees' in doc || 'trees' in doc);
}

const isIndex = (x: unknown, below: number): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < below;

/**
 * Reads a CatBoost JSON model (oblivious trees on float features; Logloss, CrossEntropy, RMSE, MAE,
 * Quantile or MultiClass) into a tree ensemble. In an oblivious tree every level asks one question,
 * x > border, and the answer of split j is bit j of the leaf's index; a missing value answers as the
 * feature's nan_value_treatment says (AsTrue: yes; AsFalse and AsIs: no). The prediction is
 * scale × Σ leaves + bias (`scale_and_bias`). Each tree becomes a full binary tree whose root asks the
 * last split, so its leaves come out in leaf-index order. A MultiClass model has one bias per class and
 * k values per leaf (leaf_values[leaf × k + class]): each tree becomes one tree per class.
 */
export function readCatboostDoc(parsed: unknown, file: string): { model: ImportedTrees; features: string[] } {
  const bad = (why: string): ApiError => new ApiError('invalid_argument', `${file}: ${why}`, 'file');
  const doc = parsed as CbDoc;
  const loss = doc.model_info?.params?.loss_function?.type;
  if (typeof loss !== 'string') throw bad('model_info.params.loss_function is missing; save the model with CatBoost 1.0 or later (model.save_model("model.json", format="json"))');
  const reading = LOSSES[loss];
  if (!reading) throw bad(`loss function ${loss} is not supported; Quantdesk imports CatBoost models trained with ${Object.keys(LOSSES).join(', ')}${loss.startsWith('Multi') ? ' (several outputs per row: train one model per target)' : ''}`);
  const info = doc.features_info;
  const cats = info?.categorical_features ?? [];
  if (!Array.isArray(cats) || cats.length) throw bad(`the model has ${Array.isArray(cats) ? cats.length : 'invalid'} categorical feature(s) (features_info.categorical_features), whose CTR statistics Quantdesk does not evaluate; encode them as numbers before training`);
  for (const kind of ['text_features', 'embedding_features'] as const) {
    const list = info?.[kind];
    if (list !== undefined && (!Array.isArray(list) || list.length)) throw bad(`the model has ${kind.replace('_', ' ')} (features_info.${kind}), which Quantdesk does not evaluate; train on float features`);
  }
  if (doc.trees !== undefined) throw bad('its trees are non-symmetric (grow_policy Depthwise or Lossguide: "trees" instead of "oblivious_trees"), which Quantdesk does not convert; train with the default grow_policy SymmetricTree');
  const floats = info?.float_features;
  if (!Array.isArray(floats) || floats.length === 0) throw bad('features_info.float_features is missing or empty');
  if (floats.length > MAX_MODEL_FEATURES) throw bad(`features_info.float_features lists ${floats.length} features; Quantdesk reads models of at most ${MAX_MODEL_FEATURES}`);
  const byIndex = new Map<number, { column: number; nanTrue: boolean }>();
  const names = new Map<number, string>();
  let nf = 0;
  floats.forEach((f, k) => {
    if (!isIndex(f?.feature_index, MAX_MODEL_FEATURES) || !isIndex(f.flat_feature_index, MAX_MODEL_FEATURES)) throw bad(`features_info.float_features[${k}] has no valid feature_index and flat_feature_index`);
    const nan = f.nan_value_treatment ?? 'AsIs';
    if (nan !== 'AsIs' && nan !== 'AsFalse' && nan !== 'AsTrue') throw bad(`features_info.float_features[${k}].nan_value_treatment is ${JSON.stringify(nan)}; expected AsIs, AsFalse or AsTrue`);
    if (byIndex.has(f.feature_index)) throw bad(`features_info.float_features lists feature_index ${f.feature_index} twice`);
    byIndex.set(f.feature_index, { column: f.flat_feature_index, nanTrue: nan === 'AsTrue' });
    if (typeof f.feature_id === 'string' && f.feature_id !== '') names.set(f.flat_feature_index, f.feature_id);
    nf = Math.max(nf, f.flat_feature_index + 1);
  });
  const features = Array.from({ length: nf }, (_, i) => names.get(i) ?? `f${i}`);
  if (new Set(features).size !== nf) throw bad(`features_info.float_features names a feature twice (${features.join(', ')})`);

  const sb = doc.scale_and_bias ?? [1, [0]];
  const scale = Array.isArray(sb) ? sb[0] : undefined;
  const bias = Array.isArray(sb) && Array.isArray(sb[1]) ? (sb[1] as unknown[]) : undefined;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || !bias || !bias.every((b) => typeof b === 'number' && Number.isFinite(b))) throw bad(`scale_and_bias is ${JSON.stringify(sb)}; expected [scale, [bias]] with finite numbers`);
  const k = bias.length;
  if (reading.objective === 'multiclass' ? !(k >= 3 && k <= MAX_CLASSES) : k !== 1) throw bad(`scale_and_bias has ${k} biases for loss ${loss}; expected ${reading.objective === 'multiclass' ? `one per class, 3 to ${MAX_CLASSES} (train two classes with Logloss)` : 'one'}`);

  const rawTrees = doc.oblivious_trees;
  if (!Array.isArray(rawTrees) || rawTrees.length === 0) throw bad('the model has no trees (oblivious_trees is empty)');
  const trees: Tree[] = [];
  const treeClass: number[] = [];
  rawTrees.forEach((t, ti) => {
    const splits = t?.splits ?? [];
    if (!Array.isArray(splits) || splits.length > MAX_DEPTH) throw bad(`tree ${ti} has ${Array.isArray(splits) ? splits.length : 'no list of'} splits; CatBoost trees are at most ${MAX_DEPTH} deep`);
    const depth = splits.length;
    const leaves = t.leaf_values;
    if (!Array.isArray(leaves) || leaves.length !== k * 2 ** depth) throw bad(`tree ${ti} has ${Array.isArray(leaves) ? leaves.length : 'no'} leaf_values for ${depth} splits; expected ${k * 2 ** depth}`);
    const levels = splits.map((s, j) => {
      if (s?.split_type !== undefined && s.split_type !== 'FloatFeature') throw bad(`tree ${ti} split ${j} is a ${String(s.split_type)} split, which Quantdesk does not evaluate; train on float features`);
      const f = isIndex(s?.float_feature_index, MAX_MODEL_FEATURES) ? byIndex.get(s.float_feature_index) : undefined;
      if (!f) throw bad(`tree ${ti} split ${j} reads float_feature_index ${String(s?.float_feature_index)}, which features_info does not list`);
      if (typeof s.border !== 'number' || !Number.isFinite(s.border)) throw bad(`tree ${ti} split ${j} has the border ${String(s.border)}; expected a finite number`);
      // Right (bit 1) when x > border: for float32 x that is x >= the threshold strictThreshold gives.
      return { column: f.column, threshold: strictThreshold(s.border), nanRight: f.nanTrue };
    });
    leaves.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`tree ${ti} leaf ${i} has the value ${JSON.stringify(v)}`);
    });
    const inner = 2 ** depth - 1;
    const n = inner + 2 ** depth;
    for (let c = 0; c < k; c++) {
      const tree: Tree = { feature: new Int32Array(n).fill(-1), threshold: new Float64Array(n), left: new Int32Array(n).fill(-1), right: new Int32Array(n).fill(-1), value: new Float64Array(n), missingLeft: new Uint8Array(n) };
      // Heap order: node j's children are 2j+1 and 2j+2; level L asks split depth−1−L.
      for (let j = 0; j < inner; j++) {
        const level = levels[depth - 1 - (31 - Math.clz32(j + 1))]!;
        tree.feature[j] = level.column;
        tree.threshold[j] = level.threshold;
        tree.left[j] = 2 * j + 1;
        tree.right[j] = 2 * j + 2;
        tree.missingLeft![j] = level.nanRight ? 0 : 1;
      }
      for (let leaf = 0; leaf < 2 ** depth; leaf++) tree.value[inner + leaf] = scale * (leaves[leaf * k + c] as number);
      checkTreeShape(tree, nf, file, ti);
      trees.push(tree);
      treeClass.push(c);
    }
  });
  if (reading.objective === 'multiclass') return { model: { objective: 'multiclass', classes: k, trees, treeClass: Int32Array.from(treeClass), base: Float64Array.from(bias as number[]), nFeatures: nf }, features };
  return { model: { objective: reading.objective, link: reading.link as GbdtModel['link'], base: bias[0] as number, trees, nFeatures: nf, importance: new Float64Array(nf), validationLoss: [] }, features };
}
