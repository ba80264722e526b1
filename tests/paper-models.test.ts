import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BacktestSummary } from '../core/common/backtest/types';
import type { PaperSessionInfo, PaperSummary } from '../core/common/trading/types';
import type { Services } from '../core/node/services';
import { backfill, call, openServices, runJob, tempDir, until } from './helpers';

const params = { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 0 };
const portfolio = (symbol: string, riskLimits: object = {}): string =>
  JSON.stringify({
    instruments: [{ name: symbol, symbol, run: 'by hand', strategy: 'ibs+ml', params, timeframe: '15m', model: 'es-dir@1', threshold: 0.5 }],
    maxPositions: 1,
    sizing: { kind: 'fixed', contracts: 1 },
    riskLimits,
    objective: 'sharpe',
    split: '2024-03-15',
  });
const MARCH = { from: '2024-03-01', to: '2024-03-29' };

describe('paper sessions with a model', () => {
  const home = tempDir('qd-paper-models-');
  let s: Services;
  const posted: { kind: string; title: string; body: string }[] = [];
  const hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      posted.push(JSON.parse(body) as { kind: string; title: string; body: string });
      res.end('ok');
    });
  });
  const ended = (id: string): Promise<PaperSessionInfo> => until(async () => ((x) => (x && ['finished', 'failed', 'stopped'].includes(x.status) ? x : undefined))((await call(s, 'paper.sessions', {})).find((q) => q.id === id)), `session ${id} to end`, 60_000);

  beforeAll(async () => {
    s = await openServices(home);
    fs.mkdirSync(path.join(home, 'feature-sets'), { recursive: true });
    fs.writeFileSync(path.join(home, 'feature-sets', 'm.yml'), 'name: m\ntimeframe: 15m\nsymbols: [ES]\nfeatures: "ibs, rsi(14), roc(4), macd(12,26,9)"\nlabels: [b1]\n');
    await backfill(s, ['ES', 'NQ'], '2024-01-02', '2024-03-29');
    await runJob(s, { kind: 'features', set: 'm' });
    await runJob(s, { kind: 'train', config: { name: 'es-dir', featureSet: 'm', label: 'label_b1', model: { kind: 'gbdt', nTrees: 40, maxDepth: 3, learningRate: 0.1, subsample: 0.8 }, split: { validation: 0.2, test: 0.2, embargo: 1 }, seed: 5 } });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  }, 180_000);
  afterAll(async () => {
    await s?.close();
    hook.close();
  });

  it('gates entries with streaming features and row inference exactly as the backtest gates them with the build, and follows every prediction to its outcome', async () => {
    const file = path.join(home, 'es-ml.json');
    fs.writeFileSync(file, portfolio('ES'));
    const bt = await runJob<BacktestSummary>(s, { kind: 'backtest', strategy: 'ibs', symbols: ['ES'], timeframe: '15m', ...MARCH, params, maxPositions: 1, model: 'es-dir@1', threshold: 0.5 });
    const d = await call(s, 'backtest.get', { runId: bt.runId });
    const ungated = await runJob<BacktestSummary>(s, { kind: 'backtest', strategy: 'ibs', symbols: ['ES'], timeframe: '15m', ...MARCH, params, maxPositions: 1 });
    // The model does filter: fewer trades than the strategy alone.
    expect(d.trades.symbol.length).toBeGreaterThan(5);
    expect(d.trades.symbol.length).toBeLessThan(ungated.metrics.trades);

    const started = await call(s, 'paper.session.start', { portfolio: file, ...MARCH, speed: 'max' });
    const done = await ended(started.id);
    expect(done.status).toBe('finished');
    const db = new Database(path.join(home, 'journal.sqlite'), { readonly: true });
    const fills = (db.prepare("SELECT data FROM paper_events WHERE session = ? AND kind = 'fill' ORDER BY seq").all(done.id) as { data: string }[]).map((r) => JSON.parse(r.data) as { t: number; price: number });
    const trades = Array.from(d.trades.entryTime, (t, i) => [
      { t, price: d.trades.entryPrice[i]! },
      { t: d.trades.exitTime[i]!, price: d.trades.exitPrice[i]! },
    ]).flat();
    expect(fills.map((f) => ({ t: f.t, price: f.price }))).toEqual(trades);
    // The monitor's expectation (the same bars replayed flat out, predictions in batches) is the session's own curve.
    const curves = await call(s, 'paper.session.get', { session: done.id, points: 100_000 });
    expect(curves.expected).not.toBeNull();
    expect(Array.from(curves.equityCurve.value)).toEqual(Array.from(curves.expected!.value));
    // The headless replay (`paper run --replay`) predicts the same rows in batches: the same trades again.
    const replay = await runJob<PaperSummary>(s, { kind: 'paper', portfolio: file, ...MARCH });
    expect(replay.trades.map((x) => [x.entryTime, x.entryPrice, x.exitTime, x.exitPrice])).toEqual(Array.from(d.trades.entryTime, (t, i) => [t, d.trades.entryPrice[i], d.trades.exitTime[i], d.trades.exitPrice[i]]));

    // Every bar got a prediction, logged; those whose next bar came are resolved with their label.
    const m = done.models![0]!;
    expect(m).toMatchObject({ instrument: 'ES', model: 'es-dir@1', predictions: done.bars });
    const logged = db.prepare('SELECT COUNT(*) AS n, COUNT(outcome) AS resolved FROM paper_predictions WHERE session = ?').get(done.id) as { n: number; resolved: number };
    db.close();
    expect(logged.n).toBe(done.bars);
    expect(logged.resolved).toBe(m.resolved);
    expect(m.resolved).toBeGreaterThan(done.bars - 10);
    expect(m.liveAccuracy).toBeGreaterThan(0.2);
    expect(m.liveAccuracy).toBeLessThan(0.8);
    expect(m.backtestAccuracy).toBeGreaterThan(0);
    expect(m.calibration.reduce((a, c) => a + c.n, 0)).toBe(m.resolved);
    for (const c of m.calibration) if (c.n > 0) expect(c.meanP!).toBeGreaterThanOrEqual(c.from - 1e-9);
    expect(m.psi.map((p) => p.feature)).toEqual(['ibs', 'rsi_14', 'roc_4', 'macd_12_26_9', 'macd_12_26_9_signal', 'macd_12_26_9_hist']);
    for (const p of m.psi) expect(p.value).toBeGreaterThanOrEqual(0);
  }, 120_000);

  it('on another market the model’s features drift: an alert in the app and at the webhook', async () => {
    await call(s, 'settings.setPaper', { webhook: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` });
    expect(await call(s, 'settings.paper', {})).toEqual({ webhook: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/hook$/), limits: {} });
    const alerts: string[] = [];
    const off = s.bus.onAny((event, payload) => event === 'paper.alert' && alerts.push((payload as { title: string }).title));
    const file = path.join(home, 'nq-ml.json');
    // NQ trades near four times ES's price, so the price-scaled MACD lies far outside what ES trained on.
    fs.writeFileSync(file, portfolio('NQ'));
    const done = await ended((await call(s, 'paper.session.start', { portfolio: file, ...MARCH, speed: 'max' })).id);
    expect(done.status).toBe('finished');
    const macd = done.models![0]!.psi.find((p) => p.feature === 'macd_12_26_9')!;
    expect(macd.value).toBeGreaterThan(0.25);
    await until(async () => (alerts.some((t) => /NQ: feature macd_12_26_9 drifted/.test(t)) ? true : undefined), 'the drift alert');
    await until(async () => (posted.some((p) => p.kind === 'model' && /macd_12_26_9 drifted/.test(p.title)) ? true : undefined), 'the webhook POST');
    off();
    await expect(call(s, 'settings.setPaper', { webhook: 'ftp://x' })).rejects.toThrow(/http:\/\/ or https:\/\//);
  }, 120_000);
});
