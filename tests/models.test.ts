import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArgOf } from '../core/common/api';
import type { Services } from '../core/node/services';
import type { TrainResult } from '../core/node/models/train';
import type { BacktestSummary } from '../core/common/backtest/types';
import type { FilterResult } from '../core/node/backtest/trade-filter';
import { ModelRunner } from '../core/node/models/runner';
import { predictCsv } from '../core/node/models/predict';
import { backfill, call, openServices, paths, runJob, tempDir } from './helpers';
import { readExpected } from './fixtures/models/reference';

const BIN = path.join(paths.root, 'bin', 'quantdesk.mjs');
const qd = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, QUANTDESK_HOME: '' }, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
};

const CONFIG = {
  name: 'es-dir',
  featureSet: 'm',
  label: 'label_b1',
  model: { kind: 'gbdt', nTrees: 40, maxDepth: 3, learningRate: 0.1, subsample: 0.8 },
  split: { validation: 0.2, test: 0.2, embargo: 1 },
  seed: 5,
} as const;

describe('training, the model registry and prediction', () => {
  const home = tempDir('qd-models-');
  let s: Services;
  const job = <T>(arg: ArgOf<'jobs.start'>): Promise<T> => runJob<T>(s, arg);

  beforeAll(async () => {
    s = await openServices(home);
    fs.mkdirSync(path.join(home, 'feature-sets'), { recursive: true });
    fs.writeFileSync(path.join(home, 'feature-sets', 'm.yml'), 'name: m\ntimeframe: 15m\nsymbols: [ES]\nfeatures: "ibs, rsi(14), roc(4), macd(12,26,9)"\nlabels: [b1]\n');
    await backfill(s, ['ES'], '2024-01-02', '2024-03-29');
    await job({ kind: 'features', set: 'm' });
  });
  afterAll(async () => s?.close());

  it('trains gradient-boosted trees on a build with a chronological split, registers version 1 then 2, deterministically', async () => {
    const r = await job<TrainResult>({ kind: 'train', config: CONFIG });
    expect(r).toMatchObject({ id: 'es-dir', version: 1, features: ['ibs', 'rsi_14', 'roc_4', 'macd_12_26_9', 'macd_12_26_9_signal', 'macd_12_26_9_hist'] });
    expect(r.rows.train).toBeGreaterThan(r.rows.test * 2);
    const test = r.metrics.test as { auc: number; logLoss: number; balancedAccuracy: number };
    expect(test.auc).toBeGreaterThan(0.3);
    expect(test.auc).toBeLessThan(1);
    const dir = path.join(home, 'models', 'es-dir', '1');
    expect(fs.existsSync(path.join(dir, 'model.tensor.onnx'))).toBe(true);
    const card = JSON.parse(fs.readFileSync(path.join(dir, 'card.json'), 'utf8'));
    expect(card).toMatchObject({ id: 'es-dir', version: 1, kind: 'gbdt', featureSet: 'm', label: 'label_b1', symbols: ['ES'], rows: r.rows });
    const list = await call(s, 'models.list', {});
    expect(list.map((m) => `${m.id}@${m.version} ${m.kind} ${m.stage}`)).toEqual(['es-dir@1 gbdt candidate']);
    expect(list[0]!.sha256).toBe(card.sha256);
    const again = await job<TrainResult>({ kind: 'train', config: CONFIG });
    expect(again.version).toBe(2);
    expect(again.metrics).toEqual(r.metrics);
    expect(fs.readFileSync(path.join(home, 'models', 'es-dir', '2', 'model.onnx')).length).toBe(fs.readFileSync(path.join(dir, 'model.onnx')).length);
    expect((await call(s, 'models.get', { model: 'es-dir' })).version).toBe(2);
    await expect(call(s, 'models.get', { model: 'es-dir@9' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('validates walk-forward (expanding and rolling) with purged boundaries, reporting every fold', async () => {
    const r = await job<TrainResult>({ kind: 'train', config: { ...CONFIG, name: 'es-wf', validation: { folds: 4, window: 'expanding' } } });
    expect(r.walkForward).toHaveLength(4);
    const wf = r.walkForward!;
    for (let k = 1; k < wf.length; k++) {
      expect(wf[k]!.from).toBe(wf[k - 1]!.to);
      expect(wf[k]!.trainRows).toBeGreaterThan(wf[k - 1]!.trainRows);
    }
    for (const f of wf) expect((f.metrics as { auc: number }).auc).toBeGreaterThan(0);
    const rolling = await job<TrainResult>({ kind: 'train', config: { ...CONFIG, name: 'es-wf', validation: { folds: 4, window: 'rolling', rollingBlocks: 1 } } });
    const rw = rolling.walkForward!;
    // A one-block rolling window trains on about as many rows each fold.
    expect(Math.abs(rw[3]!.trainRows - rw[1]!.trainRows)).toBeLessThan(rw[1]!.trainRows * 0.2);
    const card = JSON.parse(fs.readFileSync(path.join(home, 'models', 'es-wf', '1', 'card.json'), 'utf8'));
    expect(card.walkForward).toHaveLength(4);
  });

  it('chooses a trade-filter threshold on validation and reports it on test, with a calibration table', async () => {
    const r = await job<TrainResult>({ kind: 'train', config: { ...CONFIG, name: 'es-thr', threshold: { objective: 'precision', minShare: 0.1 } } });
    expect(r.threshold!.objective).toBe('precision');
    expect(r.threshold!.value).toBeGreaterThan(0);
    expect(r.threshold!.value).toBeLessThan(1);
    expect(r.threshold!.validation.precision).toBeGreaterThanOrEqual((r.metrics.validation as { precision: number }).precision - 1e-12);
    expect(r.threshold!.test.n).toBe(r.rows.test);
    const card = JSON.parse(fs.readFileSync(path.join(home, 'models', 'es-thr', '1', 'card.json'), 'utf8'));
    expect(card.calibration.reduce((a: number, b: { n: number }) => a + b.n, 0)).toBe(r.rows.test);
    expect(card.threshold.value).toBe(r.threshold!.value);
  });

  it('trains kNN retrieval and blends it into another classifier, one ONNX graph either way', async () => {
    const knn = await job<TrainResult>({ kind: 'train', config: { ...CONFIG, name: 'es-knn', model: { kind: 'knn', k: 5 } } });
    expect(knn).toMatchObject({ id: 'es-knn', trees: 0 });
    const blended = await job<TrainResult>({ kind: 'train', config: { ...CONFIG, name: 'es-blend', blendKnn: { k: 5, weight: 0.25 } } });
    const plain = (await call(s, 'models.get', { model: 'es-dir@1' })).metrics.test!;
    expect((blended.metrics.test as { auc: number }).auc).not.toBe(plain.auc);
    const card = JSON.parse(fs.readFileSync(path.join(home, 'models', 'es-blend', '1', 'card.json'), 'utf8'));
    expect(card.params).toBeDefined();
    await expect(call(s, 'jobs.start', { kind: 'train', config: { ...CONFIG, name: 'x', model: { kind: 'ridge' }, blendKnn: {} } })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/blendKnn applies to classifiers/) });
  });

  it('writes the form\'s config as YAML that reads back to the same config, and refuses an oversized one', async () => {
    const config = { ...CONFIG, name: 'es-yaml', validation: { folds: 3 } };
    const { text } = await call(s, 'models.configYaml', { config });
    expect(text).toMatch(/^name: es-yaml\n/);
    expect(await call(s, 'models.checkConfig', { text })).toMatchObject({ name: 'es-yaml', validation: { folds: 3 }, model: CONFIG.model });
    await expect(call(s, 'models.configYaml', { config: { name: 'x'.repeat(100_001) } })).rejects.toMatchObject({ code: 'invalid_argument', path: 'config' });
    await expect(call(s, 'models.configYaml', { config: ['not', 'a', 'map'] } as never)).rejects.toMatchObject({ code: 'invalid_argument', path: 'config' });
  });

  it('trains a small MLP (Adam, early stopping) the same way', async () => {
    const r = await job<TrainResult>({ kind: 'train', config: { ...CONFIG, name: 'es-mlp', model: { kind: 'mlp', hidden: [8], epochs: 5 } } });
    expect(r).toMatchObject({ id: 'es-mlp', version: 1, trees: 0 });
    expect((r.metrics.test as { auc: number }).auc).toBeGreaterThan(0);
  });

  it('searches hyperparameters with TPE and median pruning over walk-forward folds, resuming stored trials', async () => {
    const config = { ...CONFIG, name: 'es-search', model: { ...CONFIG.model, nTrees: 15 }, validation: { folds: 3 }, search: { trials: 6, space: { maxDepth: { low: 2, high: 5, int: true }, learningRate: { low: 0.02, high: 0.3, log: true } } } };
    // Progress names its steps per phase (the search's trials, then the final model's trees) with an ETA from that phase's pace.
    const ticks: { message: string; etaSeconds: number | null; fraction: number }[] = [];
    const off = s.bus.onAny((name, p) => {
      if (name === 'job.progress') ticks.push(p as (typeof ticks)[number]);
    });
    const first = await job<TrainResult>({ kind: 'train', config });
    off();
    expect(ticks.map((t) => t.message)).toEqual(expect.arrayContaining(['1 of 6 search trials', '6 of 6 search trials', '15 of 15 trees']));
    const trials = ticks.filter((t) => t.message.endsWith('search trials'));
    expect(trials.every((t, i) => i === 0 || t.fraction >= trials[i - 1]!.fraction)).toBe(true);
    expect(trials.slice(1, -1).every((t) => t.etaSeconds !== null && t.etaSeconds >= 0)).toBe(true);
    expect(first.search).toMatchObject({ metric: 'auc', trials: 6, newTrials: 6 });
    expect(first.search!.best.params.maxDepth).toBeGreaterThanOrEqual(2);
    expect(first.search!.best.params.maxDepth).toBeLessThanOrEqual(5);
    const card = JSON.parse(fs.readFileSync(path.join(home, 'models', 'es-search', '1', 'card.json'), 'utf8'));
    expect(card.params.maxDepth).toBe(first.search!.best.params.maxDepth);
    // The same configuration with more trials continues the stored search.
    const more = await job<TrainResult>({ kind: 'train', config: { ...config, search: { ...config.search, trials: 8 } } });
    expect(more.search).toMatchObject({ id: first.search!.id, trials: 8, newTrials: 2 });
    expect(more.search!.best.score).toBeGreaterThanOrEqual(first.search!.best.score);
    await expect(call(s, 'jobs.start', { kind: 'train', config: { ...config, validation: undefined } })).rejects.toMatchObject({ message: expect.stringMatching(/walk-forward folds/) });
    await expect(call(s, 'jobs.start', { kind: 'train', config: { ...config, search: { trials: 2, space: { depth: { low: 1, high: 3 } } } } })).rejects.toMatchObject({ message: expect.stringMatching(/parameter the model does not have/) });
  });

  it('trains a random forest the same way', async () => {
    const r = await job<TrainResult>({ kind: 'train', config: { ...CONFIG, name: 'es-rf', model: { kind: 'forest', nTrees: 20, maxDepth: 5 } } });
    expect(r).toMatchObject({ id: 'es-rf', version: 1, trees: 20 });
    expect((await call(s, 'models.get', { model: 'es-rf' })).kind).toBe('forest');
  });

  it('trains a logistic regression the same way, registered beside the trees', async () => {
    const r = await job<TrainResult>({ kind: 'train', config: { ...CONFIG, name: 'es-logit', model: { kind: 'logistic', l2: 1 } } });
    expect(r).toMatchObject({ id: 'es-logit', version: 1, trees: 0 });
    const m = await call(s, 'models.get', { model: 'es-logit@1' });
    expect(m).toMatchObject({ kind: 'logistic', objective: 'binary', stage: 'candidate' });
    expect((m.card as { importance: Record<string, number> }).importance).toHaveProperty('rsi_14');
    await expect(call(s, 'jobs.start', { kind: 'train', config: { ...CONFIG, model: { kind: 'svm' } } as never })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/gbdt, forest, mlp, knn, logistic, ridge or lasso/) });
  });

  it('trains an L1 logistic regression, a lasso on returns and leaf-limited trees the same way', async () => {
    const l1 = await job<TrainResult>({ kind: 'train', config: { ...CONFIG, name: 'es-l1', model: { kind: 'logistic', l1: 5, l2: 0 } } });
    expect(l1).toMatchObject({ id: 'es-l1', trees: 0 });
    expect((await call(s, 'models.get', { model: 'es-l1' })).kind).toBe('logistic');
    const lasso = await job<TrainResult>({ kind: 'train', config: { ...CONFIG, name: 'es-lasso', label: 'label_b1', model: { kind: 'lasso', alpha: 0.001 } } });
    expect((await call(s, 'models.get', { model: `es-lasso@${lasso.version}` })).objective).toBe('regression');
    const leafy = await job<TrainResult>({ kind: 'train', config: { ...CONFIG, name: 'es-leaves', model: { kind: 'gbdt', nTrees: 10, maxDepth: 8, maxLeaves: 6 } } });
    expect(leafy.trees).toBeGreaterThan(0);
    await expect(call(s, 'jobs.start', { kind: 'train', config: { ...CONFIG, model: { kind: 'gbdt', maxLeaves: 1 } } })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/at least 2 leaves/) });
    await expect(call(s, 'jobs.start', { kind: 'train', config: { ...CONFIG, model: { kind: 'lasso', alpha: -1 } } })).rejects.toMatchObject({ code: 'invalid_argument', path: expect.stringMatching(/alpha/) });
  });

  it('promotes and rolls back versions with a production manifest, and ranks models on the leaderboard', async () => {
    await expect(call(s, 'models.promote', { model: 'es-dir' })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/es-dir@N/) });
    await call(s, 'models.promote', { model: 'es-dir@1' });
    const manifest = (): { models: { id: string; version: number; sha256: string }[] } => JSON.parse(fs.readFileSync(path.join(home, 'models', 'manifest.json'), 'utf8'));
    expect(manifest().models.map((m) => `${m.id}@${m.version}`)).toEqual(['es-dir@1']);
    await call(s, 'models.promote', { model: 'es-dir@2' });
    const stages = async () => (await call(s, 'models.list', {})).filter((m) => m.id === 'es-dir').map((m) => `${m.version}:${m.stage}`).sort();
    expect(await stages()).toEqual(['1:archived', '2:production']);
    expect(manifest().models).toEqual([expect.objectContaining({ id: 'es-dir', version: 2, features: expect.arrayContaining(['rsi_14']) })]);
    await expect(call(s, 'models.promote', { model: 'es-dir@2' })).rejects.toMatchObject({ code: 'conflict' });
    const back = await call(s, 'models.rollback', { id: 'es-dir' });
    expect(back.version).toBe(1);
    expect(await stages()).toEqual(['1:production', '2:archived']);
    expect(manifest().models.map((m) => m.version)).toEqual([1]);
    await expect(call(s, 'models.rollback', { id: 'es-logit' })).rejects.toMatchObject({ message: expect.stringMatching(/no version in production/) });
    // Demote: the production version is archived and leaves the manifest; nothing of es-dir trades until a promotion.
    expect(await call(s, 'models.demote', { id: 'es-dir' })).toMatchObject({ id: 'es-dir', version: 1, stage: 'archived' });
    expect(await stages()).toEqual(['1:archived', '2:archived']);
    expect(manifest().models).toEqual([]);
    await expect(call(s, 'models.demote', { id: 'es-dir' })).rejects.toMatchObject({ code: 'invalid_argument', path: 'id', message: expect.stringMatching(/es-dir has no version in production to demote/) });
    await call(s, 'models.promote', { model: 'es-dir@1' });
    expect(manifest().models.map((m) => m.version)).toEqual([1]);

    const board = await call(s, 'models.leaderboard', {});
    expect(board.length).toBe((await call(s, 'models.list', {})).length);
    // Without backtests the default score is 0.4 × balanced accuracy; regressors have none, so 0.
    for (const r of board) expect(r.score).toBeCloseTo(r.objective === 'binary' ? 0.4 * r.values.balanced_accuracy! : 0, 12);
    expect(board.map((r) => r.score)).toEqual([...board.map((r) => r.score)].sort((a, b) => b - a));
    // Where each can run, from its files: a GBDT with its tensorised export, or the tree operators on the CPU only.
    for (const r of board) {
      const dir = path.join(home, 'models', r.id, String(r.version));
      expect(r.runsOn, `${r.id}@${r.version}`).toEqual(fs.existsSync(path.join(dir, 'model.tensor.onnx')) ? 'CPU; GPU providers via the tensorised export' : expect.stringMatching(/^(CPU only \(.+ have no GPU kernels\)|any provider)$/));
    }
    expect(board.some((r) => /^CPU only \(.*TreeEnsemble/.test(r.runsOn) || r.runsOn.startsWith('CPU; GPU'))).toBe(true);
    const byAuc = await call(s, 'models.leaderboard', { formula: 'auc', minScore: 0 });
    expect(byAuc[0]!.score).toBe(Math.max(...byAuc.flatMap((r) => (r.values.auc === undefined ? [] : [r.values.auc]))));
    await expect(call(s, 'models.leaderboard', { formula: 'auc * foo' })).rejects.toMatchObject({ code: 'invalid_argument', path: 'formula', message: expect.stringMatching(/unknown name "foo"/) });
    expect(await call(s, 'models.leaderboard', { minScore: 2 })).toEqual([]);
  });

  it('imports XGBoost JSON and ONNX models, checked against a feature set; bad files register nothing', async () => {
    const fixtures = path.join(paths.root, 'tests', 'fixtures', 'models');
    const x = await call(s, 'models.import', { path: path.join(fixtures, 'xgb-binary.json'), name: 'xgb-dir' });
    expect(x).toMatchObject({ id: 'xgb-dir', version: 1, kind: 'xgboost', objective: 'binary', features: ['ibs', 'rsi_14', 'roc_4', 'atr_14'] });
    expect(x.featureOrder).toBeUndefined();
    // The same model as XGBoost's UBJSON (booster.save_model("model.ubj")).
    expect(await call(s, 'models.import', { path: path.join(fixtures, 'xgb-binary.ubj'), name: 'xgb-ubj' })).toMatchObject({ kind: 'xgboost', objective: 'binary', features: ['ibs', 'rsi_14', 'roc_4', 'atr_14'] });
    const lgb = await call(s, 'models.import', { path: path.join(fixtures, 'lgb-binary.txt'), name: 'lgb-dir', featureSet: 'm' });
    expect(lgb).toMatchObject({ kind: 'lightgbm', objective: 'binary', features: ['ibs', 'rsi_14', 'roc_4'], featureOrder: 'same' });
    const count = async () => (await call(s, 'models.list', {})).length;
    const before = await count();
    await expect(call(s, 'models.import', { path: path.join(fixtures, 'xgb-binary.json'), name: 'xgb-m', featureSet: 'm' })).rejects.toThrow(/feature set m lacks atr_14/);
    // An ONNX file exported by Quantdesk carries its feature names; it imports as it is.
    const onnx = path.join(home, 'models', 'es-dir', '1', 'model.onnx');
    const o = await call(s, 'models.import', { path: onnx, name: 'copied', featureSet: 'm' });
    expect(o).toMatchObject({ kind: 'onnx', objective: 'binary', featureOrder: 'same' });
    const dir = tempDir('qd-bad-models-');
    const bytes = fs.readFileSync(onnx);
    const cases: [string, Uint8Array | string, RegExp][] = [
      ['truncated.onnx', bytes.subarray(0, Math.floor(bytes.length / 2)), /truncated\.onnx: not a readable ONNX model|cannot load it/],
      ['empty.onnx', '', /empty\.onnx: the file is empty/],
      // One more opset_import (ModelProto field 8): domain com.evil, version 1.
      ['foreign.onnx', Buffer.concat([Buffer.from(bytes), Buffer.from([0x42, 0x0c, 0x0a, 0x08, ...Buffer.from('com.evil'), 0x10, 0x01])]), /operator domain com\.evil/],
      ['model.txt', 'tree\nversion=v3\n', /model\.txt: objective "" is not supported/],
      ['broken.json', '{"learner":', /broken\.json: not JSON/],
    ];
    for (const [name, content, re] of cases) {
      const f = path.join(dir, name);
      fs.writeFileSync(f, content);
      await expect(call(s, 'models.import', { path: f }), name).rejects.toThrow(re);
    }
    expect(await count()).toBe(before + 1);
  });

  it('imports sklearn-onnx classifiers (with or without ZipMap) as binary models predicting P(class 1), and refuses multi-output models by name', async () => {
    const fixtures = path.join(paths.root, 'tests', 'fixtures', 'models');
    fs.writeFileSync(path.join(home, 'feature-sets', 'm4.yml'), 'name: m4\ntimeframe: 15m\nsymbols: [ES]\nfeatures: "ibs, rsi(14), roc(4), atr(14)"\nlabels: [b1]\n');
    await runJob(s, { kind: 'features', set: 'm4' });
    // A LogisticRegression in the layout sklearn-onnx writes: a label output, then the probabilities tensor.
    const r = await call(s, 'models.import', { path: path.join(fixtures, 'skl-logistic.onnx'), name: 'skl-lr', featureSet: 'm4' });
    expect(r).toMatchObject({ kind: 'onnx', objective: 'binary', output: 'probabilities[:, 1]', features: ['ibs', 'rsi_14', 'roc_4', 'atr_14'] });
    expect((await call(s, 'models.get', { model: 'skl-lr@1' })).objective).toBe('binary');
    const { x, want } = readExpected('skl-logistic');
    const p = await call(s, 'models.predict', { model: 'skl-lr@1', columns: x, provider: 'cpu' });
    want.forEach((w, i) => expect(Math.abs(p.values[i]! - w), `row ${i}`).toBeLessThanOrEqual(1e-5));
    const runner = await ModelRunner.open(s.home, 'skl-lr', 1, 4, 'cpu');
    expect(await runner.predictRow(x.map((c) => c[7]!))).toBeCloseTo(want[7]!, 5);
    await runner.close();
    // sklearn-onnx's default layout: the probabilities reach the graph's output through a ZipMap (a list of class → probability maps).
    const z = await call(s, 'models.import', { path: path.join(fixtures, 'skl-logistic-zipmap.onnx'), name: 'skl-zip', featureSet: 'm4' });
    expect(z).toMatchObject({ kind: 'onnx', objective: 'binary', output: 'probabilities[:, 1], read before its ZipMap output_probability (removed: ONNX Runtime for Node returns no maps)' });
    const pz = await call(s, 'models.predict', { model: 'skl-zip@1', columns: x, provider: 'cpu' });
    want.forEach((w, i) => expect(Math.abs(pz.values[i]! - w), `zipmap row ${i}`).toBeLessThanOrEqual(1e-5));
    const count = (await call(s, 'models.list', {})).length;
    for (const [file, re] of [
      ['skl-two-targets.onnx', /skl-two-targets\.onnx: writes 2 values per row in "variable" \(a multi-output model\)/],
    ] as const) {
      await expect(call(s, 'models.import', { path: path.join(fixtures, file), featureSet: 'm4' }), file).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(re) });
    }
    expect((await call(s, 'models.list', {})).length).toBe(count);
  });

  it('imports CatBoost JSON models (told from XGBoost JSON by their content) predicting what CatBoost predicted; refuses what it cannot evaluate', async () => {
    const fixtures = path.join(paths.root, 'tests', 'fixtures', 'models');
    const dir = tempDir('qd-catboost-');
    const unpack = (name: string): string => {
      const f = path.join(dir, `${name}.json`);
      fs.writeFileSync(f, zlib.gunzipSync(fs.readFileSync(path.join(fixtures, `${name}.json.gz`))));
      return f;
    };
    for (const [name, objective] of [['cb-nan-as-true', 'binary'], ['cb-float-regression', 'regression']] as const) {
      const r = await call(s, 'models.import', { path: unpack(name) });
      expect(r, name).toMatchObject({ id: name, kind: 'catboost', objective, output: objective === 'binary' ? 'p' : 'yhat' });
      const { x, want } = readExpected(name);
      const p = await call(s, 'models.predict', { model: `${name}@1`, columns: x, provider: 'cpu' });
      want.forEach((w, i) => expect(Math.abs(p.values[i]! - w), `${name} row ${i}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(w))));
    }
    expect((await call(s, 'models.get', { model: 'cb-nan-as-true@1' })).kind).toBe('catboost');
    const count = (await call(s, 'models.list', {})).length;
    await expect(call(s, 'models.import', { path: unpack('cb-ctr-binary') })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/cb-ctr-binary\.json: the model has 1 categorical feature/) });
    await expect(call(s, 'models.import', { path: path.join(fixtures, 'xgb-binary.json'), format: 'catboost' })).rejects.toMatchObject({ message: expect.stringMatching(/xgb-binary\.json: not a CatBoost JSON model/) });
    expect((await call(s, 'models.list', {})).length).toBe(count);
  });

  it('imports LightGBM linear-tree models (linear_tree=true), predicting through ONNX Runtime what LightGBM predicted, missing values included', async () => {
    const fixtures = path.join(paths.root, 'tests', 'fixtures', 'models');
    for (const [name, objective] of [['lgb-cli-linear', 'regression'], ['lgb-cli-linear-binary', 'binary']] as const) {
      expect(await call(s, 'models.import', { path: path.join(fixtures, `${name}.txt`) }), name).toMatchObject({ id: name, kind: 'lightgbm', objective });
      const { x, want } = readExpected(name);
      const p = await call(s, 'models.predict', { model: `${name}@1`, columns: x, provider: 'cpu' });
      want.forEach((w, i) => expect(Math.abs(p.values[i]! - w), `${name} row ${i}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(w))));
    }
  });

  it('imports multiclass models from XGBoost, LightGBM, CatBoost and sklearn-onnx, predicting each class as its library did; one-probability paths refuse them by name', async () => {
    const fixtures = path.join(paths.root, 'tests', 'fixtures', 'models');
    const dir = tempDir('qd-multiclass-');
    const cb = path.join(dir, 'cb-multiclass-3.json');
    fs.writeFileSync(cb, zlib.gunzipSync(fs.readFileSync(path.join(fixtures, 'cb-multiclass-3.json.gz'))));
    for (const [file, kind, expected] of [[path.join(fixtures, 'xgb-softprob.json'), 'xgboost', 'xgb-softprob'], [path.join(fixtures, 'lgb-cli-multiclass.txt'), 'lightgbm', 'lgb-cli-multiclass'], [cb, 'catboost', 'cb-multiclass-3']] as const) {
      const r = await call(s, 'models.import', { path: file, name: `mc-${kind}` });
      expect(r, kind).toMatchObject({ kind, objective: 'multiclass', output: 'probabilities', classes: ['0', '1', '2'] });
      const { x, perClass } = readExpected(expected);
      const p = await call(s, 'models.predict', { model: `mc-${kind}@1`, columns: x, provider: 'cpu' });
      expect(p.classes).toEqual(['0', '1', '2']);
      perClass.forEach((ws, i) => {
        ws.forEach((w, c) => expect(Math.abs(p.probabilities![c]![i]! - w), `${kind} row ${i} class ${c}`).toBeLessThanOrEqual(1e-5));
        expect(p.values[i], `${kind} row ${i} most probable class`).toBe(ws.indexOf(Math.max(...ws)));
      });
    }
    // sklearn-onnx's layout (label + [rows, 3] probabilities) imports as it is.
    fs.writeFileSync(path.join(home, 'feature-sets', 'm4.yml'), 'name: m4\ntimeframe: 15m\nsymbols: [ES]\nfeatures: "ibs, rsi(14), roc(4), atr(14)"\nlabels: [b1]\n');
    await runJob(s, { kind: 'features', set: 'm4' });
    expect(await call(s, 'models.import', { path: path.join(fixtures, 'skl-three-class.onnx'), name: 'mc-skl', featureSet: 'm4' })).toMatchObject({ kind: 'onnx', objective: 'multiclass', classes: ['0', '1', '2'] });
    const { x } = readExpected('xgb-softprob');
    const sk = await call(s, 'models.predict', { model: 'mc-skl@1', columns: x, provider: 'cpu' });
    // A linear model has no missing-value rule (NaN in, NaN out): the rows with every feature.
    const whole = Array.from({ length: x[0]!.length }, (_, i) => i).filter((i) => x.every((col) => !Number.isNaN(col[i]!)));
    expect(whole.length).toBeGreaterThan(10);
    for (const i of whole) expect(sk.probabilities!.reduce((sum, col) => sum + col[i]!, 0)).toBeCloseTo(1, 5);
    // The CLI's predict writes one probability column per class.
    const csv = path.join(dir, 'rows.csv');
    fs.writeFileSync(csv, ['ibs,rsi_14,roc_4,atr_14', ...Array.from({ length: 5 }, (_, i) => x.map((col) => (Number.isNaN(col[i]!) ? '' : String(col[i]))).join(','))].join('\n'));
    const m = await call(s, 'models.get', { model: 'mc-xgboost@1' });
    await predictCsv({ dir: path.join(home, 'models', 'mc-xgboost', '1'), features: m.features, objective: m.objective, card: m.card, input: csv, out: path.join(dir, 'out.csv'), provider: 'cpu', tmpDir: dir });
    const lines = fs.readFileSync(path.join(dir, 'out.csv'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('ibs,rsi_14,roc_4,atr_14,p_0,p_1,p_2');
    const want = readExpected('xgb-softprob').perClass;
    lines.slice(1).forEach((l, i) => l.split(',').slice(4).forEach((v, c) => expect(Math.abs(Number(v) - want[i]![c]!)).toBeLessThanOrEqual(1e-5)));
    // models check reports how often each class comes out on top on the latest rows of the build.
    const c = await call(s, 'models.check', { model: 'mc-skl@1', provider: 'cpu', rows: 200 });
    expect(c).toMatchObject({ model: 'mc-skl@1', rows: 200, threshold: null });
    expect(c.engine).toEqual({ kind: 'onnxruntime', why: 'its graph is not a plain tree ensemble' });
    expect(Object.keys(c.classShare!)).toEqual(['0', '1', '2']);
    expect(Object.values(c.classShare!).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(c.min).toBeGreaterThanOrEqual(1 / 3);
    expect(c.max).toBeLessThanOrEqual(1);
    // Backtests, trade filters and paper trading read one probability per row: a multiclass model is refused there by name.
    const runner = await ModelRunner.open(s.home, 'mc-xgboost', 1, 4, 'cpu');
    await expect(runner.predictBatch(x)).rejects.toThrow(/mc-xgboost@1: a 3-class model \(its "probabilities" holds 3 probabilities per row\), where this reads one prediction per row/);
    await runner.close();
  });

  it("imports the files sklearn-onnx's own tests wrote (ZipMap outputs, inputs declared for one row) predicting what scikit-learn predicted", async () => {
    const fixtures = path.join(paths.root, 'tests', 'fixtures', 'models');
    fs.writeFileSync(path.join(home, 'feature-sets', 'two.yml'), 'name: two\ntimeframe: 15m\nsymbols: [ES]\nfeatures: "ibs, rsi(14)"\nlabels: [b1]\n');
    fs.writeFileSync(path.join(home, 'feature-sets', 'three.yml'), 'name: three\ntimeframe: 15m\nsymbols: [ES]\nfeatures: "ibs, rsi(14), roc(4)"\nlabels: [b1]\n');
    await runJob(s, { kind: 'features', set: 'two' });
    await runJob(s, { kind: 'features', set: 'three' });
    for (const [name, set, objective] of [['sko-gb-binary', 'two', 'binary'], ['sko-gb-regression', 'two', 'regression'], ['sko-rf-multi', 'two', 'multiclass'], ['sko-logistic-multi', 'three', 'multiclass']] as const) {
      const r = await call(s, 'models.import', { path: path.join(fixtures, `${name}.onnx`), featureSet: set });
      expect(r, name).toMatchObject({ id: name, kind: 'onnx', objective });
      expect(r.output, name).toMatch(/; input(, label|, variable)? declared for one row, read for any number of rows$/);
      if (objective !== 'regression') expect(r.output, name).toMatch(/read before its ZipMap probabilities \(removed/);
      const { x, perClass } = readExpected(name);
      const p = await call(s, 'models.predict', { model: `${name}@1`, columns: x, provider: 'cpu' });
      perClass.forEach((ws, i) =>
        ws.forEach((w, c) => {
          const got = objective === 'multiclass' ? p.probabilities![c]![i]! : p.values[i]!;
          expect(Math.abs(got - w), `${name} row ${i} class ${c}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(w)));
        }),
      );
    }
  });

  it('runs registered models through ONNX Runtime in batches and per row, reporting the provider', async () => {
    const m = await call(s, 'models.get', { model: 'es-dir@1' });
    const columns = m.features.map((_, f) => Float64Array.from({ length: 64 }, (_, i) => Math.sin(i + f) * 50 + 50));
    columns[0]![3] = Number.NaN;
    const r = await call(s, 'models.predict', { model: 'es-dir@1', columns, provider: 'cpu' });
    expect(r.provider).toBe('cpu');
    expect(r.values).toHaveLength(64);
    const runner = await ModelRunner.open(s.home, 'es-dir', 1, m.features.length, 'cpu');
    for (const i of [0, 3, 63]) expect(await runner.predictRow(columns.map((c) => c[i]!))).toBeCloseTo(r.values[i]!, 6);
    await runner.close();
    const auto = await call(s, 'models.predict', { model: 'es-dir@1', columns });
    expect(['cuda', 'webgpu', 'cpu']).toContain(auto.provider);
    await expect(call(s, 'models.predict', { model: 'es-dir@1', columns: columns.slice(1) })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/reads 6 features/) });
  });

  it('checks a model on the latest rows of its feature build, reporting the provider and the spread of its predictions', async () => {
    const c = await call(s, 'models.check', { model: 'es-dir@1', provider: 'cpu', rows: 300 });
    expect(c).toMatchObject({ model: 'es-dir@1', symbols: ['ES'], rows: 300, provider: 'cpu', fallback: null, threshold: 0.5 });
    // Where the runtime ran each node, from its own profile: the tree ensemble on the CPU.
    expect(c.placement.nodes.find((n) => n.op.startsWith('TreeEnsemble'))).toMatchObject({ provider: 'cpu', count: 1 });
    expect(c.placement.summary).toMatch(/^ran on CPU \(\d+ nodes?\)$/);
    // The batch was served by the compiled trees, checked against ONNX Runtime on the same rows.
    expect(c.engine.kind).toBe('compiled');
    expect(c.engine.kind === 'compiled' && c.engine.maxDiff).toBeLessThanOrEqual(1e-6);
    expect(c.to).toBeGreaterThan(c.from);
    expect(new Date(c.to).toISOString()).toMatch(/^2024-03-2\d/);
    expect(c.min).toBeGreaterThan(0);
    expect(c.max).toBeLessThan(1);
    expect(c.mean).toBeGreaterThan(c.min);
    expect(c.mean).toBeLessThan(c.max);
    expect(c.aboveThreshold).toBeGreaterThanOrEqual(0);
    expect(c.aboveThreshold).toBeLessThanOrEqual(1);
    // The same rows through the batch API give the same mean.
    const m = await call(s, 'models.get', { model: 'es-dir@1' });
    const sql = await call(s, 'lake.sql', { query: `SELECT ${m.features.map((f) => `"${f}"::DOUBLE`).join(', ')} FROM (SELECT * FROM read_parquet('${path.join(home, 'lake', 'silver', 'features', 'm', '*', 'symbol=ES', '*', '*.parquet')}') ORDER BY ts DESC LIMIT 300) ORDER BY ts` });
    const columns = m.features.map((_, f) => Float64Array.from(sql.rows, (r) => (r[f] === null ? Number.NaN : Number(r[f]))));
    const batch = await call(s, 'models.predict', { model: 'es-dir@1', columns, provider: 'cpu' });
    expect(batch.values.reduce((a, b) => a + b, 0) / 300).toBeCloseTo(c.mean, 5);
    await expect(call(s, 'models.check', { model: 'xgb-dir' })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/xgb-dir@1 names no feature set/) });
    await expect(call(s, 'models.check', { model: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('gates a backtest with a model’s probabilities at its threshold, and the backtest joins the model on the leaderboard', async () => {
    const plain = await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: ['ES'], timeframe: '15m', commission: 2.5 });
    const gated = await job<BacktestSummary>({ kind: 'backtest', strategy: 'ibs', symbols: ['ES'], timeframe: '15m', commission: 2.5, model: 'es-thr@1' });
    const card = JSON.parse(fs.readFileSync(path.join(home, 'models', 'es-thr', '1', 'card.json'), 'utf8'));
    expect(gated).toMatchObject({ strategy: 'ibs+ml', model: 'es-thr@1', threshold: card.threshold.value });
    expect(gated.metrics.trades).toBeGreaterThan(0);
    expect(gated.metrics.trades).toBeLessThan(plain.metrics.trades);
    // Every gated entry's signal bar had the model at or above its threshold: check through the batch API.
    const d = await call(s, 'backtest.get', { runId: gated.runId });
    const m = await call(s, 'models.get', { model: 'es-thr@1' });
    const sql = await call(s, 'lake.sql', { query: `SELECT epoch_ms(ts)::DOUBLE, ${m.features.map((f) => `"${f}"::DOUBLE`).join(', ')} FROM read_parquet('${path.join(home, 'lake', 'silver', 'features', 'm', '*', 'symbol=ES', '*', '*.parquet')}') ORDER BY ts` });
    const p = await call(s, 'models.predict', { model: 'es-thr@1', columns: m.features.map((_, f) => Float64Array.from(sql.rows, (r) => (r[f + 1] === null ? Number.NaN : Number(r[f + 1])))), provider: 'cpu' });
    const at = new Map(sql.rows.map((r, i) => [Number(r[0]), p.values[i]!]));
    for (const t of d.trades.signalTime) expect(at.get(t)!).toBeGreaterThanOrEqual(card.threshold.value - 1e-6);
    const row = (await call(s, 'models.leaderboard', {})).find((r) => r.id === 'es-thr' && r.version === 1)!;
    expect(row.values.sharpe).toBeCloseTo(gated.metrics.sharpe, 12);
    expect(row.values.trades).toBe(gated.metrics.trades);
    await expect(job({ kind: 'backtest', strategy: 'ibs', symbols: ['ES'], timeframe: '15m', model: 'xgb-dir' })).rejects.toThrow(/names no feature set|is a regressor/);
  });

  it('trains a trade filter per instrument: meta-labels of the strategy’s trades, a threshold on validation, gated and ungated test backtests', async () => {
    const r = await job<FilterResult>({ kind: 'filter', strategy: 'ibs', symbols: ['ES'], set: 'm', commission: 2.5 });
    const es = r.symbols[0]!;
    expect(es.model).toBe('filter-ibs-es@1');
    expect(es.trades.total).toBeGreaterThanOrEqual(100);
    expect(es.trades.train + es.trades.validation + es.trades.test).toBeLessThanOrEqual(es.trades.total);
    expect(es.threshold).toBeGreaterThan(0);
    expect(es.threshold).toBeLessThan(1);
    expect(es.test.gated).toMatchObject({ model: 'filter-ibs-es@1', threshold: es.threshold, strategy: 'ibs+ml' });
    expect(es.test.gated.metrics.trades).toBeLessThanOrEqual(es.test.ungated.metrics.trades);
    expect(new Date(es.test.gated.from).toISOString().slice(0, 10) >= es.test.from).toBe(true);
    const card = JSON.parse(fs.readFileSync(path.join(home, 'models', 'filter-ibs-es', '1', 'card.json'), 'utf8'));
    expect(card).toMatchObject({ label: 'label_meta_ibs', featureSet: 'm', filter: { strategy: 'ibs', run: r.runs.ES, trades: es.trades.total } });
    expect(card.threshold.value).toBe(es.threshold);
    const row = (await call(s, 'models.leaderboard', {})).find((x) => x.id === 'filter-ibs-es')!;
    expect(row.values.sharpe).toBeCloseTo(es.test.gated.metrics.sharpe, 12);
    await expect(job({ kind: 'filter', strategy: 'ibs', symbols: ['NQ'], set: 'm' })).rejects.toThrow(/build m@[0-9a-f]+ has no NQ/);
    await expect(job({ kind: 'filter', strategy: 'ibs', symbols: ['ES'], set: 'm', model: { kind: 'svm' } })).rejects.toThrow(/filter model: model.kind: expected model.kind gbdt/);
  });

  it('refuses configs naming unknown features or labels before anything runs', async () => {
    await expect(call(s, 'jobs.start', { kind: 'train', config: { ...CONFIG, features: ['ibs', 'nope_3'] } })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/unknown features nope_3: build m@[0-9a-f]+ has ibs, rsi_14/) });
    await expect(call(s, 'jobs.start', { kind: 'train', config: { ...CONFIG, label: 'label_zz' } })).rejects.toMatchObject({ message: expect.stringMatching(/unknown label label_zz/) });
  });

  it('predicts from the CLI on a CSV of the model features, reporting the provider, and names missing columns', async () => {
    await s.close();
    const feats = path.join(home, 'features.csv');
    const q = qd(['--home', home, 'sql', "SELECT ts, ibs, rsi_14, roc_4, macd_12_26_9, macd_12_26_9_signal, macd_12_26_9_hist FROM read_parquet('" + path.join(home, 'lake', 'silver', 'features', 'm', '*', 'symbol=ES', '*', '*.parquet') + "') ORDER BY ts LIMIT 50", '--json']);
    expect(q.code, q.err).toBe(0);
    const res = JSON.parse(q.out) as { columns: { name: string }[]; rows: unknown[][] };
    fs.writeFileSync(feats, [res.columns.map((c) => c.name).join(','), ...res.rows.map((r) => r.map((v) => (v === null ? '' : String(v))).join(','))].join('\n'));
    const out = path.join(home, 'pred.csv');
    const r = qd(['--home', home, 'predict', '--model', 'es-dir@1', '--input', feats, '--out', out, '--provider', 'webgpu']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/provider: (webgpu|cpu)/);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toMatch(/,p$/);
    expect(lines).toHaveLength(51);
    for (const l of lines.slice(1)) {
      const p = Number(l.split(',').pop());
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
    // Training from the CLI: a YAML config file in, the model's id, version and metrics out.
    const cfgFile = path.join(home, 'rf.yml');
    fs.writeFileSync(cfgFile, 'name: es-cli\nfeatureSet: m\nlabel: label_b1\nmodel:\n  kind: forest\n  nTrees: 10\n  maxDepth: 4\n');
    const trained = qd(['--home', home, 'train', '--config', cfgFile, '--json']);
    expect(trained.code, trained.err).toBe(0);
    const model = JSON.parse(trained.out) as { id: string; version: number; metrics: { test: { auc: number } } };
    expect(model).toMatchObject({ id: 'es-cli', version: 1 });
    expect(model.metrics.test.auc).toBeGreaterThan(0);
    fs.writeFileSync(cfgFile, 'name: es-cli\nfeatureSet: m\nlabel: label_b1\nmodel:\n  kind: svm\n');
    const badCfg = qd(['--home', home, 'train', '--config', cfgFile]);
    expect(badCfg.code).toBe(2);
    expect(badCfg.err).toContain(`${cfgFile}: line 5: model.kind: expected model.kind gbdt`);
    // The trade filter from the CLI: a second version of the ES filter, with its gated test backtest.
    const filtered = qd(['--home', home, 'filter', 'train', '--strategy', 'ibs', '--symbols', 'ES', '--set', 'm', '--commission', '2.5', '--json']);
    expect(filtered.code, filtered.err).toBe(0);
    expect((JSON.parse(filtered.out) as FilterResult).symbols[0]!.model).toBe('filter-ibs-es@2');
    expect(qd(['--home', home, 'filter', 'fit']).err).toMatch(/expected `filter train/);
    const check = qd(['--home', home, 'models', 'check', 'es-dir@1', '--provider', 'cpu', '--rows', '100', '--json']);
    expect(check.code, check.err).toBe(0);
    expect(check.err).toMatch(/^provider: cpu; ran on CPU \(\d+ nodes?\); served by compiled trees \(JavaScript on the CPU; largest difference from ONNX Runtime \d\.\de[-+]\d+\)$/m);
    expect(JSON.parse(check.out)).toMatchObject({ model: 'es-dir@1', rows: 100, provider: 'cpu' });
    // The default provider is a setting: auto tries the platform's list (falling back, with the reason), cpu does not.
    const probe = qd(['--home', home, 'provider', '--json']);
    expect(probe.code, probe.err).toBe(0);
    const settings = JSON.parse(probe.out) as { provider: string; platformOrder: string[]; providers: { provider: string; available: boolean; reason?: string }[] };
    expect(settings.provider).toBe('auto');
    // Each provider that loads runs a one-tree ensemble under ONNX Runtime's profiler: the CPU runs it itself; a GPU provider, here or elsewhere, is said to leave it to the CPU.
    expect(settings.providers.find((x) => x.provider === 'cpu')).toEqual({ provider: 'cpu', available: true, trees: 'cpu' });
    for (const x of settings.providers.filter((y) => y.available && y.provider !== 'cpu')) expect((x as { trees?: string }).trees).toBe('cpu (tree operators have no GPU kernels)');
    expect(settings.providers.filter((x) => !x.available).every((x) => (x.reason ?? '').length > 0)).toBe(true);
    // The probe runs in a child process: the GPU loaders' noise stays out of the host's output, and reasons carry no C++ source paths.
    expect(probe.err).toBe('');
    expect(settings.providers.filter((x) => /\.(cc|cpp|h):\d+|onnxruntime::/.test(x.reason ?? ''))).toEqual([]);
    const auto = JSON.parse(qd(['--home', home, 'models', 'check', 'es-dir@1', '--rows', '10', '--json']).out) as { provider: string; fallback: string | null };
    const firstAvailable = settings.platformOrder.find((p) => settings.providers.find((x) => x.provider === p)?.available);
    expect(auto.provider).toBe(firstAvailable);
    if (firstAvailable !== settings.platformOrder[0]) expect(auto.fallback).toMatch(/is not available here/);
    expect(auto.fallback ?? '').not.toMatch(/\.(cc|cpp|h):\d+|onnxruntime::/);
    expect(qd(['--home', home, 'provider', 'cpu']).code).toBe(0);
    expect(JSON.parse(qd(['--home', home, 'models', 'check', 'es-dir@1', '--rows', '10', '--json']).out)).toMatchObject({ provider: 'cpu', fallback: null });
    expect(qd(['--home', home, 'provider', 'tpu']).err).toMatch(/--provider: expected auto or one of cpu/);
    const badProvider = qd(['--home', home, 'models', 'check', 'es-dir@1', '--provider', 'tpu']);
    expect(badProvider.code).toBe(2);
    expect(badProvider.err).toMatch(/--provider: expected auto or one of cpu, .* got tpu/);
    fs.writeFileSync(feats, 'ts,ibs\n2024-01-01,0.5\n');
    const bad = qd(['--home', home, 'predict', '--model', 'es-dir', '--input', feats, '--out', path.join(home, 'never.csv')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/the model needs columns rsi_14, roc_4/);
    expect(fs.existsSync(path.join(home, 'never.csv'))).toBe(false);
    const board = qd(['--home', home, 'leaderboard', '--json']);
    expect(board.code, board.err).toBe(0);
    expect(JSON.parse(board.out)).toMatchObject({ formula: '0.4 * balanced_accuracy + 0.6 * min(sharpe / 3, 1)', models: expect.any(Array) });
    const badFormula = qd(['--home', home, 'leaderboard', '--score', 'auc * foo']);
    expect(badFormula.code).toBe(2);
    expect(badFormula.err).toMatch(/unknown name "foo"/);
    const promote = qd(['--home', home, 'models', 'promote', 'es-dir@2']);
    expect(promote.code, promote.err).toBe(0);
    expect(promote.out.trim()).toBe('es-dir@2 is in production');
    s = await openServices(home);
  });
});
