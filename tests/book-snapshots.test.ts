import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BookSnapshotResult } from '../core/node/lake/book-snapshots';
import type { Services } from '../core/node/services';
import { call, openServices, runJob, tempDir } from './helpers';

const COLS = ['bid_px_00', 'ask_px_00', 'bid_sz_00', 'ask_sz_09', 'bid_ct_05', 'ask_px_09'];

/** The 1 Hz snapshot table of the demo ES book, against the book walked second by second in plain code. */
describe('the book’s 1 Hz snapshot table', () => {
  let s: Services;
  const home = tempDir('qd-snapshots-');
  beforeAll(async () => {
    s = await openServices(home, { threads: 1 });
    await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2024-03-05', to: '2024-03-05' });
    await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2024-03-05', to: '2024-03-05', schema: 'mbp-10' });
  }, 120_000);
  afterAll(async () => s?.close());

  it('holds for every second from a date’s first update to its last the levels as the last update before the second’s end left them, the updates in it and the state’s age', async () => {
    const r = await runJob<BookSnapshotResult>(s, { kind: 'snapshots', symbol: 'ES' });
    const sql = async (query: string) => (await call(s, 'lake.sql', { query, limit: 200_000 })).rows;
    // The book in receive order (of equal receive times, by sequence), walked in plain code.
    const book = await sql(`SELECT epoch_ns(ts_recv)::VARCHAR, strftime(ts_recv, '%Y-%m-%d'), ${COLS.join(', ')} FROM book WHERE symbol = 'ES' ORDER BY ts_recv, sequence`);
    const snaps = await sql(`SELECT epoch_ns(ts_recv)::VARCHAR, updates, age_ms, ${COLS.join(', ')} FROM book_1s WHERE symbol = 'ES' ORDER BY ts_recv`);
    expect(r.dates).toEqual([...new Set(book.map((x) => x[1] as string))]);
    const want: unknown[][] = [];
    for (const date of r.dates) {
      const day = book.filter((x) => x[1] === date).map((x) => [BigInt(x[0] as string), ...x.slice(2)] as [bigint, ...unknown[]]);
      const sec = 1_000_000_000n;
      let i = 0;
      for (let e = (day[0]![0] / sec + 1n) * sec; e <= (day.at(-1)![0] / sec + 1n) * sec; e += sec) {
        let updates = 0;
        while (i < day.length && day[i]![0] < e) {
          i++;
          updates++;
        }
        const last = day[i - 1]!;
        want.push([String(e), updates, Number(e - last[0]) / 1e6, ...last.slice(1)]);
      }
    }
    expect(r.rows).toBe(want.length);
    expect(snaps.length).toBe(want.length);
    snaps.forEach((x, j) => {
      expect(x.slice(0, 2), `second ${j}`).toEqual(want[j]!.slice(0, 2));
      expect(x[2] as number).toBeCloseTo(want[j]![2] as number, 6);
      expect(x.slice(3), `levels at ${j}`).toEqual(want[j]!.slice(3));
    });
    expect(snaps.reduce((a, x) => a + (x[1] as number), 0)).toBe(book.length);

    // Rebuilding one date replaces its snapshot (the midnight second the date before ends with stays).
    const again = await runJob<BookSnapshotResult>(s, { kind: 'snapshots', symbol: 'ES', from: r.dates.at(-1), to: r.dates.at(-1) });
    expect(again.dates).toEqual([r.dates.at(-1)]);
    expect(await sql("SELECT count(*), count(DISTINCT ts_recv), sum(updates) FROM book_1s WHERE symbol = 'ES'")).toEqual([[want.length, want.length, book.length]]);
    const parts = await call(s, 'lake.partitions', { symbol: 'ES', timeframe: 'tick', table: 'book_1s' });
    expect(parts.reduce((a, p) => a + p.rows, 0)).toBe(want.length);
    expect(parts.every((p) => /^date=\d{4}-\d{2}-\d{2}\/hour=\d\d$/.test(p.partition))).toBe(true);
  }, 120_000);

  it('refuses a symbol without a book, a date range without one, and from after to, by name', async () => {
    await expect(runJob(s, { kind: 'snapshots', symbol: 'NQ' })).rejects.toThrow(/NQ has no book \(MBP-10\) in the lake; import or backfill it first/);
    await expect(runJob(s, { kind: 'snapshots', symbol: 'ES', from: '2023-01-01', to: '2023-01-31' })).rejects.toThrow(/ES has no book between 2023-01-01 and 2023-01-31/);
    await expect(call(s, 'jobs.start', { kind: 'snapshots', symbol: 'ES', from: '2024-03-09', to: '2024-03-01' })).rejects.toMatchObject({ path: 'to', message: expect.stringMatching(/from is after to/) });
    await expect(call(s, 'jobs.start', { kind: 'snapshots', symbol: '../ES' })).rejects.toMatchObject({ path: 'symbol' });
  });
});
