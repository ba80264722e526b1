import fs from 'node:fs';
import path from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArgOf } from '../core/common/api';
import type { Services } from '../core/node/services';
import type { FeatureBuildResult } from '../core/node/features/silver-build';
import type { IcReport, PromoteResult } from '../core/node/features/analysis';
import { backfill, call, openServices, runJob, tempDir } from './helpers';

describe('gold datasets and IC analysis', () => {
  const home = tempDir('qd-gold-');
  let s: Services;
  let build: FeatureBuildResult;
  const job = <T>(arg: ArgOf<'jobs.start'>): Promise<T> => runJob<T>(s, arg);

  beforeAll(async () => {
    s = await openServices(home);
    fs.mkdirSync(path.join(home, 'feature-sets'), { recursive: true });
    fs.writeFileSync(path.join(home, 'feature-sets', 'g.yml'), 'name: g\ntimeframe: 15m\nsymbols: [ES, NQ]\nfeatures: "ibs, rsi(14), ret(1)"\nlabels: "b1, t3(0.001)"\n');
    await backfill(s, ['ES', 'NQ'], '2024-03-04', '2024-03-22');
    build = await job<FeatureBuildResult>({ kind: 'features', set: 'g' });
  });
  afterAll(async () => s?.close());

  it('promotes a build with filters to versioned gold datasets with metadata and label balance', async () => {
    const all = await job<PromoteResult>({ kind: 'promote', build: build.buildId });
    expect(all).toMatchObject({ name: 'g', version: 1, source: build.buildId, filters: [] });
    expect(all.rows).toBe(build.symbols.reduce((a, x) => a + x.rows, 0));
    const b1 = all.labelBalance.label_b1!;
    expect((b1['0.0'] ?? 0) + (b1['1.0'] ?? 0) + (b1.empty ?? 0)).toBe(all.rows);
    const rth = await job<PromoteResult>({ kind: 'promote', build: build.buildId, filters: ['rth', 'complete', 'from=2024-03-11'] });
    expect(rth.version).toBe(2);
    expect(rth.rows).toBeLessThan(all.rows / 2);
    const meta = JSON.parse(fs.readFileSync(path.join(home, 'lake', rth.dir, 'metadata.json'), 'utf8'));
    expect(meta).toMatchObject({ source: build.buildId, filters: ['rth', 'complete', 'from=2024-03-11'], rows: rth.rows, columns: expect.arrayContaining(['symbol', 'ts', 'rsi_14', 'label_b1']) });
    const file = path.join(home, 'lake', rth.dir, 'data.parquet');
    const q = await call(s, 'lake.sql', { query: `SELECT min(ts), count(*) FILTER (WHERE rsi_14 IS NULL), epoch_ms(ts)::DOUBLE FROM read_parquet('${file}') GROUP BY ALL ORDER BY 3` });
    expect(q.rows.every((r) => r[1] === 0)).toBe(true);
    for (const r of q.rows) {
      const ny = DateTime.fromMillis(r[2] as number, { zone: 'America/New_York' });
      const minute = ny.hour * 60 + ny.minute;
      expect(minute).toBeGreaterThanOrEqual(9 * 60 + 30);
      expect(minute).toBeLessThan(16 * 60);
      expect(ny.toISODate()! >= '2024-03-11').toBe(true);
    }
    await expect(call(s, 'jobs.start', { kind: 'promote', build: 'g@0000000000000000' })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/no build g@0000000000000000/) });
    await expect(call(s, 'jobs.start', { kind: 'promote', build: build.buildId, filters: ['weekends'] })).rejects.toMatchObject({ code: 'invalid_argument' });
  });

  it('reports IC, rank IC, t-statistics, ICIR and quintile spreads per feature and horizon', async () => {
    const ticks: string[] = [];
    const off = s.bus.onAny((name, p) => {
      if (name === 'job.progress') ticks.push((p as { message: string }).message);
    });
    const r = await job<IcReport>({ kind: 'ic', set: 'g', horizons: [1, 4] });
    off();
    // Progress per feature and horizon, naming the pair just done.
    expect(ticks).toEqual(['ibs/1', 'rsi_14/1', 'ret_1/1', 'ibs/4', 'rsi_14/4', 'ret_1/4'].map((x, i) => `${i + 1} of 6 feature × horizon pairs (${x.split('/')[0]} at ${x.split('/')[1]} bars)`));
    expect(r.buildId).toBe(build.buildId);
    expect(r.stats.map((x) => `${x.feature}/${x.horizon}`)).toEqual(['ibs/1', 'rsi_14/1', 'ret_1/1', 'ibs/4', 'rsi_14/4', 'ret_1/4']);
    for (const x of r.stats) {
      expect(x.periods).toBeGreaterThan(20);
      expect(Math.abs(x.ic)).toBeLessThan(1);
      expect(x.quintiles).toHaveLength(5);
      expect(x.spread).toBeCloseTo(x.quintiles[4]! - x.quintiles[0]!, 15);
      expect(x.tStat).toBeCloseTo(x.ic / (x.icStd / Math.sqrt(x.periods)), 10);
    }
  });

  it('takes intraday correlations per exchange session, not per UTC day', async () => {
    // On 5-minute bars a CME session's first hour (Sunday 23:00 UTC, before its Monday date) is 12 bars: by UTC day it would be a period of its own.
    fs.writeFileSync(path.join(home, 'feature-sets', 'g5.yml'), 'name: g5\ntimeframe: 5m\nsymbols: [ES, NQ]\nfeatures: "ibs, ret(1)"\nlabels: [b1]\n');
    await job({ kind: 'features', set: 'g5' });
    const r = await job<IcReport>({ kind: 'ic', set: 'g5', horizons: [1] });
    // 15 sessions from 4 to 22 March, for each of two symbols.
    for (const x of r.stats) expect(x.periods, x.feature).toBe(2 * 15);
  });
});
