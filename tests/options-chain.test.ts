import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { black76Greeks } from '../core/common/options/black76';
import { demoSession } from '../core/node/demo/demo-market';
import { generateOptionSession } from '../core/node/demo/demo-options';
import { DEFAULT_DEMO_SEED } from '../core/node/jobs/backfill';
import type { BackfillResult } from '../core/common/lake/types';
import type { Services } from '../core/node/services';
import { call, openServices, tempDir } from './helpers';

/**
 * The demo market's 0DTE ES options over the September 2026 roll: ESU6 expires Friday the 18th and
 * the futures trade ESZ6 from Thursday the 10th, while that week's daily options are still written on
 * ESU6. The same-contract filter must leave them out, and the QA check must name those sessions.
 */
describe('0DTE option chains on the front contract only, across a roll week', () => {
  let s: Services;
  const sql = async (query: string): Promise<unknown[][]> => (await call(s, 'lake.sql', { query })).rows;

  beforeAll(async () => {
    s = await openServices(tempDir(), { threads: 1 });
    const { jobId } = await call(s, 'jobs.start', { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2026-09-08', to: '2026-09-11', schema: 'options' });
    await s.idle();
    const job = await call(s, 'jobs.get', { jobId });
    if (job.status !== 'succeeded') throw new Error(job.error ?? job.status);
    expect(job.result as BackfillResult).toMatchObject({ rejected: 0 });
    const bars = await call(s, 'jobs.start', { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2026-09-08', to: '2026-09-11' });
    await s.idle();
    expect((await call(s, 'jobs.get', { jobId: bars.jobId })).status).toBe('succeeded');
  }, 120_000);
  afterAll(async () => s?.close());

  it('stores each session’s definitions, open interest, a quote a minute and trades, on the contract the options are written on', async () => {
    // 61 strikes × 2 sides; 390 minutes of regular hours a session; expiring at 16:00 New York (20:00 UTC in September).
    expect(await sql(`SELECT underlying, count(DISTINCT instrument_id), count(*), min(strftime(expiration, '%H:%M')) FROM options_quotes GROUP BY 1`)).toEqual([['ESU6', 4 * 122, 4 * 390 * 122, '20:00']]);
    expect(await sql(`SELECT symbol, count(*) FROM definitions GROUP BY 1`)).toEqual([['ESU6', 4 * 122]]);
    expect(await sql(`SELECT symbol, stat_name, count(*), min(quantity) >= 0 AND count(*) FILTER (WHERE quantity > 0) > 300 FROM statistics GROUP BY 1, 2`)).toEqual([['ESU6', 'open_interest', 4 * 122, true]]);
    const [[trades, bad]] = (await sql(`SELECT count(*), count(*) FILTER (WHERE price <= 0 OR size = 0 OR raw_symbol IS NULL) FROM options_trades WHERE underlying = 'ESU6'`)) as [[number, number]];
    expect(trades).toBeGreaterThan(1000);
    expect(bad).toBe(0);
  });

  it('stores the demo chains exactly as the generator made them: every definition, open interest and a minute of quotes field for field', async () => {
    const g = generateOptionSession('ES', DEFAULT_DEMO_SEED, demoSession('ES', '2026-09-09'))!;
    const def = g.definitions.columns;
    const ids = def.instrument_id as Uint32Array;
    expect(await sql(`SELECT instrument_id, raw_symbol, instrument_class, strike_price, epoch_ns(expiration)::VARCHAR, underlying, unit_of_measure_qty FROM definitions WHERE date = '2026-09-08' AND hour = 22 ORDER BY instrument_id`)).toEqual(
      Array.from(ids, (id, j) => [id, (def.raw_symbol as string[])[j], (def.instrument_class as string[])[j], (def.strike_price as Float64Array)[j], String((def.expiration as BigUint64Array)[j]), 'ESU6', 50]),
    );
    const oi = g.openInterest.columns.quantity as BigInt64Array;
    expect(await sql(`SELECT instrument_id, quantity FROM statistics WHERE instrument_id BETWEEN ${ids[0]} AND ${ids[ids.length - 1]} ORDER BY instrument_id`)).toEqual(Array.from(ids, (id, j) => [id, Number(oi[j])]));
    const end = BigInt(Date.parse('2026-09-09T15:00:00Z')) * 1_000_000n;
    const q = g.quotes;
    const rows = Array.from(q.tsRecvNs.keys()).filter((i) => q.tsRecvNs[i] === end);
    expect(rows).toHaveLength(122);
    const nan = (x: number): number | null => (Number.isNaN(x) ? null : x);
    expect(await sql(`SELECT instrument_id, epoch_ns(ts_event)::VARCHAR, bid_px, ask_px, bid_sz, ask_sz, bid_pb, ask_pb, schema FROM options_quotes WHERE ts_recv = make_timestamp_ns(${end}) ORDER BY instrument_id`)).toEqual(
      rows.map((i) => [q.instrumentId[i], String(q.tsEventNs[i]), nan(q.bidPx[i]!), q.askPx[i], q.bidSz[i], q.askSz[i], q.bidPb[i], q.askPb[i], 'cbbo-1m']),
    );
  });

  it('reports the roll-week sessions whose options are on another contract than the futures', async () => {
    const qa = await call(s, 'options.qa', { symbol: 'ES' });
    expect(qa.sessions).toEqual([
      { date: '2026-09-08', front: 'ESU6', contracts: ['ESU6'], ok: true },
      { date: '2026-09-09', front: 'ESU6', contracts: ['ESU6'], ok: true },
      { date: '2026-09-10', front: 'ESZ6', contracts: ['ESU6'], ok: false },
      { date: '2026-09-11', front: 'ESZ6', contracts: ['ESU6'], ok: false },
    ]);
    expect(qa.mismatched).toBe(2);
  });

  it('solves the front contract’s 0DTE chain: parity forward at the futures price, the smile from the mids, gamma exposure by strike', async () => {
    const at = Date.parse('2026-09-09T15:00:00Z');
    const c = await call(s, 'options.chain', { symbol: 'ES', at: '2026-09-09T15:00:00Z' });
    expect(c).toMatchObject({ session: '2026-09-09', contract: 'ESU6', leftOut: [], dte: 0, maxAgeSeconds: 120, rate: 0.05, multiplier: 50 });
    expect(c.chains).toHaveLength(1);
    const chain = c.chains[0]!;
    expect(chain.expiry).toBe(Date.parse('2026-09-09T20:00:00Z'));
    // The demo priced the options on the futures' close of the minute before: parity finds it within the quotes' rounding.
    const bars = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m', from: '2026-09-09', to: '2026-09-09', limit: 100000 });
    const minute = Array.from(bars.t).indexOf(at - 60_000);
    expect(minute).toBeGreaterThan(0);
    expect(Math.abs(chain.F - bars.c[minute]!)).toBeLessThan(0.5);
    // Near the money both sides solve, with the greeks of the solved volatility.
    const atm = chain.strikes.findIndex((k) => k >= chain.F);
    for (const i of [atm - 1, atm, atm + 1]) {
      expect(chain.calls.problem[i]).toBe('');
      expect(chain.puts.problem[i]).toBe('');
      const g = black76Greeks('put', chain.F, chain.strikes[i]!, chain.T, 0.05, chain.puts.iv[i]!);
      expect(chain.puts.delta[i]).toBeCloseTo(g.delta, 12);
      expect(chain.puts.gamma[i]).toBeCloseTo(g.gamma, 14);
      expect(chain.calls.iv[i]).toBeGreaterThan(0.05);
      expect(chain.calls.iv[i]).toBeLessThan(0.4);
    }
    // Far out of the money the demo shows no bid, and says so.
    expect(chain.calls.problem[chain.strikes.length - 1]).toBe('no bid');
    expect(Array.from(c.profile.gex).some((x) => x > 0)).toBe(true);
    expect(Array.from(c.profile.gex).some((x) => x < 0)).toBe(true);
  });

  it('leaves the expiring contract’s options out once the futures have rolled, and names them', async () => {
    const c = await call(s, 'options.chain', { symbol: 'ES', at: '2026-09-10T15:00:00Z' });
    expect(c).toMatchObject({ session: '2026-09-10', contract: 'ESZ6', leftOut: ['ESU6'], chains: [] });
    expect(c.profile.strikes).toHaveLength(0);
  });

  it('refuses a moment outside the sessions, a symbol without a roll table and bad arguments, naming them', async () => {
    await expect(call(s, 'options.chain', { symbol: 'ES', at: '2026-09-12T15:00:00Z' })).rejects.toThrow(/2026-09-12T15:00:00.000Z falls outside every session of ES \(cme\)/);
    await expect(call(s, 'options.chain', { symbol: 'NQ', at: '2026-09-09T15:00:00Z' })).rejects.toThrow(/no front contract of NQ is recorded for 2026-09-09/);
    await expect(call(s, 'options.chain', { symbol: 'ES', at: '09/09/2026' })).rejects.toMatchObject({ path: 'at' });
    await expect(call(s, 'options.chain', { symbol: 'ES', at: '2026-09-09T15:00:00Z', dte: -1 })).rejects.toThrow(/dte is 0/);
    await expect(call(s, 'options.qa', { symbol: 'NQ' })).rejects.toThrow(/no options on NQ contracts/);
  });
});
