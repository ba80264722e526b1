import path from 'node:path';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaperSessionInfo } from '../core/common/trading/types';
import { demoSession, generateSession } from '../core/node/demo/demo-market';
import { generateBookSession } from '../core/node/demo/demo-book';
import { encodeDbnBook } from '../core/node/ingest/dbn-encode';
import type { FeatureBuildResult } from '../core/node/features/silver-build';
import type { TrainResult } from '../core/node/models/train';
import { ModelRunner } from '../core/node/models/runner';
import type { Services } from '../core/node/services';
import { startFakeGateway, type FakeGateway } from './fake-databento-gateway';
import { backfill, call, openServices, runJob, tempDir, until } from './helpers';

const KEY = 'db-BOOKMODEL0123456789abcdefghij';
/** The es-levels pipeline with barriers the demo market reaches within half an hour. */
const SET = fs.readFileSync(path.join(__dirname, '..', 'resources', 'feature-sets', 'es-levels.yml'), 'utf8').replace('name: es-levels', 'name: es-lv').replace('tbp(75,75,120)', 'tbp(3,3,15)');
const LABEL = 'label_tbp_3_3_15_up';

/** Bars, book and the es-lv build of the days before the session, as both homes hold them. */
async function history(s: Services, home: string, to: string): Promise<FeatureBuildResult> {
  fs.mkdirSync(path.join(home, 'feature-sets'), { recursive: true });
  fs.writeFileSync(path.join(home, 'feature-sets', 'es-lv.yml'), SET);
  await backfill(s, ['ES'], '2024-03-01', to);
  await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2024-03-01', to: '2024-03-04', schema: 'mbp-10' });
  return runJob<FeatureBuildResult>(s, { kind: 'features', set: 'es-lv' });
}

type Prediction = { t: number; p: number };
const predictionsOf = (home: string, session: string): Prediction[] => {
  const db = new Database(path.join(home, 'journal.sqlite'), { readonly: true });
  try {
    return db.prepare('SELECT t, p FROM paper_predictions WHERE session = ? ORDER BY t').all(session) as Prediction[];
  } finally {
    db.close();
  }
};

/**
 * A classifier blended with kNN retrieval, trained on the level pipeline's book features, gating a
 * live paper session fed by Databento's gateway (a local one replaying 90 minutes of the demo ES
 * book): it is served the book features a build computes, predicts only the hours its set evaluates,
 * names the neighbours behind each prediction, and a replay of the stored session gives the same.
 */
describe('a model on book features gating a live paper session', () => {
  const home = tempDir('qd-paper-bookmodel-');
  const file = path.join(home, 'es-lv.json');
  let s: Services;
  let gw: FakeGateway;
  let model: TrainResult;
  // 09:00–10:30 New York: the first half hour is outside the set's evaluation hours (from 09:30).
  const from = Date.parse('2024-03-05T14:00:00Z');
  const to = from + 90 * 60_000;
  const open = Date.parse('2024-03-05T14:30:00Z');
  const book = generateBookSession('ES', 1, demoSession('ES', '2024-03-05'), {}, from, to);
  let live: { id: string };

  beforeAll(async () => {
    process.env.QUANTDESK_LIVE_MAX_AGE_HOURS = String(24 * 365 * 10);
    process.env.DATABENTO_API_KEY = KEY;
    s = await openServices(home);
    await history(s, home, '2024-03-04');
    model = await runJob<TrainResult>(s, { kind: 'train', config: { name: 'es-lv', featureSet: 'es-lv', label: LABEL, model: { kind: 'gbdt', nTrees: 20, maxDepth: 3, learningRate: 0.1 }, blendKnn: { k: 5, weight: 0.5 }, split: { validation: 0.2, test: 0.2, embargo: 15 }, seed: 3 } });
    // The session's own morning up to the live feed, from a file.
    const m = generateSession('ES', 1, demoSession('ES', '2024-03-05'));
    const csv = ['time,open,high,low,close,volume', ...Array.from(m.t, (t, i) => (t >= Date.parse('2024-03-05') && t < from ? `${new Date(t).toISOString()},${m.o[i]},${m.h[i]},${m.l[i]},${m.c[i]},${m.v[i]}` : '')).filter(Boolean)].join('\n');
    fs.writeFileSync(path.join(home, 'es-morning.csv'), csv);
    await runJob(s, { kind: 'import', paths: [path.join(home, 'es-morning.csv')], symbol: 'ES', tz: 'UTC', calendar: 'cme' });
    fs.writeFileSync(file, JSON.stringify({ instruments: [{ name: 'ES', symbol: 'ES', run: 'by hand', strategy: 'ibs', params: { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 0 }, timeframe: '2m', model: 'es-lv@1', threshold: 0.5 }], maxPositions: 1, sizing: { kind: 'fixed', contracts: 1 }, riskLimits: {}, objective: 'sharpe', split: '2024-03-01' }));
    // The first connection falls silent two fifths of the way through, as a session would be when the app closes.
    gw = await startFakeGateway({ key: KEY, book, symbol: 'ES', stallAfter: Math.floor(book.tsRecvNs.length * 0.4) });
  }, 180_000);
  afterAll(async () => {
    delete process.env.QUANTDESK_LIVE_MAX_AGE_HOURS;
    delete process.env.DATABENTO_API_KEY;
    delete process.env.POLYGON_API_KEY;
    await gw?.close();
    await s?.close();
  });

  it('predicts every evaluated 2-minute close from the feed’s book as the model predicts a build of the same bars and book, through a restart of the app, and shows the neighbours behind the last prediction', async () => {
    expect(model.features).toEqual(expect.arrayContaining(['ofi_300_peak', 'depth_absorb', 'micro_dev', 'kl_or_near_atr']));
    live = await call(s, 'paper.session.start', { portfolio: file, live: `dbn://127.0.0.1:${gw.port}/GLBX.MDP3`, features: 'es-lv' });
    const session = async (): Promise<PaperSessionInfo> => (await call(s, 'paper.sessions', {})).find((x) => x.id === live.id)!;
    await until(async () => ((x) => (x.bars >= 15 ? x : undefined))(await session()), 'fifteen 2-minute bars', 90_000);
    // The app closes mid-session and starts again: the session resumes from its journal, and the
    // gateway replays from ten minutes before its last bar (the minutes it missed, the book's windows).
    await s.close();
    s = await openServices(home);
    await until(async () => ((x) => (x.bars >= 45 ? x : undefined))(await session()), 'forty-five 2-minute bars after the restart', 90_000);
    const info = await session();
    await call(s, 'paper.session.control', { session: live.id, action: 'stop' });
    await until(async () => ((x) => (x.status === 'stopped' ? x : undefined))(await session()), 'the stop');
    expect(gw.connections).toBe(2);

    // Every 2-minute bar once, through the restart; one prediction per close from 09:30 New York on, none in the half hour before.
    const db = new Database(path.join(home, 'journal.sqlite'), { readonly: true });
    const bars = (db.prepare('SELECT t FROM paper_bars WHERE session = ? ORDER BY seq').all(live.id) as { t: number }[]).map((x) => x.t);
    const featureRows = (db.prepare("SELECT data FROM paper_events WHERE session = ? AND kind = 'features' ORDER BY seq").all(live.id) as { data: string }[]).map((x) => JSON.parse(x.data) as { t: number; values: Record<string, number | null> });
    db.close();
    expect(bars).toEqual(Array.from({ length: 45 }, (_, i) => from + i * 120_000));
    const predicted = predictionsOf(home, live.id);
    expect(predicted.map((x) => x.t)).toEqual(Array.from({ length: 30 }, (_, i) => open + i * 120_000));
    expect(featureRows.map((x) => x.t)).toEqual(predicted.map((x) => x.t));

    // The same bars and book in another home, built: the model run on the build's rows gives the live probabilities.
    const ref = tempDir('qd-paper-bookmodel-ref-');
    const r = await openServices(ref);
    try {
      await history(r, ref, '2024-03-05');
      fs.writeFileSync(path.join(ref, 'live.dbn'), encodeDbnBook({ dataset: 'GLBX.MDP3', schema: 'mbp-10', start: 0n, end: null, stypeIn: 1, stypeOut: 0, symbols: ['ES'], mappings: [{ rawSymbol: 'ES', intervals: [{ startDate: 20240301, endDate: 20240401, symbol: String(book.instrumentId[0]) }] }] }, book));
      await runJob(r, { kind: 'import', paths: [path.join(ref, 'live.dbn')] });
      const build = await runJob<FeatureBuildResult>(r, { kind: 'features', set: 'es-lv' });
      const rows = await call(r, 'lake.sql', { query: `SELECT epoch_ms(ts), ${model.features.map((f) => `"${f}"::DOUBLE`).join(', ')} FROM read_parquet('${path.join(ref, 'lake', build.dir, 'symbol=ES')}/*/part-0.parquet') WHERE ts >= '2024-03-05 14:30' AND ts < '2024-03-05 15:30' ORDER BY ts`, limit: 100 });
      expect(rows.rows.map((x) => x[0])).toEqual(predicted.map((x) => x.t));
      const columns = model.features.map((_, j) => Float64Array.from(rows.rows, (x) => (x[j + 1] === null ? Number.NaN : (x[j + 1] as number))));
      // The journaled feature rows, before and after the restart, are the build's too.
      const names = Object.keys(featureRows[0]!.values);
      const built = await call(r, 'lake.sql', { query: `SELECT ${names.map((n) => `"${n}"::DOUBLE`).join(', ')} FROM read_parquet('${path.join(ref, 'lake', build.dir, 'symbol=ES')}/*/part-0.parquet') WHERE ts >= '2024-03-05 14:30' AND ts < '2024-03-05 15:30' ORDER BY ts`, limit: 100 });
      built.rows.forEach((b, i) =>
        names.forEach((n, j) => {
          const want = b[j] as number | null;
          const got = featureRows[i]!.values[n] ?? null;
          if (want === null || got === null) expect(got, `${n} at ${i}`).toBe(want);
          else expect(got, `${n} at ${new Date(featureRows[i]!.t).toISOString()}`).toBeCloseTo(want, 9);
        }),
      );
      const runner = await ModelRunner.fromBytes(fs.readFileSync(path.join(home, 'models', 'es-lv', '1', 'model.onnx')), model.features.length, 'cpu');
      try {
        const want = await runner.predictBatch(columns);
        predicted.forEach((x, i) => expect(x.p, new Date(x.t).toISOString()).toBeCloseTo(want[i]!, 5));
      } finally {
        await runner.close();
      }
    } finally {
      await r.close();
    }
    // The spread of the probabilities: the book features move them, they are not one constant.
    expect(new Set(predicted.map((x) => x.p.toFixed(4))).size).toBeGreaterThan(3);

    // The monitor: the last prediction's five neighbours are training events, each with its outcome as the build holds it.
    const m = info.models![0]!;
    expect(m.predictions).toBe(30);
    expect(m.lastT).toBe(predicted.at(-1)!.t);
    expect(m.lastProbability).toBeCloseTo(predicted.at(-1)!.p, 6);
    expect(m.neighbours).toHaveLength(5);
    const card = await call(s, 'models.get', { model: 'es-lv@1' });
    const [trainFrom, trainTo] = (card.card as { window: { train: [string, string] } }).window.train.map(Date.parse) as [number, number];
    const builtHome = await call(s, 'lake.sql', { query: `SELECT epoch_ms(ts), "${LABEL}" FROM read_parquet('${path.join(home, 'lake', 'silver', 'features', 'es-lv')}/*/symbol=ES/*/part-0.parquet')`, limit: 1000 });
    const labelAt = new Map(builtHome.rows.map((x) => [x[0] as number, x[1] as number]));
    for (const n of m.neighbours) {
      expect(n.symbol).toBe('ES');
      expect(n.t).toBeGreaterThanOrEqual(trainFrom);
      expect(n.t).toBeLessThan(trainTo);
      expect(n.outcome, new Date(n.t).toISOString()).toBe(labelAt.get(n.t));
    }
  }, 240_000);

  it('replays the stored session with the stored book and predicts what the live session predicted', async () => {
    const replay = await call(s, 'paper.session.start', { portfolio: file, from: '2024-03-05', to: '2024-03-05', speed: 'max' });
    await until(async () => ((x) => (x.status === 'finished' ? x : undefined))((await call(s, 'paper.sessions', {})).find((x) => x.id === replay.id)!), 'the replay', 90_000);
    const replayed = predictionsOf(home, replay.id);
    const liveP = predictionsOf(home, live.id);
    expect(replayed.map((x) => x.t)).toEqual(liveP.map((x) => x.t));
    replayed.forEach((x, i) => expect(x.p, new Date(x.t).toISOString()).toBeCloseTo(liveP[i]!.p, 6));
  }, 120_000);

  it('refuses the model on a feed that sends no order book, naming what to use', async () => {
    process.env.POLYGON_API_KEY = 'pg-bookmodel-test';
    const started = await call(s, 'paper.session.start', { portfolio: file, live: 'ws://127.0.0.1:9/stocks' });
    const failed = await until(async () => ((x) => (x.status === 'failed' ? x : undefined))((await call(s, 'paper.sessions', {})).find((x) => x.id === started.id)!), 'the refusal');
    expect(failed.error).toMatch(/ES: es-lv@1 reads book features \(ofi\(30,60,120,300\), micro, tradeimb\(60\), depth\(4,0\.25\)\), but the feed 127\.0\.0\.1:9 sends no order book; trade it from a Databento gateway/);
  });
});
