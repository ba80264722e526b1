import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ExportCheck } from '../../common/gitexport/types';
import type { Catalog } from '../catalog';
import { fileList, incompleteSymbols, readBuild } from '../features/analysis';
import { featureSetDirs, loadFeatureSet } from '../features/feature-sets';
import type { HomeLayout } from '../home';
import { readFloat64Columns } from '../lake/duck-columns';
import { defaultProvider } from '../models/providers';
import { ModelRunner } from '../models/runner';
import type { Bundle, BundledModel } from './bundle';

/** Rows of recent lake data each model predicts on. */
const RECENT_ROWS = 500;

type Ctx = { home: HomeLayout; catalog: Catalog; con: DuckDBConnection; resources: string };

/**
 * The checks an export runs before writing anything: each model's artifact is the registered one,
 * loads and predicts on recent rows of its feature build without collapsing to one class or one
 * value; its features exist in its feature set, as trained; its test metrics meet the minimums;
 * instruments sharing a model agree on its threshold; and every instrument trades with a model or
 * is marked rule-only, with its model in production.
 */
export async function validateBundle(ctx: Ctx, bundle: Bundle, minimums: Record<string, number>): Promise<ExportCheck[]> {
  const checks: ExportCheck[] = [];
  const add = (check: string, subject: string, ok: boolean, detail: string): void => void checks.push({ check, subject, ok, detail });
  for (const m of bundle.models) {
    const ref = `${m.info.id}@${m.info.version}`;
    for (const c of await modelChecks(ctx, m, minimums)) add(c.check, ref, c.ok, c.detail);
  }
  for (const i of bundle.portfolio?.config.instruments ?? []) {
    if (i.model) {
      const m = bundle.models.find((x) => i.model === `${x.info.id}@${x.info.version}` || i.model === x.info.id)!;
      add('stage', i.name, m.info.stage === 'production', m.info.stage === 'production' ? `trades with ${m.info.id}@${m.info.version}, in production` : `trades with ${m.info.id}@${m.info.version}, which is ${m.info.stage}: promote it on the leaderboard first`);
    } else add('portfolio', i.name, i.ruleOnly === true, i.ruleOnly ? 'rule-only: trades its strategy without a model' : 'has no model and is not marked rule-only: mark it rule-only in the export dialog, or gate it with a model');
  }
  return checks;
}

/** One model's checks. */
async function modelChecks(ctx: Ctx, m: BundledModel, minimums: Record<string, number>): Promise<Omit<ExportCheck, 'subject'>[]> {
  const out: Omit<ExportCheck, 'subject'>[] = [];
  const info = m.info;
  const thresholds = [...new Set(m.usedBy.map((u) => u.threshold))];
  if (thresholds.length > 1) out.push({ check: 'thresholds', ok: false, detail: `instruments disagree on its threshold: ${m.usedBy.map((u) => `${u.instrument} ${u.threshold ?? 'none'}`).join(', ')}; the manifest holds one per model` });

  const file = path.join(m.dir, 'model.onnx');
  const sha = fs.existsSync(file) ? createHash('sha256').update(fs.readFileSync(file)).digest('hex') : null;
  if (sha !== info.sha256) {
    out.push({ check: 'loads', ok: false, detail: sha === null ? `${file} is missing` : `${file} has sha256 ${sha.slice(0, 12)}…, not the registered ${info.sha256.slice(0, 12)}…: the artifact changed on disk` });
    return out;
  }

  let featuresOk = false;
  if (!info.featureSet || !info.specHash) out.push({ check: 'features', ok: false, detail: 'names no feature set, so the live server cannot compute its inputs' });
  else {
    try {
      const set = loadFeatureSet(info.featureSet, featureSetDirs(ctx.home.root, ctx.resources));
      const outputs = new Set(set.features.flatMap((f) => f.outputs));
      const missing = info.features.filter((f) => !outputs.has(f));
      if (missing.length) out.push({ check: 'features', ok: false, detail: `feature set ${info.featureSet} does not compute ${missing.join(', ')}` });
      else if (set.hash !== info.specHash) out.push({ check: 'features', ok: false, detail: `feature set ${info.featureSet} changed since training (spec ${set.hash}, trained on ${info.specHash}): rebuild and retrain, or restore the set` });
      else {
        out.push({ check: 'features', ok: true, detail: `all ${info.features.length} inputs are computed by ${info.featureSet} (spec ${set.hash})` });
        featuresOk = true;
      }
    } catch (e) {
      out.push({ check: 'features', ok: false, detail: (e as Error).message });
    }
  }

  const test = (info.metrics as { test?: Record<string, number> }).test ?? {};
  for (const [metric, min] of Object.entries(minimums).sort()) {
    const v = test[metric];
    if (typeof v !== 'number') continue;
    out.push({ check: 'metrics', ok: v >= min, detail: `test ${metric} ${v.toFixed(4)} ${v >= min ? '≥' : 'is below the minimum'} ${min}` });
  }

  if (!featuresOk) return out;
  // The model's own symbols must be complete in the build it reads: a build killed halfway is not exported from.
  try {
    const gaps = incompleteSymbols(readBuild(ctx.home.lake, `${info.featureSet}@${info.specHash}`)).filter((x) => info.symbols.includes(x.symbol));
    if (gaps.length) out.push({ check: 'build', ok: false, detail: `build ${info.featureSet}@${info.specHash} is incomplete for this model: ${gaps.map((x) => `${x.symbol} (${x.status})`).join(', ')}; finish it with quantdesk features build --set ${info.featureSet}` });
  } catch {
    // No build at all: the check below says so.
  }
  const rows = await recentRows(ctx, info);
  if (!rows) {
    out.push({ check: 'loads', ok: false, detail: `no stored build of ${info.featureSet}@${info.specHash} holds rows of ${info.symbols.join(', ')} to predict on: build the feature set` });
    return out;
  }
  let p: Float32Array;
  try {
    const runner = await ModelRunner.open(ctx.home, info.id, info.version, info.features.length, defaultProvider(ctx.catalog));
    try {
      // A sequence model's first windows reach before the rows read: they have no prediction to check.
      p = (await runner.predictBatch(rows.columns)).subarray(runner.window - 1);
    } finally {
      await runner.close();
    }
  } catch (e) {
    out.push({ check: 'loads', ok: false, detail: `ONNX Runtime could not run it: ${(e as Error).message.split('\n')[0]}` });
    return out;
  }
  const finite = p.filter(Number.isFinite);
  const span = `${finite.length} rows of ${rows.symbol} up to ${new Date(rows.last).toISOString().slice(0, 10)}`;
  out.push({ check: 'loads', ok: finite.length === p.length && p.length > 0, detail: finite.length === p.length ? `predicted ${span}` : `${p.length - finite.length} of ${p.length} predictions are not numbers` });
  if (info.objective === 'binary') {
    const cut = m.threshold ?? 0.5;
    const share = finite.filter((x) => x >= cut).length / Math.max(1, finite.length);
    out.push({ check: 'distribution', ok: share > 0 && share < 1, detail: share > 0 && share < 1 ? `${(100 * share).toFixed(1)}% of ${span} at or above ${cut}` : `every one of ${span} falls ${share === 1 ? 'at or above' : 'below'} ${cut}: the model predicts one class only` });
  } else {
    const mean = finite.reduce((a, b) => a + b, 0) / Math.max(1, finite.length);
    const sd = Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, finite.length));
    out.push({ check: 'distribution', ok: sd > 1e-12, detail: sd > 1e-12 ? `predictions over ${span}: mean ${mean.toPrecision(4)}, sd ${sd.toPrecision(4)}` : `every prediction over ${span} is ${mean.toPrecision(6)}: the model is constant` });
  }
  return out;
}

/** The latest rows of a model's inputs in its feature build (its first symbol with rows). */
async function recentRows(ctx: Ctx, info: BundledModel['info']): Promise<{ columns: Float64Array[]; symbol: string; last: number } | null> {
  let build;
  try {
    build = readBuild(ctx.home.lake, `${info.featureSet}@${info.specHash}`);
  } catch {
    return null;
  }
  for (const symbol of info.symbols) {
    const sym = build.symbols[symbol];
    if (!sym || Object.keys(sym.months).length === 0) continue;
    // Oldest first: a sequence model reads each row's window of the rows before it.
    const [t, ...columns] = await readFloat64Columns(ctx.con, `SELECT * FROM (SELECT epoch_ms(ts)::DOUBLE AS t, ${info.features.map((f) => `"${f}"::DOUBLE`).join(', ')} FROM read_parquet([${fileList(ctx.home.lake, sym)}]) ORDER BY ts DESC LIMIT ${RECENT_ROWS}) ORDER BY t`);
    if (t && t.length) return { columns, symbol, last: t[t.length - 1]! };
  }
  return null;
}
