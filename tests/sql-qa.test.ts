import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../core/node/services';
import { backfill, call, openServices, tempDir } from './helpers';

describe('SQL console and QA report over the lake', () => {
  let s: Services;
  let home: string;
  beforeAll(async () => {
    home = tempDir();
    s = await openServices(home, { threads: 1 });
    await backfill(s, ['ES', 'GC'], '2024-04-01', '2024-04-10');
  });
  afterAll(async () => s?.close());

  it('answers read-only queries over the bars view', async () => {
    const r = await call(s, 'lake.sql', { query: 'SELECT symbol, tf, count(*) AS n, min(ts) AS first FROM bars GROUP BY ALL ORDER BY symbol' });
    expect(r.columns.map((c) => c.name)).toEqual(['symbol', 'tf', 'n', 'first']);
    const es = (await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m' })).t;
    expect(r.rows[0]).toEqual(['ES', '1m', es.length, new Date(es[0]!).toISOString()]);
    const limited = await call(s, 'lake.sql', { query: 'SELECT * FROM bars', limit: 10 });
    expect(limited.rows).toHaveLength(10);
    expect(limited.truncated).toBe(true);
    expect((await call(s, 'lake.sql', { query: 'SELECT count(*) FROM rejects' })).rows).toEqual([[0]]);
  });

  it('refuses anything but a single read-only statement, naming the problem', async () => {
    await expect(call(s, 'lake.sql', { query: "COPY (SELECT 1) TO '/tmp/x.csv'" })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/read-only/) });
    await expect(call(s, 'lake.sql', { query: 'CREATE TABLE t (x INT)' })).rejects.toThrow(/read-only/);
    await expect(call(s, 'lake.sql', { query: 'SELECT 1; SELECT 2' })).rejects.toThrow(/exactly one statement/);
    await expect(call(s, 'lake.sql', { query: 'SELEC nonsense' })).rejects.toMatchObject({ path: 'query', message: expect.stringMatching(/^SQL error/) });
    await expect(call(s, 'lake.sql', { query: 'SELECT nope FROM bars' })).rejects.toThrow(/SQL error/);
  });

  it('reports a clean demo series as clean and writes validation.json', async () => {
    const r = await call(s, 'lake.qa', { symbol: 'ES' });
    expect(r).toMatchObject({ symbol: 'ES', timeframe: '1m', duplicates: 0, ohlcInconsistent: { count: 0 }, nonPositivePrices: { count: 0 } });
    expect(r.gaps.count).toBe(0);
    expect(r.rows).toBeGreaterThan(8000);
    const file = path.join(home, 'lake', 'qa', 'ES', 'tf=1m', 'validation.json');
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(r);
  });

  it('shows a five-month hole between two backfills as missing sessions and months, which gap counting cannot see', async () => {
    // To 2024-01-30 (UTC): the next CME session, February 1st's, would open on the 31st in the evening.
    await backfill(s, ['NQ'], '2024-01-02', '2024-01-30');
    await backfill(s, ['NQ'], '2024-07-01', '2024-07-10');
    const r = await call(s, 'lake.qa', { symbol: 'NQ' });
    expect(r.gaps.count).toBe(0);
    expect(r.coverage.basis).toBe('calendar');
    expect(r.coverage.missingMonths).toEqual(['2024-02', '2024-03', '2024-04', '2024-05', '2024-06']);
    expect(r.coverage.months.map((m) => m.month)).toEqual(['2024-01', '2024-02', '2024-03', '2024-04', '2024-05', '2024-06', '2024-07']);
    const [jan, , , , , , jul] = r.coverage.months;
    expect(jan!.present).toBe(jan!.expected);
    expect(jul!.present).toBe(jul!.expected);
    expect(jan!.expected).toBeGreaterThan(18);
    expect(r.coverage.missingSessions[0]).toBe('2024-02-01');
    // CME trades about 21 sessions a month: five missing months are over a hundred missing sessions.
    expect(r.coverage.expectedSessions - r.coverage.presentSessions).toBeGreaterThan(100);
    expect(r.coverage.presentSessions).toBe(jan!.present + jul!.present);
  });

  it('finds gaps, spikes, stale runs and volume anomalies that pass the gate', async () => {
    const lines = ['timestamp,open,high,low,close,volume'];
    const t0 = Date.UTC(2024, 4, 6, 13, 30);
    let price = 100;
    for (let i = 0; i < 400; i++) {
      if (i >= 100 && i < 105) continue; // a 5-bar hole
      const stale = i >= 200 && i < 240;
      if (!stale) price = 100 + Math.sin(i / 7) + ((i * 7919) % 13) / 100;
      const p = i === 300 ? price * 1.5 : i === 350 ? -1 : price;
      const vol = i === 320 ? 5_000_000 : 1000 + ((i * 31) % 17);
      lines.push(`${new Date(t0 + i * 60_000).toISOString()},${p},${p},${p},${p},${vol}`);
    }
    const file = path.join(tempDir(), 'QX.csv');
    fs.writeFileSync(file, lines.join('\n'));
    const { jobId } = await call(s, 'jobs.start', { kind: 'import', paths: [file] });
    await s.idle();
    const job = await call(s, 'jobs.get', { jobId });
    expect(job.status).toBe('succeeded');
    // A negative price no longer gets in (the bar gate refuses it); QA still checks for lakes written before the gate.
    expect(job.result).toMatchObject({ rejected: 1 });
    const r = await call(s, 'lake.qa', { symbol: 'QX' });
    // The 5-bar hole, and the bar the gate refused.
    expect(r.gaps).toMatchObject({ count: 2, missingBars: 6 });
    expect(r.gaps.examples[0]!.after).toBe(new Date(t0 + 99 * 60_000).toISOString());
    expect(r.nonPositivePrices.count).toBe(0);
    expect(r.spikes.examples.map((x) => x.at)).toContain(new Date(t0 + 300 * 60_000).toISOString());
    expect(r.staleRuns.count).toBe(1);
    expect(r.staleRuns.longest).toBeGreaterThanOrEqual(40);
    expect(r.volume.examples.map((x) => x.at)).toEqual([new Date(t0 + 320 * 60_000).toISOString()]);
    await expect(call(s, 'lake.qa', { symbol: 'NOPE' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
