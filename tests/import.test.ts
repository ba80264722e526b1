import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportResult } from '../core/common/lake/types';
import type { ArgOf } from '../core/common/api';
import type { Services } from '../core/node/services';
import Database from 'better-sqlite3';
import { call, openServices, paths, sharedData, tempDir } from './helpers';

describe('importing vendor files into bronze', () => {
  let s: Services;
  const dir = tempDir('qd-import-files-');
  const write = (name: string, content: string | Uint8Array): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    return p;
  };
  const importFiles = async (paths: string[], extra: Record<string, unknown> = {}): Promise<ImportResult> => {
    const { jobId } = await call(s, 'jobs.start', { kind: 'import', paths, ...extra });
    await s.idle();
    const job = await call(s, 'jobs.get', { jobId });
    if (job.status !== 'succeeded') throw new Error(job.error ?? job.status);
    return job.result as ImportResult;
  };
  const fileCount = async (): Promise<number> => (await call(s, 'lake.partitions', {})).reduce((a, p) => a + p.files, 0);

  beforeAll(async () => {
    s = await openServices(tempDir(), { threads: 1 });
  });
  afterAll(async () => s?.close());

  it('marks an import that failed on its input (no time column, an unknown zone) and refuses to resume it the same way', async () => {
    const dir = tempDir();
    const nocol = path.join(dir, 'nocol.csv');
    fs.writeFileSync(nocol, 'a,b,c\n1,2,3\n');
    const zoned = path.join(dir, 'zoned.csv');
    fs.writeFileSync(zoned, 'time,open,high,low,close,volume\n2024-01-02 10:00,1,1,1,1,1\n');
    const cases: [ArgOf<'jobs.start'>, RegExp][] = [
      [{ kind: 'import', paths: [nocol] }, /nocol\.csv: no time column found in a, b, c; choose it as Time in the import dialog's mapping, or give --map time=COLUMN/],
      [{ kind: 'import', paths: [zoned], tz: 'Mars/Olympus' }, /unknown time zone Mars\/Olympus/],
    ];
    for (const [req, error] of cases) {
      const { jobId } = await call(s, 'jobs.start', req);
      await s.idle();
      const j = await call(s, 'jobs.get', { jobId });
      expect(j).toMatchObject({ status: 'failed', failedOnInput: true, error: expect.stringMatching(error) });
      await expect(call(s, 'jobs.resume', { jobId })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/failed on its input .*; resuming would fail the same way: change the request and start it again/) });
    }
  });

  it('imports msft.csv (daily, prices in 1/16ths) exactly, and a re-import changes nothing', async () => {
    const r = await importFiles([sharedData('real', 'msft.csv')]);
    expect(r).toMatchObject({ accepted: 249, rejected: 0, duplicates: 0, inputRows: 249, symbols: ['MSFT'] });
    expect(r.files[0]!.series).toEqual([{ symbol: 'MSFT', timeframe: '1d', accepted: 249 }]);
    const b = await call(s, 'bars.get', { symbol: 'MSFT', timeframe: '1d' });
    expect(b.t.length).toBe(249);
    expect(new Date(b.t[0]!).toISOString()).toBe('2000-09-27T00:00:00.000Z');
    expect([b.o[0], b.h[0], b.l[0], b.c[0], b.v[0]]).toEqual([63.4375, 63.5625, 59.8125, 60.625, 53077800]);
    const files = await fileCount();
    const again = await importFiles([sharedData('real', 'msft.csv')]);
    expect(again).toMatchObject({ accepted: 0, rejected: 0, duplicates: 249, inputRows: 249 });
    expect(await fileCount()).toBe(files);
    await expect(call(s, 'bars.get', { symbol: 'MSFT', timeframe: '1h' })).rejects.toMatchObject({ code: 'not_found', path: 'timeframe' });
    const weeks = await call(s, 'bars.get', { symbol: 'MSFT', timeframe: '1w', from: '2000-10-02', to: '2000-10-08' });
    expect(Array.from(weeks.t, (t) => new Date(t).toISOString().slice(0, 10))).toEqual(['2000-10-02']);
    expect(weeks.o[0]).toBe(60.5);
  });

  it('imports usdchf_30m.csv in Zurich local time to the right UTC instants across DST changes', async () => {
    const r = await importFiles([sharedData('real', 'usdchf_30m.csv')], { tz: 'Europe/Zurich', symbol: 'USDCHF' });
    expect(r).toMatchObject({ accepted: 62496, rejected: 0, duplicates: 0 });
    expect(r.files[0]!.series).toEqual([{ symbol: 'USDCHF', timeframe: '30m', accepted: 62496 }]);
    const at = async (from: string, to: string) => call(s, 'bars.get', { symbol: 'USDCHF', timeframe: '30m', from, to });
    // Summer (UTC+2): Monday 1996-07-01 00:00 Zurich is Sunday 22:00 UTC.
    const summer = await at('1996-06-30T21:00:00Z', '1996-06-30T23:00:00Z');
    expect(Array.from(summer.t, (t) => new Date(t).toISOString())).toEqual(['1996-06-30T22:00:00.000Z', '1996-06-30T22:30:00.000Z', '1996-06-30T23:00:00.000Z']);
    // Winter (UTC+1): Monday 1996-12-02 00:00 Zurich is Sunday 23:00 UTC.
    const winter = await at('1996-12-01T22:00:00Z', '1996-12-01T23:30:00Z');
    expect(new Date(winter.t[0]!).toISOString()).toBe('1996-12-01T23:00:00.000Z');
    // Across the October switch: Friday 23:30 CEST then Monday 00:00 CET.
    const around = await at('1996-10-25T20:00:00Z', '1996-10-28T00:00:00Z');
    const iso = Array.from(around.t, (t) => new Date(t).toISOString());
    expect(iso).toContain('1996-10-25T21:30:00.000Z');
    expect(iso).toContain('1996-10-27T23:00:00.000Z');
    expect(iso).not.toContain('1996-10-25T22:00:00.000Z');
    const hourly = await call(s, 'bars.get', { symbol: 'USDCHF', timeframe: '1h', from: '1996-12-02', to: '1996-12-02' });
    expect(hourly.t.length).toBe(24);
  });

  it('names an uploaded file as the user chose it in an import error, not by the inbox folder it was copied to', async () => {
    const data = new TextEncoder().encode('a,b\n1,2\n');
    const up = await call(s, 'files.upload', { name: 'nocol-upload.csv', offset: 0, data, done: true });
    expect(up.path).toContain(`${path.sep}inbox${path.sep}`);
    await expect(importFiles([up.path!])).rejects.toThrow(/^nocol-upload\.csv: no time column found in a, b; choose it as Time/);
  });

  it('imports eustock.csv, whose only time is a decimal year on a 260-business-day grid, as one weekday per row', async () => {
    const r = await importFiles([sharedData('real', 'eustock.csv')], { map: { time: 't', close: 'DAX' }, symbol: 'DAXR' });
    expect(r).toMatchObject({ accepted: 1860, rejected: 0, duplicates: 0 });
    const b = await call(s, 'bars.get', { symbol: 'DAXR', timeframe: '1d' });
    expect(b.t.length).toBe(1860);
    const days = Array.from(b.t, (t) => new Date(t));
    // 1991.49615384615 = 1991 + 129/260: the 130th weekday of 1991; the whole year 1995 is its first weekday.
    expect(days[0]!.toISOString()).toBe('1991-07-01T00:00:00.000Z');
    expect(b.c[0]).toBe(1628.75);
    expect(days.every((d) => d.getUTCDay() !== 0 && d.getUTCDay() !== 6)).toBe(true);
    expect(days.some((d) => d.toISOString() === '1995-01-02T00:00:00.000Z')).toBe(true);
    expect(days.every((d, i) => i === 0 || d > days[i - 1]!)).toBe(true);
  });

  it('rejects bad rows with line and reason, counts duplicates, sorts out-of-order input', async () => {
    const csv = [
      'Date,Time,Open,High,Low,Close,Volume',
      '2024-03-01,14:32:00,5100.25,5101,5099.75,5100.5,120',
      '2024-03-01,14:30:00,5100,5100.5,5099.5,5100.25,100',
      '2024-03-01,14:31:00,5100.25,5100.75,5100,5100.5,80',
      '2024-03-01,14:31:00,5100.25,5100.75,5100,5100.5,80',
      '2024-03-01,14:33:00,abc,5101,5099.75,5100.5,120',
      '2024-03-01,14:34:00,5100,5099,5099.5,5100.25,100',
      '2024-03-01,25:99:00,5100,5100.5,5099.5,5100.25,100',
      '2024-03-01,14:36:00,5100,5100.5',
      '',
      '2024-03-01,14:37:00,5100,5100.5,5099.5,,100',
    ].join('\n');
    const r = await importFiles([write('ES_bt.csv', csv)]);
    expect(r.files[0]!.format).toBe('backtrader');
    expect(r).toMatchObject({ inputRows: 9, accepted: 3, duplicates: 1, rejected: 5, symbols: ['ES'] });
    const rejects = await call(s, 'rejects.list', { runId: r.runId });
    expect(rejects.map((x) => [x.line, x.reason])).toEqual([
      [6, 'bad number in open: "abc"'],
      [7, 'OHLC inconsistent: open 5100 high 5099 low 5099.5 close 5100.25'],
      [8, 'timestamp unparseable: "2024-03-01 25:99:00"'],
      [9, "missing columns: 4 of 7"],
      [11, 'missing close'],
    ]);
    expect(rejects[0]!.raw).toBe('2024-03-01,14:33:00,abc,5101,5099.75,5100.5,120');
    const b = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m' });
    expect(Array.from(b.t, (t) => new Date(t).toISOString().slice(11, 16))).toEqual(['14:30', '14:31', '14:32']);
  });

  it('keeps accepted + rejected + duplicates = input rows for generated files with faults, duplicates and shuffled rows', async () => {
    const row = fc.record({
      minute: fc.integer({ min: 0, max: 400 }),
      price: fc.integer({ min: 1000, max: 2000 }),
      fault: fc.constantFrom('none', 'none', 'none', 'number', 'ohlc', 'time', 'short'),
    });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 60 }), async (rows) => {
        const sym = `PX${run++}`;
        const lines = rows.map(({ minute, price, fault }) => {
          const t = new Date(Date.UTC(2024, 0, 2) + minute * 60_000).toISOString().replace('.000Z', 'Z');
          const p = price / 4;
          if (fault === 'number') return `${t},${p},x,${p},${p},1`;
          if (fault === 'ohlc') return `${t},${p},${p - 1},${p},${p},1`;
          if (fault === 'time') return `not-a-time,${p},${p},${p},${p},1`;
          if (fault === 'short') return `${t},${p}`;
          return `${t},${p},${p + 0.25},${p - 0.25},${p},1`;
        });
        const file = write(`${sym}.csv`, ['timestamp,open,high,low,close,volume', ...lines].join('\n'));
        const good = new Set(rows.filter((r) => r.fault === 'none').map((r) => r.minute));
        let r: ImportResult;
        try {
          r = await importFiles([file]);
        } catch (e) {
          // A file whose only good bar cannot tell its timeframe is refused whole, and names itself.
          expect(good.size).toBeLessThan(2);
          expect(String(e)).toContain(`${sym}.csv`);
          return;
        }
        expect(r.accepted + r.rejected + r.duplicates).toBe(rows.length);
        const rejects = await call(s, 'rejects.list', { runId: r.runId });
        // One bar takes the timeframe an earlier file of this layout had: off that grid, it is refused as such.
        const offGrid = rejects.filter((x) => /off the \w+ grid/.test(x.reason)).length;
        expect(offGrid === 0 || good.size === 1).toBe(true);
        expect(r.accepted).toBe(good.size - offGrid);
        for (const x of rejects) expect(lines[x.line - 2]).toBe(x.raw);
        const again = await importFiles([file]);
        expect(again.accepted).toBe(0);
        expect(again.duplicates).toBe(r.accepted + r.duplicates);
        expect(again.rejected).toBe(r.rejected);
      }),
      { numRuns: 25 },
    );
  });

  it('reads Polygon flat files (minute and day aggregates, gzip) and Databento OHLCV CSV', async () => {
    const ns = (iso: string): string => `${BigInt(Date.parse(iso)) * 1_000_000n}`;
    const minute = ['ticker,volume,open,close,high,low,window_start,transactions', `AAPL,100,190.5,190.75,190.8,190.4,${ns('2024-03-01T14:30:00Z')},12`, `MSFT,50,410,410.5,410.6,409.9,${ns('2024-03-01T14:30:00Z')},7`, `AAPL,120,190.75,190.6,190.9,190.5,${ns('2024-03-01T14:31:00Z')},15`, `MSFT,60,410.5,410.2,410.7,410.1,${ns('2024-03-01T14:31:00Z')},9`].join('\n');
    const r = await importFiles([write('2024-03-01.csv.gz', zlib.gzipSync(minute))]);
    expect(r.files[0]!.format).toBe('polygon');
    expect(r.files[0]!.series).toEqual([
      { symbol: 'AAPL', timeframe: '1m', accepted: 2 },
      { symbol: 'MSFT', timeframe: '1m', accepted: 2 },
    ]);
    // Day aggregates start at midnight New York time and are stored by trading date.
    const day = ['ticker,volume,open,close,high,low,window_start,transactions', `QQQ,1000,440,442,443,439,${ns('2024-03-01T05:00:00Z')},99`, `QQQ,1100,442,441,444,440,${ns('2024-03-04T05:00:00Z')},98`].join('\n');
    const d = await importFiles([write('day_aggs.csv.gz', zlib.gzipSync(day))]);
    expect(d.files[0]!.series).toEqual([{ symbol: 'QQQ', timeframe: '1d', accepted: 2 }]);
    const q = await call(s, 'bars.get', { symbol: 'QQQ', timeframe: '1d' });
    expect(Array.from(q.t, (t) => new Date(t).toISOString().slice(0, 10))).toEqual(['2024-03-01', '2024-03-04']);
    const dbn = ['ts_event,rtype,publisher_id,instrument_id,open,high,low,close,volume,symbol', `${ns('2024-03-01T14:30:00Z')},33,1,5482,5100.25,5101.00,5100.00,5100.75,310,ESH4`, `${ns('2024-03-01T14:31:00Z')},33,1,5482,5100.75,5101.25,5100.50,5101.00,205,ESH4`].join('\n');
    const db = await importFiles([write('glbx-ohlcv-1m.csv', dbn)]);
    expect(db.files[0]).toMatchObject({ format: 'databento-csv', series: [{ symbol: 'ESH4', timeframe: '1m', accepted: 2 }] });
  });

  it('reads Databento OHLCV CSV in the encoder\'s raw form (fixed-point prices of 1e-9, nanosecond times) at the right scale, as its pretty form', async () => {
    const fixture = (name: string): string => path.join(paths.root, 'tests', 'fixtures', 'databento', name);
    // Databento's own test files: a price is the integer × 1e-9.
    const raw = await importFiles([fixture('test_data.ohlcv-1m.csv')], { symbol: 'DBRAW' });
    expect(raw.files[0]).toMatchObject({ format: 'databento-csv', series: [{ symbol: 'DBRAW', timeframe: '1m', accepted: 2 }] });
    const m = await call(s, 'bars.get', { symbol: 'DBRAW', timeframe: '1m' });
    expect(Array.from(m.t, (t) => new Date(t).toISOString())).toEqual(['2020-12-27T23:00:00.000Z', '2020-12-27T23:01:00.000Z']);
    expect([Array.from(m.o), Array.from(m.h), Array.from(m.l), Array.from(m.c), Array.from(m.v)]).toEqual([[368200, 368625], [368725, 368625], [367600, 368375], [368650, 368425], [2312, 496]]);
    for (const [name, tf, close] of [['test_data.ohlcv-1s.csv', '1s', 368125], ['test_data.ohlcv-1h.csv', '1h', 370250]] as const) {
      const r = await importFiles([fixture(name)], { symbol: `DB${tf.toUpperCase()}` });
      expect(r.files[0]!.rejected, name).toBe(0);
      const first = await call(s, 'bars.get', { symbol: `DB${tf.toUpperCase()}`, timeframe: tf === '1s' ? '1m' : '1h' });
      expect(first.o[0], name).toBe(368200);
      if (tf === '1h') expect(first.c[0]).toBe(close);
    }
    // The same bars in the pretty form (decimals, ISO times) and in the current raw form with two instruments.
    const pretty = ['ts_event,rtype,publisher_id,instrument_id,open,high,low,close,volume,symbol', '2020-12-27T23:00:00.000000000Z,33,1,5482,368200.000000000,368725.000000000,367600.000000000,368650.000000000,2312,DBPRETTY', '2020-12-27T23:01:00.000000000Z,33,1,5482,368625.000000000,368625.000000000,368375.000000000,368425.000000000,496,DBPRETTY'].join('\n');
    await importFiles([write('pretty.csv', pretty)]);
    const p = await call(s, 'bars.get', { symbol: 'DBPRETTY', timeframe: '1m' });
    expect([Array.from(p.t), Array.from(p.o), Array.from(p.c)]).toEqual([Array.from(m.t), Array.from(m.o), Array.from(m.c)]);
    const two = ['ts_event,rtype,publisher_id,instrument_id,open,high,low,close,volume,symbol', '1709303400000000000,33,1,5482,5100250000000,5101000000000,5100000000000,5100750000000,310,ESM4', '1709303400000000000,33,1,7182,18050500000000,18052000000000,18049250000000,18051750000000,120,NQM4', '1709303460000000000,33,1,5482,5100750000000,5101250000000,5100500000000,5101000000000,205,ESM4', `1709303460000000000,33,1,7182,18051750000000,9223372036854775807,18050000000000,18051000000000,95,NQM4`, '1709303520000000000,33,1,5482,5101.000000000,5101.25,5100.5,5101,80,ESM4'].join('\n');
    const t = await importFiles([write('glbx-two.csv', two)]);
    expect(t.files[0]!.series).toEqual([
      { symbol: 'ESM4', timeframe: '1m', accepted: 2 },
      { symbol: 'NQM4', timeframe: '1m', accepted: 1 },
    ]);
    const es = await call(s, 'bars.get', { symbol: 'ESM4', timeframe: '1m', from: '2024-03-01T14:30:00Z', to: '2024-03-01T14:32:00Z' });
    expect(Array.from(es.c)).toEqual([5100.75, 5101]);
    expect((await call(s, 'bars.get', { symbol: 'NQM4', timeframe: '1m' })).o[0]).toBe(18050.5);
    // Databento's null price and a decimal price among fixed-point ones are refused with the line and why.
    const rejects = await call(s, 'rejects.list', { runId: t.runId });
    expect(rejects.map((r) => [r.line, r.reason])).toEqual([
      [5, "no high (Databento's undefined price)"],
      [6, 'open "5101.000000000" is a decimal price in a file of fixed-point (1e-9) prices'],
    ]);
    // A generic file that happens to name its time column ts_event keeps its small integer prices as they are.
    const plain = await importFiles([write('plain.csv', 'ts_event,open,high,low,close,volume,symbol\n2024-03-01T14:30:00Z,150,151,149,150,10,PLAINTS\n2024-03-01T14:31:00Z,150,152,150,151,12,PLAINTS\n')]);
    expect(plain.files[0]!.rejected).toBe(0);
    expect((await call(s, 'bars.get', { symbol: 'PLAINTS', timeframe: '1m' })).c[0]).toBe(150);
  });

  it('selects a stock universe from flat-file data by price, volume, history and ticker class', async () => {
    const ns = (iso: string): string => `${BigInt(Date.parse(iso)) * 1_000_000n}`;
    const rows = ['ticker,volume,open,close,high,low,window_start,transactions'];
    const days = ['2024-04-01', '2024-04-02', '2024-04-03'];
    const add = (ticker: string, price: number, volume: number, n = 3): void => {
      for (const d of days.slice(0, n)) rows.push(`${ticker},${volume},${price},${price},${price},${price},${ns(`${d}T04:00:00Z`)},10`);
    };
    add('UNVA', 190, 50_000_000);
    add('UNVB', 0.5, 10_000_000);
    add('UNVC', 40, 100);
    add('UNVD', 25, 2_000_000, 1);
    add('UNVEW', 2, 3_000_000);
    add('UNVFpA', 24, 500_000);
    add('UNVG.A', 600_000, 1_000);
    const r = await importFiles([write('day_aggs_universe.csv.gz', zlib.gzipSync(rows.join('\n')))]);
    expect(r.accepted).toBe(19);
    const pick = async (f: Record<string, unknown>) => (await call(s, 'lake.universe', f)).map((m) => m.symbol).filter((x) => x.startsWith('UNV'));
    expect(await pick({ minPrice: 1, maxPrice: 1000, minAvgVolume: 1000, minDays: 2, commonOnly: true })).toEqual(['UNVA']);
    expect(await pick({ minPrice: 1, minAvgVolume: 1000, minDays: 2, commonOnly: true })).toEqual(['UNVA', 'UNVG.A']);
    expect(await pick({ minDays: 2 })).toEqual(['UNVA', 'UNVB', 'UNVC', 'UNVEW', 'UNVFpA', 'UNVG.A']);
    const a = (await call(s, 'lake.universe', {})).find((m) => m.symbol === 'UNVA')!;
    expect(a).toMatchObject({ class: 'common', avgPrice: 190, avgVolume: 50_000_000, days: 3, first: '2024-04-01', last: '2024-04-03' });
    await expect(call(s, 'lake.universe', { minPrice: 10, maxPrice: 5 })).rejects.toMatchObject({ path: 'minPrice' });
  });

  it('applies universe filters while importing flat files: rows of the other symbols are rejects naming why', async () => {
    const ns = (iso: string): string => `${BigInt(Date.parse(iso)) * 1_000_000n}`;
    const file = (day: string, tickers: [string, number, number][]): string =>
      write(`day_aggs_${day}.csv`, ['ticker,volume,open,close,high,low,window_start,transactions', ...tickers.map(([t, price, volume]) => `${t},${volume},${price},${price},${price},${price},${ns(`${day}T04:00:00Z`)},10`)].join('\n'));
    // UNIV1 already has 2 days in the lake; UNIVNEW appears only on the second day.
    await importFiles([file('2024-05-01', [['UNIV1', 50, 1_000_000]]), file('2024-05-02', [['UNIV1', 51, 1_100_000]])]);
    const tickers = (extra: [string, number, number][]): [string, number, number][] => [['UNIV1', 52, 900_000], ['UNIVPENNY', 0.4, 5_000_000], ['UNIVTHIN', 30, 50], ['UNIVW', 3, 2_000_000], ...extra];
    const paths = [file('2024-05-03', tickers([])), file('2024-05-06', tickers([['UNIVNEW', 20, 3_000_000]]))];
    const r = await importFiles(paths, { universe: { minPrice: 1, minAvgVolume: 1000, minDays: 3, commonOnly: true } });
    expect(r, JSON.stringify({ ...r, files: undefined })).toMatchObject({ accepted: 2, rejected: 7, duplicates: 0, inputRows: 9, excluded: ['UNIVNEW', 'UNIVPENNY', 'UNIVTHIN', 'UNIVW'] });
    expect(r.accepted + r.rejected + r.duplicates).toBe(r.inputRows);
    const rejects = await call(s, 'rejects.list', { runId: r.runId });
    const why = (t: string): string[] => [...new Set(rejects.filter((x) => x.raw.startsWith(`${t},`)).map((x) => x.reason))];
    expect(why('UNIVPENNY')).toEqual(['outside the universe: average close 0.4 below 1']);
    expect(why('UNIVTHIN')).toEqual(['outside the universe: average daily volume 50 below 1,000']);
    expect(why('UNIVW')).toEqual(['outside the universe: not common stock (warrant)']);
    expect(why('UNIVNEW')).toEqual(['outside the universe: listed 1 trading day, fewer than 3']);
    expect(rejects.filter((x) => x.raw.startsWith('UNIVW,')).map((x) => x.line)).toEqual([5, 5]);
    expect((await call(s, 'bars.get', { symbol: 'UNIV1', timeframe: '1d' })).t.length).toBe(4);
    await expect(call(s, 'lake.partitions', { symbol: 'UNIVPENNY' })).resolves.toEqual([]);
  });

  it('remembers the mapping and zone chosen for a file layout and reuses them for the next file of that layout', async () => {
    const a = write('LAYA.csv', ['When;Px;Qty', '2024-02-01 09:30:00;10;5', '2024-02-01 09:31:00;10.5;6'].join('\n'));
    await expect(importFiles([a])).rejects.toThrow(/no time column found in when, px, qty/);
    const r = await importFiles([a], { map: { time: 'When', close: 'Px', volume: 'Qty' }, tz: 'America/New_York' });
    expect(r.accepted).toBe(2);
    expect(await call(s, 'imports.layout', { columns: ['When', 'Px', 'Qty'] })).toEqual({ map: { time: 'When', close: 'Px', volume: 'Qty' }, tz: 'America/New_York' });
    const b = write('LAYB.csv', ['When;Px;Qty', '2024-02-02 09:30:00;11;7'].join('\n'));
    const again = await importFiles([b]);
    expect(again.accepted).toBe(1);
    const bar = await call(s, 'bars.get', { symbol: 'LAYB', timeframe: '1m' });
    expect(new Date(bar.t[0]!).toISOString()).toBe('2024-02-02T14:30:00.000Z');
  });

  it('detects Yahoo and Stooq daily exports', async () => {
    const yahoo = ['Date,Open,High,Low,Close,Adj Close,Volume', '2024-01-02,187.15,188.44,183.89,185.64,184.94,82488700', '2024-01-03,184.22,185.88,183.43,184.25,183.55,58414500'].join('\n');
    const y = await importFiles([write('YHO.csv', yahoo)]);
    expect(y.files[0]).toMatchObject({ format: 'yahoo', series: [{ symbol: 'YHO', timeframe: '1d', accepted: 2 }] });
    expect(Array.from((await call(s, 'bars.get', { symbol: 'YHO', timeframe: '1d' })).c)).toEqual([185.64, 184.25]);
    const stooq = ['Date,Open,High,Low,Close,Volume', '2024-01-02,16700.1,16790.5,16650.2,16769.36,0', '2024-01-03,16720,16760,16520.5,16538.39,0'].join('\n');
    const q = await importFiles([write('dax_d.csv', stooq)], { symbol: 'DAXS', calendar: 'xetra' });
    expect(q.files[0]).toMatchObject({ format: 'stooq', series: [{ symbol: 'DAXS', timeframe: '1d', accepted: 2 }] });
  });

  it('imports Databento DBN OHLCV files with symbols from the metadata', async () => {
    const r = await importFiles([sharedData('dbn', 'test_data.ohlcv-1m.v3.dbn.zst')]);
    expect(r).toMatchObject({ accepted: 2, rejected: 0, symbols: ['ESH1'] });
    const b = await call(s, 'bars.get', { symbol: 'ESH1', timeframe: '1m' });
    expect(Array.from(b.c)).toEqual([372100, 372150]);
  });

  it('uses the exchange calendar chosen on import for daily bars and the expected-bar count', async () => {
    // Two NYSE sessions in the US-only DST weeks (09:30–16:00 New York = 13:30–20:00 UTC), one bar missing.
    const lines = ['timestamp,open,high,low,close,volume'];
    for (const day of ['2024-03-12', '2024-03-13']) {
      const start = Date.parse(`${day}T13:30:00Z`);
      for (let i = 0; i < 390; i++) if (!(day === '2024-03-13' && i === 100)) lines.push(`${new Date(start + i * 60_000).toISOString()},10,10.5,9.5,10.25,100`);
    }
    const r = await importFiles([write('NYX.csv', lines.join('\n'))], { calendar: 'nyse' });
    expect(r.accepted).toBe(779);
    const d = await call(s, 'bars.get', { symbol: 'NYX', timeframe: '1d' });
    expect(Array.from(d.t, (t) => new Date(t).toISOString().slice(0, 10))).toEqual(['2024-03-12', '2024-03-13']);
    expect(Array.from(d.v)).toEqual([39000, 38900]);
    const qa = await call(s, 'lake.qa', { symbol: 'NYX' });
    expect(qa.gaps).toMatchObject({ count: 1, missingBars: 1, expectedBars: 780 });
    expect(qa.rows).toBe(779);
  });

  it('imports DBN trades into bronze trades by date and hour with exact nanosecond times, queryable from SQL; a re-import adds nothing; a month part from an older lake reads alike', async () => {
    const r = await importFiles([sharedData('dbn', 'test_data.trades.v3.dbn.zst')]);
    expect(r).toMatchObject({ accepted: 2, rejected: 0, duplicates: 0, symbols: ['ESH1'] });
    expect(r.files[0]!.series).toEqual([{ symbol: 'ESH1', timeframe: 'tick', accepted: 2 }]);
    const q = await call(s, 'lake.sql', { query: "SELECT epoch_ns(ts)::VARCHAR AS ns, epoch_ns(ts_recv)::VARCHAR, price, size, side FROM trades WHERE symbol = 'ESH1' ORDER BY ts" });
    expect(q.rows).toEqual([
      ['1609160400098821953', '1609160400099150057', 3720.25, 5, 'A'],
      ['1609160400107665963', '1609160400108142648', 3720.25, 21, 'A'],
    ]);
    const again = await importFiles([sharedData('dbn', 'test_data.trades.dbn')]);
    expect(again).toMatchObject({ accepted: 0, duplicates: 2 });
    const bars = await call(s, 'lake.sql', { query: "SELECT count(*) FROM bars WHERE symbol = 'ESH1'" });
    expect(bars.rows).toEqual([[2]]);
    // Partitioned as the other market tables are: symbol, UTC date and hour of the trade.
    const parts = await call(s, 'lake.partitions', { symbol: 'ESH1', timeframe: 'tick', table: 'trades' });
    expect(parts.map((x) => [x.partition, x.rows])).toEqual([['date=2020-12-28/hour=13', 2]]);
    expect((await call(s, 'lake.sql', { query: "SELECT DISTINCT symbol, date::VARCHAR, hour, month FROM trades WHERE symbol = 'ESH1'" })).rows).toEqual([['ESH1', '2020-12-28', 13, '2020-12']]);

    // A part an older version wrote under symbol=/month=, cataloged as it did: the view reads it beside the hourly parts.
    const legacy = 'bronze/trades/symbol=OLDT/month=2020-12/part-legacy.parquet';
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const duck = await DuckDBInstance.create();
    const con = await duck.connect();
    fs.mkdirSync(path.dirname(path.join(s.home.lake, legacy)), { recursive: true });
    await con.run(`COPY (SELECT make_timestamp_ns(1609160400098821953) AS ts, 3720.5::DOUBLE AS price, 3::DOUBLE AS size, 'B' AS side, 7::UINTEGER AS sequence) TO '${path.join(s.home.lake, legacy)}' (FORMAT parquet)`);
    con.closeSync();
    duck.closeSync();
    const db = new Database(path.join(s.home.root, 'catalog.sqlite'));
    db.prepare("INSERT INTO bar_files (id, dataset, timeframe, symbol, month, path, rows, bytes, first_ts, last_ts, source, ingest_run, created_at) VALUES ('legacy', 'trades', 'tick', 'OLDT', '2020-12', ?, 1, 1, 1609160400098, 1609160400098, 'test', NULL, 0)").run(legacy);
    db.close();
    expect((await call(s, 'lake.sql', { query: "SELECT symbol, date::VARCHAR, hour, month, price, side, ts_recv IS NULL FROM trades ORDER BY symbol, ts" })).rows).toEqual([
      ['ESH1', '2020-12-28', 13, '2020-12', 3720.25, 'A', false],
      ['ESH1', '2020-12-28', 13, '2020-12', 3720.25, 'A', false],
      ['OLDT', '2020-12-28', 13, '2020-12', 3720.5, 'B', true],
    ]);
  });

  it('refuses unreadable files with the file named, writing nothing', async () => {
    const before = await fileCount();
    const zst = fs.readFileSync(sharedData('dbn', 'test_data.ohlcv-1m.v3.dbn.zst'));
    const cases: [string, string | Uint8Array, RegExp][] = [
      ['empty.csv', '', /empty\.csv: the file is empty/],
      ['fake.csv.gz', 'Date,Open\n2024-01-01,1\n', /fake\.csv\.gz: named \.gz but it is not gzip data/],
      ['cut.dbn.zst', zst.subarray(0, zst.length - 20), /cut\.dbn\.zst: /],
      ['utf16.csv', Buffer.from('\ufeffDate,Close\n2024-01-01,1\n', 'utf16le'), /utf16\.csv: the file holds NUL bytes/],
      ['latin1.csv', Buffer.from('Datum,Schluss\n2024-01-01,1\xe9\n', 'latin1'), /latin1\.csv: the file is not valid UTF-8/],
      ['nohead.csv', 'foo,bar\n1,2\n', /nohead\.csv: no time column found/],
      ['blankcol.csv', 'time,,close\n2024-01-01,1,2\n', /blankcol\.csv: line 1: the header has an empty column name/],
    ];
    for (const [name, content, re] of cases) await expect(importFiles([write(name, content)]), name).rejects.toThrow(re);
    await expect(importFiles([path.join(dir, 'missing.csv')])).rejects.toThrow(/missing\.csv: cannot read it \(no such file\)/);
    expect(await fileCount()).toBe(before);
  });
});
