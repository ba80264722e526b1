import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../core/node/services';
import { backfill, call, openServices, runJob, tempDir } from './helpers';

describe('bars.get answers repeated requests from memory and never from a stale lake (real DuckDB, Parquet, catalog)', () => {
  let s: Services;
  let home: string;

  beforeAll(async () => {
    home = tempDir();
    s = await openServices(home);
    expect((await backfill(s, ['ES'], '2024-02-26', '2024-03-01')).status).toBe('succeeded');
  });
  afterAll(async () => s?.close());

  it('serves the same request twice from the same columns', async () => {
    const first = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m', limit: 500 });
    const again = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m', limit: 500 });
    expect(first.t.length).toBe(500);
    expect(again.t).toBe(first.t);
    expect((await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m', limit: 400 })).t[0]).toBe(first.t[100]);
  });

  it('shows bars written after a request was answered', async () => {
    const before = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m', limit: 500 });
    expect((await backfill(s, ['ES'], '2024-03-04', '2024-03-08')).status).toBe('succeeded');
    const after = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m', limit: 500 });
    expect(after.t[499]!).toBeGreaterThan(before.t[499]! + 3 * 86_400_000);
  });

  it('shows a bar an import adds to a month already read (stored bars are never rewritten: a conflicting one is rejected)', async () => {
    const csv = (rows: string[]): string => ['Date,Time,Open,High,Low,Close,Volume', ...rows].join('\n');
    const file = path.join(home, 'FIX.csv');
    fs.writeFileSync(file, csv(['2024-03-01,14:30:00,10,11,9,10.5,100', '2024-03-01,14:32:00,10.5,11,10,10.75,90']));
    await runJob(s, { kind: 'import', paths: [file], format: 'auto' });
    expect(Array.from((await call(s, 'bars.get', { symbol: 'FIX', timeframe: '1m' })).c)).toEqual([10.5, 10.75]);
    fs.writeFileSync(file, csv(['2024-03-01,14:31:00,10.5,11,10,10.25,80', '2024-03-01,14:32:00,10.5,11,10,99,90']));
    await runJob(s, { kind: 'import', paths: [file], format: 'auto' });
    expect(Array.from((await call(s, 'bars.get', { symbol: 'FIX', timeframe: '1m' })).c)).toEqual([10.5, 10.25, 10.75]);
  });

  it('shows nothing of a series deleted after it was read', async () => {
    expect((await call(s, 'bars.get', { symbol: 'ES', timeframe: '5m', limit: 100 })).t.length).toBe(100);
    await call(s, 'lake.delete', { symbol: 'ES', timeframe: '1m' });
    expect((await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m', limit: 500 })).t.length).toBe(0);
    expect((await call(s, 'bars.get', { symbol: 'ES', timeframe: '5m', limit: 100 })).t.length).toBe(0);
  });
});
