import fs from 'node:fs';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { ApiError } from '../../common/errors';
import type { RiskLimits } from '../../common/trading/schemas';
import type { ModelInfo } from '../../common/models/types';
import type { PortfolioRun } from '../../common/backtest/types';
import { listStrategyConfigs, storedStrategyFile } from '../backtest/strategy-configs';
import type { Catalog } from '../catalog';
import { featureSetDirs, listFeatureSets, loadFeatureSet } from '../features/feature-sets';
import type { HomeLayout } from '../home';
import { getModel, listModels, parseModelRef } from '../models/registry';
import { snakeCase } from '../../common/key-case';
import { loadPortfolio } from '../paper/replay';

/** The bundle layout's version, in quantdesk.yml; an import refuses a newer one. */
export const BUNDLE_FORMAT = 1;

/** What a bundle is built from. */
export interface BundleSource {
  home: HomeLayout;
  catalog: Catalog;
  /** The app's resources (its default feature sets). */
  resources: string;
  /** The app's version, recorded in quantdesk.yml. */
  version: string;
}

/** A model the bundle carries: its registry row, its card file and its artifact. */
export interface BundledModel {
  info: ModelInfo;
  /** Threshold the portfolio trades it at (null: none of its instruments gates on it). */
  threshold: number | null;
  /** Instruments trading with it, with the thresholds each uses. */
  usedBy: { instrument: string; threshold: number | null }[];
  dir: string;
}

/** A config bundle in memory: its files by path inside the bundle folder, and what they were made from. */
export interface Bundle {
  files: Map<string, Buffer>;
  /** The portfolio: as it was asked for (`ref`), its id in the bundle, its config. */
  portfolio: { ref: string; id: string; config: PortfolioRun['config'] } | null;
  models: BundledModel[];
}

/** Risk limits the gate applies (the rest are killswitch trips). */
const GATE_LIMITS = ['maxPosition', 'maxPositionNotional', 'maxGrossExposure', 'maxOrdersPerSecond', 'maxConcurrentPositions'] as const;

/** An object's keys in snake case, sorted, nested objects alike (the contracts' symbols are keys too, and stay as they are). */
function snakeKeys(o: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(o)
      .sort()
      .map((k) => {
        const v = (o as Record<string, unknown>)[k];
        return [/^[a-z]/.test(k) ? snakeCase(k) : k, typeof v === 'object' && v !== null ? snakeKeys(v) : v];
      }),
  );
}

/** JSON with object keys sorted at every level and a final newline: the same data always gives the same bytes. */
export function stableJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sort((v as Record<string, unknown>)[k])]));
    return v;
  };
  return `${JSON.stringify(sort(value), null, 2)}\n`;
}

/** YAML that YAML 1.1 readers (PyYAML on the live server) read the same way: dates, yes/no and the like stay strings. */
const yaml = (doc: unknown): string => toYaml(doc, { version: '1.1', lineWidth: 0 });

/** The stored portfolios' ids, newest first. */
export function storedPortfolios(home: HomeLayout): string[] {
  const dir = path.join(home.lake, 'gold', 'portfolios');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => fs.existsSync(path.join(dir, d, 'portfolio.json'))).sort().reverse() : [];
}

/** portfolio.yml: the instruments, max positions, sizing, trading terms, the gate's risk limits and the killswitch's trips, in a fixed order. */
export function portfolioYaml(ref: string, c: PortfolioRun['config']): string {
  const limits: RiskLimits = c.riskLimits ?? {};
  const pick = (keys: readonly string[], inside: boolean): Record<string, number> =>
    Object.fromEntries(
      Object.keys(limits)
        .filter((k) => keys.includes(k) === inside)
        .sort()
        .map((k) => [snakeCase(k), limits[k as keyof RiskLimits]!]),
    );
  return yaml({
    id: ref,
    instruments: c.instruments.map((i) => ({
      name: i.name,
      symbol: i.symbol,
      strategy: i.strategy,
      params: Object.fromEntries(Object.keys(i.params).sort().map((k) => [k, i.params[k]])),
      timeframe: i.timeframe,
      model: i.model,
      threshold: i.threshold,
      ...(i.ruleOnly ? { rule_only: true } : {}),
      run: i.run,
    })),
    max_positions: c.maxPositions,
    sizing: c.sizing ?? null,
    // The capital, fills and costs the portfolio was chosen under: the live server trades on the same.
    terms: c.terms ? snakeKeys(c.terms) : null,
    risk_limits: pick(GATE_LIMITS, true),
    killswitch: pick(GATE_LIMITS, false),
    objective: c.objective,
    split: c.split,
  });
}

/** The models a bundle carries: every production model and every model an instrument trades with. */
function bundledModels(src: BundleSource, config: PortfolioRun['config'] | null): BundledModel[] {
  const byRef = new Map<string, BundledModel>();
  const add = (info: ModelInfo): BundledModel => {
    const key = `${info.id}@${info.version}`;
    const have = byRef.get(key);
    if (have) return have;
    const m: BundledModel = { info, threshold: null, usedBy: [], dir: path.join(src.home.models, info.id, String(info.version)) };
    byRef.set(key, m);
    return m;
  };
  for (const m of listModels(src.catalog)) if (m.stage === 'production') add(m);
  for (const i of config?.instruments ?? []) {
    if (!i.model) continue;
    const { card: _card, file: _file, ...info } = getModel(src.catalog, src.home, parseModelRef(i.model));
    const m = add(info);
    m.usedBy.push({ instrument: i.name, threshold: i.threshold });
    if (m.threshold === null && i.threshold !== null) m.threshold = i.threshold;
  }
  return [...byRef.values()].sort((a, b) => a.info.id.localeCompare(b.info.id) || a.info.version - b.info.version);
}

/**
 * Builds the config bundle of a home: strategy configs, the portfolio, the feature sets (the home's
 * own and those the models were built on), the model manifest and cards (and artifacts when asked),
 * a README and quantdesk.yml. Every file but quantdesk.yml (which carries `created`) depends on the
 * configs alone, so an unchanged home gives the same bytes.
 */
export function buildBundle(src: BundleSource, opts: { portfolio: string | null; includeModels: boolean; created: string }): Bundle {
  const files = new Map<string, Buffer>();
  const put = (p: string, text: string | Buffer): void => void files.set(p, typeof text === 'string' ? Buffer.from(text) : text);

  for (const name of listStrategyConfigs(src.home.root)) put(`strategies/${name}.yml`, fs.readFileSync(storedStrategyFile(src.home.root, name)!));

  const ref = opts.portfolio ?? storedPortfolios(src.home)[0] ?? null;
  // A portfolio file is named in the bundle by its base name, never by a path on this machine.
  const portfolio = ref === null ? null : { ref, id: /\.(json|ya?ml)$/i.test(ref) ? path.basename(ref).replace(/\.(json|ya?ml)$/i, '') : ref, config: loadPortfolio(src.home, src.catalog, ref) };
  if (portfolio) put('portfolio.yml', portfolioYaml(portfolio.id, portfolio.config));

  const models = bundledModels(src, portfolio?.config ?? null);
  const dirs = featureSetDirs(src.home.root, src.resources);
  const sets = new Set(listFeatureSets([dirs[0]!]).map((s) => s.name));
  for (const m of models) if (m.info.featureSet) sets.add(m.info.featureSet);
  for (const name of [...sets].sort()) {
    let file: string;
    try {
      file = loadFeatureSet(name, dirs).file;
    } catch {
      continue; // A model's missing feature set is a validation failure, reported there.
    }
    put(`features/${name}.yml`, fs.readFileSync(file));
  }

  const manifest = {
    format: BUNDLE_FORMAT,
    models: models.map(({ info: m, threshold, usedBy }) => ({
      id: m.id,
      version: m.version,
      kind: m.kind,
      objective: m.objective,
      stage: m.stage,
      symbols: m.symbols,
      timeframe: m.timeframe,
      featureSet: m.featureSet,
      specHash: m.specHash,
      label: m.label,
      features: m.features,
      threshold,
      instruments: usedBy.map((u) => u.instrument),
      metrics: m.metrics,
      sha256: m.sha256,
      artifact: opts.includeModels ? `models/${m.id}/${m.version}/model.onnx` : null,
    })),
  };
  put('models/manifest.json', stableJson(manifest));
  for (const m of models) {
    const base = `models/${m.info.id}/${m.info.version}`;
    put(`${base}/card.json`, fs.readFileSync(path.join(m.dir, 'card.json')));
    if (opts.includeModels) put(`${base}/model.onnx`, fs.readFileSync(path.join(m.dir, 'model.onnx')));
  }

  put('README.md', readme(files, portfolio, models, opts.includeModels));
  put('quantdesk.yml', yaml({ format: BUNDLE_FORMAT, app: src.version, created: opts.created, source_home: src.home.id, portfolio: portfolio ? portfolio.id : null, models_included: opts.includeModels }));
  return { files, portfolio, models };
}

/** README.md: what the bundle holds, in words, for whoever reviews the commit. */
function readme(files: Map<string, Buffer>, portfolio: Bundle['portfolio'], models: BundledModel[], withArtifacts: boolean): string {
  const list = (prefix: string): string[] => [...files.keys()].filter((f) => f.startsWith(prefix)).sort();
  const lines = ['# Quantdesk config bundle', '', 'Written by Quantdesk’s config export; quantdesk.yml says when and from which home. Edit the configs in Quantdesk and export again rather than here.', ''];
  lines.push('## Portfolio', '');
  if (!portfolio) lines.push('None: the home had no stored portfolio.', '');
  else {
    const c = portfolio.config;
    lines.push(`\`portfolio.yml\`: ${c.instruments.length} instrument(s), at most ${c.maxPositions} position(s) at once.`, '');
    lines.push('| instrument | symbol | strategy | timeframe | model | threshold |', '|---|---|---|---|---|---|');
    for (const i of c.instruments) lines.push(`| ${i.name} | ${i.symbol} | ${i.strategy} | ${i.timeframe} | ${i.model ?? (i.ruleOnly ? 'rule-only' : '—')} | ${i.threshold ?? '—'} |`);
    const limits = Object.entries(c.riskLimits ?? {});
    lines.push('', limits.length ? `Risk limits and killswitch trips: ${limits.map(([k, v]) => `${snakeCase(k)} ${v}`).join(', ')}.` : 'No risk limits or killswitch trips are set.', '');
  }
  lines.push('## Models', '');
  if (models.length === 0) lines.push('None.', '');
  else {
    lines.push(`\`models/manifest.json\` lists ${models.length} model(s)${withArtifacts ? ', with their ONNX artifacts' : '; the ONNX artifacts are not included (match them by sha256)'}.`, '');
    lines.push('| model | stage | kind | features | test metrics | sha256 |', '|---|---|---|---|---|---|');
    for (const { info: m } of models) {
      const test = (m.metrics as { test?: Record<string, number> }).test ?? {};
      const shown = ['auc', 'accuracy', 'r2', 'ic'].filter((k) => typeof test[k] === 'number').map((k) => `${k} ${test[k]!.toFixed(3)}`);
      lines.push(`| ${m.id}@${m.version} | ${m.stage} | ${m.kind} (${m.objective}) | ${m.features.length} from ${m.featureSet ?? 'outside Quantdesk'} | ${shown.join(', ') || '—'} | \`${m.sha256.slice(0, 12)}\` |`);
    }
    lines.push('');
  }
  lines.push('## Files', '');
  for (const [title, prefix] of [
    ['Strategy configs', 'strategies/'],
    ['Feature sets', 'features/'],
  ] as const) {
    const fl = list(prefix);
    lines.push(`${title}: ${fl.length ? fl.map((f) => `\`${f}\``).join(', ') : 'none'}.`, '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Checks a bundle folder path: relative, inside the repository, no dot segments. */
export function checkBundleDir(dir: string): string {
  const d = dir.replace(/\\/g, '/').replace(/^\.\/+/, '').replace(/\/+$/, '');
  if (d === '' || d.startsWith('/') || /^[A-Za-z]:/.test(d) || d.split('/').some((s) => s === '..' || s === '.' || s === '' || s === '.git')) {
    throw new ApiError('invalid_argument', `bundle folder "${dir}" must be a relative path inside the repository, such as quantdesk or config/trading`, 'dir');
  }
  return d;
}
