import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CME_GLOBEX } from '../core/common/instruments';
import type { ContinuousResult } from '../core/common/lake/types';
import { dayNumber, sessionOf } from '../core/node/calendar';
import { parseContract } from '../core/node/lake/continuous';
import type { Services } from '../core/node/services';
import { call, openServices, tempDir } from './helpers';
import { demoSession } from '../core/node/demo/demo-market';
import { generateBookSession } from '../core/node/demo/demo-book';
import { encodeDbnBookRecords, encodeDbnMetadata } from '../core/node/ingest/dbn-encode';

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
    // The roll table is recorded: each session's front contract decides whose options a chain reads.
    const frontOn = async (day: string): Promise<string> => (await call(s, 'options.chain', { symbol: 'ES.C', at: `${day}T15:00:00Z` })).contract;
    expect(await Promise.all(DAYS.map(frontOn))).toEqual(['ESH4', 'ESH4', 'ESH4', 'ESM4', 'ESM4']);
  });

  it('replaces an earlier build instead of adding to it', async () => {
    const before = (await call(s, 'lake.partitions', { symbol: 'ES.C' })).reduce((a, p) => a + p.files, 0);
    const r = await build(0.8);
    expect(r.rolls.map((x) => x.date)).toEqual(['2024-03-08']);
    expect((await call(s, 'options.chain', { symbol: 'ES', at: '2024-03-07T15:00:00Z' })).contract).toBe('ESH4');
    expect((await call(s, 'lake.partitions', { symbol: 'ES.C' })).reduce((a, p) => a + p.files, 0)).toBe(before);
    expect((await call(s, 'bars.get', { symbol: 'ES.C', timeframe: '1d' })).t.length).toBe(5);
    await expect(call(s, 'jobs.start', { kind: 'continuous', root: 'ES', threshold: 0.4 })).rejects.toMatchObject({ path: 'threshold' });
  });

  it('keeps the book front-month pure: each session only the contract the bars chose, and flags the sessions where both contracts have rows', async () => {
    // Twenty minutes of book a session for each contract (instruments 1 and 2), from Databento-style files.
    const dir = tempDir();
    const files = ['ESH4', 'ESM4'].map((symbol, c) => {
      const parts: Uint8Array[] = [];
      let header: Uint8Array | null = null;
      for (const day of DAYS) {
        const open = sessionOf(CME_GLOBEX, dayNumber(day)).start + 16 * 3_600_000;
        const book = generateBookSession('ES', 1 + c, demoSession('ES', day), {}, open, open + 20 * 60_000);
        book.instrumentId.fill(c + 1);
        header ??= encodeDbnMetadata({ dataset: 'GLBX.MDP3', schema: 'mbp-10', start: 0n, end: null, stypeIn: 1, stypeOut: 0, symbols: [symbol], mappings: [{ rawSymbol: symbol, intervals: [{ startDate: 20240301, endDate: 20240401, symbol: String(c + 1) }] }] });
        parts.push(encodeDbnBookRecords(book));
      }
      const file = path.join(dir, `${symbol}.mbp-10.dbn`);
      fs.writeFileSync(file, Buffer.concat([header!, ...parts]));
      // The book's trades as a trades file: each MBP record's first 48 bytes are a trade record's layout.
      const body = Buffer.concat(parts);
      const trades: Buffer[] = [];
      for (let at = 0; at < body.length; at += 368) {
        if (body[at + 28] !== 0x54) continue;
        const rec = Buffer.from(body.subarray(at, at + 48));
        rec[0] = 12;
        rec[1] = 0;
        trades.push(rec);
      }
      const tradeHeader = Buffer.from(header!);
      tradeHeader.writeUInt16LE(4, 24);
      fs.writeFileSync(path.join(dir, `${symbol}.trades.dbn`), Buffer.concat([tradeHeader, ...trades]));
      return file;
    });
    files.push(...['ESH4', 'ESM4'].map((symbol) => path.join(dir, `${symbol}.trades.dbn`)));
    const { jobId } = await call(s, 'jobs.start', { kind: 'import', paths: files });
    await s.idle();
    expect((await call(s, 'jobs.get', { jobId })).error ?? 'succeeded').toBe('succeeded');
    const r = await build();
    const book = r.ticks.find((x) => x.table === 'book')!;
    const job = (await call(s, 'jobs.list', {})).find((j) => j.kind === 'continuous');
    expect(job?.summary).toMatch(/; book: [\d,]+ front-month rows, 5 sessions where contracts overlap$/);
    expect(book.overlaps).toEqual(DAYS.map((date) => ({ date, contracts: ['ESH4', 'ESM4'] })));
    // One contract a session: March until the roll on 2024-03-07, June from it.
    const sql = async (query: string) => (await call(s, 'lake.sql', { query })).rows;
    const perSession = await sql("SELECT strftime(ts_recv AT TIME ZONE 'UTC' AT TIME ZONE 'America/New_York', '%Y-%m-%d') AS d, min(instrument_id), max(instrument_id), count(*) FROM book WHERE symbol = 'ES.C' GROUP BY d ORDER BY d");
    expect(perSession.map((x) => [x[0], x[1], x[2]])).toEqual(DAYS.map((d) => [d, d < '2024-03-07' ? 1 : 2, d < '2024-03-07' ? 1 : 2]));
    const kept = await sql("SELECT count(*) FROM book WHERE (symbol = 'ESH4' AND ts_recv < '2024-03-06 23:00') OR (symbol = 'ESM4' AND ts_recv >= '2024-03-06 23:00')");
    expect(book.rows).toBe(kept[0]![0]);
    expect(perSession.reduce((a, x) => a + Number(x[3]), 0)).toBe(book.rows);
    // The trades the same way, and the sessions where both contracts traded flagged.
    const trades = r.ticks.find((x) => x.table === 'trades')!;
    expect(trades.overlaps.length).toBe(5);
    const tradeSessions = await sql("SELECT strftime(ts AT TIME ZONE 'UTC' AT TIME ZONE 'America/New_York', '%Y-%m-%d') AS d, count(*) FROM trades WHERE symbol = 'ES.C' GROUP BY d ORDER BY d");
    const expectedTrades = await sql("SELECT strftime(ts AT TIME ZONE 'UTC' AT TIME ZONE 'America/New_York', '%Y-%m-%d') AS d, count(*) FROM trades WHERE (symbol = 'ESH4' AND ts < '2024-03-06 23:00') OR (symbol = 'ESM4' AND ts >= '2024-03-06 23:00') GROUP BY d ORDER BY d");
    expect(tradeSessions).toEqual(expectedTrades);
    expect(trades.rows).toBe(expectedTrades.reduce((a, x) => a + Number(x[1]), 0));
    // A rebuild replaces the kept rows rather than adding to them.
    await build();
    expect((await sql("SELECT count(*) FROM book WHERE symbol = 'ES.C'"))[0]![0]).toBe(book.rows);
  });
});
