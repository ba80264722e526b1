import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { Catalog } from '../core/node/catalog';
import { openHome } from '../core/node/home';
import { importFile } from '../core/node/ingest/import-file';
import { sqlString } from '../core/node/lake/duck-columns';
import { paths, tempDir } from './helpers';

/** A fresh home with its catalog and DuckDB, as a worker opens them. */
async function freshLake() {
  const home = openHome(tempDir('qd-duckcsv-home-'), { create: true });
  const catalog = new Catalog(home.catalog, path.join(paths.resources, 'migrations'));
  const db = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await db.connect();
  const ctx = { home, catalog, con, db };
  /** Every stored bar of a symbol and timeframe, in time order, as printable rows. */
  const bars = async (symbol: string, timeframe: string): Promise<string[]> => {
    const files = catalog.barFiles({ symbol, timeframe }).map((f) => sqlString(path.join(home.lake, f.path)));
    if (files.length === 0) return [];
    const rows = (await con.runAndReadAll(`SELECT epoch_ms(ts), open, high, low, close, volume FROM read_parquet([${files.join(', ')}]) ORDER BY ts`)).getRowsJS();
    return rows.map((r) => r.join(','));
  };
  return { ctx, bars, close: () => (con.closeSync(), catalog.close()) };
}

describe('importing clean CSV files with DuckDB’s reader', () => {
  const dir = tempDir('qd-duckcsv-');
  const lakes: Awaited<ReturnType<typeof freshLake>>[] = [];
  afterAll(() => lakes.forEach((l) => l.close()));
  const lake = async () => {
    const l = await freshLake();
    lakes.push(l);
    return l;
  };
  let n = 0;
  const write = (content: string, name = `F${++n}.csv`): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };

  it('stores exactly what the built-in parser stores, for generated clean files of any spacing, delimiter and column order', async () => {
    const file = fc.record({
      step: fc.constantFrom(1_000, 60_000, 300_000, 1_800_000, 3_600_000),
      gaps: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 80 }),
      start: fc.integer({ min: 0, max: 5000 }).map((d) => Date.UTC(2010, 0, 1) + d * 3_600_000),
      prices: fc.array(fc.tuple(fc.integer({ min: 401, max: 100_000 }), fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 })), { minLength: 80, maxLength: 80 }),
      delim: fc.constantFrom(',', ';', '\t'),
      tSep: fc.constantFrom(' ', 'T'),
      withVolume: fc.boolean(),
      reversed: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(file, async (f) => {
        const cols = f.withVolume ? ['Date', 'Open', 'High', 'Low', 'Close', 'Volume'] : ['Date', 'Open', 'High', 'Low', 'Close'];
        const order = f.reversed ? [...cols].reverse() : cols;
        let t = f.start;
        const lines = f.gaps.map((g, i) => {
          t += g * f.step;
          const [base, up, down] = f.prices[i]!;
          const cell: Record<string, string> = {
            Date: new Date(t).toISOString().slice(0, 19).replace('T', f.tSep),
            Open: (base / 16).toString(),
            High: ((base + up) / 16).toString(),
            Low: ((base - down) / 16).toString(),
            Close: ((base + up - down / 2) / 16).toString(),
            Volume: String(base % 977),
          };
          if (Number(cell.Close) < Number(cell.Low)) cell.Close = cell.Low!;
          return order.map((c) => cell[c]).join(f.delim);
        });
        const p = write(`${order.join(f.delim)}\n${lines.join('\n')}\n`);
        const [a, b] = [await lake(), await lake()];
        const fast = await importFile(a.ctx, p, { symbol: 'X' }, 'run-a');
        const builtin = await importFile(b.ctx, p, { symbol: 'X', parser: 'builtin' }, 'run-b');
        expect(fast.parser).toBe('duckdb');
        expect(builtin.parser).toBe('builtin');
        expect({ ...fast, parser: '' }).toEqual({ ...builtin, parser: '' });
        const tf = fast.series[0]!.timeframe;
        expect(await a.bars('X', tf)).toEqual(await b.bars('X', tf));
        a.close();
        b.close();
        lakes.splice(0);
      }),
      { numRuns: 25 },
    );
  });

  it('hands every file that needs per-line accounting to the built-in parser, writing nothing itself', async () => {
    const header = 'time,open,high,low,close,volume\n';
    const good = (minute: number, price = 100): string => `2024-03-04 10:${String(minute).padStart(2, '0')}:00,${price},${price + 1},${price - 1},${price},10`;
    const swappedAt = (k: number): string => {
      const lines = Array.from({ length: 5000 }, (_, i) => `${new Date(Date.UTC(2024, 2, 4) + i * 60_000).toISOString().slice(0, 19).replace('T', ' ')},1,1,1,1,1`);
      [lines[k], lines[k + 1]] = [lines[k + 1]!, lines[k]!];
      return `${lines.join('\n')}\n`;
    };
    const cases: [string, string, Record<string, number>][] = [
      ['bad number', `${header}${good(0)}\n2024-03-04 10:01:00,abc,2,1,1,1\n${good(2)}\n`, { accepted: 2, rejected: 1 }],
      ['OHLC inconsistent', `${header}${good(0)}\n2024-03-04 10:01:00,5,4,1,1,1\n${good(2)}\n`, { accepted: 2, rejected: 1 }],
      ['negative volume', `${header}${good(0)}\n2024-03-04 10:01:00,1,1,1,1,-1\n${good(2)}\n`, { accepted: 2, rejected: 1 }],
      ['empty cell', `${header}${good(0)}\n2024-03-04 10:01:00,1,1,1,,1\n${good(2)}\n`, { accepted: 2, rejected: 1 }],
      ['short line', `${header}${good(0)}\n2024-03-04 10:01:00,1,1\n${good(2)}\n`, { accepted: 2, rejected: 1 }],
      ['other time shape', `${header}${good(0)}\n2024-03-04T10:01:00Z,1,1,1,1,1\n${good(2)}\n`, { accepted: 3, rejected: 0 }],
      ['out of order', `${header}${good(2)}\n${good(0)}\n${good(1)}\n`, { accepted: 3, duplicates: 0 }],
      ['duplicate', `${header}${good(0)}\n${good(1)}\n${good(1)}\n`, { accepted: 2, duplicates: 1, rejected: 0 }],
      ['conflict', `${header}${good(0)}\n${good(1)}\n${good(1, 200)}\n`, { accepted: 2, duplicates: 0, rejected: 1 }],
      ['hex number', `${header}${good(0)}\n2024-03-04 10:01:00,0x10,16,16,16,1\n${good(2)}\n`, { accepted: 2, rejected: 1 }],
      ['extra field', `${header}${good(0)}\n${good(1)},7\n${good(2)}\n`, { accepted: 2, rejected: 1 }],
      ['zero price', `${header}${good(0)}\n2024-03-04 10:01:00,1,1,0,1,1\n${good(2)}\n`, { accepted: 2, rejected: 1 }],
      ['in the future', `${header}${good(0)}\n2200-03-04 10:01:00,1,1,1,1,1\n${good(2)}\n`, { accepted: 2, rejected: 1 }],
      ['swapped deep in the file', `${header}${swappedAt(4000)}`, { accepted: 5000, duplicates: 0 }],
      ['daily spacing', `${header}2024-03-04 00:00:00,1,1,1,1,1\n2024-03-05 00:00:00,1,1,1,1,1\n`, { accepted: 2 }],
    ];
    const l = await lake();
    for (const [label, content, expected] of cases) {
      const r = await importFile(l.ctx, write(content), { symbol: label.replaceAll(' ', '_').toUpperCase() }, 'run');
      expect(r.parser, label).toBe('builtin');
      expect(r, label).toMatchObject(expected);
      expect(fs.readdirSync(l.ctx.home.tmp), label).toEqual([]);
    }
    const bad = await importFile(l.ctx, write(cases[0]![1]), { symbol: 'BAD' }, 'run');
    expect(bad.rejects).toEqual([{ line: 3, raw: '2024-03-04 10:01:00,abc,2,1,1,1', reason: 'bad number in open: "abc"' }]);
    // A Latin-1 header (Volumé): neither reader guesses the encoding; the file is refused whole, nothing written.
    const latin1 = Buffer.concat([Buffer.from('time,open,high,low,close,Volum'), Buffer.from([0xe9]), Buffer.from(`\n${good(0)}\n${good(1)}\n`)]);
    const file = path.join(tempDir(), 'LAT.csv');
    fs.writeFileSync(file, latin1);
    await expect(importFile(l.ctx, file, {}, 'run')).rejects.toThrow(/LAT\.csv: the file is not valid UTF-8 text \(near byte 0\)/);
    expect(l.ctx.catalog.storedTimeframes('LAT')).toEqual([]);
  });

  it('re-importing a file taken by DuckDB goes through duplicate accounting and changes nothing', async () => {
    const l = await lake();
    const rows = Array.from({ length: 500 }, (_, i) => `${new Date(Date.UTC(2024, 0, 31, 20) + i * 60_000).toISOString().slice(0, 19).replace('T', ' ')},1,2,0.5,1.5,${i}`);
    const p = write(`timestamp,open,high,low,close,volume\n${rows.join('\n')}\n`, 'ES_1m.csv');
    const first = await importFile(l.ctx, p, {}, 'run-1');
    expect(first).toMatchObject({ parser: 'duckdb', accepted: 500, rejected: 0, duplicates: 0, series: [{ symbol: 'ES', timeframe: '1m', accepted: 500 }] });
    expect(l.ctx.catalog.barFiles({ symbol: 'ES', timeframe: '1m' }).map((f) => [f.month, f.rows])).toEqual([['2024-01', 240], ['2024-02', 260]]);
    const stored = await l.bars('ES', '1m');
    const again = await importFile(l.ctx, p, {}, 'run-2');
    expect(again).toMatchObject({ parser: 'builtin', accepted: 0, duplicates: 500 });
    expect(await l.bars('ES', '1m')).toEqual(stored);
  });

  it('reads gzip-compressed CSV files the same way', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => `${new Date(Date.UTC(2024, 4, 1) + i * 3_600_000).toISOString().slice(0, 19)},${100 + (i % 7)},${108 + (i % 7)},${99 + (i % 7)},${101 + (i % 7)},${i}`);
    const p = write('', 'GZ.csv.gz');
    fs.writeFileSync(p, zlib.gzipSync(`time,open,high,low,close,volume\n${rows.join('\n')}\n`));
    const [a, b] = [await lake(), await lake()];
    const fast = await importFile(a.ctx, p, {}, 'run-a');
    const builtin = await importFile(b.ctx, p, { parser: 'builtin' }, 'run-b');
    expect(fast, JSON.stringify(fast)).toMatchObject({ parser: 'duckdb', accepted: 300, series: [{ symbol: 'GZ', timeframe: '1h', accepted: 300 }] });
    expect({ ...fast, parser: '' }).toEqual({ ...builtin, parser: '' });
    expect(await a.bars('GZ', '1h')).toEqual(await b.bars('GZ', '1h'));
  });
});
