// Paper-trading benchmarks for `npm run bench`: killswitch halt latency over the API while two
// paper sessions replay flat out on their own workers, and halt-to-enforced latency while the main
// thread is busy parsing a large model.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { createClient } from '../core/common/client';
import { wsTransport, type WebSocketLike } from '../core/common/ws-transport';
import type { Services } from '../core/node/services';
import { startServer } from '../core/server/http-server';
import type { Result } from './bench-features';
import { Journal } from '../core/node/paper/journal';
import { readXgboostJson } from '../core/node/models/import-xgboost';

const log = (s: string): boolean => process.stderr.write(`${s}\n`);
const HALTS = 1000;

/**
 * Halts the killswitch 1,000 times over the WebSocket API (re-arming between halts) while two paper
 * sessions on 1-minute bars run at full speed, and reports p50 and p99 from the request to its
 * answer, which comes only once every session has acted on the halt (cancelled its working orders).
 */
export async function haltLatencyBenchmark(services: Services): Promise<Result> {
  log('bench: two busy paper sessions; 1,000 halts over the API…');
  const h = services.handlers;
  const summary = await h['lake.summary']({});
  const es = summary.find((r) => r.symbol === 'ES' && r.timeframe === '1m');
  if (!es) throw new Error('bench: halt latency needs ES 1-minute bars in the lake');
  const from = new Date(es.first).toISOString().slice(0, 10);
  const to = new Date(es.last).toISOString().slice(0, 10);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'qd-bench-paper-')), 'busy.json');
  const params = { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 0 };
  fs.writeFileSync(
    file,
    JSON.stringify({
      instruments: [{ name: 'ES', symbol: 'ES', run: 'bench', strategy: 'ibs', params, timeframe: '1m', model: null, threshold: null }],
      maxPositions: 1,
      sizing: { kind: 'fixed', contracts: 1 },
      riskLimits: {},
      objective: 'sharpe',
      split: to,
    }),
  );
  const server = await startServer({ services, port: 0 });
  const transport = wsTransport(`${server.url.replace('http', 'ws')}/ws`, (u) => new WebSocket(u) as unknown as WebSocketLike);
  const client = createClient(transport);
  const busy = new Set<string>();
  const start = async (): Promise<void> => {
    busy.add((await client.call('paper.session.start', { portfolio: file, from, to, speed: 'max' })).id);
  };
  // Keeps two sessions running: one that ends is replaced.
  const topUp = async (): Promise<void> => {
    const live = new Set((await client.call('paper.sessions', {})).filter((s) => s.status === 'running' || s.status === 'starting').map((s) => s.id));
    for (const id of busy) if (!live.has(id)) busy.delete(id);
    while (busy.size < 2) await start();
  };
  const times: number[] = [];
  let barsDuring = 0;
  try {
    await client.call('paper.killswitch.set', { state: 'active', reason: 'bench: armed' });
    await start();
    await start();
    await new Promise((r) => setTimeout(r, 1000));
    const barsBefore = (await client.call('paper.sessions', {})).reduce((a, s) => a + s.bars, 0);
    for (let i = 0; i < HALTS; i++) {
      if (i % 50 === 0) await topUp();
      const t0 = performance.now();
      const status = await client.call('paper.killswitch.set', { state: 'halted', reason: `bench halt ${i}` });
      times.push(performance.now() - t0);
      if (status.state !== 'halted') throw new Error('bench: the halt did not take');
      await client.call('paper.killswitch.set', { state: 'active', reason: 'bench: re-armed' });
    }
    barsDuring = (await client.call('paper.sessions', {})).reduce((a, s) => a + s.bars, 0) - barsBefore;
    for (const id of busy) await client.call('paper.session.control', { session: id, action: 'stop' }).catch(() => undefined);
  } finally {
    transport.close();
    await server.close();
  }
  times.sort((a, b) => a - b);
  const at = (q: number): number => Number(times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(2));
  const p99 = at(0.99);
  return {
    name: 'killswitch_halt_latency_under_load',
    value: p99,
    unit: 'ms p99 (request to enforced in every session)',
    target: '<= 50 ms',
    pass: p99 <= 50,
    detail: { halts: HALTS, p50_ms: at(0.5), p99_ms: p99, max_ms: at(1), busy_sessions: 2, bars_fed_during: barsDuring },
  };
}

/** An XGBoost JSON model of `trees` full trees of depth 8 (tens of MB for a few hundred trees). */
function bigXgboostJson(trees: number): string {
  const n = 511;
  const left = Array.from({ length: n }, (_, k) => (k < 255 ? 2 * k + 1 : -1));
  const right = Array.from({ length: n }, (_, k) => (k < 255 ? 2 * k + 2 : -1));
  const tree = { left_children: left, right_children: right, split_indices: left.map((_, k) => k % 8), split_conditions: left.map((_, k) => (k % 13) / 13), default_left: left.map(() => 1), split_type: left.map(() => 0) };
  return JSON.stringify({ learner: { objective: { name: 'binary:logistic' }, learner_model_param: { num_feature: '8', base_score: '0.5' }, gradient_booster: { name: 'gbtree', model: { trees: Array.from({ length: trees }, () => tree) } } } });
}

const HALTS_BLOCKED = 100;

/**
 * Halt-to-enforced while the main thread parses a large model import. Two paper sessions replay flat
 * out; each round a halt is written to the journal by a second connection (as `quantdesk killswitch
 * halt` does from its own process), and at once the main thread parses a 400-tree XGBoost model
 * itself, synchronously, so neither the supervisor nor any timer of the app can run. The latency is
 * from the halt's audit time to the time each session journaled that it enforced the change
 * (`killswitch` events), read after the parse. Beside it, halts over the API while the same model is
 * imported the app's way (on the isolated worker).
 */
export async function haltWhileParsingBenchmark(services: Services): Promise<Result> {
  log('bench: two busy paper sessions; 100 halts while the main thread parses a large model…');
  const h = services.handlers;
  const es = (await h['lake.summary']({})).find((r) => r.symbol === 'ES' && r.timeframe === '1m');
  if (!es) throw new Error('bench: halt latency needs ES 1-minute bars in the lake');
  const from = new Date(es.first).toISOString().slice(0, 10);
  const to = new Date(es.last).toISOString().slice(0, 10);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qd-bench-parse-'));
  const file = path.join(dir, 'busy.json');
  fs.writeFileSync(file, JSON.stringify({ instruments: [{ name: 'ES', symbol: 'ES', run: 'bench', strategy: 'ibs', params: { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 0 }, timeframe: '1m', model: null, threshold: null }], maxPositions: 1, sizing: { kind: 'fixed', contracts: 1 }, riskLimits: {}, objective: 'sharpe', split: to }));
  const modelText = bigXgboostJson(400);
  const modelFile = path.join(dir, 'big.json');
  fs.writeFileSync(modelFile, modelText);
  const second = new Journal(services.home.journal);
  const busy = new Set<string>();
  const topUp = async (): Promise<void> => {
    const live = new Set((await h['paper.sessions']({})).filter((x) => x.status === 'running' || x.status === 'starting').map((x) => x.id));
    for (const id of busy) if (!live.has(id)) busy.delete(id);
    while (busy.size < 2) busy.add((await h['paper.session.start']({ portfolio: file, from, to, speed: 'max' })).id);
  };
  const enforced: number[] = [];
  const parseMs: number[] = [];
  const apiMs: number[] = [];
  let missed = 0;
  let lateTrades = 0;
  try {
    await h['paper.killswitch.set']({ state: 'active', reason: 'bench: armed' });
    await topUp();
    await new Promise((r) => setTimeout(r, 1000));
    for (let i = 0; i < HALTS_BLOCKED; i++) {
      await topUp();
      await new Promise((r) => setTimeout(r, 50));
      const running = [...busy];
      second.setState('halted', 'cli', `bench: halt ${i} while parsing`);
      const seq = second.lastChange();
      const haltAt = (second.db.prepare('SELECT at FROM killswitch_audit WHERE seq = ?').get(seq) as { at: number }).at;
      const t0 = performance.now();
      readXgboostJson(modelText, modelFile, 2 ** 32);
      parseMs.push(performance.now() - t0);
      const q = second.db.prepare("SELECT MIN(at) AS at, MIN(pos) AS pos FROM paper_events WHERE session = ? AND kind = 'killswitch' AND json_extract(data, '$.to') = 'halted' AND json_extract(data, '$.seq') >= ?");
      const status = second.db.prepare('SELECT status FROM paper_sessions WHERE id = ?');
      const late = second.db.prepare("SELECT count(*) AS n FROM paper_events WHERE session = ? AND kind IN ('order', 'fill') AND at > ? AND pos <= ?");
      for (const id of running) {
        const e = q.get(id, seq) as { at: number | null; pos: number | null };
        // A session still starting (no bar fed yet) applies the state before its first bar: nothing to time.
        if (e.at !== null && e.pos! > 0) {
          enforced.push(e.at - haltAt);
          lateTrades += (late.get(id, haltAt + 100, e.pos) as { n: number }).n;
        }
        // A session that reached the end of its bars during the parse had nothing left to enforce.
        else if (e.at === null && (status.get(id) as { status: string }).status === 'running') missed++;
      }
      await h['paper.killswitch.set']({ state: 'active', reason: 'bench: re-armed' });
    }
    // The app's own way: the same model imported on the isolated worker while halts go over the API.
    for (let i = 0; i < 3; i++) {
      await topUp();
      const importing = h['models.import']({ path: modelFile, name: `bench-big-${i}` });
      let done = false;
      void importing.finally(() => (done = true));
      while (!done) {
        const t0 = performance.now();
        await h['paper.killswitch.set']({ state: 'halted', reason: `bench: api halt during import ${i}` });
        apiMs.push(performance.now() - t0);
        await h['paper.killswitch.set']({ state: 'active', reason: 'bench: re-armed' });
        // A halt every 20 ms; the pause also lets the worker's answer in.
        await new Promise((r) => setTimeout(r, 20));
      }
      await importing;
    }
    for (const id of busy) await h['paper.session.control']({ session: id, action: 'stop' }).catch(() => undefined);
  } finally {
    second.close();
  }
  const pct = (xs: number[], q: number): number => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted.length ? Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1)) : Number.NaN;
  };
  const p99 = pct(enforced, 0.99);
  return {
    name: 'killswitch_halt_to_enforced_while_main_thread_parses',
    value: p99,
    unit: 'ms p99 (halt in the journal to enforced in each session, main thread blocked)',
    target: '<= 100 ms',
    pass: missed === 0 && lateTrades === 0 && p99 <= 100,
    detail: { halts: HALTS_BLOCKED, enforcements: enforced.length, missed, orders_and_fills_past_100_ms: lateTrades, p50_ms: pct(enforced, 0.5), p99_ms: p99, max_ms: pct(enforced, 1), main_thread_parse_p50_ms: pct(parseMs, 0.5), model_mib: Number((modelText.length / 2 ** 20).toFixed(1)), api_halts_during_worker_import: apiMs.length, api_halt_p50_ms: pct(apiMs, 0.5), api_halt_p99_ms: pct(apiMs, 0.99) },
  };
}
