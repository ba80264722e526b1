import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RetentionResult } from '../core/common/lake/types';
import type { Services } from '../core/node/services';
import { backfill, call, openServices, tempDir } from './helpers';

describe('retention: old 1-minute months become 5-minute bars', () => {
  let s: Services;
  let home: string;
  const today = new Date();
  const recentFrom = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1)).toISOString().slice(0, 10);
  const recentTo = new Date(today.getTime() - 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    home = tempDir();
    // No grace: the compacted months' files go as the job ends.
    s = await openServices(home, { threads: 1, retireGraceMs: 0 });
    await backfill(s, ['NQ'], '2024-01-01', '2024-02-29');
    if (recentFrom <= recentTo) await backfill(s, ['NQ'], recentFrom, recentTo);
  });
  afterAll(async () => s?.close());

  it('keeps every coarser bar identical while dropping the old minutes', async () => {
    const hourly = await call(s, 'bars.get', { symbol: 'NQ', timeframe: '1h', from: '2024-01-01', to: '2024-02-29' });
    const daily = await call(s, 'bars.get', { symbol: 'NQ', timeframe: '1d', from: '2024-01-01', to: '2024-02-29' });
    const fives = await call(s, 'bars.get', { symbol: 'NQ', timeframe: '5m', from: '2024-01-01', to: '2024-02-29' });
    const minutes = (await call(s, 'bars.get', { symbol: 'NQ', timeframe: '1m', from: '2024-01-01', to: '2024-02-29' })).t.length;
    // The stored policy decides when a job names no number of days; until one is stored it is 90.
    expect(await call(s, 'settings.retention', {})).toEqual({ minuteDays: 90 });
    await expect(call(s, 'settings.setRetention', { minuteDays: 0 })).rejects.toMatchObject({ code: 'invalid_argument', path: 'minuteDays' });
    expect(await call(s, 'settings.setRetention', { minuteDays: 36_000 })).toEqual({ minuteDays: 36_000 });
    const kept = await call(s, 'jobs.start', { kind: 'retention' });
    await s.idle();
    expect((await call(s, 'jobs.get', { jobId: kept.jobId })).result).toMatchObject({ months: 0 });
    await call(s, 'settings.setRetention', { minuteDays: 90 });
    const { jobId } = await call(s, 'jobs.start', { kind: 'retention' });
    await s.idle();
    const job = await call(s, 'jobs.get', { jobId });
    expect(job.status).toBe('succeeded');
    const r = job.result as RetentionResult;
    expect(r).toMatchObject({ months: 2, minuteBarsRemoved: minutes, fiveMinuteBarsWritten: fives.t.length, symbols: ['NQ'] });
    const parts = await call(s, 'lake.partitions', { symbol: 'NQ' });
    expect(parts.filter((p) => p.month < '2025').map((p) => `${p.timeframe} ${p.month}`)).toEqual(['5m 2024-01', '5m 2024-02']);
    expect(fs.existsSync(path.join(home, 'lake/bronze/bars/tf=1m/symbol=NQ/month=2024-01')) && fs.readdirSync(path.join(home, 'lake/bronze/bars/tf=1m/symbol=NQ/month=2024-01')).length).toBeFalsy();
    for (const [tf, before] of [['1h', hourly], ['1d', daily], ['5m', fives]] as const) {
      const after = await call(s, 'bars.get', { symbol: 'NQ', timeframe: tf, from: '2024-01-01', to: '2024-02-29' });
      for (const k of ['t', 'o', 'h', 'l', 'c', 'v'] as const) expect(Array.from(after[k]), `${tf} ${k}`).toEqual(Array.from(before[k]));
    }
    expect((await call(s, 'bars.get', { symbol: 'NQ', timeframe: '1m', from: '2024-01-01', to: '2024-02-29' })).t.length).toBe(0);
    if (recentFrom <= recentTo) expect((await call(s, 'bars.get', { symbol: 'NQ', timeframe: '1m', from: recentFrom, to: recentTo })).t.length).toBeGreaterThan(0);
    const again = await call(s, 'jobs.start', { kind: 'retention', minuteDays: 90 });
    await s.idle();
    expect((await call(s, 'jobs.get', { jobId: again.jobId })).result).toMatchObject({ months: 0 });
  });
});
