import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../common/errors';
import { decompress } from 'fzstd';
import { DbnError, decodeDbn } from './dbn';
import { decodeDbnBook } from './dbn-book';
import { decodeDbnReference } from './dbn-reference';

/**
 * Property-based fuzz of the DBN decoder, run in the `fuzz` test project (a 192 MiB heap, see
 * vitest.config.ts): from Databento's own files, bytes flipped, u32 size fields set to extremes,
 * files cut short or grown. Every input either decodes to consistent columns or is refused with a
 * DbnError or a size refusal, and nothing hangs or exhausts memory.
 */
const DIR = path.join(process.env.QUANTDESK_SHARED_DATA ?? path.resolve(__dirname, '../../../../shared/data'), 'dbn');
const seeds = fs.readdirSync(DIR).filter((f) => f.endsWith('.dbn')).map((f) => new Uint8Array(fs.readFileSync(path.join(DIR, f))));
const bookSeeds = ['mbp-1', 'mbp-10', 'tbbo', 'mbo', 'bbo-1s', 'cmbp-1', 'cbbo-1s'].map((s) => decompress(new Uint8Array(fs.readFileSync(path.join(DIR, `test_data.${s}.v3.dbn.zst`)))));
const referenceSeeds = ['definition', 'statistics', 'status', 'imbalance'].map((s) => decompress(new Uint8Array(fs.readFileSync(path.join(DIR, `test_data.${s}.v3.dbn.zst`)))));
const EXTREMES = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0];

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.constantFrom(...EXTREMES) }),
  fc.record({ kind: fc.constant('u16' as const), at: fc.nat(), value: fc.constantFrom(0, 1, 0xffff) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), value: fc.constant(0) }),
);

function mutate(seed: Uint8Array, ms: { kind: 'byte' | 'u32' | 'u16' | 'cut'; at: number; value: number }[]): Uint8Array {
  let b = seed.slice();
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    const dv = new DataView(b.buffer);
    if (m.kind === 'byte') b[at] = m.value;
    else if (m.kind === 'u32' && at + 4 <= b.length) dv.setUint32(at, m.value, true);
    else if (m.kind === 'u16' && at + 2 <= b.length) dv.setUint16(at, m.value, true);
    else if (m.kind === 'cut') b = b.slice(0, at);
  }
  return b;
}

describe('DBN decoder fuzz', () => {
  it('runs under the small heap of the fuzz project', () => {
    expect(v8.getHeapStatistics().heap_size_limit).toBeLessThan(256 * 2 ** 20);
  });

  it('decodes or refuses every mutation of real files, with consistent columns when it decodes', () => {
    fc.assert(
      fc.property(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), (si, ms) => {
        const input = mutate(seeds[si]!, ms);
        try {
          const f = decodeDbn(input, 'fuzz.dbn', 8 << 20);
          const o = f.ohlcv;
          if (o) for (const col of [o.open, o.high, o.low, o.close, o.volume, o.tsMs]) expect(col.length).toBe(o.instrumentId.length);
          if (f.trades) expect(f.trades.price.length).toBe(f.trades.instrumentId.length);
        } catch (e) {
          if (!(e instanceof DbnError || e instanceof ApiError)) throw e;
        }
      }),
      { numRuns: 3000, seed: 18 },
    );
  });

  it('decodes or refuses every mutation of the order-book files, with one row per record when it decodes', () => {
    fc.assert(
      fc.property(fc.nat({ max: bookSeeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), (si, ms) => {
        try {
          const f = decodeDbnBook(mutate(bookSeeds[si]!, ms), 'fuzz.dbn', 8 << 20);
          const b = f.book;
          if (b) for (const col of [b.bidPx, b.askPx, b.bidSz, b.askCt]) expect(col.length).toBe(b.instrumentId.length * b.levels);
          if (f.mbo) expect(f.mbo.orderId.length).toBe(f.mbo.instrumentId.length);
        } catch (e) {
          if (!(e instanceof DbnError || e instanceof ApiError)) throw e;
        }
      }),
      { numRuns: 2000, seed: 23 },
    );
  });

  it('decodes or refuses every mutation of the reference files, with every column one row per record', () => {
    fc.assert(
      fc.property(fc.nat({ max: referenceSeeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 6 }), (si, ms) => {
        try {
          const r = decodeDbnReference(mutate(referenceSeeds[si]!, ms), 'fuzz.dbn', 8 << 20).records;
          if (r) for (const col of Object.values(r.columns)) expect(col.length).toBe(r.rows);
        } catch (e) {
          if (!(e instanceof DbnError || e instanceof ApiError)) throw e;
        }
      }),
      { numRuns: 2000, seed: 29 },
    );
  });

  it('refuses the symbol-count and symbol-length fields at every extreme without allocating for them', () => {
    const real = seeds.find((s) => s.length === 465)!;
    for (const len of [0, 1, 2, 71, 1024, 1025, 0xffff])
      for (const count of EXTREMES) {
        const b = real.slice();
        new DataView(b.buffer).setUint16(53, len, true);
        new DataView(b.buffer).setUint32(112, count, true);
        try {
          decodeDbn(b, 'crafted.dbn');
        } catch (e) {
          expect(e, `len ${len} count ${count}`).toBeInstanceOf(DbnError);
        }
      }
  });
});
