import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../core/node/services';
import { backfill, call, openServices, tempDir } from './helpers';

describe('materialised resamples', () => {
  let s: Services;
  let home: string;
  beforeAll(async () => {
    home = tempDir();
    s = await openServices(home, { threads: 1 });
    await backfill(s, ['GC'], '2024-05-01', '2024-05-31');
  });
  afterAll(async () => s?.close());

  const materialize = async (timeframe: '1h' | '1d' | '1w') => {
    const { jobId } = await call(s, 'jobs.start', { kind: 'materialize', symbol: 'GC', timeframe });
    await s.idle();
    return call(s, 'jobs.get', { jobId });
  };

  it('serves the same bars from the materialised file, and falls back to on-read once new bars arrive', async () => {
    const onRead = await call(s, 'bars.get', { symbol: 'GC', timeframe: '1h' });
    const job = await materialize('1h');
    expect(job.status).toBe('succeeded');
    const rel = (job.result as { path: string }).path;
    expect(rel).toMatch(/^silver\/resampled\/GC\/tf=1h\/part-.*\.parquet$/);
    expect(fs.existsSync(path.join(home, 'lake', rel))).toBe(true);
    const served = await call(s, 'bars.get', { symbol: 'GC', timeframe: '1h' });
    for (const k of ['t', 'o', 'h', 'l', 'c', 'v'] as const) expect(Array.from(served[k])).toEqual(Array.from(onRead[k]));
    const window = await call(s, 'bars.get', { symbol: 'GC', timeframe: '1h', from: '2024-05-10', to: '2024-05-10', limit: 5 });
    expect(Array.from(window.t)).toEqual(Array.from(onRead.t.filter((t) => t >= Date.UTC(2024, 4, 10) && t < Date.UTC(2024, 4, 11)).slice(-5)));
    for (const tf of ['1d', '1w'] as const) {
      const before = await call(s, 'bars.get', { symbol: 'GC', timeframe: tf });
      expect((await materialize(tf)).status).toBe('succeeded');
      expect(Array.from((await call(s, 'bars.get', { symbol: 'GC', timeframe: tf })).c)).toEqual(Array.from(before.c));
    }
    await backfill(s, ['GC'], '2024-06-01', '2024-06-05');
    const after = await call(s, 'bars.get', { symbol: 'GC', timeframe: '1h' });
    expect(after.t.length).toBeGreaterThan(onRead.t.length);
    expect(new Date(after.t[after.t.length - 1]!).toISOString() > '2024-06-04').toBe(true);
  });

  it('rebuilding replaces the file, and orphans are removed at start-up', async () => {
    const first = ((await materialize('1h')).result as { path: string }).path;
    const second = ((await materialize('1h')).result as { path: string }).path;
    expect(second).not.toBe(first);
    // The replaced file outlives its catalog row for queries that listed it; the next start removes it.
    expect(fs.existsSync(path.join(home, 'lake', first))).toBe(true);
    const orphan = path.join(home, 'lake', 'silver', 'resampled', 'GC', 'tf=1h', 'part-orphan.parquet');
    fs.writeFileSync(orphan, 'x');
    await s.close();
    s = await openServices(home, { threads: 1 });
    expect(fs.existsSync(orphan)).toBe(false);
    expect(fs.existsSync(path.join(home, 'lake', first))).toBe(false);
    expect(fs.existsSync(path.join(home, 'lake', second))).toBe(true);
  });
});
