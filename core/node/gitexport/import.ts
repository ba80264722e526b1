import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApiError } from '../../common/errors';
import { portfolioTermsSchema } from '../../common/backtest/schemas';
import { type RiskLimits } from '../../common/trading/schemas';
import type { ImportConfigResult } from '../../common/gitexport/types';
import type { ModelInfo } from '../../common/models/types';
import type { PortfolioRun } from '../../common/backtest/types';
import { strategiesDir } from '../backtest/strategy-configs';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { publishFile, writeJsonAtomically } from '../lake/publish';
import { getModel, listModels, promoteModel, restoreModel } from '../models/registry';
import { BUNDLE_FORMAT, checkBundleDir } from './bundle';
import { camelCase, snakeCase } from '../../common/key-case';
import { Repo } from './git';
import { CONFIG_NAME, isModelVersion, MODEL_ID, PORTFOLIO_ID } from '../../common/ids';
import { insideFolder } from '../contained-path';

/** A model as the bundle's manifest lists it. */
type ManifestModel = Pick<ModelInfo, 'id' | 'version' | 'kind' | 'objective' | 'stage' | 'symbols' | 'timeframe' | 'featureSet' | 'specHash' | 'label' | 'features' | 'metrics' | 'sha256'> & { artifact: string | null };

const RISK_KEYS: (keyof RiskLimits)[] = ['maxDrawdown', 'dailyLoss', 'maxPositionNotional', 'maxOrdersPerMinute', 'maxPosition', 'maxGrossExposure', 'maxOrdersPerSecond', 'maxConcurrentPositions', 'maxErrorsPerMinute', 'staleBars'];

/** Writes a file whole or not at all. */
function writeAtomically(file: string, bytes: Buffer, tmp: string): void {
  const staged = path.join(tmp, `${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  fs.writeFileSync(staged, bytes);
  publishFile(staged, file);
}

/** A YAML file of the bundle, parsed; errors name the file. */
function yamlOf(files: Map<string, Buffer>, name: string, dir: string): Record<string, unknown> {
  try {
    return (parseYaml(files.get(name)!.toString('utf8')) ?? {}) as Record<string, unknown>;
  } catch (e) {
    throw new ApiError('invalid_argument', `${dir}/${name}: not valid YAML (${(e as Error).message.split('\n')[0]})`, 'rev');
  }
}

/** A YAML mapping's snake_case keys in camelCase, nested mappings alike (symbols, in capitals, stay as they are). */
function camelKeys(o: unknown): unknown {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return o;
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [camelCase(k), camelKeys(v)]));
}

/** portfolio.yml back into the portfolio config it was written from. */
export function portfolioFromYaml(doc: Record<string, unknown>): { id: string; config: PortfolioRun['config'] } {
  const d = doc as { id: string; instruments: Record<string, unknown>[]; max_positions: number; sizing: unknown; terms?: Record<string, unknown> | null; risk_limits?: Record<string, number>; killswitch?: Record<string, number>; objective: string; split: string };
  if (typeof d.id !== 'string' || !Array.isArray(d.instruments)) throw new ApiError('invalid_argument', 'portfolio.yml: expected an id and a list of instruments', 'rev');
  const limits = { ...d.risk_limits, ...d.killswitch };
  const riskLimits: RiskLimits = {};
  for (const k of RISK_KEYS) if (limits[snakeCase(k)] !== undefined) riskLimits[k] = limits[snakeCase(k)]!;
  const terms = d.terms ? portfolioTermsSchema.safeParse(camelKeys(d.terms)) : undefined;
  const bad = terms && !terms.success ? terms.error.issues[0]! : undefined;
  if (bad) throw new ApiError('invalid_argument', `portfolio.yml: terms${bad.path.map((p) => `.${/^[a-z]/.test(String(p)) ? snakeCase(String(p)) : String(p)}`).join('')}: ${bad.message}`, 'rev');
  return {
    id: d.id,
    config: {
      instruments: d.instruments.map((i) => ({
        name: i.name as string,
        symbol: i.symbol as string,
        run: i.run as string,
        strategy: i.strategy as string,
        params: i.params as Record<string, number>,
        timeframe: i.timeframe as string,
        model: (i.model as string | null) ?? null,
        threshold: (i.threshold as number | null) ?? null,
        ...(i.rule_only === true ? { ruleOnly: true } : {}),
      })),
      maxPositions: d.max_positions,
      sizing: d.sizing ?? undefined,
      riskLimits,
      objective: d.objective,
      split: d.split,
      ...(terms?.success ? { terms: terms.data } : {}),
    },
  };
}

/**
 * Restores a bundle from a repository at a revision into the home: strategy configs and feature sets
 * as files, the portfolio as a stored portfolio (and the one exports use), models from their
 * artifacts under the same ids and versions, with the stages the bundle gives them. Models the
 * manifest names without an artifact are reported, not guessed.
 */
export async function importConfig(ctx: { home: HomeLayout; catalog: Catalog; setPortfolio: (id: string) => void }, req: { repo: string; rev: string; dir: string }): Promise<ImportConfigResult> {
  const dir = checkBundleDir(req.dir);
  const repo = await Repo.open(req.repo, false);
  const commit = await repo.resolve(req.rev);
  const files = await repo.filesAt(commit, dir);
  if (!files.has('quantdesk.yml')) throw new ApiError('invalid_argument', `${req.rev} holds no config bundle at ${dir}/ (no ${dir}/quantdesk.yml): check the folder and the revision`, 'dir');
  const meta = yamlOf(files, 'quantdesk.yml', dir);
  if (typeof meta.format !== 'number' || meta.format > BUNDLE_FORMAT) throw new ApiError('invalid_argument', `${dir}/quantdesk.yml: bundle format ${String(meta.format)} is newer than this app reads (${BUNDLE_FORMAT}); update Quantdesk`, 'rev');

  const result: ImportConfigResult = { commit, strategies: [], featureSets: [], portfolio: null, models: [], modelsPresent: [], missing: [] };
  // Every name from the bundle becomes a file or folder name here: each is checked before anything is written.
  const named = (pattern: RegExp, name: string, where: string, what: string): string => {
    if (!pattern.test(name)) throw new ApiError('invalid_argument', `${dir}/${where}: "${name.slice(0, 120)}" is not a ${what} (letters, digits, - and _${pattern === PORTFOLIO_ID ? ', .' : ''}); the bundle is damaged or was not written by Quantdesk`, 'rev');
    return name;
  };
  const configs: { file: string; bytes: Buffer; list: string[]; name: string }[] = [];
  for (const [p, bytes] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const s = /^strategies\/([^/]+)\.yml$/.exec(p);
    if (s) configs.push({ file: insideFolder(strategiesDir(ctx.home.root), [`${named(CONFIG_NAME, s[1]!, p, 'strategy config name')}.yml`], 'rev'), bytes, list: result.strategies, name: s[1]! });
    const f = /^features\/([^/]+)\.yml$/.exec(p);
    if (f) configs.push({ file: insideFolder(path.join(ctx.home.root, 'feature-sets'), [`${named(CONFIG_NAME, f[1]!, p, 'feature set name')}.yml`], 'rev'), bytes, list: result.featureSets, name: f[1]! });
  }
  let manifest: { models: ManifestModel[] } | null = null;
  if (files.has('models/manifest.json')) {
    try {
      manifest = JSON.parse(files.get('models/manifest.json')!.toString('utf8')) as { models: ManifestModel[] };
    } catch (e) {
      throw new ApiError('invalid_argument', `${dir}/models/manifest.json: not valid JSON (${(e as Error).message})`, 'rev');
    }
    if (!Array.isArray(manifest?.models)) throw new ApiError('invalid_argument', `${dir}/models/manifest.json: expected a list of models`, 'rev');
    for (const m of manifest.models) {
      named(MODEL_ID, String(m?.id), 'models/manifest.json', 'model id');
      if (!isModelVersion(m.version)) throw new ApiError('invalid_argument', `${dir}/models/manifest.json: ${m.id} has version ${String(m.version)}, not a whole number from 1`, 'rev');
    }
  }
  const portfolio = files.has('portfolio.yml') ? portfolioFromYaml(yamlOf(files, 'portfolio.yml', dir)) : null;
  if (portfolio) named(PORTFOLIO_ID, portfolio.id, 'portfolio.yml', 'portfolio id');

  for (const c of configs) {
    writeAtomically(c.file, c.bytes, ctx.home.tmp);
    c.list.push(c.name);
  }
  for (const m of manifest?.models ?? []) restoreOne(ctx, files, m, result);

  if (portfolio) {
    const { id, config } = portfolio;
    const target = insideFolder(path.join(ctx.home.lake, 'gold', 'portfolios'), [id], 'rev');
    fs.mkdirSync(target, { recursive: true });
    writeJsonAtomically(path.join(target, 'portfolio.json'), config, ctx.home.tmp);
    ctx.setPortfolio(id);
    result.portfolio = id;
  }
  return result;
}

/** Restores one manifest model (or finds it already here), then gives it the bundle's stage. */
function restoreOne(ctx: { home: HomeLayout; catalog: Catalog }, files: Map<string, Buffer>, m: ManifestModel, result: ImportConfigResult): void {
  const ref = `${m.id}@${m.version}`;
  const here = listModels(ctx.catalog).find((x) => x.id === m.id && x.version === m.version);
  if (here) {
    if (here.sha256 !== m.sha256) throw new ApiError('conflict', `this home's ${ref} is a different model (sha256 ${here.sha256.slice(0, 12)}…) from the bundle's (${m.sha256.slice(0, 12)}…); nothing of the models was changed for it`, 'rev');
    result.modelsPresent.push(ref);
  } else {
    const onnx = m.artifact ? files.get(m.artifact) : undefined;
    const card = files.get(`models/${m.id}/${m.version}/card.json`);
    if (!onnx || !card) {
      result.missing.push(`${ref}: the bundle holds no artifact and this home lacks it (export with models included)`);
      return;
    }
    const sha = createHash('sha256').update(onnx).digest('hex');
    if (sha !== m.sha256) throw new ApiError('invalid_argument', `${m.artifact} has sha256 ${sha.slice(0, 12)}…, not the ${m.sha256.slice(0, 12)}… its manifest gives: the bundle is damaged`, 'rev');
    const c = JSON.parse(card.toString('utf8')) as { params?: unknown; window?: { train?: [string, string] } };
    restoreModel(ctx.catalog, ctx.home, {
      id: m.id,
      version: m.version,
      kind: m.kind,
      objective: m.objective,
      symbols: m.symbols,
      timeframe: m.timeframe,
      featureSet: m.featureSet,
      specHash: m.specHash,
      label: m.label,
      features: m.features,
      metrics: m.metrics,
      params: c.params ?? null,
      ...(c.window?.train ? { trainFrom: Date.parse(c.window.train[0]), trainTo: Date.parse(c.window.train[1]) } : {}),
      onnx,
      cardBytes: card,
    });
    result.models.push(ref);
  }
  if (m.stage === 'production' && getModel(ctx.catalog, ctx.home, m).stage !== 'production') promoteModel(ctx.catalog, ctx.home, m);
}
