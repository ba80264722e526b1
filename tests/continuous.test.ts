import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CME_GLOBEX } from '../core/common/instruments';
import type { ContinuousResult } from '../core/common/types';
import { dayNumber, sessionOf } from '../core/node/calendar';
import { parseContract } from '../core/node/lake/continuous';
import type { Services } from '../core/node/services';
import { call, openServices, tempDir } from './helpers';

const DAYS = ['2024-03-04', '2024-03-05', '2024-03-06', '2024-03-07', '2024-03-08'];
// Share of volume in the June contract per session: it passes 60% on the third session.
const JUNE_SHARE = [0.1, 0.35, 0.7, 0.85, 0.9];

function contractCsv(dir: string, symbol: string, offset: number, share: (d: number) => number): string {
  const lines = ['timestamp,open,high,low,close,volume'];
  DAYS.forEach((day, d) => {
    const s = sessionOf(CME_GLOBEX, dayNumber(day));
    for (let t = s.start, i = 0; t < s.end; t += 60 * 60_000, i++) {
      const p = 5000 + d * 10 + (i % 4) * 0.25 + offset;
      lines.push(`${new Date(t).toISOString()},${p},${p + 1},${p - 1},${p + 0.5},${Math.round(1000 * share(d))}`);
    }
  });
  const file = path.join(dir, `${symbol}.csv`);
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

describe('continuous futures', () => {
  let s: Services;
  beforeAll(async () => {
    s = await openServices(tempDir(), { threads: 1 });
    const dir = tempDir();
    const files = [contractCsv(dir, 'ESH4', 0, (d) => 1 - JUNE_SHARE[d]!), contractCsv(dir, 'ESM4', 50, (d) => JUNE_SHARE[d]!)];
    const { jobId } = await call(s, 'jobs.start', { kind: 'import', paths: files, calendar: 'cme' });
    await s.idle();
    expect((await call(s, 'jobs.get', { jobId })).status).toBe('succeeded');
  });
  afterAll(async () => s?.close());

  const build = async (threshold?: number): Promise<ContinuousResult> => {
    const { jobId } = await call(s, 'jobs.start', { kind: 'continuous', root: 'ES', ...(threshold ? { threshold } : {}) });
    await s.idle();
    const job = await call(s, 'jobs.get', { jobId });
    if (job.status !== 'succeeded') throw new Error(job.error ?? job.status);
    return job.result as ContinuousResult;
  };

  it('reads contract symbols', () => {
    expect(parseContract('ESH4', 2024)).toEqual({ root: 'ES', month: 3, year: 2024 });
    expect(parseContract('CLZ25')).toEqual({ root: 'CL', month: 12, year: 2025 });
    expect(parseContract('NQU9', 2022)).toEqual({ root: 'NQ', month: 9, year: 2019 });
    expect(parseContract('NQU9', 2027)).toEqual({ root: 'NQ', month: 9, year: 2029 });
    expect(parseContract('AAPL')).toBeUndefined();
  });

  it('rolls to the next contract the session after its volume share passes 60%, with a roll table', async () => {
    const r = await build();
    expect(r.contracts).toEqual(['ESH4', 'ESM4']);
    expect(r.symbols).toEqual(['ES.C', 'ES.CBA']);
    expect(r.rolls).toEqual([{ date: '2024-03-07', from: 'ESH4', to: 'ESM4', gap: 50 }]);
    const daily = await call(s, 'bars.get', { symbol: 'ES.C', timeframe: '1d' });
    expect(Array.from(daily.t, (t) => new Date(t).toISOString().slice(0, 10))).toEqual(DAYS);
    // Unadjusted: March prices until the roll, June prices after; no daily bar mixes the two.
    expect(Array.from(daily.o)).toEqual([5000, 5010, 5020, 5080, 5090]);
    expect(Array.from(daily.v)).toEqual([23 * 900, 23 * 650, 23 * 300, 23 * 850, 23 * 900]);
    const adjusted = await call(s, 'bars.get', { symbol: 'ES.CBA', timeframe: '1d' });
    expect(Array.from(adjusted.o)).toEqual([5050, 5060, 5070, 5080, 5090]);
  });

  it('replaces an earlier build instead of adding to it', async () => {
    const before = (await call(s, 'lake.partitions', { symbol: 'ES.C' })).reduce((a, p) => a + p.files, 0);
    const r = await build(0.8);
    expect(r.rolls.map((x) => x.date)).toEqual(['2024-03-08']);
    expect((await call(s, 'lake.partitions', { symbol: 'ES.C' })).reduce((a, p) => a + p.files, 0)).toBe(before);
    expect((await call(s, 'bars.get', { symbol: 'ES.C', timeframe: '1d' })).t.length).toBe(5);
    await expect(call(s, 'jobs.start', { kind: 'continuous', root: 'ES', threshold: 0.4 })).rejects.toMatchObject({ path: 'threshold' });
  });
});
