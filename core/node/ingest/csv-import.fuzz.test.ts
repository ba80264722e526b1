import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ImportError, parseCsvBars } from './csv-import';

/**
 * Property-based fuzz of the built-in CSV parser, in the `fuzz` project's small heap: clean rows,
 * rows with one cell damaged, and lines built from the pieces real files hold (times in several
 * layouts, numbers, quotes, delimiters, blanks, stray bytes). Every file is parsed with every data row either kept or rejected with a reason, or
 * is refused whole with an ImportError that names it.
 */
const cell = fc.oneof(
  fc.constantFrom('2024-03-01', '2024-03-01 14:30:00', '20240301', '03/01/2024', '2024-03-01T14:30:00Z', '1709303400000', '0024-03-01', '9999-12-31', ''),
  fc.double({ noNaN: false }).map(String),
  fc.integer().map(String),
  fc.constantFrom('NaN', 'Infinity', '-1', '1e308', '0x10', '"1,5"', '"', '""', 'null', '\t'),
  fc.string({ maxLength: 12 }),
);
const line = fc.array(cell, { minLength: 0, maxLength: 8 }).chain((cells) => fc.constantFrom(',', ';', '\t').map((d) => cells.join(d)));
const price = fc.double({ min: 0.01, max: 1e5, noNaN: true }).map((x) => x.toFixed(2));
const when = fc.date({ min: new Date('1990-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 19).replace('T', ' '));
/** A row as a clean file has it: time, open, high, low, close, volume (the prices in any order, so some are inconsistent). */
const goodRow = fc.tuple(when, price, price, price, price, fc.nat(1_000_000)).map((r) => r.join(','));
/** A clean row with one cell replaced by something from the wider grammar. */
const damaged = fc.tuple(goodRow, fc.nat(5), cell).map(([r, k, c]) => r.split(',').map((x, i) => (i === k ? c : x)).join(','));
const row = fc.oneof({ weight: 4, arbitrary: goodRow }, { weight: 2, arbitrary: damaged }, { weight: 1, arbitrary: line }, { weight: 1, arbitrary: fc.constant('') });
const header = fc.oneof(
  { weight: 6, arbitrary: fc.constant('time,open,high,low,close,volume') },
  { weight: 1, arbitrary: fc.constantFrom('Date,Open,High,Low,Close,Volume', 'date;close', 'ts_event,open,high,low,close,volume,symbol', 'Date,Time,Open,High,Low,Close,Volume', 'ticker,volume,open,close,high,low,window_start,transactions', 'x,y', '') },
);

describe('CSV parser fuzz', () => {
  it('accounts for every data row or refuses the file with an ImportError', () => {
    fc.assert(
      fc.property(header, fc.array(row, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), (h, rows, eol) => {
        const text = [h, ...rows].join(eol);
        try {
          const p = parseCsvBars(Buffer.from(text, 'utf8'), 'fuzz.csv');
          expect(p.t.length + p.rejects.length).toBe(p.inputRows);
          for (const r of p.rejects) expect(r.reason.length).toBeGreaterThan(0);
          for (const col of [p.o, p.h, p.l, p.c, p.v, p.sym, p.line]) expect(col.length).toBe(p.t.length);
        } catch (e) {
          if (!(e instanceof ImportError)) throw e;
          expect((e as Error).message).toMatch(/^fuzz\.csv/);
        }
      }),
      { numRuns: 1500, seed: 18 },
    );
  });

  it('refuses arbitrary bytes with an ImportError or parses them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), (bytes) => {
        try {
          const p = parseCsvBars(bytes, 'bytes.csv');
          expect(p.t.length + p.rejects.length).toBe(p.inputRows);
        } catch (e) {
          if (!(e instanceof ImportError)) throw e;
        }
      }),
      { numRuns: 1500, seed: 18 },
    );
  });
});
