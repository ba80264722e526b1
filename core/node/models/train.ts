import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ApiError } from '../../common/errors';
import { predictGbdt, trainGbdt, type GbdtModel, type TrainData } from '../../common/models/gbdt';
import { predictLinear, trainLasso, trainLogistic, trainRidge } from '../../common/models/linear';
import { trainForest } from '../../common/models/forest';
import { buildKnn, predictKnn } from '../../common/models/knn';
import { predictMlp, trainMlp } from '../../common/models/mlp';
import { columnMoments } from '../../common/models/moments';
import { calibrationTable, chooseThreshold, classifierMetrics, rocCurve, type CalibrationBin, type ClassifierMetrics } from '../../common/models/metrics';
import type { TrainConfig } from '../../common/models/schemas';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { readFloat64Columns } from '../lake/duck-columns';
import { proposeTpe, shouldPrune } from '../../common/models/tpe';
import { fileList, readBuild, requireComplete } from '../features/analysis';
import { featureSetDirs, loadFeatureSet } from '../features/feature-sets';
import { parallelHistograms } from './parallel-histogram';
import { assembleModel, blendToOnnx, knnPart, linearPart, mlpPart, treesPart, tensorTreesPart, type GraphPart, type ModelMeta } from './export-onnx';
import { registerModel } from './registry';

/** Regression metrics. */
export interface RegressorMetrics {
  n: number;
  rmse: number;
  r2: number;
  /** Share of rows where the prediction has the target's sign. */
  directionAccuracy: number;
  /** Pearson correlation of predictions and targets. */
  ic: number;
}

/** What a training run produced. */
export interface TrainResult {
  id: string;
  version: number;
  features: string[];
  trees: number;
  rows: { train: number; validation: number; test: number };
  metrics: { validation: ClassifierMetrics | RegressorMetrics; test: ClassifierMetrics | RegressorMetrics };
  /** Per-fold metrics of walk-forward validation, when configured. */
  walkForward?: WalkForwardFold[];
  /** The probability threshold chosen on validation and its metrics on both folds, when configured. */
  threshold?: { objective: string; value: number; validation: ClassifierMetrics; test: ClassifierMetrics };
  /** The hyperparameter search the final parameters came from, when configured. */
  search?: SearchSummary;
}

type Ctx = { home: HomeLayout; catalog: Catalog; con: DuckDBConnection };

/** The build a config trains on, with its feature columns checked; errors name what is missing. */
export function resolveTraining(home: HomeLayout, resources: string, c: TrainConfig, allowPartial?: boolean) {
  const set = loadFeatureSet(c.featureSet, featureSetDirs(home.root, resources));
  const build = readBuild(home.lake, `${set.name}@${set.hash}`);
  // Symbols named in the config need only be complete themselves; the whole build otherwise.
  const named = c.symbols ? { ...build, requested: Object.fromEntries(Object.entries(build.requested ?? {}).filter(([s]) => c.symbols!.includes(s))) } : build;
  const partial = requireComplete(named, allowPartial, 'training');
  const available = build.columns.filter((x) => x !== 'close' && !x.startsWith('label_'));
  const features = c.features ?? available;
  const unknown = features.filter((f) => !available.includes(f));
  if (unknown.length) throw new ApiError('invalid_argument', `unknown features ${unknown.join(', ')}: build ${build.buildId} has ${available.join(', ')}`, 'features');
  if (!build.columns.includes(c.label)) throw new ApiError('invalid_argument', `unknown label ${c.label}: build ${build.buildId} has ${build.columns.filter((x) => x.startsWith('label_')).join(', ') || 'no labels'}`, 'label');
  const symbols = c.symbols ?? Object.keys(build.symbols);
  const missing = symbols.filter((s) => !build.symbols[s]);
  if (missing.length) throw new ApiError('invalid_argument', `build ${build.buildId} has no ${missing.join(', ')}; it has ${Object.keys(build.symbols).join(', ')}`, 'symbols');
  return { set, build, features, symbols, partial };
}

function regressorMetrics(p: Float64Array, y: Float64Array): RegressorMetrics {
  const n = y.length;
  let se = 0;
  let mean = 0;
  let dir = 0;
  for (let i = 0; i < n; i++) mean += y[i]! / n;
  let ss = 0;
  let sxy = 0;
  let sxx = 0;
  let mp = 0;
  for (let i = 0; i < n; i++) mp += p[i]! / n;
  for (let i = 0; i < n; i++) {
    se += (p[i]! - y[i]!) ** 2;
    ss += (y[i]! - mean) ** 2;
    if (Math.sign(p[i]!) === Math.sign(y[i]!)) dir++;
    sxy += (p[i]! - mp) * (y[i]! - mean);
    sxx += (p[i]! - mp) ** 2;
  }
  return { n, rmse: Math.sqrt(se / n), r2: ss > 0 ? 1 - se / ss : Number.NaN, directionAccuracy: dir / n, ic: sxx > 0 && ss > 0 ? sxy / Math.sqrt(sxx * ss) : Number.NaN };
}

/** One symbol's training rows: times, label and feature columns. */
export interface SymbolRows {
  t: Float64Array;
  y: Float64Array;
  x: Float64Array[];
}

/**
 * Splits every symbol's rows into time folds (`foldOf` maps a time to a fold index, or -1 to leave
 * the row out). A row whose label horizon (`embargo` rows ahead) lands in another fold is purged, so
 * no label leaks across a boundary; rows with an empty label are skipped.
 */
export function splitByTime(per: SymbolRows[], nf: number, c: TrainConfig, foldOf: (t: number) => number, count: number): TrainData[] {
  const folds = Array.from({ length: count }, () => ({ x: Array.from({ length: nf }, () => [] as number[]), y: [] as number[], t: [] as number[], symbol: [] as number[] }));
  for (const [k, p] of per.entries()) {
    const n = p.t.length;
    for (let i = 0; i < n; i++) {
      const fold = foldOf(p.t[i]!);
      if (fold < 0) continue;
      if (i + c.split.embargo < n && foldOf(p.t[i + c.split.embargo]!) !== fold) continue;
      const y = p.y[i]!;
      if (Number.isNaN(y)) continue;
      if (c.model.objective === 'binary' && y !== 0 && y !== 1) throw new ApiError('invalid_argument', `label ${c.label} has the value ${y}; a binary model needs a 0/1 label (b1, tb outcome mapped) or objective: regression`, 'label');
      folds[fold]!.y.push(y);
      folds[fold]!.t.push(p.t[i]!);
      folds[fold]!.symbol.push(k);
      for (let j = 0; j < nf; j++) folds[fold]!.x[j]!.push(p.x[j]![i]!);
    }
  }
  return folds.map((f) => ({ x: f.x.map((a) => Float64Array.from(a)), y: Float64Array.from(f.y), t: Float64Array.from(f.t), symbol: Uint16Array.from(f.symbol) }));
}

/** One walk-forward fold's outcome. */
export interface WalkForwardFold {
  fold: number;
  /** Validation block, ISO times [from, to). */
  from: string;
  to: string;
  trainRows: number;
  validationRows: number;
  metrics: ClassifierMetrics | RegressorMetrics;
}

/**
 * Walk-forward validation over the time before the test period, cut into folds + 1 equal blocks:
 * fold k trains on the blocks before block k (all of them when expanding, the last `rollingBlocks`
 * when rolling) and validates on block k, with rows purged at each boundary.
 */
function walkForwardFolds(per: SymbolRows[], nf: number, c: TrainConfig, allT: Float64Array, cutTest: number, onFold?: (done: WalkForwardFold[]) => boolean): WalkForwardFold[] {
  const v = c.validation!;
  const before = allT.filter((t) => t < cutTest);
  const edges = Array.from({ length: v.folds + 2 }, (_, k) => (k === v.folds + 1 ? cutTest : before[Math.floor((k * before.length) / (v.folds + 1))]!));
  const out: WalkForwardFold[] = [];
  for (let k = 1; k <= v.folds; k++) {
    const first = v.window === 'expanding' ? 0 : Math.max(0, k - v.rollingBlocks);
    const [train, valid] = splitByTime(per, nf, c, (t) => (t >= edges[first]! && t < edges[k]! ? 0 : t >= edges[k]! && t < edges[k + 1]! ? 1 : -1), 2);
    if (train!.y.length === 0 || valid!.y.length === 0) throw new ApiError('invalid_argument', `walk-forward fold ${k} is empty; use fewer folds or more data`, 'validation');
    const f = fit({ ...c, model: c.model.kind === 'gbdt' ? { ...c.model, earlyStoppingRounds: 0 } : c.model }, train!, valid!, () => undefined, () => false);
    const p = f.predict(valid!.x);
    out.push({ fold: k, from: new Date(edges[k]!).toISOString(), to: new Date(edges[k + 1]!).toISOString(), trainRows: train!.y.length, validationRows: valid!.y.length, metrics: c.model.objective === 'binary' ? classifierMetrics(p, valid!.y) : regressorMetrics(p, valid!.y) });
    if (onFold && !onFold(out)) break;
  }
  return out;
}

/** Outcome of a hyperparameter search. */
export interface SearchSummary {
  id: string;
  metric: string;
  trials: number;
  /** Trials run by this call (the rest were stored by earlier runs). */
  newTrials: number;
  pruned: number;
  best: { trial: number; params: Record<string, number>; score: number };
}

const LOWER_IS_BETTER = new Set(['logLoss', 'rmse', 'brier']);

/**
 * TPE search over the walk-forward folds: each trial's parameters come from the sampler, its folds
 * run one by one and stop early when the median pruner says so, and it is stored in the catalog as
 * soon as it ends. A rerun of the same configuration continues from the stored trials.
 */
function runSearch(ctx: Ctx, per: SymbolRows[], nf: number, c: TrainConfig, allT: Float64Array, cutTest: number, progress: TrainProgress, cancelled: () => boolean): SearchSummary {
  const search = c.search!;
  const metric = search.metric ?? (c.model.objective === 'binary' ? 'auc' : 'rmse');
  const sign = LOWER_IS_BETTER.has(metric) ? -1 : 1;
  const id = `${c.name}:${createHash('sha256').update(JSON.stringify({ ...c, search: { ...search, trials: 0 } })).digest('hex').slice(0, 16)}`;
  const load = () =>
    (ctx.catalog.db.prepare('SELECT trial, params, fold_scores AS folds, score, state FROM search_trials WHERE search_id = ? ORDER BY trial').all(id) as { trial: number; params: string; folds: string; score: number; state: string }[]).map((r) => ({
      trial: r.trial,
      params: JSON.parse(r.params) as Record<string, number>,
      folds: JSON.parse(r.folds) as number[],
      score: r.score,
      state: r.state,
    }));
  const insert = ctx.catalog.db.prepare('INSERT INTO search_trials (search_id, trial, params, fold_scores, score, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  let trials = load();
  const before = trials.length;
  for (let t = trials.length; t < search.trials && !cancelled(); t++) {
    const complete = trials.filter((x) => x.state === 'complete');
    // Pruned trials count as bad ones: their partial score shapes the sampler's "rest" density.
    const params = proposeTpe(search.space, trials.map((x) => ({ params: x.params, score: x.score })), t, c.seed);
    const trialConfig: TrainConfig = { ...c, model: { ...c.model, ...params } as TrainConfig['model'] };
    let state = 'complete';
    const folds = walkForwardFolds(per, nf, trialConfig, allT, cutTest, (done) => {
      const running = (sign * done.reduce((a, f) => a + ((f.metrics as unknown as Record<string, number>)[metric] ?? Number.NaN), 0)) / done.length;
      const k = done.length;
      if (k < c.validation!.folds && shouldPrune(running, complete.map((x) => (sign * x.folds.slice(0, k).reduce((a, b) => a + b, 0)) / k))) {
        state = 'pruned';
        return false;
      }
      return true;
    });
    const scores = folds.map((f) => (f.metrics as unknown as Record<string, number>)[metric] ?? Number.NaN);
    const score = (sign * scores.reduce((a, b) => a + b, 0)) / scores.length;
    insert.run(id, t, JSON.stringify(params), JSON.stringify(scores), Number.isFinite(score) ? score : -1e300, state, Date.now());
    trials = load();
    progress(t + 1, search.trials, 'search trials');
  }
  const complete = trials.filter((x) => x.state === 'complete');
  if (complete.length === 0) throw new ApiError('invalid_argument', `search ${id}: no trial completed; raise search.trials`, 'search');
  const best = complete.reduce((a, b) => (b.score > a.score ? b : a));
  return { id, metric, trials: trials.length, newTrials: trials.length - before, pruned: trials.filter((x) => x.state === 'pruned').length, best: { trial: best.trial, params: best.params, score: sign * best.score } };
}

/** Steps done of a total, and what a step is (trials of a search, trees, epochs), for the job's progress and ETA. */
export type TrainProgress = (done: number, total: number, unit?: string) => void;

/** A fitted model of any kind: how it predicts, exports and explains itself. */
interface Fitted {
  predict(x: Float64Array[]): Float64Array;
  /** The graph part writing the prediction to `out` from `x`. */
  part(out: string): GraphPart;
  /** For tree ensembles, the same part with standard operators only (for GPU providers). */
  tensorPart?: (out: string) => GraphPart | null;
  /** Trees in the ensemble (0 for other models). */
  trees: number;
  /** Importance per feature: total split gain for trees, |coefficient| × feature deviation for linear models, 0 for kNN and the MLP. */
  importance: ArrayLike<number>;
  /** Validation loss after each tree or epoch (the training curve), for the models that iterate. */
  curve?: number[];
}

function fitBase(c: TrainConfig, train: TrainData, validation: TrainData, progress: TrainProgress, cancelled: () => boolean): Fitted {
  const m = c.model;
  const unit = m.kind === 'mlp' ? 'epochs' : m.kind === 'gbdt' || m.kind === 'forest' ? 'trees' : 'models';
  const report = (done: number, total: number): boolean => {
    progress(done, total, unit);
    return !cancelled();
  };
  const ensemble = (model: GbdtModel): Fitted => ({ predict: (x) => predictGbdt(model, x), part: (out) => treesPart(model, out), tensorPart: (out) => tensorTreesPart(model, out)?.part ?? null, trees: model.trees.length, importance: model.importance, ...(model.validationLoss.length ? { curve: model.validationLoss } : {}) });
  if (m.kind === 'gbdt') {
    const { kind: _kind, ...params } = m;
    return ensemble(trainGbdt(train, { ...params, seed: c.seed }, validation, report, parallelHistograms));
  }
  if (m.kind === 'forest') {
    const { kind: _kind, ...params } = m;
    return ensemble(trainForest(train, { ...params, seed: c.seed }, report, parallelHistograms));
  }
  if (m.kind === 'mlp') {
    const { kind: _kind, ...params } = m;
    const model = trainMlp(train, { ...params, seed: c.seed }, validation, report);
    return { predict: (x) => predictMlp(model, x), part: (out) => mlpPart(model, out), trees: 0, importance: new Float64Array(train.x.length), ...(model.validationLoss ? { curve: model.validationLoss } : {}) };
  }
  if (m.kind === 'knn') {
    if (train.y.some((v) => v !== 0 && v !== 1)) throw new ApiError('invalid_argument', `label ${c.label} is not 0/1; kNN retrieval reports the share of positive outcomes`, 'label');
    const ix = buildKnn(train.x, train.y, m.k, m.maxEvents, train);
    progress(1, 1, unit);
    return { predict: (x) => predictKnn(ix, x), part: (out) => knnPart(ix, out), trees: 0, importance: new Float64Array(train.x.length) };
  }
  const model = m.kind === 'logistic' ? trainLogistic(train.x, train.y, { l2: m.l2, l1: m.l1 }) : m.kind === 'lasso' ? trainLasso(train.x, train.y, { alpha: m.alpha }) : trainRidge(train.x, train.y, { l2: m.l2 });
  progress(1, 1, unit);
  const sd = train.x.map((col) => columnMoments(col).sd);
  return { predict: (x) => predictLinear(model, x), part: (out) => linearPart(model, out), trees: 0, importance: Float64Array.from(model.coef, (w, j) => Math.abs(w) * sd[j]!) };
}

/** Fits the configured model and, when asked, blends it with kNN retrieval: p = (1 − w) p_model + w p_knn. */
function fit(c: TrainConfig, train: TrainData, validation: TrainData, progress: TrainProgress, cancelled: () => boolean): Fitted & { onnx(meta: ModelMeta): Uint8Array; tensorOnnx?: (meta: ModelMeta) => Uint8Array } {
  const base = fitBase(c, train, validation, progress, cancelled);
  const nf = train.x.length;
  const out = c.model.objective === 'binary' ? 'p' : 'yhat';
  const b = c.blendKnn;
  const tensor = base.tensorPart;
  if (!b) return { ...base, onnx: (meta) => assembleModel([base.part(out)], nf, out, meta, c.model.objective), ...(tensor?.(out) ? { tensorOnnx: (meta: ModelMeta) => assembleModel([tensor(out)!], nf, out, meta, c.model.objective) } : {}) };
  if (c.model.objective !== 'binary' || c.model.kind === 'knn') throw new ApiError('invalid_argument', 'blendKnn applies to classifiers other than kNN itself', 'blendKnn');
  const ix = buildKnn(train.x, train.y, b.k, b.maxEvents, train);
  return {
    ...base,
    predict: (x) => {
      const pm = base.predict(x);
      const pk = predictKnn(ix, x);
      return pm.map((v, i) => (1 - b.weight) * v + b.weight * pk[i]!);
    },
    onnx: (meta) => blendToOnnx({ ...base.part('model_p'), nf, out: 'model_p' }, ix, b.weight, meta),
  };
}

/**
 * Trains a model on a feature set's current build: chronological train / validation / test split at
 * common times across symbols, purging `embargo` rows before each boundary (their labels look into
 * the next fold), early stopping on validation, metrics on both held-out folds; then registers it as
 * `models/<id>/<version>/model.onnx` + `card.json`, stage candidate.
 */
export async function trainModel(ctx: Ctx, resources: string, c: TrainConfig, progress: TrainProgress, cancelled: () => boolean, allowPartial?: boolean): Promise<TrainResult> {
  const source = resolveTraining(ctx.home, resources, c, allowPartial);
  const { build, features, symbols } = source;
  const cols = ['epoch_ms(ts)::DOUBLE', `"${c.label}"::DOUBLE`, ...features.map((f) => `"${f}"::DOUBLE`)];
  const per: SymbolRows[] = [];
  for (const s of symbols) {
    const [t, y, ...x] = await readFloat64Columns(ctx.con, `SELECT ${cols.join(', ')} FROM read_parquet([${fileList(ctx.home.lake, build.symbols[s]!)}]) ORDER BY ts`);
    per.push({ t: t!, y: y!, x });
  }
  // A model trained on a partial build says so on its card, with the symbols the build lacked.
  return trainOnRows(ctx, c, source, per, progress, cancelled, source.partial.length ? { partialBuild: source.partial } : {});
}

/**
 * Trains on rows already read (per symbol: times, label, feature columns in `features` order) and
 * registers the model as trained on `set`'s build: what trainModel does after reading the build, and
 * what trade filters use with trades as rows and meta-labels as the label. `extraCard` joins the card.
 */
export async function trainOnRows(
  ctx: Ctx,
  c: TrainConfig,
  source: Pick<ReturnType<typeof resolveTraining>, 'set' | 'build' | 'features' | 'symbols'>,
  per: SymbolRows[],
  progress: TrainProgress,
  cancelled: () => boolean,
  extraCard: Record<string, unknown> = {},
): Promise<TrainResult> {
  const { set, build, features, symbols } = source;
  const allT = Float64Array.from(per.flatMap((p) => Array.from(p.t))).sort();
  if (allT.length < 100) throw new ApiError('invalid_argument', `build ${build.buildId} has only ${allT.length} rows for ${symbols.join(', ')}; train on more data`, 'symbols');
  const cutVal = allT[Math.floor(allT.length * (1 - c.split.validation - c.split.test))]!;
  const cutTest = allT[Math.floor(allT.length * (1 - c.split.test))]!;
  const search = c.search ? runSearch(ctx, per, features.length, c, allT, cutTest, progress, cancelled) : undefined;
  if (search) c = { ...c, model: { ...c.model, ...search.best.params } as TrainConfig['model'] };
  const [train, validation, test] = splitByTime(per, features.length, c, (t) => (t < cutVal ? 0 : t < cutTest ? 1 : 2), 3) as [TrainData, TrainData, TrainData];
  for (const [k, d] of Object.entries({ train, validation, test })) if (d.y.length === 0) throw new ApiError('invalid_argument', `the ${k} fold is empty; use more data or other split fractions`, 'split');
  const walkForward = c.validation ? walkForwardFolds(per, features.length, c, allT, cutTest) : undefined;
  const fitted = fit(c, train, validation, progress, cancelled);
  const score = (d: TrainData) => {
    const p = fitted.predict(d.x);
    return c.model.objective === 'binary' ? classifierMetrics(p, d.y) : regressorMetrics(p, d.y);
  };
  const metrics = { validation: score(validation), test: score(test) };
  let threshold: TrainResult['threshold'];
  let calibration: CalibrationBin[] | undefined;
  let roc: { fpr: number; tpr: number }[] | undefined;
  if (c.model.objective === 'binary') {
    const pv = fitted.predict(validation.x);
    const pt = fitted.predict(test.x);
    calibration = calibrationTable(pt, test.y);
    roc = rocCurve(pt, test.y);
    if (c.threshold) {
      const t = chooseThreshold(pv, validation.y, c.threshold.objective, c.threshold.minShare);
      threshold = { objective: c.threshold.objective, value: t.threshold, validation: classifierMetrics(pv, validation.y, t.threshold), test: classifierMetrics(pt, test.y, t.threshold) };
    }
  } else if (c.threshold) throw new ApiError('invalid_argument', 'a threshold applies to classifiers (objective binary)', 'threshold');

  const version = 1 + ((ctx.catalog.db.prepare('SELECT max(version) AS v FROM models WHERE id = ?').get(c.name) as { v: number | null }).v ?? 0);
  const onnx = fitted.onnx({ features, specHash: set.hash, modelCard: `${c.name}@${version}` });
  const trainFrom = allT[0]!;
  const rows = { train: train.y.length, validation: validation.y.length, test: test.y.length };
  const card = {
    id: c.name,
    version,
    kind: c.model.kind,
    objective: c.model.objective,
    featureSet: set.name,
    specHash: set.hash,
    build: build.buildId,
    symbols,
    timeframe: set.timeframe,
    label: c.label,
    features,
    window: { train: [new Date(trainFrom).toISOString(), new Date(cutVal).toISOString()], validation: [new Date(cutVal).toISOString(), new Date(cutTest).toISOString()], test: [new Date(cutTest).toISOString(), new Date(allT[allT.length - 1]!).toISOString()] },
    params: { ...c.model, seed: c.seed, split: c.split },
    trees: fitted.trees,
    rows,
    metrics,
    importance: Object.fromEntries(features.map((f, j) => [f, fitted.importance[j]!])),
    ...(fitted.curve ? { curve: { loss: c.model.objective === 'binary' ? 'log loss' : 'mean squared error', per: c.model.kind === 'mlp' ? 'epoch' : 'tree', validation: fitted.curve } } : {}),
    ...(walkForward ? { walkForward } : {}),
    ...(threshold ? { threshold } : {}),
    ...(calibration ? { calibration } : {}),
    ...(roc ? { roc } : {}),
    ...(search ? { search } : {}),
    ...extraCard,
  };
  const meta = { features, specHash: set.hash, modelCard: `${c.name}@${version}` };
  registerModel(ctx.catalog, ctx.home, { id: c.name, version, kind: c.model.kind, objective: c.model.objective, onnx, ...(fitted.tensorOnnx ? { tensorOnnx: fitted.tensorOnnx(meta) } : {}), card, symbols, timeframe: set.timeframe, featureSet: set.name, specHash: set.hash, label: c.label, features, trainFrom, trainTo: cutVal, params: card.params, metrics });
  return { id: c.name, version, features, trees: fitted.trees, rows, metrics, ...(walkForward ? { walkForward } : {}), ...(threshold ? { threshold } : {}), ...(search ? { search } : {}) };
}
