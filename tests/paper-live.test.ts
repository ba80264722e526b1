import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaperSessionInfo } from '../core/common/trading/types';
import type { Bars } from '../core/common/bars';
import type { Services } from '../core/node/services';
import { backfill, call, openServices, tempDir, until } from './helpers';

const KEY = 'test-key';
const params = { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 0 };
const portfolio = (timeframe: string): string =>
  JSON.stringify({
    instruments: ['ES', 'NQ'].map((symbol) => ({ name: symbol, symbol, run: 'by hand', strategy: 'ibs', params, timeframe, model: null, threshold: null })),
    maxPositions: 2,
    sizing: { kind: 'fixed', contracts: 1 },
    riskLimits: {},
    objective: 'sharpe',
    split: '2024-05-15',
  });
const MAY = { from: '2024-05-01', to: '2024-05-31' };

type Fill = { symbol: string; t: number; qty: number; price: number; fee: number; reason: string };
const journal = (home: string, session: string): { fills: Fill[]; bars: number } => {
  const db = new Database(path.join(home, 'journal.sqlite'), { readonly: true });
  try {
    const fills = (db.prepare("SELECT data FROM paper_events WHERE session = ? AND kind = 'fill' ORDER BY seq").all(session) as { data: string }[]).map((r) => JSON.parse(r.data) as Fill);
    const bars = (db.prepare('SELECT COUNT(*) AS n FROM paper_bars WHERE session = ?').get(session) as { n: number }).n;
    return { fills, bars };
  } finally {
    db.close();
  }
};

/**
 * A feed server speaking Polygon's per-minute aggregate protocol on 127.0.0.1. The first connection
 * is dropped halfway through the minutes; the reconnect gets all of them again from the start.
 */
function feedServer(minutes: { sym: string; s: number; o: number; h: number; l: number; c: number; v: number }[]): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  let connections = 0;
  wss.on('connection', (ws: WebSocket) => {
    const n = ++connections;
    ws.send(JSON.stringify([{ ev: 'status', status: 'connected', message: 'Connected Successfully' }]));
    ws.on('message', (raw) => {
      const m = JSON.parse(raw.toString()) as { action: string; params: string };
      if (m.action === 'auth') {
        ws.send(JSON.stringify([m.params === KEY ? { ev: 'status', status: 'auth_success', message: 'authenticated' } : { ev: 'status', status: 'auth_failed', message: 'authentication failed' }]));
        if (m.params !== KEY) ws.close();
        return;
      }
      if (m.action !== 'subscribe') return;
      const wanted = new Set(m.params.split(',').map((p) => p.replace(/^AM\./, '')));
      const mine = minutes.filter((x) => wanted.has(x.sym));
      const upTo = n === 1 ? Math.floor(mine.length / 2) : mine.length;
      for (let i = 0; i < upTo; i += 200) ws.send(JSON.stringify(mine.slice(i, Math.min(i + 200, upTo)).map((x) => ({ ev: 'AM', ...x, e: x.s + 60_000 }))));
      if (n === 1) ws.terminate();
    });
  });
  return new Promise((resolve) =>
    wss.on('listening', () =>
      resolve({
        url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/stocks`,
        connections: () => connections,
        close: () => new Promise((r) => wss.close(() => r())),
      }),
    ),
  );
}

describe('live paper sessions', () => {
  // The source home has May; the trading home's lake ends in April, so May's minutes come only from the feed.
  const sourceHome = tempDir('qd-live-src-');
  const home = tempDir('qd-live-');
  const file = path.join(home, 'es-nq-1h.json');
  let src: Services;
  let s: Services;
  let minutesOf: Record<string, Bars>;
  let server: Awaited<ReturnType<typeof feedServer>>;
  const session = async (id: string): Promise<PaperSessionInfo> => (await call(s, 'paper.sessions', {})).find((x) => x.id === id)!;

  beforeAll(async () => {
    // The feed server replays May 2024's tape: minutes that old are live only in this rehearsal.
    process.env.QUANTDESK_LIVE_MAX_AGE_HOURS = String(24 * 365 * 10);
    src = await openServices(sourceHome);
    s = await openServices(home);
    await backfill(src, ['ES', 'NQ'], '2024-04-01', '2024-05-31');
    await backfill(s, ['ES', 'NQ'], '2024-04-01', '2024-04-30');
    fs.writeFileSync(file, portfolio('1h'));
    minutesOf = {};
    for (const symbol of ['ES', 'NQ']) minutesOf[symbol] = await call(src, 'bars.get', { symbol, timeframe: '1m', ...MAY, limit: 1_000_000 });
    const minutes = ['ES', 'NQ'].flatMap((sym) => {
      const b = minutesOf[sym]!;
      return Array.from(b.t, (t, i) => ({ sym, s: t, o: b.o[i]!, h: b.h[i]!, l: b.l[i]!, c: b.c[i]!, v: b.v[i]! }));
    });
    minutes.sort((a, b) => a.s - b.s || a.sym.localeCompare(b.sym));
    // A feed that sends a minute from 1970, one from 2200 and one off the minute grid first: the gate refuses them.
    const first = minutes[0]!;
    server = await feedServer([{ ...first, s: Date.UTC(1970, 0, 1) }, { ...first, s: Date.UTC(2200, 0, 1) }, { ...first, s: first.s + 30_000 }, ...minutes]);
  }, 120_000);
  afterAll(async () => {
    delete process.env.QUANTDESK_LIVE_MAX_AGE_HOURS;
    await server?.close();
    await s?.close();
    await src?.close();
  });

  it('trades the feed with the replay’s exact fills through a dropped connection, and appends its minutes to bronze', async () => {
    // What a replay of the same May bars in the source home trades.
    const replay = await call(src, 'paper.session.start', { portfolio: file, ...MAY, speed: 'max' });
    const ref = await until(async () => ((x) => (x.status === 'finished' ? x : undefined))((await call(src, 'paper.sessions', {})).find((x) => x.id === replay.id)!), 'the reference replay');
    const reference = journal(sourceHome, ref.id);
    expect(reference.fills.length).toBeGreaterThan(10);

    await call(s, 'settings.setVendorKey', { vendor: 'polygon', key: KEY, unencrypted: true });
    const live = await call(s, 'paper.session.start', { portfolio: file, live: server.url });
    expect(live.feed).toEqual({ kind: 'live', url: server.url });
    // Each hour closes when its last minute (or the other symbol's next one) arrives.
    await until(async () => ((x) => (x.bars >= reference.bars ? x : undefined))(await session(live.id)), 'the live session to take the feed', 60_000);
    const stopped = await call(s, 'paper.session.control', { session: live.id, action: 'stop' });
    expect(stopped.id).toBe(live.id);
    await until(async () => ((x) => (x.status === 'stopped' ? x : undefined))(await session(live.id)), 'the stop');

    expect(server.connections()).toBeGreaterThanOrEqual(2);
    const got = journal(home, live.id);
    expect(got.bars).toBe(reference.bars);
    // The replay's fills one for one, but for its closing of positions at the end of its data (a live feed has no end).
    expect(got.fills).toEqual(reference.fills.filter((f) => f.reason !== 'end of data'));
    expect(reference.fills.length - got.fills.length).toBeLessThanOrEqual(2);

    // The minutes went to bronze: the trading home's lake now holds May, equal to the source's.
    for (const symbol of ['ES', 'NQ']) {
      const stored = await call(s, 'bars.get', { symbol, timeframe: '1m', ...MAY, limit: 1_000_000 });
      expect(stored.t.length).toBe(minutesOf[symbol]!.t.length);
      expect(Array.from(stored.c)).toEqual(Array.from(minutesOf[symbol]!.c));
      expect(Array.from(stored.t)).toEqual(Array.from(minutesOf[symbol]!.t));
    }
    const may = (await call(s, 'lake.partitions', { symbol: 'ES', timeframe: '1m' })).find((p) => p.month === '2024-05');
    expect(may?.rows).toBe(minutesOf.ES!.t.length);
    const catalog = new Database(path.join(home, 'catalog.sqlite'), { readonly: true });
    expect(catalog.prepare("SELECT DISTINCT source FROM bar_files WHERE month = '2024-05'").all()).toEqual([{ source: `live:${new URL(server.url).host}` }]);
    // The refused minutes: never stored, listed as rejects of the session's ingest run, and raised as an alert.
    const refused = catalog.prepare('SELECT reason FROM rejects WHERE source = ? ORDER BY id').all(`live:${new URL(server.url).host}`) as { reason: string }[];
    catalog.close();
    expect(refused.map((r) => r.reason)).toEqual(expect.arrayContaining([expect.stringMatching(/1970-01-01T00:00:00Z is older than a live minute can be/), expect.stringMatching(/2200-01-01T00:00:00Z is in the future/), expect.stringMatching(/off the 1m grid/)]));
    const alerts = await call(s, 'paper.alerts', {});
    expect(alerts.find((x) => x.title === 'Live feed: bars refused')?.body).toMatch(/refused by the bar gate.*quantdesk rejects --run/);
  }, 120_000);

  it('a refused key fails the session with the feed’s reason; bad input is refused with the field', async () => {
    await call(s, 'settings.setVendorKey', { vendor: 'polygon', key: 'wrong-key', unencrypted: true });
    const bad = await call(s, 'paper.session.start', { portfolio: file, live: server.url });
    const failed = await until(async () => ((x) => (x.status === 'failed' ? x : undefined))(await session(bad.id)), 'the refused session to fail');
    expect(failed.error).toMatch(/refused the API key/);

    const daily = path.join(home, 'daily.json');
    fs.writeFileSync(daily, portfolio('1d'));
    await expect(call(s, 'paper.session.start', { portfolio: daily, live: server.url })).rejects.toThrow(/intraday bars .* trades 1d bars/);
    await expect(call(s, 'paper.session.start', { portfolio: file, live: 'http://127.0.0.1:1/' })).rejects.toThrow(/ws:\/\/ or wss:\/\//);
    await call(s, 'settings.setVendorKey', { vendor: 'polygon', key: null });
    if (!process.env.POLYGON_API_KEY) await expect(call(s, 'paper.session.start', { portfolio: file, live: server.url })).rejects.toThrow(/needs a Polygon API key/);
  }, 60_000);
});
