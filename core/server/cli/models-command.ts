import path from 'node:path';
import type { ArgOf } from '../../common/api';
import { computeFeaturesCsv } from '../../node/features/compute-csv';
import type { FeatureBuildResult } from '../../node/features/silver-build';
import type { IcReport, PromoteResult } from '../../node/features/analysis';
import type { TrainResult } from '../../node/models/train';
import { parseTrainConfig } from '../../node/models/train-config';
import { predictCsv } from '../../node/models/predict';
import type { Provider } from '../../node/models/providers';
import { featureCatalog } from '../../common/features/catalog';
import { engineLine } from '../../common/models/engine';
import { MAX_BYTES, readRegularText } from '../../node/untrusted-files';
import { call, parse, table, UsageError, validate, withServices, type CliContext } from './cli-support';
import { providerOption, symbolList } from './cli-options';

/** Each command modelsCommand answers, with its help as `quantdesk --help` lists it. */
export const MODELS_HELP: Readonly<Record<string, string>> = {
  train: `  train --config FILE.yml [--allow-partial]
                              train a model on a feature set's build and register it (gradient-boosted trees);
                              IC, promotion and training refuse a build with failed or interrupted symbols
                              unless --allow-partial (recorded with the result)`,
  models: `  models import FILE [--format onnx|xgboost|lightgbm|catboost] [--name NAME] [--feature-set SET]
                              register a model trained elsewhere: ONNX, or XGBoost JSON/UBJSON, LightGBM
                              text and CatBoost JSON converted to ONNX (a .json file's content tells
                              XGBoost from CatBoost); loaded and run on a few rows before it is registered
  models ls | models show ID[@VERSION] | models promote ID@VERSION | models rollback ID | models demote ID
                              registered models with their metrics; one model's card; stage changes
  models check ID[@VERSION] [--provider P] [--rows N]
                              run a model on the latest N rows (5000) of its feature build: the
                              provider that ran it, the time, and its predictions' spread
                              (models/manifest.json lists the production versions)`,
  leaderboard: `  leaderboard [--min-score X] [--score "0.4 * balanced_accuracy + 0.6 * min(sharpe / 3, 1)"] [--save]
                              model versions ranked by a score over their test metrics (the stored
                              formula unless --score; --save stores the one given)`,
  provider: `  provider [auto|cpu|coreml|webgpu|cuda|dml]
                              the default execution provider for inference (with one: make it the
                              default) and which providers load a model on this machine`,
  predict: `  predict --model ID[@VERSION] --input FEATURES.csv --out OUT.csv [--provider auto|cpu|coreml|webgpu|cuda|dml]
                              run a model over a CSV of its features; adds p (or yhat; p_<class> per class for a
                              multiclass model); the provider goes to stderr`,
  dataset: `  dataset promote --build SET@HASH [--filter rth|complete|from=D|to=D]... [--allow-partial]
                              promote a silver build to a versioned gold training dataset`,
  ic: `  ic --set NAME [--horizons 1,5,20] [--allow-partial]
                              information coefficients of a set's features against forward returns`,
  features: `  features list               the feature registry: parameters, outputs, conventions
  features compute --input FILE.csv --features "ibs,rsi(14),macd(12,26,9)" --out OUT.csv
                              compute features on any OHLCV CSV with the app's own kernels
  features build --set NAME|FILE.yml [--symbols ES,NQ] [--force]
                              build a feature set's silver files (skips symbols whose bars are unchanged)`,
};

/** `quantdesk` the model commands: training, the registry, the leaderboard, providers, predictions, gold datasets, IC reports and features; returns the exit code. */
export async function modelsCommand(command: string, opts: string[], ctx: CliContext): Promise<number> {
  const { json, io, open, runJob } = ctx;
  switch (command) {
    case 'train': {
      const p = parse(opts, { config: { type: 'string' }, 'allow-partial': { type: 'boolean' } });
      const file = (p.values as { config?: string }).config;
      const allowPartial = (p.values as { 'allow-partial'?: boolean })['allow-partial'] === true;
      if (!file) throw new UsageError('train: --config FILE.yml is required');
      let text: string;
      try {
        text = readRegularText(file, { maxBytes: MAX_BYTES.config, what: 'training config' });
      } catch (e) {
        throw new UsageError(`--config: ${(e as Error).message}`);
      }
      const config = parseTrainConfig(text, file);
      return await runJob({ kind: 'train', config, ...(allowPartial ? { allowPartial } : {}) }, 'training', (job) => {
        const r = job.result as TrainResult;
        return json ? { id: r.id, version: r.version, metrics: r.metrics, rows: r.rows, trees: r.trees } : `${job.summary}\nmodel ${r.id}@${r.version}`;
      });
    }
    case 'models': {
      const [sub, ...subOpts] = opts;
      if (sub === 'import') {
        const q = parse(subOpts, { format: { type: 'string' }, name: { type: 'string' }, 'feature-set': { type: 'string' } });
        const v = q.values as Record<string, string | undefined>;
        if (q.positionals.length !== 1) throw new UsageError('models import: give one model file');
        const arg = { path: path.resolve(q.positionals[0]!), ...(v.format ? { format: v.format as 'onnx' } : {}), ...(v.name ? { name: v.name } : {}), ...(v['feature-set'] ? { featureSet: v['feature-set'] } : {}) };
        validate('models.import', arg, { featureSet: 'feature-set' });
        return withServices(open(false), async (w) => {
          const r = await call(w, 'models.import', arg);
          io.out(json ? JSON.stringify(r) : `${r.id}@${r.version}: ${r.kind} ${r.objective} model reading ${r.window ? `windows of ${r.window} rows of ` : ''}${r.features.join(', ')}${r.featureOrder === 'by name' ? ' (in another order than the feature set; fed by name)' : ''}; predicts from its output ${r.output}${r.classes ? ` (one probability per class: ${r.classes.join(', ')})` : ''}`);
          return 0;
        });
      }
      if (sub === 'check') {
        const q = parse(subOpts, { provider: { type: 'string' }, rows: { type: 'string' } });
        const v = q.values as Record<string, string | undefined>;
        if (q.positionals.length !== 1) throw new UsageError('models check: give one model, ID or ID@VERSION');
        const provider = v.provider === undefined ? undefined : providerOption(v.provider);
        const rows = v.rows === undefined ? undefined : Number(v.rows);
        if (rows !== undefined && !(Number.isInteger(rows) && rows >= 1)) throw new UsageError(`--rows: expected a whole number of rows ≥ 1, got ${v.rows}`);
        return withServices(open(true), async (s) => {
          const r = await call(s, 'models.check', { model: q.positionals[0]!, ...(provider ? { provider } : {}), ...(rows ? { rows } : {}) });
          io.err(`provider: ${r.provider}${r.fallback ? ` (${r.fallback})` : ''}; ${r.placement.summary}; ${engineLine(r.engine)}`);
          const share = r.classShare
            ? `; most probable class: ${Object.entries(r.classShare).map(([c, x]) => `${c} ${(100 * x).toFixed(1)}%`).join(', ')}`
            : r.aboveThreshold === null
              ? ''
              : `, ${(100 * r.aboveThreshold).toFixed(1)}% ≥ threshold ${r.threshold}`;
          const of = r.classShare ? 'top probability ' : '';
          io.out(json ? JSON.stringify(r) : `${r.model}: ${r.rows} rows of ${r.symbols.join(' ')} in ${r.ms.toFixed(1)} ms on ${r.provider}; ${of}mean ${r.mean.toFixed(4)}, range ${r.min.toFixed(4)}–${r.max.toFixed(4)}${share}`);
          return 0;
        });
      }
      const p = parse(subOpts, {});
      if (sub === 'promote' || sub === 'rollback' || sub === 'demote') {
        if (p.positionals.length !== 1) throw new UsageError(sub === 'promote' ? 'models promote: give one model version, ID@VERSION' : `models ${sub}: give one model id`);
        return withServices(open(false), async (w) => {
          const m = sub === 'promote' ? await call(w, 'models.promote', { model: p.positionals[0]! }) : await call(w, sub === 'rollback' ? 'models.rollback' : 'models.demote', { id: p.positionals[0]! });
          io.out(json ? JSON.stringify(m) : sub === 'demote' ? `${m.id}@${m.version} is archived; ${m.id} has no version in production` : `${m.id}@${m.version} is in production`);
          return 0;
        });
      }
      return withServices(open(true), async (s) => {
        if (sub === 'ls') {
          const list = await call(s, 'models.list', {});
          if (json) io.out(JSON.stringify({ models: list }));
          else io.out(list.length === 0 ? '(no models)' : table([['model', 'kind', 'stage', 'symbols', 'label', 'test AUC', 'test logloss'], ...list.map((m) => [`${m.id}@${m.version}`, m.kind, m.stage, m.symbols.join(' '), m.label ?? '', String(m.metrics.test?.auc?.toFixed(4) ?? '–'), String(m.metrics.test?.logLoss?.toFixed(4) ?? '–')])]));
          return 0;
        }
        if (sub === 'show') {
          if (p.positionals.length !== 1) throw new UsageError('models show: give one model, ID or ID@VERSION');
          const m = await call(s, 'models.get', { model: p.positionals[0]! });
          io.out(json ? JSON.stringify(m) : JSON.stringify(m.card, null, 2));
          return 0;
        }
        throw new UsageError(`models: expected \`models ls\`, \`models show ID[@VERSION]\`, \`models check ID[@VERSION]\`, \`models promote ID@VERSION\`, \`models rollback ID\` or \`models demote ID\`, got \`models ${sub ?? ''}\``);
      });
    }
    case 'leaderboard': {
      const p = parse(opts, { 'min-score': { type: 'string' }, score: { type: 'string' }, save: { type: 'boolean' } });
      const v = p.values as Record<string, string | undefined>;
      const minScore = v['min-score'] === undefined ? undefined : Number(v['min-score']);
      if (minScore !== undefined && !Number.isFinite(minScore)) throw new UsageError(`--min-score: expected a number, got ${v['min-score']}`);
      if (p.values.save && !v.score) throw new UsageError('--save stores the formula given with --score; give --score FORMULA');
      return withServices(open(!p.values.save), async (s) => {
        if (p.values.save) await call(s, 'settings.setLeaderboard', { formula: v.score! });
        const formula = v.score ?? (await call(s, 'settings.leaderboard', {})).formula;
        const rows = await call(s, 'models.leaderboard', { ...(minScore === undefined ? {} : { minScore }), ...(v.score ? { formula: v.score } : {}) });
        const f = (x: number | undefined, d = 4): string => (x === undefined ? '–' : x.toFixed(d));
        if (json) io.out(JSON.stringify({ formula, models: rows }));
        else io.out(rows.length === 0 ? '(no models)' : table([['model', 'kind', 'stage', 'symbols', 'label', 'bal.acc', 'AUC', 'logloss', 'prec@10%', 'IC', 'Sharpe', 'Sortino', 'max DD', 'trades', 'score'], ...rows.map((r) => [`${r.id}@${r.version}`, r.kind, r.stage, r.symbols.join(' '), r.label ?? '', f(r.values.balanced_accuracy), f(r.values.auc), f(r.values.log_loss), f(r.values.precision_at_k), f(r.values.ic), f(r.values.sharpe), f(r.values.sortino), f(r.values.max_drawdown), r.values.trades === undefined ? '–' : String(r.values.trades), f(r.score)])]));
        return 0;
      });
    }
    case 'provider': {
      const p = parse(opts, {});
      if (p.positionals.length > 1) throw new UsageError('provider: give at most one provider to make the default');
      const want = p.positionals[0];
      return withServices(open(want === undefined), async (s) => {
        const r = want === undefined ? await call(s, 'settings.inference', {}) : await call(s, 'settings.setInference', { provider: providerOption(want) });
        if (json) io.out(JSON.stringify(r));
        else {
          io.out(`default: ${r.provider}${r.provider === 'auto' ? ` (tries ${r.platformOrder.join(', ')} in that order)` : ''}`);
          io.out(table([['provider', 'here', 'a tree ensemble ran on'], ...r.providers.map((x) => [x.provider, x.available ? 'available' : `no: ${x.reason ?? ''}`, x.trees ?? '—'])]));
        }
        return 0;
      });
    }
    case 'predict': {
      const p = parse(opts, { model: { type: 'string' }, input: { type: 'string' }, out: { type: 'string' }, provider: { type: 'string' } });
      const v = p.values as Record<string, string | undefined>;
      for (const k of ['model', 'input', 'out']) if (!v[k]) throw new UsageError(`predict: --${k} is required`);
      let provider = v.provider === undefined ? undefined : providerOption(v.provider);
      const s = await open(true);
      let m: Awaited<ReturnType<typeof call<'models.get'>>>;
      try {
        m = await call(s, 'models.get', { model: v.model! });
        provider ??= (await call(s, 'settings.inference', {})).provider as Provider | 'auto';
      } finally {
        await s.close();
      }
      const r = await predictCsv({ dir: path.join(s.home.models, m.id, String(m.version)), features: m.features, objective: m.objective, card: m.card, input: v.input!, out: v.out!, provider, tmpDir: s.home.tmp });
      io.err(`provider: ${r.provider}${r.fallback ? ` (${r.fallback})` : ''}`);
      io.out(json ? JSON.stringify(r) : `${r.rows} rows → ${r.out}`);
      return 0;
    }
    case 'dataset': {
      const [sub, ...subOpts] = opts;
      if (sub !== 'promote') throw new UsageError(`dataset: expected \`dataset promote\`, got \`dataset ${sub ?? ''}\``);
      const p = parse(subOpts, { build: { type: 'string' }, filter: { type: 'string', multiple: true }, 'allow-partial': { type: 'boolean' } });
      const v = p.values as { build?: string; filter?: string[]; 'allow-partial'?: boolean };
      if (!v.build) throw new UsageError('dataset promote: --build <set>@<hash> is required (features build prints it)');
      const arg: ArgOf<'jobs.start'> = { kind: 'promote', build: v.build, filters: (v.filter ?? []).flatMap((f) => f.split(',')).map((f) => f.trim()), ...(v['allow-partial'] ? { allowPartial: true } : {}) };
      validate('jobs.start', arg, { filters: 'filter' });
      return await runJob(arg, 'promotion', (job) => {
        const r = job.result as PromoteResult;
        return json ? r : `${job.summary}\n→ lake/${r.dir}${r.partial ? `\npartial build: lacks ${r.partial.join(', ')}` : ''}\n${Object.entries(r.labelBalance).map(([l, b]) => `${l}: ${Object.entries(b).map(([k, n]) => `${k} ${n}`).join(', ')}`).join('\n')}`;
      });
    }
    case 'ic': {
      const p = parse(opts, { set: { type: 'string' }, horizons: { type: 'string' }, 'allow-partial': { type: 'boolean' } });
      const v = p.values as { set?: string; horizons?: string; 'allow-partial'?: boolean };
      if (!v.set) throw new UsageError('ic: --set NAME is required');
      const horizons = (v.horizons ?? '1,5,20').split(',').map((h) => h.trim());
      if (horizons.some((h) => !/^\d+$/.test(h))) throw new UsageError(`--horizons: expected whole numbers of bars such as 1,5,20, got ${v.horizons}`);
      const arg: ArgOf<'jobs.start'> = { kind: 'ic', set: v.set, horizons: horizons.map(Number), ...(v['allow-partial'] ? { allowPartial: true } : {}) };
      validate('jobs.start', arg);
      return await runJob(arg, 'IC analysis', (job) => {
        const r = job.result as IcReport;
        const f = (x: number, d = 4): string => (Number.isFinite(x) ? x.toFixed(d) : '–');
        return json ? r : (r.partial ? `partial build: lacks ${r.partial.join(', ')}\n` : '') + table([['feature', 'h', 'IC', 'rank IC', 't', 'ICIR', 'Q5−Q1', 'periods'], ...r.stats.map((s) => [s.feature, String(s.horizon), f(s.ic), f(s.rankIc), f(s.tStat, 2), f(s.icir, 3), f(s.spread, 6), String(s.periods)])]);
      });
    }
    case 'features': {
      const [sub, ...subOpts] = opts;
      if (sub === 'list') {
        parse(subOpts, {});
        const entries = featureCatalog();
        if (json) io.out(JSON.stringify({ features: entries }));
        else io.out(table([['feature', 'parameters', 'outputs', 'description'], ...entries.map((f) => [f.spec, f.params.map((x) => `${x.name}=${x.default}`).join(' '), f.outputs.join(' '), f.description])]));
        return 0;
      }
      if (sub === 'compute') {
        const p = parse(subOpts, { input: { type: 'string' }, features: { type: 'string' }, out: { type: 'string' } });
        const v = p.values as Record<string, string | undefined>;
        for (const k of ['input', 'features', 'out']) if (!v[k]) throw new UsageError(`features compute: --${k} is required`);
        const r = computeFeaturesCsv(v.input!, v.features!, v.out!);
        io.out(json ? JSON.stringify(r) : `${r.rows} rows, ${r.columns.length} feature columns → ${r.out}`);
        return 0;
      }
      if (sub === 'build') {
        const p = parse(subOpts, { set: { type: 'string' }, symbols: { type: 'string' }, force: { type: 'boolean' } });
        const v = p.values as { set?: string; symbols?: string; force?: boolean };
        if (!v.set) throw new UsageError('features build: --set NAME or --set FILE.yml is required');
        const arg: ArgOf<'jobs.start'> = { kind: 'features', set: v.set, ...(v.symbols ? { symbols: symbolList(v.symbols) } : {}), ...(v.force ? { force: true } : {}) };
        validate('jobs.start', arg);
        return await runJob(arg, 'feature build', (job) => {
          const r = job.result as FeatureBuildResult;
          return json ? r : `${job.summary}\n${r.symbols.map((x) => `${x.symbol}: ${x.status}, ${x.rows.toLocaleString('en-US')} rows (${x.monthsWritten} month files written, ${x.monthsKept} kept)`).join('\n')}\n→ lake/${r.dir}`;
        });
      }
      throw new UsageError(`features: expected \`features list\`, \`features compute\` or \`features build\`, got \`features ${sub ?? ''}\``);
    }
  }
  throw new UsageError(`unknown command ${command}; run quantdesk --help`);
}
