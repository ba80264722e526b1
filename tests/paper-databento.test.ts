import path from 'node:path';
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaperSessionInfo } from '../core/common/trading/types';
import { demoSession, generateSession } from '../core/node/demo/demo-market';
import { generateBookSession } from '../core/node/demo/demo-book';
import type { Services } from '../core/node/services';
import { startFakeGateway, type FakeGateway } from './fake-databento-gateway';
import { backfill, call, openServices, runJob, tempDir, until } from './helpers';
import { encodeDbnBook } from '../core/node/ingest/dbn-encode';
import type { FeatureBuildResult } from '../core/node/features/silver-build';

const KEY = 'db-PAPERKEY0123456789abcdefghij';
const params = { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 0 };

/** A paper session fed by Databento's live gateway (a local one replaying an hour of the demo ES book): its 2-minute bars are the demo market's, built from the book's trades. */
describe('a live paper session on Databento’s gateway', () => {
  const home = tempDir('qd-paper-dbn-');
  const file = path.join(home, 'es-2m.json');
  let s: Services;
  let gw: FakeGateway;
  const from = Date.parse('2024-03-05T14:30:00Z');
  const to = from + 3_600_000;
  const book = generateBookSession('ES', 1, demoSession('ES', '2024-03-05'), {}, from, to);

  beforeAll(async () => {
    process.env.QUANTDESK_LIVE_MAX_AGE_HOURS = String(24 * 365 * 10);
    process.env.DATABENTO_API_KEY = KEY;
    s = await openServices(home);
    await backfill(s, ['ES'], '2024-03-01', '2024-03-04');
    // The session's own morning up to the live hour (its pre-market) from a file, as a desk would have it.
    const m = generateSession('ES', 1, demoSession('ES', '2024-03-05'));
    const csv = ['time,open,high,low,close,volume', ...Array.from(m.t, (t, i) => (t >= Date.parse('2024-03-05') && t < from ? `${new Date(t).toISOString()},${m.o[i]},${m.h[i]},${m.l[i]},${m.c[i]},${m.v[i]}` : '')).filter(Boolean)].join('\n');
    fs.writeFileSync(path.join(home, 'es-morning.csv'), csv);
    await runJob(s, { kind: 'import', paths: [path.join(home, 'es-morning.csv')], symbol: 'ES', tz: 'UTC', calendar: 'cme' });
    fs.writeFileSync(file, JSON.stringify({ instruments: [{ name: 'ES', symbol: 'ES', run: 'by hand', strategy: 'ibs', params, timeframe: '2m', model: null, threshold: null }], maxPositions: 1, sizing: { kind: 'fixed', contracts: 1 }, riskLimits: {}, objective: 'sharpe', split: '2024-03-01' }));
    // The first connection drops two fifths of the way through the hour.
    gw = await startFakeGateway({ key: KEY, book, symbol: 'ES', dropAfter: Math.floor(book.tsRecvNs.length * 0.4) });
  }, 120_000);
  afterAll(async () => {
    delete process.env.QUANTDESK_LIVE_MAX_AGE_HOURS;
    delete process.env.DATABENTO_API_KEY;
    await gw?.close();
    await s?.close();
  });

  it('builds every 2-minute bar of the hour from the book’s trades through a dropped connection, evaluates the es-levels pipeline at each close as a build of the same bars and book does, and appends the minutes and the book to bronze', async () => {
    const live = await call(s, 'paper.session.start', { portfolio: file, live: `dbn://127.0.0.1:${gw.port}/GLBX.MDP3`, features: 'es-levels' });
    const session = async (): Promise<PaperSessionInfo> => (await call(s, 'paper.sessions', {})).find((x) => x.id === live.id)!;
    await until(async () => ((x) => (x.bars >= 30 ? x : undefined))(await session()), 'thirty 2-minute bars', 60_000);
    await call(s, 'paper.session.control', { session: live.id, action: 'stop' });
    await until(async () => ((x) => (x.status === 'stopped' ? x : undefined))(await session()), 'the stop');
    expect(gw.connections).toBe(2);

    // The demo market's minutes of the hour, two at a time.
    const m = generateSession('ES', 1, demoSession('ES', '2024-03-05'));
    const expected: number[][] = [];
    for (let i = 0; i < m.t.length; i++) {
      if (m.t[i]! < from || m.t[i]! >= to || (m.t[i]! / 60_000) % 2 !== 0) continue;
      expected.push([m.t[i]!, m.o[i]!, Math.max(m.h[i]!, m.h[i + 1]!), Math.min(m.l[i]!, m.l[i + 1]!), m.c[i + 1]!]);
    }
    const db = new Database(path.join(home, 'journal.sqlite'), { readonly: true });
    const bars = db.prepare('SELECT t, o, h, l, c FROM paper_bars WHERE session = ? ORDER BY seq').all(live.id) as { t: number; o: number; h: number; l: number; c: number }[];
    db.close();
    expect(bars.map((b) => [b.t, b.o, b.h, b.l, b.c])).toEqual(expected);

    // The level pipeline at every close of the hour (09:30–10:30 New York), live, is what a build of the same bars and book gives.
    const ref = tempDir('qd-paper-dbn-ref-');
    const r = await openServices(ref);
    try {
      await backfill(r, ['ES'], '2024-03-01', '2024-03-05');
      fs.writeFileSync(path.join(ref, 'hour.dbn'), encodeDbnBook({ dataset: 'GLBX.MDP3', schema: 'mbp-10', start: 0n, end: null, stypeIn: 1, stypeOut: 0, symbols: ['ES'], mappings: [{ rawSymbol: 'ES', intervals: [{ startDate: 20240301, endDate: 20240401, symbol: String(book.instrumentId[0]) }] }] }, book));
      await runJob(r, { kind: 'import', paths: [path.join(ref, 'hour.dbn')] });
      const build = await runJob<FeatureBuildResult>(r, { kind: 'features', set: 'es-levels' });
      const built = (await call(r, 'lake.sql', { query: `SELECT * EXCLUDE (ts, close) , epoch_ms(ts) AS t FROM read_parquet('${path.join(ref, 'lake', build.dir, 'symbol=ES')}/*/part-0.parquet') WHERE ts >= '2024-03-05 14:30' AND ts < '2024-03-05 15:30' ORDER BY ts`, limit: 100 }));
      const db2 = new Database(path.join(home, 'journal.sqlite'), { readonly: true });
      const rows = (db2.prepare("SELECT data FROM paper_events WHERE session = ? AND kind = 'features' ORDER BY seq").all(live.id) as { data: string }[]).map((x) => JSON.parse(x.data) as { t: number; values: Record<string, number | null> });
      db2.close();
      expect(rows.length).toBe(30);
      // Every feature of the set (24 key-level, 1 ATR, 16 OFI, 3 top-of-book, 1 trade-sign, 6 depth columns), in both.
      const names = Object.keys(rows[0]!.values);
      expect(names.length).toBe(51);
      expect(names).toEqual(expect.arrayContaining(['kl_pm_high', 'kl_or_near_atr', 'atr_14', 'ofi_300_peak', 'micro_dev', 'depth_absorb']));
      expect(built.columns.map((c) => c.name)).toEqual(expect.arrayContaining(names));
      built.rows.forEach((row, i) => {
        expect(rows[i]!.t).toBe(row[built.columns.length - 1]);
        for (const name of names) {
          const want = row[built.columns.findIndex((c) => c.name === name)] as number | null;
          const got = rows[i]!.values[name] ?? null;
          if (want === null || got === null) expect(got, `${name} at ${i}`).toBe(want);
          else expect(got, `${name} at ${new Date(rows[i]!.t).toISOString()}`).toBeCloseTo(want, 9);
        }
      });
    } finally {
      await r.close();
    }

    // The book reached the lake's book table, every record once though the connection dropped.
    const counts = (await call(s, 'lake.sql', { query: "SELECT count(*), count(*) FILTER (WHERE action = 'T') FROM book WHERE symbol = 'ES'" })).rows[0];
    expect(counts).toEqual([book.tsRecvNs.length, Array.from(book.action).filter((a) => a === 0x54).length]);
    // The minutes reached bronze, equal to the demo market's.
    const stored = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m', from: '2024-03-05', to: '2024-03-05' });
    const inHour = Array.from(stored.t).map((t, i) => [t, stored.c[i]!]).filter(([t]) => t! >= from && t! < to);
    expect(inHour).toEqual(Array.from(m.t).map((t, i) => [t, m.c[i]!]).filter(([t]) => t! >= from && t! < to));
  }, 120_000);

  it('refuses a gateway URL whose dataset could forge protocol fields, and a session without a Databento key', async () => {
    await expect(call(s, 'paper.session.start', { portfolio: file, live: 'ftp://127.0.0.1:1/GLBX.MDP3' })).rejects.toMatchObject({ path: 'live', message: expect.stringMatching(/dbn:\/\/host:port\/DATASET/) });
    const forged = await call(s, 'paper.session.start', { portfolio: file, live: `dbn://127.0.0.1:${gw.port}/GLBX.MDP3%7Cts_out=1` });
    const failed = await until(async () => ((x) => (x.status === 'failed' ? x : undefined))((await call(s, 'paper.sessions', {})).find((x) => x.id === forged.id)!), 'the refusal');
    expect(JSON.stringify(failed)).toMatch(/Databento dataset \\"GLBX\.MDP3\|ts_out=1\\": expected a code such as GLBX\.MDP3/);
    delete process.env.DATABENTO_API_KEY;
    await expect(call(s, 'paper.session.start', { portfolio: file, live: `dbn://127.0.0.1:${gw.port}/GLBX.MDP3` })).rejects.toThrow(/needs a Databento API key/);
  });
});
