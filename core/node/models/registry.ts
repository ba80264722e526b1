import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../common/errors';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';

/** A registered model version as lists show it. */
export interface ModelRow {
  id: string;
  version: number;
  kind: string;
  objective: string;
  symbols: string[];
  timeframe: string | null;
  featureSet: string | null;
  specHash: string | null;
  label: string | null;
  features: string[];
  metrics: Record<string, Record<string, number>>;
  sha256: string;
  stage: string;
  createdAt: number;
}

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

/** One model version (the newest when no version is given), with its card and artifact path. */
export function getModel(catalog: Catalog, home: HomeLayout, ref: { id: string; version?: number }): ModelRow & { card: unknown; file: string } {
  const r = (ref.version === undefined
    ? catalog.db.prepare('SELECT * FROM models WHERE id = ? ORDER BY version DESC LIMIT 1').get(ref.id)
    : catalog.db.prepare('SELECT * FROM models WHERE id = ? AND version = ?').get(ref.id, ref.version)) as Raw | undefined;
  if (!r) throw new ApiError('not_found', `no model ${ref.id}${ref.version ? `@${ref.version}` : ''}; see quantdesk models ls`, 'model');
  const dir = path.join(home.models, r.id, String(r.version));
  return { ...row(r), card: JSON.parse(fs.readFileSync(path.join(dir, 'card.json'), 'utf8')) as unknown, file: path.join(dir, 'model.onnx') };
}
