import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gexAround } from '../core/common/options/gex';
import type { FeatureBuildResult } from '../core/node/features/silver-build';
import type { Services } from '../core/node/services';
import { call, openServices, runJob, tempDir } from './helpers';

const SET = `name: esgex
timeframe: 2m
symbols: [ES]
features: [keylevels]
options: ['gex(1,2,3)']
`;

/** Gamma-exposure features built from the demo lake's options, against the chain the Options view solves at the same moment. */
describe('option features in a feature-set build', () => {
  let s: Services;
  const home = tempDir('qd-gexfeat-');
  beforeAll(async () => {
    s = await openServices(home, { threads: 1 });
    fs.mkdirSync(path.join(home, 'feature-sets'), { recursive: true });
    fs.writeFileSync(path.join(home, 'feature-sets', 'esgex.yml'), SET);
    await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2026-09-08', to: '2026-09-10' });
    await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2026-09-09', to: '2026-09-10', schema: 'options' });
  }, 120_000);
  afterAll(async () => s?.close());

  it('builds GEX at every close the chain of that moment gives, on the front contract only, NaN where the session has none', async () => {
    const r = await runJob<FeatureBuildResult>(s, { kind: 'features', set: 'esgex' });
    expect(r.symbols.map((x) => [x.symbol, x.status])).toEqual([['ES', 'built']]);
    const dir = path.join(home, 'lake', r.dir, 'symbol=ES');
    const q = await call(s, 'lake.sql', {
      query: `SELECT epoch_ms(ts) + 120000, close, kl_or_near, gex_net, gex_px_1_above, gex_px_2_below, gex_px_3_asym, gex_or_2_above, gex_sma_1_ratio FROM read_parquet('${dir}/*/part-0.parquet') ORDER BY ts`,
      limit: 10_000,
    });
    const rows = q.rows as number[][];
    const day = (iso: string): number[][] => rows.filter((x) => x[0]! >= Date.parse(`${iso}T13:30:00Z`) && x[0]! <= Date.parse(`${iso}T20:00:00Z`));
    // 09-08: no options stored (no front contract recorded either); 09-10: roll week, the front contract ESZ6 has none.
    for (const d of ['2026-09-08', '2026-09-10']) expect(day(d).every((x) => x[3] === null), d).toBe(true);
    // 09-09, regular hours: a value at every close once a quote has arrived, each equal to the chain solved at that moment.
    const rth = day('2026-09-09').filter((x) => x[0]! > Date.parse('2026-09-09T13:31:00Z') && x[0]! < Date.parse('2026-09-09T20:00:00Z'));
    expect(rth.length).toBeGreaterThan(190);
    // In the last minutes before the 16:00 expiry the options at the money have no bid on one side, so no strike gives a parity forward: no value, and the chain says the same.
    const none = rth.filter((x) => typeof x[3] !== 'number');
    expect(none.every((x) => x[0]! >= Date.parse('2026-09-09T19:40:00Z'))).toBe(true);
    for (const x of none) expect((await call(s, 'options.chain', { symbol: 'ES', at: new Date(x[0]!).toISOString() })).profile.strikes).toHaveLength(0);
    for (const x of rth.filter((y, i) => i % 37 === 0 && typeof y[3] === 'number')) {
      const at = new Date(x[0]!).toISOString();
      const c = await call(s, 'options.chain', { symbol: 'ES', at });
      const gex = Array.from(c.profile.gex, (g) => g / 1e6);
      expect(x[3], at).toBeCloseTo(gex.reduce((a, b) => a + b, 0), 6);
      expect(x[4], at).toBeCloseTo(gexAround(c.profile.strikes, gex, x[1]!, 1).above, 6);
      expect(x[5], at).toBeCloseTo(gexAround(c.profile.strikes, gex, x[1]!, 2).below, 6);
      expect(x[6], at).toBeCloseTo(gexAround(c.profile.strikes, gex, x[1]!, 3).asymmetry, 9);
      // Around the nearest opening-range level: close − the distance to it.
      if (x[2] !== null) expect(x[7], at).toBeCloseTo(gexAround(c.profile.strikes, gex, x[1]! - x[2]!, 2).above, 6);
    }
  });

  it('joins the level pipeline as es-levels-gex, and a set whose symbol has no roll table is refused by name', async () => {
    const sets = await call(s, 'features.sets', {});
    const gexSet = sets.find((x) => x.name === 'es-levels-gex')!;
    const check = await call(s, 'features.validate', { text: gexSet.text });
    expect(check.ok).toBe(true);
    expect(check.columns).toEqual(expect.arrayContaining(['kl_pm_near', 'kl_or_near', 'ofi_30', 'gex_net', 'gex_pm_3_asym', 'gex_sma_2_ratio']));
    expect(check.columns).toContain('label_tbp_75_75_120_up');
    fs.writeFileSync(path.join(home, 'feature-sets', 'nqgex.yml'), SET.replace('esgex', 'nqgex').replace('[ES]', '[NQ]'));
    await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['NQ'], timeframe: '1m', from: '2026-09-09', to: '2026-09-09' });
    await expect(runJob(s, { kind: 'features', set: 'nqgex' })).rejects.toThrow(/asks for option features of NQ, but no front contract of NQ is recorded/);
  });
});
