// Paper-trading benchmarks for `npm run bench`: killswitch halt latency over the API while two
// paper sessions replay flat out on their own workers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { createClient } from '../core/common/client';
import { wsTransport, type WebSocketLike } from '../core/common/ws-transport';
import type { Services } from '../core/node/services';
import { startServer } from '../core/server/http-server';
import type { Result } from './bench-features';

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
