import { SPLIT_DEFAULTS, type TrainConfig } from './models/schemas';

/** Model kinds the training form offers, in its menu's order. */
export const MODEL_KINDS = ['gbdt', 'forest', 'mlp', 'knn', 'logistic', 'ridge', 'lasso'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** One main parameter of a model kind: its form field and, for a search, the range tried. */
export interface ParamField {
  key: string;
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  /** Range a hyperparameter search draws from (log scale where `log`). */
  search?: { low: number; high: number; log?: boolean; int?: boolean };
}

/** The parameters the form shows per kind (the rest keep the schema's defaults; the YAML tab reaches them). */
export const KIND_PARAMS: Record<ModelKind, ParamField[]> = {
  gbdt: [
    { key: 'nTrees', label: 'Trees', value: 200, min: 1, max: 10_000, step: 1 },
    { key: 'maxDepth', label: 'Max depth', value: 6, min: 1, max: 16, step: 1, search: { low: 2, high: 8, int: true } },
    { key: 'learningRate', label: 'Learning rate', value: 0.1, min: 0.0001, max: 1, step: 0.01, search: { low: 0.01, high: 0.3, log: true } },
    { key: 'subsample', label: 'Row subsample', value: 1, min: 0.05, max: 1, step: 0.05 },
  ],
  forest: [
    { key: 'nTrees', label: 'Trees', value: 100, min: 1, max: 10_000, step: 1 },
    { key: 'maxDepth', label: 'Max depth', value: 8, min: 1, max: 30, step: 1, search: { low: 3, high: 16, int: true } },
    { key: 'minSamplesLeaf', label: 'Min rows per leaf', value: 5, min: 1, max: 100_000, step: 1, search: { low: 1, high: 50, int: true } },
  ],
  mlp: [
    { key: 'epochs', label: 'Epochs', value: 50, min: 1, max: 1000, step: 1 },
    { key: 'learningRate', label: 'Learning rate', value: 0.001, min: 0.000001, max: 1, step: 0.0001, search: { low: 0.0001, high: 0.01, log: true } },
    { key: 'batchSize', label: 'Batch size', value: 256, min: 1, max: 65_536, step: 1 },
  ],
  knn: [{ key: 'k', label: 'Neighbours (k)', value: 5, min: 1, max: 100, step: 1, search: { low: 3, high: 50, int: true } }],
  logistic: [{ key: 'l2', label: 'L2 penalty', value: 1, min: 0, max: 1e6, step: 0.1, search: { low: 0.001, high: 100, log: true } }],
  ridge: [{ key: 'l2', label: 'L2 penalty', value: 1, min: 0, max: 1e6, step: 0.1, search: { low: 0.001, high: 100, log: true } }],
  lasso: [{ key: 'alpha', label: 'Alpha (L1)', value: 0.01, min: 0, max: 1e6, step: 0.001, search: { low: 0.0001, high: 1, log: true } }],
};

/** Kinds that fit either objective; the others are classifiers (knn, logistic) or regressors (ridge, lasso) only. */
const EITHER: ReadonlySet<ModelKind> = new Set(['gbdt', 'forest', 'mlp']);

/** What the training form holds. */
export interface TrainForm {
  name: string;
  featureSet: string;
  label: string;
  kind: ModelKind;
  objective: 'binary' | 'regression';
  params: Record<string, number>;
  /** Walk-forward folds before the test period (0: none). */
  folds: number;
  /** Hyperparameter search trials over the kind's main parameters (0: none; needs folds). */
  trials: number;
  seed: number;
}

/**
 * Whether a stored value (the Train dialog's last form, from the window's storage) is a training form:
 * checked field by field, its parameters only those of its kind, as finite numbers. Anything else
 * starts the form afresh.
 */
export function isTrainForm(x: unknown): x is TrainForm | null {
  if (x === null) return true;
  if (typeof x !== 'object' || Array.isArray(x)) return false;
  const f = x as Record<string, unknown>;
  const str = (k: string): boolean => typeof f[k] === 'string' && (f[k] as string).length <= 200;
  const int = (k: string): boolean => Number.isSafeInteger(f[k]) && (f[k] as number) >= 0;
  if (!(str('name') && str('featureSet') && str('label') && (MODEL_KINDS as readonly unknown[]).includes(f.kind) && (f.objective === 'binary' || f.objective === 'regression'))) return false;
  if (!(int('folds') && int('trials') && int('seed'))) return false;
  const params = f.params;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) return false;
  const known = new Set(KIND_PARAMS[f.kind as ModelKind].map((p) => p.key));
  return Object.entries(params).every(([k, v]) => known.has(k) && typeof v === 'number' && Number.isFinite(v));
}

/** The objective a kind fits: its own where it has one, else the form's choice. */
export function objectiveOf(kind: ModelKind, chosen: TrainForm['objective']): TrainForm['objective'] {
  if (kind === 'knn' || kind === 'logistic') return 'binary';
  if (kind === 'ridge' || kind === 'lasso') return 'regression';
  return chosen;
}

/** Whether a kind lets the form choose the objective. */
export const choosesObjective = (kind: ModelKind): boolean => EITHER.has(kind);

/** The kind's default parameters, for a fresh form or a change of kind. */
export const defaultParams = (kind: ModelKind): Record<string, number> => Object.fromEntries(KIND_PARAMS[kind].map((p) => [p.key, p.value]));

/** A fresh form for a feature set's build (its first label column). */
export function newTrainForm(featureSet: string, labels: readonly string[]): TrainForm {
  return { name: `${featureSet}-gbdt`.replace(/[^A-Za-z0-9_-]/g, '-'), featureSet, label: labels[0] ?? 'label_b1', kind: 'gbdt', objective: 'binary', params: defaultParams('gbdt'), folds: 0, trials: 0, seed: 1 };
}

/**
 * The training config the form stands for (what `quantdesk train --config` reads). A search tries the
 * kind's main parameters over their usual ranges on the walk-forward folds.
 */
export function formToConfig(f: TrainForm): Record<string, unknown> {
  const fields = KIND_PARAMS[f.kind];
  const model: Record<string, unknown> = { kind: f.kind, objective: objectiveOf(f.kind, f.objective) };
  for (const p of fields) model[p.key] = f.params[p.key] ?? p.value;
  const out: Record<string, unknown> = { name: f.name, featureSet: f.featureSet, label: f.label, model, split: { ...SPLIT_DEFAULTS }, seed: f.seed };
  if (f.folds > 0) out.validation = { folds: f.folds };
  if (f.trials > 0) out.search = { trials: f.trials, space: Object.fromEntries(fields.filter((p) => p.search).map((p) => [p.key, p.search!])) };
  return out;
}

/**
 * The form for a config, or why it cannot show it: a config that sets what the form has no field for
 * (other parameters, split fractions, a blend, a threshold, a custom search space) stays in the YAML.
 */
export function configToForm(c: TrainConfig): TrainForm | string {
  const kind = c.model.kind as ModelKind;
  const fields = KIND_PARAMS[kind];
  const params: Record<string, number> = {};
  const model = c.model as Record<string, unknown>;
  for (const p of fields) params[p.key] = Number(model[p.key]);
  const extra: string[] = [];
  if (c.features) extra.push('features');
  if (c.symbols) extra.push('symbols');
  if (c.blendKnn) extra.push('blendKnn');
  if (c.threshold) extra.push('threshold');
  if (c.split.validation !== SPLIT_DEFAULTS.validation || c.split.test !== SPLIT_DEFAULTS.test || c.split.embargo !== SPLIT_DEFAULTS.embargo) extra.push('split');
  if (c.validation && (c.validation.window !== 'expanding' || c.validation.rollingBlocks !== 2)) extra.push('validation.window');
  const form: TrainForm = { name: c.name, featureSet: c.featureSet, label: c.label, kind, objective: c.model.objective, params, folds: c.validation?.folds ?? 0, trials: c.search?.trials ?? 0, seed: c.seed };
  if (c.search && JSON.stringify(c.search.space) !== JSON.stringify((formToConfig(form).search as { space: unknown }).space)) extra.push('search.space');
  if (c.search?.metric) extra.push('search.metric');
  return extra.length ? `it sets ${extra.join(', ')}, which the form does not show` : form;
}

/** Why the form cannot be trained as it stands, or null. */
export function formProblem(f: TrainForm): string | null {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(f.name)) return 'Name: letters, digits, - and _ only (up to 64).';
  if (!f.label) return 'Label: the build has no label column; add a label to the feature set.';
  for (const p of KIND_PARAMS[f.kind]) {
    const v = f.params[p.key];
    if (v === undefined || !Number.isFinite(v) || v < p.min || v > p.max) return `${p.label}: a number from ${p.min} to ${p.max}.`;
  }
  if (!Number.isInteger(f.folds) || f.folds < 0 || f.folds === 1 || f.folds > 50) return 'Walk-forward folds: 0 (none) or 2 to 50.';
  if (!Number.isInteger(f.trials) || f.trials < 0 || f.trials > 500) return 'Search trials: 0 (none) to 500.';
  if (f.trials > 0 && f.folds === 0) return 'A search scores its trials on walk-forward folds: set the folds (e.g. 3).';
  if (f.trials > 0 && !KIND_PARAMS[f.kind].some((p) => p.search)) return `Search: ${f.kind} has no parameter the form searches.`;
  return null;
}
