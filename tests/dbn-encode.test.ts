import fs from 'node:fs';
import { decompress } from 'fzstd';
import { describe, expect, it } from 'vitest';
import { decodeDbnBook } from '../core/node/ingest/dbn-book';
import { openDbn } from '../core/node/ingest/dbn';
import { encodeDbnBook, encodeDbnBookRecords, encodeDbnMetadata } from '../core/node/ingest/dbn-encode';
import { sharedData } from './helpers';

// The writer is checked against Databento's encoder: the records it writes for what the decoder read
// from Databento's files are those files' bytes, byte for byte.
describe('DBN writer, against the bytes of Databento’s own files', () => {
  for (const schema of ['mbp-1', 'tbbo', 'mbp-10', 'bbo-1s']) {
    it(`${schema}: re-encoded records equal Databento’s`, () => {
      const plain = decompress(new Uint8Array(fs.readFileSync(sharedData('dbn', `test_data.${schema}.v3.dbn.zst`))));
      const { body } = openDbn(plain, schema);
      const f = decodeDbnBook(plain, schema);
      expect(Buffer.from(encodeDbnBookRecords(f.book!)).equals(Buffer.from(body))).toBe(true);
    });
  }

  it('a written header reads back as written, and a whole file decodes to the same book', () => {
    const f = decodeDbnBook(decompress(new Uint8Array(fs.readFileSync(sharedData('dbn', 'test_data.mbp-10.v3.dbn.zst')))), 'mbp-10');
    const again = openDbn(encodeDbnMetadata(f.metadata), 'header').metadata;
    expect(again).toEqual({ ...f.metadata, version: 3, tsOut: false, partial: [], notFound: [] });
    const round = decodeDbnBook(encodeDbnBook(f.metadata, f.book!), 'round');
    expect(round.book).toEqual(f.book);
    expect(round.symbolFor(5482, 20201228)).toBe('ESH1');
  });

  it('refuses what it cannot write by name', () => {
    const f = decodeDbnBook(decompress(new Uint8Array(fs.readFileSync(sharedData('dbn', 'test_data.cmbp-1.v3.dbn.zst')))), 'cmbp');
    expect(() => encodeDbnBookRecords(f.book!)).toThrow(/writes MBP-1, TBBO, MBP-10 and BBO records, not cmbp-1/);
    expect(() => encodeDbnMetadata({ ...f.metadata, dataset: 'A'.repeat(16) })).toThrow(/longer than its 15-byte field/);
  });
});
