import fs from 'node:fs';
import path from 'node:path';
import { decompress } from 'fzstd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportResult } from '../core/common/lake/types';
import type { Services } from '../core/node/services';
import { call, openServices, sharedData, tempDir } from './helpers';

/** Imports DBN files of every order-book and reference schema into their bronze tables and reads them back through the SQL console. */
describe('importing DBN order-book and reference files into the bronze tables', () => {
  let s: Services;
  const dir = tempDir('qd-ticks-');
  const importFiles = async (paths: string[]): Promise<ImportResult> => {
    const { jobId } = await call(s, 'jobs.start', { kind: 'import', paths });
    await s.idle();
    const job = await call(s, 'jobs.get', { jobId });
    if (job.status !== 'succeeded') throw new Error(job.error ?? job.status);
    return job.result as ImportResult;
  };
  const sql = async (query: string): Promise<unknown[][]> => (await call(s, 'lake.sql', { query })).rows;
  const shared = (schema: string): string => sharedData('dbn', `test_data.${schema}.v3.dbn.zst`);
  /** A decompressed copy of a shared file with its record bytes changed, written as plain DBN. */
  const crafted = (schema: string, name: string, change: (b: Uint8Array, dv: DataView, body: number) => void): string => {
    const b = decompress(new Uint8Array(fs.readFileSync(shared(schema)))).slice();
    const dv = new DataView(b.buffer);
    change(b, dv, 8 + dv.getUint32(4, true));
    const p = path.join(dir, name);
    fs.writeFileSync(p, b);
    return p;
  };

  beforeAll(async () => {
    s = await openServices(tempDir(), { threads: 1 });
  });
  afterAll(async () => s?.close());

  it('imports every schema of the shared DBN folder into its table, field for field, and a second import adds nothing', async () => {
    const tables: [string, string, number][] = [
      ['mbp-1', 'quotes', 2], ['tbbo', 'quotes', 2], ['bbo-1s', 'quotes', 4], ['cmbp-1', 'quotes', 2], ['cbbo-1s', 'quotes', 2],
      ['mbp-10', 'book', 2], ['mbo', 'orders', 2], ['definition', 'definitions', 2], ['statistics', 'statistics', 2], ['status', 'status', 4], ['imbalance', 'imbalance', 2],
    ];
    for (const [schema, table, n] of tables) {
      const r = await importFiles([shared(schema)]);
      expect(r, schema).toMatchObject({ inputRows: n, accepted: n, rejected: 0, duplicates: 0 });
      expect(r.files[0]!.series.map((x) => [x.table, x.timeframe]), schema).toEqual([[table, 'tick']]);
    }
    // Top of book: the event, then the book after it; ns times exact.
    expect(await sql(`SELECT schema, epoch_ns(ts_recv)::VARCHAR, epoch_ns(ts_event)::VARCHAR, action, side, price, size, flags, depth, ts_in_delta, sequence, bid_px, ask_px, bid_sz, ask_sz, bid_ct, ask_ct, bid_pb, ask_pb FROM quotes WHERE symbol = 'ESH1' AND schema IN ('mbp-1', 'cmbp-1', 'tbbo') ORDER BY schema, ts_recv`)).toEqual([
      ['cmbp-1', '1609160400006136329', '1609160400006001487', 'A', 'A', 3720.5, 1, 128, null, 17214, null, 3720.25, 3720.5, 24, 11, null, null, 1, 1],
      ['cmbp-1', '1609160400006246513', '1609160400006146661', 'A', 'A', 3720.5, 1, 128, null, 18858, null, 3720.25, 3720.5, 24, 12, null, null, 1, 1],
      ['mbp-1', '1609160400006136329', '1609160400006001487', 'A', 'A', 3720.5, 1, 128, 0, 17214, 1170362, 3720.25, 3720.5, 24, 11, 15, 9, null, null],
      ['mbp-1', '1609160400006246513', '1609160400006146661', 'A', 'A', 3720.5, 1, 128, 0, 18858, 1170364, 3720.25, 3720.5, 24, 12, 15, 10, null, null],
      ['tbbo', '1609160400099150057', '1609160400098821953', 'T', 'A', 3720.25, 5, 129, 0, 19251, 1170380, 3720.25, 3720.5, 26, 7, 16, 6, null, null],
      ['tbbo', '1609160400108142648', '1609160400107665963', 'T', 'A', 3720.25, 21, 129, 0, 20728, 1170414, 3720.25, 3720.5, 21, 22, 13, 15, null, null],
    ]);
    expect(await sql(`SELECT schema, count(*), count(action), count(depth), count(ts_in_delta) FROM quotes WHERE schema LIKE '%bbo-1s' GROUP BY schema ORDER BY schema`)).toEqual([
      ['bbo-1s', 4, 0, 0, 0],
      ['cbbo-1s', 2, 0, 0, 0],
    ]);
    // Ten levels a side, a column per level; partitions by the UTC hour of ts_recv.
    expect(await sql(`SELECT epoch_ns(ts_recv)::VARCHAR, action, side, price, depth, bid_px_00, ask_px_00, bid_sz_01, ask_sz_09, bid_ct_09, ask_ct_00, bid_px_09, ask_px_09, date::VARCHAR, hour FROM book ORDER BY ts_recv`)).toEqual([
      ['1609160400000704060', 'C', 'A', 3722.75, 9, 3720.25, 3720.5, 31, 44, 39, 8, 3718, 3722.75, '2020-12-28', 13],
      ['1609160400000750544', 'C', 'B', 3720, 1, 3720.25, 3720.5, 30, 44, 39, 8, 3718, 3722.75, '2020-12-28', 13],
    ]);
    expect(await sql('SELECT order_id::VARCHAR, action, side, price, size, channel_id, sequence FROM orders ORDER BY ts_recv')).toEqual([
      ['647784973705', 'C', 'A', 3722.75, 1, 0, 1170352],
      ['647784973631', 'C', 'A', 3723, 1, 0, 1170353],
    ]);
    // Databento's "not given" values are NULL; what is given is kept.
    expect(await sql('SELECT symbol, instrument_id, raw_symbol, instrument_class, exchange, "group", secsubtype, display_factor, min_price_increment, expiration, strike_price, min_lot_size_round_lot, maturity_year, leg_side FROM definitions ORDER BY ts_recv')).toEqual([
      ['MSFT', 6819, 'MSFT', 'K', 'XNAS', 'pxnas-1', 'Z ', 100000, null, null, null, 100, null, 'N'],
      ['MSFT', 6830, 'MSFT', 'K', 'XNAS', 'pxnas-1', 'Z ', 100000, null, null, null, 100, null, 'N'],
    ]);
    expect(await sql('SELECT stat_type, stat_name, price, quantity, ts_ref, sequence, channel_id, update_action FROM statistics ORDER BY ts_recv')).toEqual([
      [7, 'lowest_offer', 100, null, null, 2, 13, 1],
      [5, 'session_high_price', 100, null, null, 7, 13, 1],
    ]);
    expect(await sql('SELECT epoch_ns(ts_recv)::VARCHAR, action, reason, trading_event, is_trading, is_quoting, is_short_sell_restricted FROM status ORDER BY ts_recv')).toEqual([
      ['1609113600000000000', 7, 1, 0, 'Y', 'Y', '~'],
      ['1609190100007055917', 1, 1, 0, 'N', 'Y', '~'],
      ['1609190970068184258', 1, 1, 1, 'N', 'Y', '~'],
      ['1609191000007282029', 6, 1, 0, 'Y', 'Y', '~'],
    ]);
    expect(await sql('SELECT symbol, ref_price, paired_qty, total_imbalance_qty, auction_type, side, unpaired_side, significant_imbalance FROM imbalance ORDER BY ts_recv')).toEqual([
      ['SPOT', 229.43, 0, 2000, 'O', 'B', 'N', '~'],
      ['SPOT', 229.99, 1719, 281, 'O', 'B', 'N', '~'],
    ]);
    // The same records again, in an older DBN version's file: nothing new.
    const again = await importFiles([shared('mbp-10'), path.resolve(__dirname, 'fixtures/databento/test_data.cmbp-1.v2.dbn.zst'), path.resolve(__dirname, 'fixtures/databento/test_data.statistics.v1.dbn.zst')]);
    expect(again).toMatchObject({ inputRows: 6, accepted: 0, duplicates: 6 });
    // The lake lists each table beside the bars, with rows, bytes and coverage.
    const summary = await call(s, 'lake.summary', {});
    expect(summary.filter((r) => r.symbol === 'ESH1').map((r) => [r.table, r.timeframe, r.rows, r.partitions])).toEqual([
      ['book', 'tick', 2, 1],
      ['orders', 'tick', 2, 1],
      ['quotes', 'tick', 12, 2],
      ['status', 'tick', 4, 2],
    ]);
    const parts = await call(s, 'lake.partitions', { symbol: 'ESH1', table: 'quotes' });
    expect(parts.map((p) => [p.partition, p.rows])).toEqual([
      ['date=2020-12-28/hour=00', 4],
      ['date=2020-12-28/hour=13', 8],
    ]);
  });

  it('gates each record: a size without a price, levels out of order and times from the future are rejected by record number and byte; the rest is stored', async () => {
    const file = crafted('mbp-10', 'gated.mbp-10.dbn', (_b, dv, body) => {
      // Record 1: bid level 3 shows size but its price is Databento's undefined price.
      dv.setUint32(body + 48 + 3 * 32, 0xffffffff, true);
      dv.setUint32(body + 48 + 3 * 32 + 4, 0x7fffffff, true);
      // Record 2: ask level 1 below ask level 0.
      dv.setBigInt64(body + 368 + 48 + 32 + 8, 3720_000_000_000n, true);
    });
    const r = await importFiles([file]);
    expect(r).toMatchObject({ inputRows: 2, accepted: 0, rejected: 2, duplicates: 0 });
    const rejects = await call(s, 'rejects.list', { runId: r.runId });
    const body = 8 + new DataView(decompress(new Uint8Array(fs.readFileSync(shared('mbp-10')))).buffer).getUint32(4, true);
    expect(rejects.map((x) => [x.line, x.byteOffset, x.source, x.reason])).toEqual([
      [1, body, 'import:dbn', 'bid level 3 shows size 39 but no price'],
      [2, body + 368, 'import:dbn', 'ask level 1 at 3720 is not above the level before it (3720.5)'],
    ]);
    const future = crafted('mbp-1', 'future.mbp-1.dbn', (_b, dv, body) => dv.setBigUint64(body + 80 + 32, BigInt(Date.now() + 86_400_000) * 1_000_000n, true));
    const f = await importFiles([future]);
    expect(f).toMatchObject({ inputRows: 2, accepted: 0, rejected: 1, duplicates: 1 });
    const fr = await call(s, 'rejects.list', { runId: f.runId });
    expect(fr.map((x) => x.line)).toEqual([2]);
    expect(fr[0]!.reason).toMatch(/^ts_recv: timestamp .* is in the future/);
  });

  it('keeps hostile symbols out of the lake’s folders: a mapping that is not a plain symbol stores under the instrument id', async () => {
    const file = crafted('status', 'traversal.status.dbn', (b) => {
      const text = new TextDecoder('latin1').decode(b);
      for (let at = text.indexOf('ESH1'); at >= 0; at = text.indexOf('ESH1', at + 1)) b.set([0x2e, 0x2e, 0x2f, 0x78], at);
    });
    const r = await importFiles([file]);
    expect(r.files[0]!.series.map((x) => x.symbol)).toEqual(['ID5482']);
    expect(r).toMatchObject({ inputRows: 4, accepted: 4, rejected: 0 });
    const paths = (await call(s, 'lake.partitions', { symbol: 'ID5482' })).map((p) => p.partition);
    expect(paths).toEqual(['date=2020-12-28/hour=00', 'date=2020-12-28/hour=21']);
    // The same for DBN bars: the one symbol name goes through the same check.
    const bars = crafted('ohlcv-1m', 'traversal.ohlcv.dbn', (b) => {
      const text = new TextDecoder('latin1').decode(b);
      for (let at = text.indexOf('ESH1'); at >= 0; at = text.indexOf('ESH1', at + 1)) b.set([0x2e, 0x2e, 0x2f, 0x78], at);
    });
    const rb = await importFiles([bars]);
    expect(rb.files[0]!.series).toEqual([{ symbol: 'ID5482', timeframe: '1m', accepted: 2 }]);
    expect((await call(s, 'lake.partitions', { symbol: 'ID5482', timeframe: '1m' })).map((p) => p.partition)).toEqual(['month=2020-12']);
  });

  it('refuses a truncated book file and a mixed file by name, writing nothing', async () => {
    const before = (await call(s, 'lake.summary', {})).reduce((a, x) => a + x.rows, 0);
    const cut = crafted('mbp-10', 'cut.mbp-10.dbn', () => undefined);
    fs.truncateSync(cut, fs.statSync(cut).size - 100);
    await expect(importFiles([cut])).rejects.toThrow(/cut\.mbp-10\.dbn: truncated record: 268 of its 368 bytes are there \(at byte \d+\)/);
    const mixed = crafted('mbp-1', 'mixed.mbp-1.dbn', (b, _dv, body) => {
      b[body + 80 + 1] = 0xc3;
    });
    await expect(importFiles([mixed])).rejects.toThrow(/mixed\.mbp-1\.dbn: mixes record types 0x1 and 0xc3/);
    expect((await call(s, 'lake.summary', {})).reduce((a, x) => a + x.rows, 0)).toBe(before);
  });
});
