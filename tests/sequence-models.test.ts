import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng } from '../core/common/models/gbdt';
import { windowsOf } from '../core/common/models/window-ring';
import type { BacktestSummary } from '../core/common/backtest/types';
import type { PaperSessionInfo, PaperSummary } from '../core/common/trading/types';
import type { Services } from '../core/node/services';
import { convAttentionModel, lstmModel } from './fixtures/models/sequence-models';
import { backfill, call, openServices, runJob, tempDir, until } from './helpers';

const FEATURES = ['ibs', 'roc_4', 'rsi_14'];
/** rsi is in points (0–100), the others near 1: its weights are scaled down to keep the gates alive. */
const SCALE = [3, 1, 0.02];
const WINDOW = 8;
const params = { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 0 };
const MARCH = { from: '2024-03-01', to: '2024-03-29' };

async function runOnnx(bytes: Uint8Array, x: Float32Array, n: number, t: number, f: number): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    return (await s.run({ x: new ort.Tensor('float32', x, [n, t, f]) })).p!.data as Float32Array;
  } finally {
    await s.release();
  }
}

describe('sequence models: ONNX graphs reading a window [T, features] per prediction', () => {
  it('ONNX Runtime computes an LSTM and a Conv1d + self-attention block as the plain-JS reference does', async () => {
    const next = rng(21);
    const n = 64;
    const x = Float32Array.from({ length: n * WINDOW * 3 }, (_, i) => (next() * 2 - 1) * [1, 2, 60][i % 3]!);
    for (const [name, m] of [
      ['lstm', lstmModel({ seed: 1, window: WINDOW, features: FEATURES, hidden: 6, featureScale: SCALE })],
      ['conv + attention', convAttentionModel({ seed: 2, window: WINDOW, features: FEATURES, channels: 5, kernel: 3, d: 4, featureScale: SCALE })],
    ] as const) {
      const got = await runOnnx(m.onnx, x, n, WINDOW, 3);
      const want = m.reference(x, n);
      let worst = 0;
      for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      expect(worst, name).toBeLessThanOrEqual(1e-5);
      // The windows differ enough for the probabilities to spread.
      expect(Math.max(...want) - Math.min(...want), name).toBeGreaterThan(0.05);
    }
  });

  describe('served in backtests, replays and paper sessions from the same window', () => {
    const home = tempDir('qd-sequence-');
    let s: Services;
    const file = (name: string, bytes: Uint8Array): string => {
      const p = path.join(home, name);
      fs.writeFileSync(p, bytes);
      return p;
    };
    const ended = (id: string): Promise<PaperSessionInfo> => until(async () => ((x) => (x && ['finished', 'failed', 'stopped'].includes(x.status) ? x : undefined))((await call(s, 'paper.sessions', {})).find((q) => q.id === id)), `session ${id} to end`, 60_000);

    beforeAll(async () => {
      s = await openServices(home);
      fs.mkdirSync(path.join(home, 'feature-sets'), { recursive: true });
      fs.writeFileSync(path.join(home, 'feature-sets', 'm.yml'), 'name: m\ntimeframe: 15m\nsymbols: [ES]\nfeatures: "ibs, rsi(14), roc(4)"\nlabels: [b1]\n');
      fs.writeFileSync(path.join(home, 'feature-sets', 'rth.yml'), 'name: rth\ntimeframe: 15m\nsession: rth\nsymbols: [ES]\nfeatures: "ibs, rsi(14), roc(4)"\nlabels: [b1]\n');
      await backfill(s, ['ES'], '2024-01-02', '2024-03-29');
      await runJob(s, { kind: 'features', set: 'm' });
      await runJob(s, { kind: 'features', set: 'rth' });
    }, 180_000);
    afterAll(async () => s?.close());

    it('imports a sequence model with its window in the card, and refuses windows it cannot serve', async () => {
      const m = lstmModel({ seed: 1, window: WINDOW, features: FEATURES, hidden: 6, featureScale: SCALE });
      const r = await call(s, 'models.import', { path: file('lstm.onnx', m.onnx), name: 'seq-lstm', featureSet: 'm' });
      expect(r).toMatchObject({ id: 'seq-lstm', version: 1, objective: 'binary', window: WINDOW, features: FEATURES });
      expect((await call(s, 'models.get', { model: 'seq-lstm@1' })).card).toMatchObject({ window: WINDOW });
      const c = await call(s, 'models.import', { path: file('attention.onnx', convAttentionModel({ seed: 2, window: WINDOW, features: FEATURES, channels: 5, kernel: 3, d: 4, featureScale: SCALE }).onnx), name: 'seq-attention', featureSet: 'm' });
      expect(c.window).toBe(WINDOW);

      const refuse = async (bytes: Uint8Array, set: string, why: RegExp): Promise<void> => {
        await expect(call(s, 'models.import', { path: file('bad.onnx', bytes), name: 'bad', featureSet: set })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(why) });
      };
      await refuse(lstmModel({ seed: 1, window: WINDOW, features: FEATURES, hidden: 4, dims: ['batch', 'time', 3] }).onnx, 'm', /bad\.onnx: its input \[-?\w*, -?\w*, 3\] is a sequence whose window \(the second dimension\) is not fixed; export it with a fixed window length/);
      await refuse(lstmModel({ seed: 1, window: 5000, features: FEATURES, hidden: 2 }).onnx, 'm', /window \(the second dimension\) is 5000 rows, over the 4096 served/);
      await refuse(lstmModel({ seed: 1, window: WINDOW, features: ['ibs', 'nope', 'rsi_14'], hidden: 2 }).onnx, 'm', /feature set m lacks nope/);
      await refuse(m.onnx, 'rth', /reads windows of 8 rows, but feature set rth keeps regular hours only; a window must be consecutive bars/);
      expect((await call(s, 'models.list', {})).some((x) => x.id === 'bad')).toBe(false);
    });

    it('predicts over the API what the reference computes on the windows of the rows given', async () => {
      const next = rng(5);
      const columns = FEATURES.map((_, j) => Float64Array.from({ length: 40 }, () => (next() * 2 - 1) * [1, 2, 60][j]!));
      const r = await call(s, 'models.predict', { model: 'seq-lstm@1', columns, provider: 'cpu' });
      const want = lstmModel({ seed: 1, window: WINDOW, features: FEATURES, hidden: 6, featureScale: SCALE }).reference(windowsOf(columns, WINDOW), 40);
      // Windows reaching before the first row hold missing values: no prediction there.
      for (let i = 0; i < WINDOW - 1; i++) expect(r.values[i]).toBeNaN();
      for (let i = WINDOW - 1; i < 40; i++) expect(Math.abs(r.values[i]! - want[i]!), `row ${i}`).toBeLessThanOrEqual(1e-5);
    });

    for (const model of ['seq-lstm@1', 'seq-attention@1']) {
      it(`gates a backtest, a paper session and a headless replay with ${model} to the same trades`, async () => {
        // The threshold is the model's mean prediction on recent rows (its check), so it gates about half the entries.
        const check = await call(s, 'models.check', { model, provider: 'cpu', rows: 2000 });
        expect(check.engine).toEqual({ kind: 'onnxruntime', why: 'its graph is not a plain tree ensemble' });
        const threshold = Number(check.mean.toFixed(4));
        const portfolio = path.join(home, `${model.replace('@', '-')}.json`);
        fs.writeFileSync(portfolio, JSON.stringify({ instruments: [{ name: 'ES', symbol: 'ES', run: 'by hand', strategy: 'ibs+ml', params, timeframe: '15m', model, threshold }], maxPositions: 1, sizing: { kind: 'fixed', contracts: 1 }, riskLimits: {}, objective: 'sharpe', split: '2024-03-15' }));
        const bt = await runJob<BacktestSummary>(s, { kind: 'backtest', strategy: 'ibs', symbols: ['ES'], timeframe: '15m', ...MARCH, params, maxPositions: 1, model, threshold });
        const d = await call(s, 'backtest.get', { runId: bt.runId });
        const ungated = await runJob<BacktestSummary>(s, { kind: 'backtest', strategy: 'ibs', symbols: ['ES'], timeframe: '15m', ...MARCH, params, maxPositions: 1 });
        // The window model does gate: some trades, fewer than the strategy alone.
        expect(d.trades.symbol.length).toBeGreaterThan(3);
        expect(d.trades.symbol.length).toBeLessThan(ungated.metrics.trades);
        const trades = Array.from(d.trades.entryTime, (t, i) => [t, d.trades.entryPrice[i], d.trades.exitTime[i], d.trades.exitPrice[i]]);

        // A paper session predicts one window per bar from its streaming kernels: the backtest's trades.
        const started = await call(s, 'paper.session.start', { portfolio, ...MARCH, speed: 'max' });
        const done = await ended(started.id);
        expect(done.status, JSON.stringify(done)).toBe('finished');
        const db = new Database(path.join(home, 'journal.sqlite'), { readonly: true });
        const fills = (db.prepare("SELECT data FROM paper_events WHERE session = ? AND kind = 'fill' ORDER BY seq").all(done.id) as { data: string }[]).map((r) => JSON.parse(r.data) as { t: number; price: number });
        db.close();
        expect(fills.map((f) => [f.t, f.price])).toEqual(trades.flatMap(([t, p, xt, xp]) => [[t, p], [xt, xp]]));
        // The headless replay predicts the same windows in batches: the same trades again.
        const replay = await runJob<PaperSummary>(s, { kind: 'paper', portfolio, ...MARCH });
        expect(replay.trades.map((x) => [x.entryTime, x.entryPrice, x.exitTime, x.exitPrice])).toEqual(trades);
        // The export's validation predicts the build's latest rows in time order, windows and all.
        const preview = await call(s, 'config.preview', { repo: path.join(home, `repo-${model.replace('@', '-')}`), portfolio });
        expect(preview.checks.find((c) => c.subject === model && c.check === 'loads')).toMatchObject({ ok: true, detail: expect.stringMatching(/^predicted \d+ rows of ES up to 2024-03-2\d$/) });
      });
    }
  });
});
