import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureBuildResult } from '../core/node/features/silver-build';
import { BookFeatureStream, ofiEvent } from '../core/common/features/book-features';
import { bookSeriesOf } from '../core/node/ingest/dbn-book';
import { demoSession } from '../core/node/demo/demo-market';
import { generateBookSession } from '../core/node/demo/demo-book';
import type { Services } from '../core/node/services';
import { call, openServices, runJob, tempDir } from './helpers';

const SET = `name: esbook
timeframe: 2m
symbols: [ES]
features: [ibs]
book:
  - ofi(30,60,120,300)
  - micro
  - tradeimb(60)
  - depth(4,0.25)
`;

/** Book features built from the lake on 2-minute closes of the demo ES session, against the same events streamed and against the definition computed directly. */
describe('book features in a feature-set build', () => {
  let s: Services;
  const home = tempDir('qd-bookfeat-');
  beforeAll(async () => {
    s = await openServices(home, { threads: 1 });
    fs.mkdirSync(path.join(home, 'feature-sets'), { recursive: true });
    fs.writeFileSync(path.join(home, 'feature-sets', 'esbook.yml'), SET);
    await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2024-03-05', to: '2024-03-05' });
    await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2024-03-05', to: '2024-03-05', schema: 'mbp-10' });
  });
  afterAll(async () => s?.close());

  it('builds on every 2-minute close what a live stream of the same events gives, and OFI is the definition summed directly', async () => {
    const r = await runJob<FeatureBuildResult>(s, { kind: 'features', set: 'esbook' });
    expect(r.symbols.map((x) => [x.symbol, x.status])).toEqual([['ES', 'built']]);
    const dir = path.join(home, 'lake', r.dir, 'symbol=ES');
    const q = await call(s, 'lake.sql', { query: `SELECT epoch_ms(ts) + 120000, ofi_30, ofi_300, ofi_60_slope, ofi_120_peak, micro_spread, micro_imbalance, tradeimb_60, depth, depth_chg_180, depth_absorb FROM read_parquet('${dir}/*/part-0.parquet') ORDER BY ts`, limit: 5000 });
    const rows = q.rows as number[][];
    expect(rows.length).toBe(690);
    // The session's book, streamed live: events fed as they come, features read at each close.
    const session = demoSession('ES', '2024-03-05');
    const book = generateBookSession('ES', 1, session, {}, Date.parse('2024-03-05'), Date.parse('2024-03-06'));
    const next = generateBookSession('ES', 1, demoSession('ES', '2024-03-06'), {}, Date.parse('2024-03-05'), Date.parse('2024-03-06'));
    const live = new BookFeatureStream(['ofi(30,60,120,300)', 'micro', 'tradeimb(60)', 'depth(4,0.25)']);
    const names = live.outputs;
    const pick = ['ofi_30', 'ofi_300', 'ofi_60_slope', 'ofi_120_peak', 'micro_spread', 'micro_imbalance', 'tradeimb_60', 'depth', 'depth_chg_180', 'depth_absorb'].map((n) => names.indexOf(n));
    let checked = 0;
    for (const b of [book, next]) {
      const ev = bookSeriesOf(b);
      let i = 0;
      for (const row of rows) {
        const close = row[0]!;
        if (ev.t.length === 0 || close < ev.t[0]! || close > ev.t[ev.t.length - 1]! + 120_000) continue;
        let j = i;
        while (j < ev.t.length && ev.t[j]! <= close) j++;
        live.events(ev, i, j);
        i = j;
        const got = live.close(close);
        expect(pick.map((o) => got[o]), `close ${new Date(close).toISOString()}`).toEqual(row.slice(1).map((x) => (x === null ? Number.NaN : x)));
        // OFI over the last 30 s straight from the definition.
        let direct = 0;
        for (let k = 1; k < ev.t.length && ev.t[k]! <= close; k++) {
          if (ev.t[k]! <= close - 30_000) continue;
          const a = (k - 1) * 10;
          const c = k * 10;
          direct += ofiEvent(ev.bidPx[a]!, ev.bidSz[a]!, ev.askPx[a]!, ev.askSz[a]!, ev.bidPx[c]!, ev.bidSz[c]!, ev.askPx[c]!, ev.askSz[c]!);
        }
        if (!Number.isNaN(got[pick[0]!]!)) expect(got[pick[0]!]).toBe(direct);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(600);
  });

  it('refuses a set whose book features cannot be read, and a symbol without a stored book', async () => {
    fs.writeFileSync(path.join(home, 'feature-sets', 'badbook.yml'), SET.replace('micro', 'micro(2)').replace('esbook', 'badbook'));
    await expect(call(s, 'jobs.start', { kind: 'features', set: 'badbook' })).rejects.toThrow(/badbook\.yml: book: book feature "micro\(2\)": micro takes at most 0 parameters/);
    for (const [evaluate, error] of [
      ["{ from: '25:00', to: '13:30' }", /badhours\.yml: evaluate\.from: expected a time such as 09:30/],
      ["{ from: '13:30', to: '09:30' }", /badhours\.yml: evaluate: from must be before to/],
      ["{ from: '09:30', to: '13:30', tz: 'Mars' }", /badhours\.yml: evaluate: .*tz/],
    ] as const) {
      fs.writeFileSync(path.join(home, 'feature-sets', 'badhours.yml'), `${SET.replace('esbook', 'badhours')}evaluate: ${evaluate}\n`);
      await expect(call(s, 'jobs.start', { kind: 'features', set: 'badhours' })).rejects.toThrow(error);
    }
    await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['NQ'], timeframe: '1m', from: '2024-03-05', to: '2024-03-05' });
    fs.writeFileSync(path.join(home, 'feature-sets', 'nqbook.yml'), SET.replace('[ES]', '[NQ]').replace('esbook', 'nqbook'));
    const { jobId } = await call(s, 'jobs.start', { kind: 'features', set: 'nqbook' });
    await s.idle();
    const job = await call(s, 'jobs.get', { jobId });
    expect(JSON.stringify(job)).toMatch(/asks for book features of NQ, but the lake holds no book \(MBP-10\) for it; backfill it first/);
  });

  it('the es-levels set reproduces the level pipeline on the demo lake: 2-minute closes 09:30–13:30 New York, key levels, order flow and ±75-point labels', async () => {
    await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2024-03-04', to: '2024-03-06' });
    await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2024-03-04', to: '2024-03-06', schema: 'mbp-10' });
    const r = await runJob<FeatureBuildResult>(s, { kind: 'features', set: 'es-levels' });
    const dir = path.join(home, 'lake', r.dir, 'symbol=ES');
    const manifest = JSON.parse(fs.readFileSync(path.join(home, 'lake', r.dir, 'manifest.json'), 'utf8'));
    expect(manifest.spec).toMatchObject({ timeframe: '2m', evaluate: { from: '09:30', to: '13:30' }, labels: ['tbp(75,75,120)'] });
    const sql = async (query: string) => (await call(s, 'lake.sql', { query, limit: 5000 })).rows;
    // 09:30–13:30 New York is 120 two-minute bars a day, for the three days stored.
    expect(await sql(`SELECT strftime(ts AT TIME ZONE 'UTC' AT TIME ZONE 'America/New_York', '%Y-%m-%d') AS d, count(*), min(strftime(ts AT TIME ZONE 'UTC' AT TIME ZONE 'America/New_York', '%H:%M')), max(strftime(ts AT TIME ZONE 'UTC' AT TIME ZONE 'America/New_York', '%H:%M')) FROM read_parquet('${dir}/*/part-0.parquet') GROUP BY d ORDER BY d`)).toEqual([
      ['2024-03-04', 120, '09:30', '13:28'],
      ['2024-03-05', 120, '09:30', '13:28'],
      ['2024-03-06', 120, '09:30', '13:28'],
    ]);
    // The pre-market high of 2024-03-05 from the stored bars (04:00–09:30 New York), against the feature at 10:00.
    const pmHigh = ((await sql(`SELECT max(high) FROM bars WHERE symbol = 'ES' AND tf = '1m' AND ts >= '2024-03-05 09:00' AND ts < '2024-03-05 14:30'`)) as number[][])[0]![0]!;
    const [close, dist, near, ofi, label, minutes] = ((await sql(`SELECT close, kl_pm_high, kl_pm_near, ofi_60, label_tbp_75_75_120_outcome, label_tbp_75_75_120_minutes FROM read_parquet('${dir}/*/part-0.parquet') WHERE ts = '2024-03-05 15:00'`)) as number[][])[0]!;
    expect(dist).toBeCloseTo(close! - pmHigh!, 9);
    expect(Math.abs(near!)).toBeLessThanOrEqual(Math.abs(dist!));
    expect(Number.isFinite(ofi)).toBe(true);
    expect([-1, 0, 1]).toContain(label);
    expect(minutes! % 2).toBe(0);
    const [levelsSet, sma400] = ((await sql(`SELECT count(kl_or_high), count(kl_sma400) FROM read_parquet('${dir}/*/part-0.parquet')`)) as number[][])[0]!;
    expect(levelsSet).toBe(360);
    expect(sma400).toBeGreaterThan(200);
  });
});
