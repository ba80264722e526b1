import path from 'node:path';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureBuildResult } from '../core/node/features/silver-build';
import type { TrainResult } from '../core/node/models/train';
import { ModelRunner } from '../core/node/models/runner';
import type { Services } from '../core/node/services';
import { backfill, call, openServices, runJob, tempDir, until } from './helpers';

const SET = `name: esgex
timeframe: 2m
symbols: [ES]
evaluate: { from: '09:30', to: '13:30' }
features: [keylevels, atr(14)]
options: ['gex(1,2,3)']
labels: ['tbp(3,3,15)']
`;
const LABEL = 'label_tbp_3_3_15_up';

/**
 * A classifier trained on the level pipeline's gamma-exposure features gating a replay of the demo
 * lake: the replay is served, at each close, the option features the build computed from the stored
 * options, so its probabilities are the model run on the build's rows; a live session, whose feed
 * carries no options, is refused by name.
 */
describe('a model on option features gating a paper replay', () => {
  const home = tempDir('qd-paper-gex-');
  const file = path.join(home, 'esgex.json');
  let s: Services;
  let model: TrainResult;
  let build: FeatureBuildResult;

  beforeAll(async () => {
    s = await openServices(home);
    fs.mkdirSync(path.join(home, 'feature-sets'), { recursive: true });
    fs.writeFileSync(path.join(home, 'feature-sets', 'esgex.yml'), SET);
    await backfill(s, ['ES'], '2026-08-31', '2026-09-09');
    await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2026-08-31', to: '2026-09-09', schema: 'options' });
    build = await runJob<FeatureBuildResult>(s, { kind: 'features', set: 'esgex' });
    model = await runJob<TrainResult>(s, { kind: 'train', config: { name: 'esgex', featureSet: 'esgex', label: LABEL, model: { kind: 'gbdt', nTrees: 20, maxDepth: 3, learningRate: 0.1 }, split: { validation: 0.2, test: 0.2, embargo: 15 }, seed: 3 } });
    fs.writeFileSync(file, JSON.stringify({ instruments: [{ name: 'ES', symbol: 'ES', run: 'by hand', strategy: 'ibs', params: { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 0 }, timeframe: '2m', model: 'esgex@1', threshold: 0.5 }], maxPositions: 1, sizing: { kind: 'fixed', contracts: 1 }, riskLimits: {}, objective: 'sharpe', split: '2026-08-31' }));
  }, 240_000);
  afterAll(async () => s?.close());

  it('serves the replay the stored options’ features: its probabilities are the model on the build’s rows', async () => {
    expect(model.features.filter((f) => f.startsWith('gex_')).length).toBeGreaterThan(10);
    const replay = await call(s, 'paper.session.start', { portfolio: file, from: '2026-09-09', to: '2026-09-09', speed: 'max' });
    const done = await until(async () => ((x) => (x.status === 'finished' || x.status === 'failed' ? x : undefined))((await call(s, 'paper.sessions', {})).find((x) => x.id === replay.id)!), 'the replay', 120_000);
    expect(done.status, done.error ?? '').toBe('finished');
    const db = new Database(path.join(home, 'journal.sqlite'), { readonly: true });
    const predicted = db.prepare('SELECT t, p FROM paper_predictions WHERE session = ? ORDER BY t').all(replay.id) as { t: number; p: number }[];
    db.close();
    // 09:30–13:30 New York (EDT): 120 two-minute bars.
    expect(predicted.map((x) => x.t)).toEqual(Array.from({ length: 120 }, (_, i) => Date.parse('2026-09-09T13:30:00Z') + i * 120_000));
    const rows = await call(s, 'lake.sql', {
      query: `SELECT epoch_ms(ts), ${model.features.map((f) => `"${f}"::DOUBLE`).join(', ')} FROM read_parquet('${path.join(home, 'lake', build.dir, 'symbol=ES')}/*/part-0.parquet') WHERE ts >= '2026-09-09 13:30' AND ts < '2026-09-09 17:30' ORDER BY ts`,
      limit: 1000,
    });
    expect(rows.rows.map((x) => x[0])).toEqual(predicted.map((x) => x.t));
    const columns = model.features.map((_, j) => Float64Array.from(rows.rows, (x) => (x[j + 1] === null ? Number.NaN : (x[j + 1] as number))));
    // The option features are there (not NaN) at these closes: the replay is served real values.
    const gexNet = columns[model.features.indexOf('gex_net')]!;
    expect(Array.from(gexNet).filter(Number.isFinite).length).toBeGreaterThan(100);
    const runner = await ModelRunner.fromBytes(fs.readFileSync(path.join(home, 'models', 'esgex', '1', 'model.onnx')), model.features.length, 'cpu');
    try {
      const want = await runner.predictBatch(columns);
      predicted.forEach((x, i) => expect(x.p, new Date(x.t).toISOString()).toBeCloseTo(want[i]!, 5));
      // Mutation check: the same rows with the option features zeroed predict otherwise somewhere.
      const zeroed = columns.map((c, j) => (model.features[j]!.startsWith('gex_') ? new Float64Array(c.length) : c));
      const other = await runner.predictBatch(zeroed);
      expect(predicted.some((x, i) => Math.abs(x.p - other[i]!) > 1e-4)).toBe(true);
    } finally {
      await runner.close();
    }
  }, 180_000);

  it('refuses a live session for the model, saying only the lake can serve its option features', async () => {
    process.env.POLYGON_API_KEY = 'pg-test';
    try {
      const live = await call(s, 'paper.session.start', { portfolio: file, live: 'ws://127.0.0.1:9/stocks' }).catch((e: Error) => e);
      const message = live instanceof Error ? live.message : ((await until(async () => ((x) => (x.status === 'failed' ? x : undefined))((await call(s, 'paper.sessions', {})).find((x) => x.id === live.id)!), 'the refusal', 30_000)).error ?? '');
      expect(message).toContain("ES: esgex@1 reads option features (gex(1,2,3)), which only the lake's stored options can serve: no live feed carries options' quotes; replay it from the lake");
    } finally {
      delete process.env.POLYGON_API_KEY;
    }
  });
});
