import fs from 'node:fs';
import path from 'node:path';
import { decompress } from 'fzstd';
import { describe, expect, it } from 'vitest';
import { decodeDbnBook } from '../core/node/ingest/dbn-book';
import { DbnError } from '../core/node/ingest/dbn';
import { paths, sharedData } from './helpers';

// Expected values: Databento's own test suite for these records (databento-cpp, values printed by its
// `dbz` CLI), ESH1 (instrument 5482, publisher 1) on 2020-12-28. Prices are fixed-point / 1e9; a flags
// byte printed as a signed char (-128, -127) is 128 and 129 unsigned.
const load = (name: string) => decodeDbnBook(new Uint8Array(fs.readFileSync(sharedData('dbn', name))), name);
const chr = (c: number): string => String.fromCharCode(c);
const level = (b: NonNullable<ReturnType<typeof load>['book']>, i: number, k: number) => {
  const j = i * b.levels + k;
  return [b.bidPx[j], b.askPx[j], b.bidSz[j], b.askSz[j], b.bidCt[j], b.askCt[j]];
};
const head = (b: NonNullable<ReturnType<typeof load>['book']>, i: number) => [b.publisherId[i], b.instrumentId[i], b.tsEventNs[i], b.price[i], b.size[i], chr(b.action[i]!), chr(b.side[i]!), b.flags[i], b.depth[i], b.tsRecvNs[i], b.tsInDelta[i], b.sequence[i]];

describe('DBN order-book schemas, decoded from the record layouts and checked against Databento’s own values', () => {
  it('mbp-1: the event and the top of book, every field of both records', () => {
    const f = load('test_data.mbp-1.v3.dbn.zst');
    expect(f.metadata).toMatchObject({ version: 3, dataset: 'GLBX.MDP3', schema: 'mbp-1' });
    const b = f.book!;
    expect(b.schema).toBe('mbp-1');
    expect(b.tsEventNs.length).toBe(2);
    expect(head(b, 0)).toEqual([1, 5482, 1609160400006001487n, 3720.5, 1, 'A', 'A', 128, 0, 1609160400006136329n, 17214, 1170362]);
    expect(level(b, 0, 0)).toEqual([3720.25, 3720.5, 24, 11, 15, 9]);
    expect(head(b, 1)).toEqual([1, 5482, 1609160400006146661n, 3720.5, 1, 'A', 'A', 128, 0, 1609160400006246513n, 18858, 1170364]);
    expect(level(b, 1, 0)).toEqual([3720.25, 3720.5, 24, 12, 15, 10]);
    expect(b.tsMs[0]).toBe(1609160400006);
    expect(f.symbolFor(5482, 20201228)).toBe('ESH1');
  });

  it('tbbo: each trade with the book before it', () => {
    const b = load('test_data.tbbo.v3.dbn.zst').book!;
    expect(b.schema).toBe('tbbo');
    expect(head(b, 0)).toEqual([1, 5482, 1609160400098821953n, 3720.25, 5, 'T', 'A', 129, 0, 1609160400099150057n, 19251, 1170380]);
    expect(level(b, 0, 0)).toEqual([3720.25, 3720.5, 26, 7, 16, 6]);
    expect(head(b, 1)).toEqual([1, 5482, 1609160400107665963n, 3720.25, 21, 'T', 'A', 129, 0, 1609160400108142648n, 20728, 1170414]);
    expect(level(b, 1, 0)).toEqual([3720.25, 3720.5, 21, 22, 13, 15]);
  });

  it('mbp-10: the event and ten levels a side, in order', () => {
    const b = load('test_data.mbp-10.v3.dbn.zst').book!;
    expect([b.schema, b.levels, b.tsEventNs.length]).toEqual(['mbp-10', 10, 2]);
    expect(head(b, 0)).toEqual([1, 5482, 1609160400000429831n, 3722.75, 1, 'C', 'A', 128, 9, 1609160400000704060n, 22993, 1170352]);
    expect([0, 1, 2].map((k) => level(b, 0, k))).toEqual([
      [3720.25, 3720.5, 24, 10, 15, 8],
      [3720, 3720.75, 31, 34, 18, 24],
      [3719.75, 3721, 32, 39, 23, 25],
    ]);
    expect(head(b, 1)).toEqual([1, 5482, 1609160400000435673n, 3720, 1, 'C', 'B', 128, 1, 1609160400000750544n, 20625, 1170356]);
    expect([0, 1, 2].map((k) => level(b, 1, k))).toEqual([
      [3720.25, 3720.5, 24, 10, 15, 8],
      [3720, 3720.75, 30, 34, 17, 24],
      [3719.75, 3721, 32, 39, 23, 25],
    ]);
    // Deeper levels: bids fall and asks rise a tick at a time where the book is full.
    for (let k = 1; k < 10; k++) {
      expect(b.bidPx[k]!).toBeLessThan(b.bidPx[k - 1]!);
      expect(b.askPx[k]!).toBeGreaterThan(b.askPx[k - 1]!);
    }
  });

  it('mbo: every order event by id', () => {
    const m = load('test_data.mbo.v3.dbn.zst').mbo!;
    const row = (i: number) => [m.publisherId[i], m.instrumentId[i], m.tsEventNs[i], m.orderId[i], m.price[i], m.size[i], m.flags[i], m.channelId[i], chr(m.action[i]!), chr(m.side[i]!), m.tsRecvNs[i], m.tsInDelta[i], m.sequence[i]];
    expect(row(0)).toEqual([1, 5482, 1609160400000429831n, 647784973705n, 3722.75, 1, 128, 0, 'C', 'A', 1609160400000704060n, 22993, 1170352]);
    expect(row(1)).toEqual([1, 5482, 1609160400000431665n, 647784973631n, 3723, 1, 128, 0, 'C', 'A', 1609160400000711344n, 19621, 1170353]);
  });

  // bbo-1s, cmbp-1 and cbbo-1s: `dbn -J` output of Databento's CLI for these records (quoted in
  // dbn-go's and dbn-zig's test suites). BBO and CBBO leave action, depth and ts_in_delta reserved.
  it('bbo-1s: a top of book per second, every field of the four records', () => {
    const b = load('test_data.bbo-1s.v3.dbn.zst').book!;
    expect([b.schema, b.levels, b.tsRecvNs.length]).toEqual(['bbo-1s', 1, 4]);
    const rec = (i: number) => [b.tsRecvNs[i], b.tsEventNs[i], b.publisherId[i], b.instrumentId[i], chr(b.side[i]!), b.price[i], b.size[i], b.flags[i], b.sequence[i], ...level(b, i, 0), b.action[i], b.depth[i], b.tsInDelta[i]];
    expect([0, 1, 2, 3].map(rec)).toEqual([
      [1609113600000000000n, 1609113599045849637n, 1, 5482, 'A', 3702.5, 2, 168, 145799, 3702.25, 3702.75, 18, 13, 10, 13, 0, 0, 0],
      [1609113601000000000n, 1609113600986911551n, 1, 5482, 'B', 3702.5, 2, 130, 145998, 3702.5, 3702.75, 2, 10, 1, 10, 0, 0, 0],
      [1609113602000000000n, 1609113601149205775n, 1, 5482, 'A', 3702.5, 1, 130, 146034, 3702.25, 3702.75, 20, 11, 12, 11, 0, 0, 0],
      [1609113603000000000n, 1609113602738022089n, 1, 5482, 'B', 3702.5, 1, 130, 146167, 3702.5, 3702.75, 2, 11, 2, 11, 0, 0, 0],
    ]);
    expect(b.bidPb.length).toBe(0);
  });

  const consolidated = (b: NonNullable<ReturnType<typeof load>['book']>, i: number) => [b.tsRecvNs[i], b.tsEventNs[i], b.publisherId[i], b.instrumentId[i], chr(b.action[i]!), chr(b.side[i]!), b.price[i], b.size[i], b.flags[i], b.tsInDelta[i], b.bidPx[i], b.askPx[i], b.bidSz[i], b.askSz[i], b.bidPb[i], b.askPb[i], b.bidCt[i], b.depth[i], b.sequence[i]];

  it('cmbp-1: the consolidated top of book with the publisher of each side, versions 2 and 3', () => {
    // {"ts_recv":"1609160400006136329","hd":{"ts_event":"1609160400006001487","rtype":177,"publisher_id":1,"instrument_id":5482},"action":"A","side":"A","price":"3720500000000","size":1,"flags":128,"ts_in_delta":17214,"levels":[{"bid_px":"3720250000000","ask_px":"3720500000000","bid_sz":24,"ask_sz":11,"bid_pb":1,"ask_pb":1}]}
    // {"ts_recv":"1609160400006246513","hd":{"ts_event":"1609160400006146661","rtype":177,"publisher_id":1,"instrument_id":5482},"action":"A","side":"A","price":"3720500000000","size":1,"flags":128,"ts_in_delta":18858,"levels":[{"bid_px":"3720250000000","ask_px":"3720500000000","bid_sz":24,"ask_sz":12,"bid_pb":1,"ask_pb":1}]}
    const expected = [
      [1609160400006136329n, 1609160400006001487n, 1, 5482, 'A', 'A', 3720.5, 1, 128, 17214, 3720.25, 3720.5, 24, 11, 1, 1, 0, 0, 0],
      [1609160400006246513n, 1609160400006146661n, 1, 5482, 'A', 'A', 3720.5, 1, 128, 18858, 3720.25, 3720.5, 24, 12, 1, 1, 0, 0, 0],
    ];
    const v3 = load('test_data.cmbp-1.v3.dbn.zst').book!;
    const v2 = decodeDbnBook(new Uint8Array(fs.readFileSync(path.join(paths.root, 'tests/fixtures/databento/test_data.cmbp-1.v2.dbn.zst'))), 'v2').book!;
    for (const b of [v3, v2]) {
      expect([b.schema, b.levels]).toEqual(['cmbp-1', 1]);
      expect([0, 1].map((i) => consolidated(b, i))).toEqual(expected);
    }
  });

  it('cbbo-1s: the consolidated best bid and offer each second', () => {
    const b = load('test_data.cbbo-1s.v3.dbn.zst').book!;
    expect([b.schema, b.tsRecvNs.length]).toEqual(['cbbo-1s', 2]);
    expect(consolidated(b, 0)).toEqual([1609160400006136329n, 1609160400006001487n, 1, 5482, '\0', 'A', 3720.5, 1, 128, 0, 3720.25, 3720.5, 24, 11, 1, 1, 0, 0, 0]);
  });

  it('refuses other record types, a mix, and records whose length does not fit their layout', () => {
    expect(() => load('test_data.statistics.v3.dbn.zst')).toThrow(/unsupported record type 0x18; the order-book decoder reads/);
    const raw = new Uint8Array(fs.readFileSync(sharedData('dbn', 'test_data.mbp-1.v3.dbn.zst')));
    const plain = decompress(raw);
    const bodyAt = 8 + new DataView(plain.buffer, plain.byteOffset).getUint32(4, true);
    const mixed = plain.slice();
    mixed[bodyAt + 80 + 1] = 0x0a;
    expect(() => decodeDbnBook(mixed, 'mixed.dbn')).toThrow(DbnError);
    const short = plain.slice();
    short[bodyAt] = 10;
    expect(() => decodeDbnBook(short, 'short.dbn')).toThrow(/is 40 bytes long where its layout has 80/);
    expect(() => decodeDbnBook(plain.subarray(0, plain.length - 4), 'cut.dbn')).toThrow(/truncated record: 76 of its 80 bytes are there/);
  });
});
