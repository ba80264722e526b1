import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Services } from '../core/node/services';
import { backfill, call, openServices, tempDir } from './helpers';

const sha = (f: string): string => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

describe('lake v0 with the demo backfill (real DuckDB, SQLite and worker pool)', () => {
  let s: Services;
  let home: string;

  beforeAll(async () => {
    home = tempDir();
    s = await openServices(home);
  });
  afterAll(async () => s?.close());

  it('backfills into hive-partitioned zstd Parquet, one folder per month', async () => {
    const job = await backfill(s, ['ES', 'CL'], '2024-02-20', '2024-03-10');
    expect(job.status).toBe('succeeded');
    const r = job.result as { newBars: number; alreadyPresent: number; filesWritten: number };
    expect(r.alreadyPresent).toBe(0);
    expect(r.filesWritten).toBe(4);
    const dir = path.join(home, 'lake/bronze/bars/tf=1m/symbol=ES');
    expect(fs.readdirSync(dir).sort()).toEqual(['month=2024-02', 'month=2024-03']);
    const parts = await call(s, 'lake.partitions', { symbol: 'ES' });
    expect(parts.map((p) => p.month)).toEqual(['2024-02', '2024-03']);
    const file = path.join(dir, 'month=2024-02', fs.readdirSync(path.join(dir, 'month=2024-02'))[0]!);
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const meta = (await con.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${file}')`)).getRowsJS().flat();
    expect(meta).toEqual(['ZSTD']);
    const schema = (await con.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${file}', hive_partitioning = false))`)).getRowsJS();
    expect(schema).toEqual([['ts', 'TIMESTAMP'], ['open', 'DOUBLE'], ['high', 'DOUBLE'], ['low', 'DOUBLE'], ['close', 'DOUBLE'], ['volume', 'DOUBLE']]);
    const summary = await call(s, 'lake.summary', {});
    expect(summary.map((x) => [x.symbol, x.rows])).toEqual([
      ['CL', r.newBars / 2],
      ['ES', r.newBars / 2],
    ]);
    con.closeSync();
  });

  it('is incremental: the same range again adds nothing and says so', async () => {
    const job = await backfill(s, ['ES', 'CL'], '2024-02-20', '2024-03-10');
    const r = job.result as { newBars: number; alreadyPresent: number; filesWritten: number };
    expect(r.newBars).toBe(0);
    expect(r.filesWritten).toBe(0);
    expect(job.summary).toMatch(/^0 new bars, [\d,]+ already present$/);
    expect(r.alreadyPresent).toBeGreaterThan(20_000);
  });

  it('an overlapping range writes only the missing minutes, never a duplicate', async () => {
    const before = (await call(s, 'lake.summary', {})).find((x) => x.symbol === 'ES')!.rows;
    const job = await backfill(s, ['ES'], '2024-03-01', '2024-03-20');
    const r = job.result as { newBars: number; alreadyPresent: number };
    expect(r.alreadyPresent).toBeGreaterThan(0);
    expect(r.newBars).toBeGreaterThan(0);
    const bars = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m' });
    expect(bars.t.length).toBe(before + r.newBars);
    for (let i = 1; i < bars.t.length; i++) expect(bars.t[i]!).toBeGreaterThan(bars.t[i - 1]!);
  });

  it('aggregates 1m bars to 5m, 15m, 1h and session daily bars consistently', async () => {
    const m1 = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m', from: '2024-03-04', to: '2024-03-08' });
    expect(m1.t).toBeInstanceOf(Float64Array);
    for (const [tf, ms] of [['5m', 300_000], ['15m', 900_000], ['1h', 3_600_000]] as const) {
      const b = await call(s, 'bars.get', { symbol: 'ES', timeframe: tf, from: '2024-03-04', to: '2024-03-08' });
      let vol = 0;
      for (let i = 0; i < b.t.length; i++) {
        expect(b.t[i]! % ms).toBe(0);
        vol += b.v[i]!;
      }
      expect(vol).toBe(m1.v.reduce((a, x) => a + x, 0));
      // The first bucket opens at the first minute's open; the last closes at the last minute's close.
      expect(b.o[0]).toBe(m1.o[0]);
      expect(b.c[b.c.length - 1]).toBe(m1.c[m1.c.length - 1]);
    }
    // One daily bar per session: Thursday 2024-03-07's session runs 18:00 ET Wednesday → 17:00 ET Thursday.
    const d = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1d', from: '2024-03-07', to: '2024-03-07' });
    expect(d.t.length).toBe(1);
    expect(new Date(d.t[0]!).toISOString()).toBe('2024-03-07T00:00:00.000Z');
    const session = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m', from: '2024-03-06T23:00:00Z', to: '2024-03-07T21:59:00Z' });
    expect(session.t.length).toBe(1380);
    expect(d.o[0]).toBe(session.o[0]);
    expect(d.c[0]).toBe(session.c[1379]);
    expect(d.h[0]).toBe(Math.max(...session.h));
    expect(d.l[0]).toBe(Math.min(...session.l));
    expect(d.v[0]).toBe(session.v.reduce((a, x) => a + x, 0));
    const weekly = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1w', from: '2024-03-04', to: '2024-03-10' });
    const days = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1d', from: '2024-03-04', to: '2024-03-08' });
    expect(Array.from(weekly.t, (t) => new Date(t).toISOString().slice(0, 10))).toEqual(['2024-03-04']);
    expect(weekly.v[0]).toBe(days.v.reduce((a, x) => a + x, 0));
    expect([weekly.o[0], weekly.c[0], weekly.h[0]]).toEqual([days.o[0], days.c[4], Math.max(...days.h)]);
    const week = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1d', from: '2024-03-04', to: '2024-03-10' });
    expect(Array.from(week.t, (t) => new Date(t).toISOString().slice(0, 10))).toEqual(['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08']);
  });

  it('returns the last N bars with limit, oldest first', async () => {
    const all = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1h' });
    const last = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1h', limit: 10 });
    expect(Array.from(last.t)).toEqual(Array.from(all.t.subarray(all.t.length - 10)));
    const minutes = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m' });
    const n = minutes.t.length;
    const k = Math.floor(n * 0.6);
    const lastMinutes = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m', limit: k });
    expect(Array.from(lastMinutes.t)).toEqual(Array.from(minutes.t.subarray(n - k)));
    expect(Array.from(lastMinutes.c)).toEqual(Array.from(minutes.c.subarray(n - k)));
    // A page that ends inside a month, as the chart asks when scrolling back: the minutes before `to`.
    const end = n - Math.floor(n * 0.2);
    const size = Math.floor(n * 0.5);
    const page = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m', to: new Date(minutes.t[end]! - 1).toISOString(), limit: size });
    expect(Array.from(page.t)).toEqual(Array.from(minutes.t.subarray(end - size, end)));
    const more = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m', limit: 5_000_000 });
    expect(more.t.length).toBe(n);
    const empty = await call(s, 'bars.get', { symbol: 'NQ', timeframe: '1d' });
    expect(empty.t.length).toBe(0);
  });

  it('rejects bad arguments with the field named', async () => {
    await expect(call(s, 'bars.get', { symbol: 'ES', timeframe: '3m' as '1m' })).rejects.toMatchObject({ code: 'invalid_argument', path: 'timeframe' });
    await expect(call(s, 'bars.get', { symbol: 'ES', timeframe: '1d', from: '2024-02-31' })).rejects.toMatchObject({ code: 'invalid_argument', path: 'from' });
    await expect(call(s, 'jobs.start', { kind: 'backfill', source: 'demo', symbols: ['ZZ'], timeframe: '1m', from: '2024-01-01', to: '2024-01-02' })).rejects.toMatchObject({
      code: 'invalid_argument',
      path: 'symbols.0',
    });
    await expect(call(s, 'jobs.start', { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '1999-01-01', to: '2024-01-02' })).rejects.toMatchObject({
      path: 'from',
    });
    await expect(call(s, 'jobs.get', { jobId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('writes byte-identical Parquet for the same seed in another home', async () => {
    const other = tempDir();
    const s2 = await openServices(other, { threads: 1 });
    try {
      const a = tempDir();
      const s1 = await openServices(a, { threads: 1 });
      await backfill(s1, ['GC'], '2024-01-10', '2024-01-20');
      await s1.close();
      await backfill(s2, ['GC'], '2024-01-10', '2024-01-20');
      const file = (h: string): string => {
        const d = path.join(h, 'lake/bronze/bars/tf=1m/symbol=GC/month=2024-01');
        return path.join(d, fs.readdirSync(d)[0]!);
      };
      expect(sha(file(a))).toBe(sha(file(other)));
    } finally {
      await s2.close();
    }
  });

  it('holds the same bars whatever order ranges are filled in', async () => {
    const a = await openServices(tempDir(), { threads: 1 });
    const b = await openServices(tempDir(), { threads: 1 });
    try {
      await backfill(a, ['YM'], '2024-05-10', '2024-05-20');
      await backfill(a, ['YM'], '2024-05-01', '2024-05-12');
      await backfill(b, ['YM'], '2024-05-01', '2024-05-20');
      const x = await call(a, 'bars.get', { symbol: 'YM', timeframe: '1m' });
      const y = await call(b, 'bars.get', { symbol: 'YM', timeframe: '1m' });
      expect(x.t.length).toBe(y.t.length);
      for (const k of ['t', 'o', 'h', 'l', 'c', 'v'] as const) expect(Buffer.from(x[k].buffer).equals(Buffer.from(y[k].buffer))).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('cancels a running backfill between partitions, keeping what it published', async () => {
    const { jobId } = await call(s, 'jobs.start', { kind: 'backfill', source: 'demo', symbols: ['RTY'], timeframe: '1m', from: '2010-01-01', to: '2019-12-31' });
    await new Promise<void>((resolve) => {
      const off = s.bus.onAny((name, p) => {
        if (name === 'job.progress' && (p as { jobId: string }).jobId === jobId) {
          off();
          resolve();
        }
      });
    });
    const during = await call(s, 'jobs.cancel', { jobId });
    expect(['running', 'cancelled']).toContain(during.status);
    await s.idle();
    const job = await call(s, 'jobs.get', { jobId });
    expect(job.status).toBe('cancelled');
    expect(job.summary).toMatch(/^cancelled: [\d,]+ new bars/);
    const rows = (await call(s, 'lake.summary', {})).find((r) => r.symbol === 'RTY')?.rows ?? 0;
    expect(rows).toBe((job.result as { newBars: number }).newBars);
    expect(rows).toBeLessThan(2_500_000);
    await expect(call(s, 'jobs.cancel', { jobId })).rejects.toMatchObject({ code: 'conflict' });
  });
});
