import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { ApiError } from '../../common/errors';
import { runsOnOf } from './placement';
import type { ModelInfo, StageEvent } from '../../common/models/types';
import { compileScore, DEFAULT_SCORE, FormulaError } from '../../common/models/leaderboard';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { isModelVersion, MODEL_ID } from '../../common/ids';
import { insideFolder } from '../contained-path';

/** A registered model version as lists show it. */
export type ModelRow = ModelInfo;

interface Raw {
  id: string;
  version: number;
  kind: string;
  objective: string;
  symbols: string;
  timeframe: string | null;
  feature_set: string | null;
  spec_hash: string | null;
  label: string | null;
  features: string;
  metrics: string;
  sha256: string;
  stage: string;
  created_at: number;
}

const row = (r: Raw): ModelRow => ({
  id: r.id,
  version: r.version,
  kind: r.kind,
  objective: r.objective,
  symbols: JSON.parse(r.symbols) as string[],
  timeframe: r.timeframe,
  featureSet: r.feature_set,
  specHash: r.spec_hash,
  label: r.label,
  features: JSON.parse(r.features) as string[],
  metrics: JSON.parse(r.metrics) as ModelRow['metrics'],
  sha256: r.sha256,
  stage: r.stage,
  createdAt: r.created_at,
});

/** Every model version, newest first. */
export function listModels(catalog: Catalog): ModelRow[] {
  return (catalog.db.prepare('SELECT * FROM models ORDER BY created_at DESC, id, version DESC').all() as Raw[]).map(row);
}

/** Parses `ID` or `ID@VERSION`. */
export function parseModelRef(ref: string): { id: string; version?: number } {
  const m = /^([A-Za-z0-9][A-Za-z0-9_-]*)(?:@(\d+))?$/.exec(ref);
  if (!m) throw new ApiError('invalid_argument', `model "${ref}" is not ID or ID@VERSION, e.g. es-direction@2`, 'model');
  return { id: m[1]!, ...(m[2] ? { version: Number(m[2]) } : {}) };
}

/** A multiclass model's class names, from its card (`classes`), else the column indices 0…k−1. */
export function classLabels(card: unknown, classes: number): string[] {
  const named = (card as { classes?: unknown } | null)?.classes;
  return Array.isArray(named) && named.length === classes ? named.map(String) : Array.from({ length: classes }, (_, c) => String(c));
}

/** One model version (the newest when no version is given), with its card and artifact path. */
export function getModel(catalog: Catalog, home: HomeLayout, ref: { id: string; version?: number }): ModelRow & { card: unknown; file: string } {
  const r = (ref.version === undefined
    ? catalog.db.prepare('SELECT * FROM models WHERE id = ? ORDER BY version DESC LIMIT 1').get(ref.id)
    : catalog.db.prepare('SELECT * FROM models WHERE id = ? AND version = ?').get(ref.id, ref.version)) as Raw | undefined;
  if (!r) throw new ApiError('not_found', `no model ${ref.id}${ref.version ? `@${ref.version}` : ''}; see quantdesk models ls`, 'model');
  const dir = path.join(home.models, r.id, String(r.version));
  return { ...row(r), card: JSON.parse(fs.readFileSync(path.join(dir, 'card.json'), 'utf8')) as unknown, file: path.join(dir, 'model.onnx') };
}

/** Writes `models/manifest.json`: the production version of every model, what paper trading loads. */
function writeProductionManifest(catalog: Catalog, home: HomeLayout): void {
  const prod = listModels(catalog).filter((m) => m.stage === 'production');
  const doc = {
    models: prod
      .sort((a, b) => a.id.localeCompare(b.id))
      .map((m) => ({ id: m.id, version: m.version, kind: m.kind, objective: m.objective, file: `${m.id}/${m.version}/model.onnx`, sha256: m.sha256, features: m.features, featureSet: m.featureSet, specHash: m.specHash, symbols: m.symbols, timeframe: m.timeframe })),
  };
  const staged = path.join(home.tmp, `models-manifest.${process.pid}.json`);
  fs.writeFileSync(staged, `${JSON.stringify(doc, null, 2)}\n`);
  fs.renameSync(staged, path.join(home.models, 'manifest.json'));
}

function setStage(catalog: Catalog, id: string, version: number, from: string, to: string, at: number): void {
  catalog.db.prepare('UPDATE models SET stage = ? WHERE id = ? AND version = ?').run(to, id, version);
  catalog.db.prepare('INSERT INTO model_stage_history (id, version, from_stage, to_stage, at) VALUES (?, ?, ?, ?, ?)').run(id, version, from, to, at);
}

/** Makes a version the production model of its id; the version it replaces is archived. */
export function promoteModel(catalog: Catalog, home: HomeLayout, ref: { id: string; version?: number }): ModelRow {
  if (ref.version === undefined) throw new ApiError('invalid_argument', `promote names a version: ${ref.id}@N (see quantdesk models ls)`, 'model');
  const m = getModel(catalog, home, ref);
  if (m.stage === 'production') throw new ApiError('conflict', `${m.id}@${m.version} is already in production`, 'model');
  const now = Date.now();
  catalog.db.transaction(() => {
    for (const p of listModels(catalog).filter((x) => x.id === m.id && x.stage === 'production')) setStage(catalog, p.id, p.version, 'production', 'archived', now);
    setStage(catalog, m.id, m.version, m.stage, 'production', now);
  })();
  writeProductionManifest(catalog, home);
  return { ...m, stage: 'production' };
}

/** Puts back the version that was in production before the current one; the current one is archived. */
export function rollbackModel(catalog: Catalog, home: HomeLayout, id: string): ModelRow {
  const current = listModels(catalog).find((x) => x.id === id && x.stage === 'production');
  if (!current) throw new ApiError('invalid_argument', `${id} has no version in production to roll back`, 'model');
  const previous = catalog.db
    .prepare("SELECT version FROM model_stage_history WHERE id = ? AND to_stage = 'production' AND version != ? ORDER BY at DESC, rowid DESC LIMIT 1")
    .get(id, current.version) as { version: number } | undefined;
  if (!previous) throw new ApiError('invalid_argument', `${id}@${current.version} is the first version ever promoted; there is nothing to roll back to`, 'model');
  const now = Date.now();
  catalog.db.transaction(() => {
    setStage(catalog, id, current.version, 'production', 'archived', now);
    const prev = getModel(catalog, home, { id, version: previous.version });
    setStage(catalog, id, previous.version, prev.stage, 'production', now);
  })();
  writeProductionManifest(catalog, home);
  return { ...getModel(catalog, home, { id, version: previous.version }) };
}

/** Takes a model's production version out of production (archived): no version of it trades until one is promoted. */
export function demoteModel(catalog: Catalog, home: HomeLayout, id: string): ModelRow {
  const current = listModels(catalog).find((x) => x.id === id && x.stage === 'production');
  if (!current) throw new ApiError('invalid_argument', `${id} has no version in production to demote`, 'id');
  setStage(catalog, id, current.version, 'production', 'archived', Date.now());
  writeProductionManifest(catalog, home);
  return { ...current, stage: 'archived' };
}

/** Stage changes of a model, newest first. */
export function stageHistory(catalog: Catalog, id: string): StageEvent[] {
  return catalog.db.prepare('SELECT version, from_stage AS "from", to_stage AS "to", at FROM model_stage_history WHERE id = ? ORDER BY at DESC, rowid DESC').all(id) as StageEvent[];
}

/** A leaderboard row: a model version, its test metrics and its score. */
export interface LeaderboardRow extends ModelRow {
  score: number;
  /** Where it can run, from its files (tree operators: the CPU, unless a tensorised export exists). */
  runsOn: string;
  /** The values the score formula saw (missing metrics are 0). */
  values: Record<string, number>;
}

/** The catalog setting holding the leaderboard's score formula. */
export const SCORE_SETTING = 'leaderboard.formula';

/** The stored score formula, else the default. */
export function scoreFormula(catalog: Catalog): string {
  return catalog.getSetting(SCORE_SETTING) ?? DEFAULT_SCORE;
}

/** Compiles a score formula; a bad one is an error on the `formula` argument that says what is wrong. */
function compiled(formula: string): ReturnType<typeof compileScore> {
  try {
    return compileScore(formula);
  } catch (e) {
    if (e instanceof FormulaError) throw new ApiError('invalid_argument', e.message, 'formula');
    throw e;
  }
}

/** Stores the score formula after checking that it compiles. */
export function setScoreFormula(catalog: Catalog, formula: string): string {
  compiled(formula);
  catalog.setSetting(SCORE_SETTING, formula);
  return formula;
}

/** The metrics of the latest backtest gated by each model version (`ID@VERSION`). */
function backtestsByModel(catalog: Catalog): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  const rows = catalog.db.prepare('SELECT model, summary FROM backtests WHERE model IS NOT NULL ORDER BY created_at').all() as { model: string; summary: string }[];
  for (const r of rows) out.set(r.model, (JSON.parse(r.summary) as { metrics: Record<string, number> }).metrics);
  return out;
}

/**
 * Model versions ranked by a score formula over their test metrics, best first; the Sharpe, Sortino,
 * max drawdown and trades of the latest backtest each model gated join them once one exists.
 */
export function leaderboard(catalog: Catalog, home: HomeLayout, formula: string, minScore?: number): LeaderboardRow[] {
  const score = compiled(formula);
  const backtests = backtestsByModel(catalog);
  return listModels(catalog)
    .map((m) => {
      const t = m.metrics.test ?? {};
      const values: Record<string, number> = {};
      const put = (name: string, v: number | undefined): void => {
        if (v !== undefined && Number.isFinite(v)) values[name] = v;
      };
      put('balanced_accuracy', t.balancedAccuracy);
      put('auc', t.auc);
      put('log_loss', t.logLoss);
      put('precision_at_k', t.precisionAtTop10);
      put('accuracy', t.accuracy);
      put('brier', t.brier);
      put('ic', t.ic);
      put('rmse', t.rmse);
      put('r2', t.r2);
      const bt = backtests.get(`${m.id}@${m.version}`);
      put('sharpe', bt?.sharpe);
      put('sortino', bt?.sortino);
      put('max_drawdown', bt?.max_drawdown);
      put('trades', bt?.trades);
      return { ...m, values, score: score(values), runsOn: runsOnOf(path.join(home.models, m.id, String(m.version))) };
    })
    .filter((r) => minScore === undefined || r.score >= minScore)
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id) || b.version - a.version);
}

/** A model version to register: what ModelInfo describes, plus the artifacts and the training record. */
export interface NewModel extends Pick<ModelInfo, 'id' | 'version' | 'kind' | 'objective' | 'symbols' | 'timeframe' | 'featureSet' | 'specHash' | 'label' | 'features'> {
  onnx: Uint8Array;
  /** The same model with standard operators only (tree ensembles), for GPU providers. */
  tensorOnnx?: Uint8Array;
  /** The model card (sha256 is added). */
  card: Record<string, unknown>;
  trainFrom?: number;
  trainTo?: number;
  params: unknown;
  metrics: unknown;
}

/**
 * Registers a model version: `models/<id>/<version>/` (model.onnx, model.tensor.onnx for tree
 * ensembles, card.json) is written under _tmp
 * and renamed into place whole, then cataloged as a candidate. Returns the artifact's sha256.
 */
export function registerModel(catalog: Catalog, home: HomeLayout, m: NewModel): string {
  const sha256 = createHash('sha256').update(m.onnx).digest('hex');
  placeModelFiles(home, m.id, m.version, { 'model.onnx': m.onnx, ...(m.tensorOnnx ? { 'model.tensor.onnx': m.tensorOnnx } : {}), 'card.json': `${JSON.stringify({ ...m.card, sha256 }, null, 2)}\n` });
  catalogCandidate(catalog, m, sha256);
  return sha256;
}

/**
 * Restores a model version exactly as another home registered it (a config import): its artifact
 * and card bytes unchanged, cataloged under the same id and version as a candidate.
 */
export function restoreModel(catalog: Catalog, home: HomeLayout, m: Omit<NewModel, 'card' | 'tensorOnnx'> & { cardBytes: Uint8Array }): void {
  placeModelFiles(home, m.id, m.version, { 'model.onnx': m.onnx, 'card.json': m.cardBytes });
  catalogCandidate(catalog, m, createHash('sha256').update(m.onnx).digest('hex'));
}

/**
 * Writes a version's files under _tmp and renames the folder into `models/<id>/<version>/` whole
 * (replacing a leftover folder no catalog row points at).
 */
function placeModelFiles(home: HomeLayout, id: string, version: number, files: Record<string, string | Uint8Array>): void {
  // The folder is replaced whole below: its name must be a model's, and inside models/.
  if (!MODEL_ID.test(id) || !isModelVersion(version)) throw new ApiError('invalid_argument', `"${id}@${version}" is not a model id and version (letters, digits, - and _, then a whole number from 1)`, 'model');
  const dest = insideFolder(home.models, [id, String(version)], 'model');
  const staged = path.join(home.tmp, `model-${randomUUID()}`);
  fs.mkdirSync(staged);
  for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(staged, name), bytes);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.rmSync(dest, { recursive: true, force: true });
  fs.renameSync(staged, dest);
}

/** Catalogs a version whose files are in place, as a candidate. */
function catalogCandidate(catalog: Catalog, m: Omit<NewModel, 'onnx' | 'card' | 'tensorOnnx'>, sha256: string): void {
  catalog.db
    .prepare('INSERT INTO models (id, version, kind, objective, symbols, timeframe, feature_set, spec_hash, label, features, train_from, train_to, params, metrics, sha256, stage, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
    .run(m.id, m.version, m.kind, m.objective, JSON.stringify(m.symbols), m.timeframe, m.featureSet, m.specHash, m.label, JSON.stringify(m.features), m.trainFrom ?? null, m.trainTo ?? null, JSON.stringify(m.params), JSON.stringify(m.metrics), sha256, 'candidate', Date.now());
}
