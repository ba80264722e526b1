import { growthSpace, growTree, type HistogramHelperFactory, type LinearLeaves, type Tree } from './tree';

/**
 * Histogram-based gradient-boosted trees (binary log-loss or squared error), deterministic for a seed.
 * Features are bucketed once into at most `maxBins` quantile bins; each tree grows level by level from
 * gradient/hessian histograms. Thresholds are float32 values and rows go left when `x < threshold` or
 * x is missing, exactly as ONNX's TreeEnsemble (BRANCH_LT, missing tracks true) evaluates them.
 */

/** Training parameters. */
export interface GbdtParams {
  objective: 'binary' | 'regression';
  nTrees: number;
  maxDepth: number;
  /** Grow best split first up to this many leaves (within maxDepth); 0: no limit. */
  maxLeaves: number;
  learningRate: number;
  /** Minimum hessian sum in a child. */
  minChildWeight: number;
  /** L2 regularisation of leaf values. */
  lambda: number;
  /** Fraction of rows drawn (without replacement) per tree. */
  subsample: number;
  /** Fraction of features drawn per tree. */
  colsample: number;
  maxBins: number;
  seed: number;
  /** Stop when the validation loss has not improved for this many trees (0: never). */
  earlyStoppingRounds: number;
}

export const GBDT_DEFAULTS: GbdtParams = { objective: 'binary', nTrees: 100, maxDepth: 6, maxLeaves: 0, learningRate: 0.1, minChildWeight: 1, lambda: 1, subsample: 1, colsample: 1, maxBins: 255, seed: 1, earlyStoppingRounds: 0 };

/** The most classes a multiclass model read from a file may have. */
export const MAX_CLASSES = 1000;

/** The most input features a tree model may read; files that claim more are refused before anything is allocated for them. */
export const MAX_MODEL_FEATURES = 100_000;

/** A trained tree ensemble (boosted or a forest). */
export interface GbdtModel {
  objective: 'binary' | 'regression';
  /** How the summed leaves become a prediction: through the logistic function (boosted classifiers, logistic regression), the exponential (Poisson counts), or as they are. */
  link: 'logistic' | 'exp' | 'identity';
  /** Raw score every prediction starts from (log-odds for binary). */
  base: number;
  trees: Tree[];
  nFeatures: number;
  /** Total gain of the splits on each feature. */
  importance: Float64Array;
  /** Validation loss after each tree, when a validation set was given. */
  validationLoss: number[];
}

/**
 * A multiclass tree ensemble read from another library's file (XGBoost multi:softprob, LightGBM
 * multiclass, CatBoost MultiClass): each tree adds to one class's margin; the probabilities are the
 * softmax of the margins.
 */
export interface MulticlassTrees {
  objective: 'multiclass';
  /** Number of classes (≥ 3). */
  classes: number;
  trees: Tree[];
  /** The class each tree adds to. */
  treeClass: Int32Array;
  /** Margin each class starts from. */
  base: Float64Array;
  nFeatures: number;
}

/** A tree model read from a file: one prediction per row, or one probability per class. */
export type ImportedTrees = GbdtModel | MulticlassTrees;

/** Per class, the probability of each row (softmax of the class margins). */
export function predictMulticlass(m: MulticlassTrees, x: Float64Array[]): Float64Array[] {
  const n = x[0]?.length ?? 0;
  const margins = Array.from(m.base, (b) => new Float64Array(n).fill(b));
  m.trees.forEach((t, ti) => {
    const out = margins[m.treeClass[ti]!]!;
    for (let i = 0; i < n; i++) out[i] = out[i]! + treeValue(t, x, i);
  });
  for (let i = 0; i < n; i++) {
    let top = -Infinity;
    for (const c of margins) top = Math.max(top, c[i]!);
    let sum = 0;
    for (const c of margins) sum += c[i] = Math.exp(c[i]! - top);
    for (const c of margins) c[i] = c[i]! / sum;
  }
  return margins;
}

/** Columns of a feature matrix (one Float64Array per feature, NaN for missing) and targets. */
export interface TrainData {
  x: Float64Array[];
  y: Float64Array;
  /** Each row's time (epoch ms) and symbol index, where the rows came from a build: what retrieval shows of a neighbour. */
  t?: Float64Array;
  symbol?: Uint16Array;
}

/** A small seeded generator (mulberry32), so training is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** The leaf value a tree gives row i of columns x. */
export function treeValue(t: Tree, x: Float64Array[], i: number): number {
  let n = 0;
  while (t.feature[n]! >= 0) {
    const v = x[t.feature[n]!]![i]!;
    if (Number.isNaN(v)) n = t.missingLeft === undefined || t.missingLeft[n] === 1 ? t.left[n]! : t.right[n]!;
    else n = Math.fround(v) < t.threshold[n]! ? t.left[n]! : t.right[n]!;
  }
  return t.linear ? linearLeafValue(t.linear, n, t.value[n]!, x, i) : t.value[n]!;
}

/** A linear leaf's prediction for row i; its plain value when a feature it reads is missing. */
function linearLeafValue(l: LinearLeaves, n: number, plain: number, x: Float64Array[], i: number): number {
  const features = l.features[n]!;
  const coeff = l.coeff[n]!;
  let out = l.const[n]!;
  for (let j = 0; j < features.length; j++) {
    const v = x[features[j]!]![i]!;
    if (Number.isNaN(v)) return plain;
    out += coeff[j]! * Math.fround(v);
  }
  return out;
}

/** Predictions for columns: probabilities for binary models, values for regression. */
export function predictGbdt(m: GbdtModel, x: Float64Array[]): Float64Array {
  const n = x[0]?.length ?? 0;
  const out = new Float64Array(n).fill(m.base);
  for (const t of m.trees) for (let i = 0; i < n; i++) out[i] = out[i]! + treeValue(t, x, i);
  if (m.link === 'logistic') for (let i = 0; i < n; i++) out[i] = sigmoid(out[i]!);
  else if (m.link === 'exp') for (let i = 0; i < n; i++) out[i] = Math.exp(out[i]!);
  return out;
}

function loss(objective: GbdtParams['objective'], y: Float64Array, raw: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    if (objective === 'binary') {
      const p = Math.min(1 - 1e-15, Math.max(1e-15, sigmoid(raw[i]!)));
      s -= y[i]! * Math.log(p) + (1 - y[i]!) * Math.log(1 - p);
    } else s += (raw[i]! - y[i]!) ** 2;
  }
  return s / y.length;
}

/**
 * Trains an ensemble; `onTree` reports progress and may stop training by returning false. With
 * `helper`, histograms are built with another thread over shared memory (the same trees result).
 */
export function trainGbdt(train: TrainData, params: Partial<GbdtParams> = {}, validation?: TrainData, onTree?: (done: number, total: number) => boolean | void, helper?: HistogramHelperFactory): GbdtModel {
  const p: GbdtParams = { ...GBDT_DEFAULTS, ...params };
  const nf = train.x.length;
  const n = train.y.length;
  if (p.objective === 'binary' && train.y.some((v) => v !== 0 && v !== 1)) throw new RangeError('binary objective needs labels 0 and 1');
  const space = growthSpace(train.x, p.maxBins, helper);
  const { gh, idx } = space;
  const mean = train.y.reduce((a, b) => a + b, 0) / n;
  const base = p.objective === 'binary' ? Math.log(Math.max(1e-12, mean) / Math.max(1e-12, 1 - mean)) : mean;
  const raw = new Float64Array(n).fill(base);
  const vraw = validation ? new Float64Array(validation.y.length).fill(base) : undefined;
  const random = rng(p.seed);
  const trees: Tree[] = [];
  const importance = new Float64Array(nf);
  const validationLoss: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  let bestAt = 0;
  const rowValue = new Float64Array(n);
  try {
    for (let t = 0; t < p.nTrees; t++) {
      for (let i = 0; i < n; i++) {
        if (p.objective === 'binary') {
          const q = sigmoid(raw[i]!);
          gh[2 * i] = q - train.y[i]!;
          gh[2 * i + 1] = Math.max(q * (1 - q), 1e-16);
        } else {
          gh[2 * i] = raw[i]! - train.y[i]!;
          gh[2 * i + 1] = 1;
        }
      }
      // Rows and features for this tree.
      let m = 0;
      for (let i = 0; i < n; i++) if (p.subsample >= 1 || random() < p.subsample) idx[m++] = i;
      const feats: number[] = [];
      for (let f = 0; f < nf; f++) if (p.colsample >= 1 || random() < p.colsample) feats.push(f);
      if (feats.length === 0) feats.push(Math.floor(random() * nf));
      // Rows the tree was grown on learn their leaf from the growth itself; the others are looked up.
      rowValue.fill(Number.NaN);
      const done = growTree(space, m, { maxDepth: p.maxDepth, ...(p.maxLeaves > 0 ? { maxLeaves: p.maxLeaves } : {}), minChildWeight: p.minChildWeight, lambda: p.lambda, learningRate: p.learningRate, features: () => feats }, importance, rowValue);
      trees.push(done);
      for (let i = 0; i < n; i++) raw[i] = raw[i]! + (Number.isNaN(rowValue[i]!) ? treeValue(done, train.x, i) : rowValue[i]!);
      if (validation && vraw) {
        for (let i = 0; i < vraw.length; i++) vraw[i] = vraw[i]! + treeValue(done, validation.x, i);
        const l = loss(p.objective, validation.y, vraw);
        validationLoss.push(l);
        if (l < best - 1e-12) {
          best = l;
          bestAt = t + 1;
        } else if (p.earlyStoppingRounds > 0 && t + 1 - bestAt >= p.earlyStoppingRounds) break;
      }
      if (onTree?.(t + 1, p.nTrees) === false) break;
    }
  } finally {
    space.close();
  }
  const keep = validation && p.earlyStoppingRounds > 0 ? bestAt : trees.length;
  return { objective: p.objective, link: p.objective === 'binary' ? 'logistic' : 'identity', base, trees: trees.slice(0, keep), nFeatures: nf, importance, validationLoss };
}
