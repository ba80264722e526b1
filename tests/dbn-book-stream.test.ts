import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { Catalog } from '../core/node/catalog';
import { demoSession } from '../core/node/demo/demo-market';
import { generateBookSession } from '../core/node/demo/demo-book';
import { openHome } from '../core/node/home';
import { DbnError } from '../core/node/ingest/dbn';
import { decodeDbnBook, type DbnBook } from '../core/node/ingest/dbn-book';
import { dbnBookBatches, peekDbnMetadata } from '../core/node/ingest/dbn-book-stream';
import { encodeDbnBook } from '../core/node/ingest/dbn-encode';
import { importDbnBookStream, importDbnTicks } from '../core/node/ingest/import-dbn-ticks';
import { sqlString } from '../core/node/lake/duck-columns';
import { paths, sharedData, tempDir } from './helpers';

const COLUMNS = ['instrumentId', 'publisherId', 'tsEventNs', 'tsRecvNs', 'price', 'size', 'action', 'side', 'flags', 'depth', 'tsInDelta', 'sequence', 'bidPx', 'askPx', 'bidSz', 'askSz', 'bidCt', 'askCt', 'bidPb', 'askPb', 'offset'] as const;

/** Every column of every batch, joined, as plain arrays. */
function joined(file: string, batch: number): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = Object.fromEntries(COLUMNS.map((c) => [c, []]));
  let first = 0;
  for (const b of dbnBookBatches(file, batch)) {
    expect(b.first).toBe(first);
    first += b.book.tsRecvNs.length;
    for (const c of COLUMNS) out[c]!.push(...Array.from(b.book[c] as ArrayLike<unknown>));
  }
  return out;
}
const whole = (b: DbnBook): Record<string, unknown[]> => Object.fromEntries(COLUMNS.map((c) => [c, Array.from(b[c] as ArrayLike<unknown>)]));

const dir = tempDir('qd-dbnstream-');
const es = generateBookSession('ES', 1, demoSession('ES', '2024-03-05'), {}, Date.parse('2024-03-05T14:30:00Z'), Date.parse('2024-03-05T16:00:00Z'));
const meta = { dataset: 'GLBX.MDP3', schema: 'mbp-10' as const, start: 0n, end: null, stypeIn: 1, stypeOut: 0, symbols: ['ES'], mappings: [{ rawSymbol: 'ES', intervals: [{ startDate: 20240301, endDate: 20240401, symbol: String(es.instrumentId[0]) }] }] };
const esFile = path.join(dir, 'es.dbn');
fs.writeFileSync(esFile, encodeDbnBook(meta, es));

/** DBN book files read a batch at a time: the same records as the whole-file decoder, in constant memory, with the same refusals. */
describe('streaming a DBN book file', () => {
  it('gives, batch after batch of any size, exactly the records the whole-file decoder gives: Databento’s files (zstd) and ninety minutes of the demo ES book', () => {
    for (const name of ['test_data.mbp-10.v3.dbn.zst', 'test_data.mbp-1.v3.dbn.zst', 'test_data.tbbo.v3.dbn.zst', 'test_data.bbo-1s.v3.dbn.zst', 'test_data.cbbo-1s.v3.dbn.zst', 'test_data.cmbp-1.v3.dbn.zst']) {
      const file = sharedData('dbn', name);
      const want = whole(decodeDbnBook(new Uint8Array(fs.readFileSync(file)), file).book!);
      for (const batch of [1, 2, 3, 1000]) expect(joined(file, batch), `${name} in batches of ${batch}`).toEqual(want);
      expect(peekDbnMetadata(file).schema).toBe(decodeDbnBook(new Uint8Array(fs.readFileSync(file)), file).metadata.schema);
    }
    const want = whole(decodeDbnBook(new Uint8Array(fs.readFileSync(esFile)), esFile).book!);
    expect(want.tsRecvNs!.length).toBeGreaterThan(5000);
    for (const batch of [997, 4096]) expect(joined(esFile, batch), `demo book in batches of ${batch}`).toEqual(want);
  });

  it('refuses what the whole-file decoder refuses, naming the byte: a cut record, a second record type, a record that is not a book’s, no signature, oversized metadata', () => {
    const bytes = fs.readFileSync(esFile);
    const bodyStart = 8 + bytes.readUInt32LE(4);
    const write = (name: string, b: Uint8Array): string => {
      const f = path.join(dir, name);
      fs.writeFileSync(f, b);
      return f;
    };
    // Cut 100 bytes into the 1,001st record: the batches before it come, then the refusal.
    const cut = write('cut.dbn', bytes.subarray(0, bodyStart + 368 * 1000 + 100));
    const seen: number[] = [];
    expect(() => {
      for (const b of dbnBookBatches(cut, 300)) seen.push(b.book.tsRecvNs.length);
    }).toThrow(new RegExp(`truncated record: 100 of its 368 bytes are there \\(at byte ${bodyStart + 368 * 1000}\\)`));
    expect(seen).toEqual([300, 300, 300]);
    // A record whose type says MBP-1 in the middle of MBP-10 records.
    const mixed = Buffer.from(bytes);
    mixed[bodyStart + 368 * 700 + 1] = 0x01;
    expect(() => [...dbnBookBatches(write('mixed.dbn', mixed), 256)]).toThrow(new RegExp(`mixes record types 0xa and 0x1 \\(at byte ${bodyStart + 368 * 700}\\)`));
    const trades = sharedData('dbn', 'test_data.trades.v3.dbn.zst');
    expect(() => [...dbnBookBatches(trades)]).toThrow(/record type 0x0 is not a book record/);
    expect(() => [...dbnBookBatches(write('csv.dbn', Buffer.from('time,open\n2024-01-01,1\n')))]).toThrow(/no DBN signature \(at byte 0\)/);
    const huge = Buffer.from(bytes.subarray(0, 16));
    huge.writeUInt32LE(64 << 20, 4);
    expect(() => peekDbnMetadata(write('huge.dbn', huge))).toThrow(DbnError);
    expect(() => peekDbnMetadata(write('huge.dbn', huge))).toThrow(/metadata of 67108864 bytes is larger than 1048576/);
    // Metadata only: no records, no batch.
    expect([...dbnBookBatches(write('empty.dbn', bytes.subarray(0, bodyStart)))]).toEqual([]);
    expect(() => [...dbnBookBatches(dir)]).toThrow(/cannot read it \(it is a folder/);
  });

  describe('importing it into the book table', () => {
    const open: { close(): void }[] = [];
    afterAll(() => open.forEach((x) => x.close()));
    const lake = async () => {
      const home = openHome(tempDir('qd-dbnstream-home-'), { create: true });
      const catalog = new Catalog(home.catalog, path.join(paths.resources, 'migrations'));
      const db = await DuckDBInstance.create(':memory:', { threads: '1' });
      const con = await db.connect();
      open.push({ close: () => (con.closeSync(), catalog.close()) });
      const rows = async () => {
        const files = catalog.barFiles({ dataset: 'book', symbol: 'ES' }).map((f) => sqlString(path.join(home.lake, f.path)));
        return (await con.runAndReadAll(`SELECT * FROM read_parquet([${files.join(', ')}], hive_partitioning = false) ORDER BY ts_recv, sequence`)).getRowsJS().map((r) => JSON.stringify(r, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
      };
      return { ctx: { home, catalog, con }, rows };
    };

    it('stores in batches what the whole file stores, counts a second import as duplicates, and numbers rejects through the file', async () => {
      const a = await lake();
      const b = await lake();
      const streamed = await importDbnBookStream(a.ctx, esFile, 'run-a', 1500);
      const read = await importDbnTicks(b.ctx, new Uint8Array(fs.readFileSync(esFile)), esFile, 'mbp-10', 'run-b');
      expect(streamed.accepted).toBe(es.tsRecvNs.length);
      expect({ ...streamed, rejects: [] }).toEqual({ ...read, rejects: [] });
      expect(await a.rows()).toEqual(await b.rows());
      // Again, in other batches and another run: every record is already there.
      const again = await importDbnBookStream(a.ctx, esFile, 'run-c', 4000);
      expect(again).toMatchObject({ inputRows: es.tsRecvNs.length, accepted: 0, duplicates: es.tsRecvNs.length });
      // A record past the first batch with a level out of order: rejected by its number and byte in the file.
      const bytes = Buffer.from(fs.readFileSync(esFile));
      const bodyStart = 8 + bytes.readUInt32LE(4);
      const at = bodyStart + 368 * 2100;
      // Bid level 1 (bytes 48 + 32…) priced above the best bid.
      bytes.writeBigInt64LE(bytes.readBigInt64LE(at + 48) + 1_000_000_000_000n, at + 48 + 32);
      const bad = path.join(dir, 'bad.dbn');
      fs.writeFileSync(bad, bytes);
      const c = await lake();
      const r = await importDbnBookStream(c.ctx, bad, 'run-d', 1000);
      expect(r.rejects).toHaveLength(1);
      expect(r.rejects[0]).toMatchObject({ line: 2101, offset: at, reason: expect.stringMatching(/bid/) });
      expect(r.accepted + r.rejected + r.duplicates).toBe(es.tsRecvNs.length);
    });
  });
});
