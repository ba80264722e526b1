import { ApiError } from '../../common/errors';
import { assertParseFits } from '../untrusted-files';
import { checkTreeShape } from './tree-shape';
import { decodeUbjson } from './ubjson';
import { isCatboostDoc } from './import-catboost';
import { categorySplit, expansionBudget, MAX_CATEGORY, withIntervalSplits, type IntervalSplit } from './interval-splits';
import { parseBudgetBytes } from '../worker-limits';
import { MAX_CLASSES, MAX_MODEL_FEATURES, type GbdtModel, type ImportedTrees, type MulticlassTrees } from '../../common/models/gbdt';
import type { Tree } from '../../common/models/tree';

interface XgbTree {
  left_children: number[];
  right_children: number[];
  split_indices: number[];
  split_conditions: number[];
  default_left: number[];
  split_type?: number[];
  categories?: number[];
  categories_nodes?: number[];
  categories_segments?: number[];
  categories_sizes?: number[];
}

const logit = (p: number): number => Math.log(p / (1 - p));

/**
 * The objectives imported, and how each reads: what the model predicts, how its margin becomes the
 * prediction, and how base_score becomes a margin (it is given in the prediction's space, except for
 * logitraw, whose base_score is a margin already, as its fixture shows). A logitraw model is a
 * classifier whose margin XGBoost reports as it is; Quantdesk predicts its probability.
 */
const OBJECTIVES: Record<string, { objective: GbdtModel['objective']; link: GbdtModel['link']; margin: (base: number) => number }> = {
  'binary:logistic': { objective: 'binary', link: 'logistic', margin: logit },
  'binary:logitraw': { objective: 'binary', link: 'logistic', margin: (b) => b },
  'reg:squarederror': { objective: 'regression', link: 'identity', margin: (b) => b },
  'reg:logistic': { objective: 'regression', link: 'logistic', margin: logit },
  'count:poisson': { objective: 'regression', link: 'exp', margin: Math.log },
};

/**
 * `learner_model_param.base_score`: a number written as a string (`"5E-1"`, XGBoost 1.x and 2.x) or,
 * from XGBoost 3.1, a one-element bracketed array (`"[5E-1]"`). Held as float32, as XGBoost holds it.
 */
export function baseScore(raw: unknown, file: string): number {
  const scores = baseScores(raw, file);
  if (scores.length !== 1) throw new ApiError('invalid_argument', `${file}: learner_model_param.base_score is ${JSON.stringify(raw)}; expected one finite number (such as "5E-1" or "[5E-1]")`, 'file');
  return scores[0]!;
}

/** `base_score` as its list of numbers: one, or from XGBoost 3.1 one per class of a multiclass model (`"[3.3333334E-1,…]"`). */
function baseScores(raw: unknown, file: string): number[] {
  if (raw === undefined) return [0.5];
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  const inner = /^\[(.*)\]$/.exec(text)?.[1] ?? text;
  const parts = inner.split(',').map((x) => x.trim());
  const xs = parts.map(Number);
  if (parts.length > MAX_CLASSES || parts.some((p) => p === '') || !xs.every(Number.isFinite)) throw new ApiError('invalid_argument', `${file}: learner_model_param.base_score is ${JSON.stringify(raw).slice(0, 200)}; expected finite numbers (such as "5E-1" or "[5E-1]")`, 'file');
  return xs.map(Math.fround);
}

/**
 * Reads an XGBoost JSON model (the objectives of OBJECTIVES, numeric splits) into a tree ensemble:
 * XGBoost sends x < condition left and missing values where `default_left` says; leaves carry their
 * value in `split_conditions`; `base_score` is in the prediction's space (a probability for logistic
 * models, a mean count for Poisson).
 */
export function readXgboostJson(text: string, file: string, budgetBytes = parseBudgetBytes()): { model: ImportedTrees; features: string[] } {
  return readXgboostDoc(parseModelJson(text, file, budgetBytes), file);
}

/** Parses a JSON model file (XGBoost's or CatBoost's) once its parse is known to fit the import's memory budget. */
export function parseModelJson(text: string, file: string, budgetBytes = parseBudgetBytes()): unknown {
  assertParseFits(text, { file, what: 'JSON model', separators: ',[{', perValue: 48, budgetBytes });
  try {
    return JSON.parse(/NaN|Infinity/.test(text) ? nonFiniteAsNull(text) : text);
  } catch (e) {
    throw new ApiError('invalid_argument', `${file}: not JSON (${(e as Error).message}); save the model with booster.save_model("model.json") (XGBoost) or model.save_model("model.json", format="json") (CatBoost)`, 'file');
  }
}

/**
 * JSON text with the bare NaN, Infinity and −Infinity tokens XGBoost 1.x writes (a categorical node's
 * split_conditions is NaN) turned into null, outside strings only; the readers then judge each field.
 */
export function nonFiniteAsNull(text: string): string {
  const out: string[] = [];
  let from = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++;
      else if (ch === 0x22) inString = false;
      continue;
    }
    if (ch === 0x22) inString = true;
    else if (ch === 0x4e || ch === 0x49 || ch === 0x2d) {
      const token = /^-?(NaN|Infinity)/.exec(text.slice(i, i + 9))?.[0];
      if (!token) continue;
      out.push(text.slice(from, i), 'null');
      i += token.length - 1;
      from = i + 1;
    }
  }
  out.push(text.slice(from));
  return out.join('');
}

/** Reads an XGBoost UBJSON model (`booster.save_model("model.ubj")`, XGBoost's binary JSON) as its JSON form is read. */
export function readXgboostUbjson(bytes: Uint8Array, file: string, budgetBytes = parseBudgetBytes()): { model: ImportedTrees; features: string[] } {
  // Every value takes at least a byte; decoded, about 48 (as the JSON reader assumes).
  if (bytes.length * 48 > budgetBytes) throw new ApiError('invalid_argument', `${file}: reading this ${bytes.length}-byte UBJSON model could take more memory than an import may use; raise QUANTDESK_WORKER_HEAP_MB if the file is genuine`, 'file');
  return readXgboostDoc(decodeUbjson(bytes, file), file);
}

/** Whether bytes look like UBJSON rather than JSON text: an object whose first key's length has an integer type marker. */
export const isUbjson = (bytes: Uint8Array): boolean => bytes[0] === 0x7b && [0x69, 0x55, 0x49, 0x6c, 0x4c].includes(bytes[1]!);

/**
 * A tree's categorical splits (split_type 1): node categories_nodes[i] holds the categories
 * categories[categories_segments[i] …][categories_sizes[i]]. XGBoost sends those categories right and
 * every other value left, negative values included (they name no category); NaN goes the default way.
 */
function categorySplits(t: XgbTree, n: number, where: string): Map<number, IntervalSplit> {
  const out = new Map<number, IntervalSplit>();
  const types = t.split_type ?? [];
  if (!types.some((x) => x !== 0)) return out;
  const bad = (why: string): ApiError => new ApiError('invalid_argument', `${where}: ${why}`, 'file');
  const lists = ['categories', 'categories_nodes', 'categories_segments', 'categories_sizes'] as const;
  const miss = lists.find((k) => !Array.isArray(t[k]) || !(t[k] as unknown[]).every((x) => Number.isInteger(x) && (x as number) >= 0));
  if (miss) throw bad(`has categorical splits but ${miss} is not a list of whole numbers`);
  const [cats, nodes, segments, sizes] = lists.map((k) => t[k]!);
  if (segments!.length !== nodes!.length || sizes!.length !== nodes!.length) throw bad('categories_nodes, categories_segments and categories_sizes differ in length');
  nodes!.forEach((k, i) => {
    if (!(k < n) || types[k] !== 1) throw bad(`categories_nodes names node ${k}, which is not one of its categorical splits`);
    const set = cats!.slice(segments![i]!, segments![i]! + sizes![i]!);
    if (set.length !== sizes![i] || set.some((c) => c >= MAX_CATEGORY)) throw bad(`node ${k}'s categories run past the categories list or past category 2^24`);
    out.set(k, categorySplit(set, false, t.default_left[k] === 1, 'zero'));
  });
  const unnamed = types.findIndex((x, k) => x !== 0 && !out.has(k));
  if (unnamed >= 0) throw bad(`node ${unnamed} is a categorical split (split_type ${types[unnamed]}) that categories_nodes does not name`);
  return out;
}

/** An XGBoost model document (parsed from JSON or UBJSON) as a tree ensemble. */
export function readXgboostDoc(parsed: unknown, file: string): { model: ImportedTrees; features: string[] } {
  const doc = parsed as { learner?: { objective?: { name?: string }; learner_model_param?: { base_score?: unknown; num_feature?: string; num_class?: string; num_target?: string }; feature_names?: string[]; gradient_booster?: { name?: string; model?: { trees?: XgbTree[] } } } };
  if (isCatboostDoc(doc)) throw new ApiError('invalid_argument', `${file}: a CatBoost JSON model, not an XGBoost one; import it with --format catboost (or let the format be detected)`, 'file');
  const l = doc !== null && typeof doc === 'object' ? doc.learner : undefined;
  const objective = l?.objective?.name;
  if (!l || !objective) throw new ApiError('invalid_argument', `${file}: not an XGBoost model (no learner.objective)`, 'file');
  const multiclass = objective === 'multi:softprob' || objective === 'multi:softmax';
  const reading = OBJECTIVES[objective];
  if (!reading && !multiclass) throw new ApiError('invalid_argument', `${file}: objective ${objective} is not supported; Quantdesk imports ${[...Object.keys(OBJECTIVES), 'multi:softprob', 'multi:softmax'].join(', ')}`, 'file');
  if (l.gradient_booster?.name !== 'gbtree') throw new ApiError('invalid_argument', `${file}: booster ${l.gradient_booster?.name ?? 'unknown'} is not supported; use gbtree`, 'file');
  const nf = Number(l.learner_model_param?.num_feature);
  if (!Number.isInteger(nf) || nf < 1 || nf > MAX_MODEL_FEATURES) throw new ApiError('invalid_argument', `${file}: learner_model_param.num_feature is ${String(l.learner_model_param?.num_feature)}; expected a whole number of features from 1 to ${MAX_MODEL_FEATURES}`, 'file');
  if (l.feature_names !== undefined && (!Array.isArray(l.feature_names) || !l.feature_names.every((x) => typeof x === 'string'))) throw new ApiError('invalid_argument', `${file}: feature_names is not a list of names`, 'file');
  if (l.feature_names?.length && l.feature_names.length !== nf) throw new ApiError('invalid_argument', `${file}: names ${l.feature_names.length} features but num_feature is ${nf}`, 'file');
  const features = l.feature_names?.length ? l.feature_names : Array.from({ length: nf }, (_, i) => `f${i}`);
  const numClass = Number(l.learner_model_param?.num_class ?? 0);
  if (multiclass !== numClass > 1 || (multiclass && !(Number.isInteger(numClass) && numClass >= 3 && numClass <= MAX_CLASSES))) throw new ApiError('invalid_argument', `${file}: learner_model_param.num_class is ${String(l.learner_model_param?.num_class)} for objective ${objective}; expected ${multiclass ? `a whole number of classes from 3 to ${MAX_CLASSES}` : '0 or 1'}`, 'file');
  const numTarget = Number(l.learner_model_param?.num_target ?? 1);
  if (numTarget > 1) throw new ApiError('invalid_argument', `${file}: a model with ${numTarget} targets; Quantdesk imports single-output models`, 'file');
  const bases = baseScores(l.learner_model_param?.base_score, file);
  const rawTrees: unknown = l.gradient_booster.model?.trees ?? [];
  if (!Array.isArray(rawTrees)) throw new ApiError('invalid_argument', `${file}: gradient_booster.model.trees is not a list`, 'file');
  const trees: Tree[] = (rawTrees as XgbTree[]).map((t, ti) => {
    const fields = ['left_children', 'right_children', 'split_indices', 'split_conditions', 'default_left'] as const;
    // A categorical node's split_conditions may be NaN (null once read): it splits by categories.
    const isCategorical = (k: number): boolean => Array.isArray(t?.split_type) && t.split_type[k] === 1;
    const missing = fields.find((k) => !Array.isArray(t?.[k]) || !(t[k] as unknown[]).every((x, j) => typeof x === 'number' || (k === 'split_conditions' && x === null && isCategorical(j))));
    if (missing) throw new ApiError('invalid_argument', `${file}: tree ${ti} has no list of numbers ${missing}`, 'file');
    const n = t.left_children.length;
    const short = fields.find((k) => t[k].length !== n);
    if (short) throw new ApiError('invalid_argument', `${file}: tree ${ti} has ${t[short].length} ${short} for ${n} nodes`, 'file');
    if (t.split_type !== undefined && !Array.isArray(t.split_type)) throw new ApiError('invalid_argument', `${file}: tree ${ti} split_type is not a list`, 'file');
    const categorical = categorySplits(t, n, `${file}: tree ${ti}`);
    const feature = new Int32Array(n);
    const threshold = new Float64Array(n);
    const value = new Float64Array(n);
    const missingLeft = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      const leaf = t.left_children[k] === -1;
      feature[k] = leaf ? -1 : t.split_indices[k]!;
      if (!leaf && (feature[k]! < 0 || feature[k]! >= nf)) throw new ApiError('invalid_argument', `${file}: tree ${ti} node ${k} splits on feature ${feature[k]}, outside the model's ${nf}`, 'file');
      threshold[k] = leaf || categorical.has(k) ? 0 : Math.fround(t.split_conditions[k]!);
      value[k] = leaf ? t.split_conditions[k]! : 0;
      missingLeft[k] = t.default_left[k] ? 1 : 0;
    }
    const tree: Tree = { feature, threshold, left: Int32Array.from(t.left_children), right: Int32Array.from(t.right_children), value, missingLeft };
    checkTreeShape(tree, nf, file, ti);
    if (categorical.size === 0) return tree;
    const maxNodes = expansionBudget(n);
    const plain = withIntervalSplits(tree, categorical, maxNodes);
    if (!plain) throw new ApiError('invalid_argument', `${file}: tree ${ti}: its ${categorical.size} categorical splits would take it past ${maxNodes} nodes when written as plain splits; train with fewer categories per split (max_cat_threshold)`, 'file');
    checkTreeShape(plain, nf, file, ti);
    return plain;
  });
  if (trees.length === 0) throw new ApiError('invalid_argument', `${file}: the model has no trees`, 'file');
  if (multiclass) return { model: multiclassOf(l.gradient_booster.model as { tree_info?: unknown }, trees, numClass, bases, nf, file), features };
  if (bases.length !== 1) throw new ApiError('invalid_argument', `${file}: learner_model_param.base_score is ${JSON.stringify(l.learner_model_param?.base_score)}; expected one finite number (such as "5E-1" or "[5E-1]")`, 'file');
  const base = bases[0]!;
  const margin = reading!.margin(base);
  if (!Number.isFinite(margin)) throw new ApiError('invalid_argument', `${file}: learner_model_param.base_score ${base} is outside what ${objective} allows (${reading!.link === 'logistic' ? 'a probability strictly between 0 and 1' : 'a positive mean'})`, 'file');
  return {
    model: { objective: reading!.objective, link: reading!.link, base: margin, trees, nFeatures: nf, importance: new Float64Array(nf), validationLoss: [] },
    features,
  };
}

/**
 * A multi:softprob or multi:softmax model: `tree_info` names each tree's class. Its base_score is one
 * number, or one per class that are all equal (what XGBoost writes): a margin the same for every
 * class cancels in the softmax. Unequal per-class base scores are refused: no fixture shows how
 * XGBoost maps them to margins.
 */
function multiclassOf(booster: { tree_info?: unknown }, trees: Tree[], classes: number, bases: number[], nf: number, file: string): MulticlassTrees {
  const info = booster.tree_info;
  if (!Array.isArray(info) || info.length !== trees.length || !info.every((c) => Number.isInteger(c) && c >= 0 && c < classes)) throw new ApiError('invalid_argument', `${file}: gradient_booster.model.tree_info does not give each of the ${trees.length} trees a class from 0 to ${classes - 1}`, 'file');
  if ((bases.length !== 1 && bases.length !== classes) || bases.some((b) => b !== bases[0])) throw new ApiError('invalid_argument', `${file}: learner_model_param.base_score gives the classes different base scores (${bases.join(', ')}), which Quantdesk does not read; train with one base_score`, 'file');
  return { objective: 'multiclass', classes, trees, treeClass: Int32Array.from(info as number[]), base: new Float64Array(classes), nFeatures: nf };
}
