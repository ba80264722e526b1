import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillResult, ImportResult, RejectRow, RetentionResult } from '../core/common/lake/types';
import type { Services } from '../core/node/services';
import type { OhlcvBar } from '../core/common/trading/bar-aggregator';
import { LiveBronze } from '../core/node/paper/live-bronze';
import { liveFeed, type LiveHandlers } from '../core/node/paper/live-feed';
import { workerContext } from '../core/node/jobs/worker-context';
import { dbnOhlcv1m } from '../scripts/dbn-fixture';
import { call, openServices, paths, runJob, sharedData, tempDir } from './helpers';

const M = 60_000;
const T0 = Date.UTC(2024, 2, 4, 14, 30);

/** One bar of the table, what every entry path must make of it, and which paths can carry it. */
interface Row extends OhlcvBar {
  name: string;
  /** accepted, duplicate, or the reason's pattern. */
  want: 'accepted' | 'duplicate' | RegExp;
  /** Paths whose format cannot express the row (DBN volumes are unsigned; JSON has no Infinity). */
  not?: string[];
}

const A = { t: T0, o: 100, h: 101, l: 99, c: 100.5, v: 10 };
const B = { t: T0 + M, o: 100.5, h: 102, l: 100, c: 101.25, v: 12 };
const TABLE: Row[] = [
  { name: 'good A', ...A, want: 'accepted' },
  { name: 'good B', ...B, want: 'accepted' },
  { name: 'missing open', ...B, t: T0 + 2 * M, o: Number.NaN, want: /missing open/ },
  { name: 'inverted', ...B, t: T0 + 3 * M, h: 99, l: 103, want: /OHLC inconsistent/ },
  { name: 'negative prices', t: T0 + 4 * M, o: -2, h: -1, l: -3, c: -2, v: 1, want: /prices must be positive/ },
  { name: 'negative volume', ...B, t: T0 + 5 * M, v: -5, want: /negative volume/, not: ['dbn', 'databento'] },
  { name: 'infinite high', ...B, t: T0 + 6 * M, h: Number.POSITIVE_INFINITY, want: /high is not finite|bad number in high/, not: ['dbn', 'databento', 'polygon', 'live'] },
  { name: 'in 2200', ...B, t: Date.UTC(2200, 0, 6, 14, 30), want: /in the future/ },
  { name: 'off the minute grid', ...B, t: T0 + 7 * M + 30_000, want: /off the 1m grid/ },
  { name: 'duplicate of A', ...A, want: 'duplicate' },
  { name: 'conflict with B', ...B, c: 101.5, want: /conflict: same time 2024-03-04T14:31:00Z as .* with different values/ },
];

const rowsFor = (p: string): Row[] => TABLE.filter((r) => !r.not?.includes(p));

/** Checks one path's counts and stored rejects against the table; `line(k)` is the reject's row for table row k. */
function expectTable(p: string, r: { accepted: number; rejected: number; duplicates: number }, rejects: RejectRow[], line: (k: number) => number): void {
  const rows = rowsFor(p);
  expect(r.accepted, p).toBe(2);
  expect(r.duplicates, p).toBe(1);
  expect(r.rejected, p).toBe(rows.length - 3);
  expect(r.accepted + r.rejected + r.duplicates, p).toBe(rows.length);
  expect(rejects.length, p).toBe(rows.length - 3);
  rows.forEach((row, k) => {
    if (!(row.want instanceof RegExp)) return;
    const x = rejects.find((j) => j.line === line(k));
    expect(x?.reason, `${p}: ${row.name}`).toMatch(row.want);
  });
}

const csvCell = (x: number): string => (Number.isNaN(x) ? '' : x === Number.POSITIVE_INFINITY ? 'Infinity' : String(x));
const isoMinute = (t: number): string => new Date(t).toISOString().slice(0, 19).replace('T', ' ');

/** DBN OHLCV-1m bytes of the table, undefined prices written as Databento's UNDEF_PRICE (i64 max). */
function dbnOf(rows: Row[]): Uint8Array {
  const bytes = dbnOhlcv1m(rows.map((r) => ({ ms: r.t, o: 1, h: 1, l: 1, c: 1, v: r.v })));
  const at0 = bytes.length - rows.length * 56;
  const dv = new DataView(bytes.buffer, bytes.byteOffset + at0);
  rows.forEach((r, i) => [r.o, r.h, r.l, r.c].forEach((p, k) => dv.setBigInt64(i * 56 + 16 + k * 8, Number.isNaN(p) ? 0x7fffffffffffffffn : BigInt(Math.round(p * 1e6)) * 1000n, true)));
  return bytes;
}

describe('one bar gate for every entry path', () => {
  let s: Services;
  let home: string;
  let server: http.Server;
  const dir = tempDir('qd-gate-');

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      req.resume();
      req.on('end', () => {
        if (url.pathname === '/v0/timeseries.get_range') return res.writeHead(200).end(dbnOf(rowsFor('databento')));
        if (url.pathname.startsWith('/v2/aggs/ticker/')) {
          const results = rowsFor('polygon').map((r) => ({ t: r.t, o: Number.isNaN(r.o) ? null : r.o, h: r.h, l: r.l, c: r.c, v: r.v }));
          return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'OK', results }));
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    Object.assign(process.env, { QUANTDESK_DATABENTO_URL: base, QUANTDESK_POLYGON_URL: base, DATABENTO_API_KEY: 'db-gate-test-key-0123456789abcdef', POLYGON_API_KEY: 'pg-gate-test' });
    home = tempDir();
    s = await openServices(home, { threads: 1 });
  });
  afterAll(async () => {
    await s?.close();
    server?.close();
    for (const k of ['QUANTDESK_DATABENTO_URL', 'QUANTDESK_POLYGON_URL', 'DATABENTO_API_KEY', 'POLYGON_API_KEY']) delete process.env[k];
  });

  const importOnce = async (file: string): Promise<ImportResult> => runJob<ImportResult>(s, { kind: 'import', paths: [file] });
  /** Stores two clean minutes of a symbol a few days earlier: the lake then knows the series is 1m, as a trader's lake would. */
  const primeMinutes = async (symbol: string): Promise<void> => {
    fs.mkdirSync(path.join(dir, 'prime'), { recursive: true });
    const file = path.join(dir, 'prime', `${symbol}.csv`);
    fs.writeFileSync(file, `time,open,high,low,close,volume\n2024-03-01 14:30:00,100,101,99,100,1\n2024-03-01 14:31:00,100,101,99,100,1\n`);
    expect((await importOnce(file)).files[0]!.series).toEqual([{ symbol, timeframe: '1m', accepted: 2 }]);
  };

  // A file with any row to refuse goes to the built-in parser (the DuckDB reader hands it over, see duck-csv.test.ts).
  it('CSV: the table’s counts and reasons, rejects with line and raw text, and a re-import accepts nothing', async () => {
    const rows = rowsFor('csv');
    const text = ['time,open,high,low,close,volume', ...rows.map((r) => [isoMinute(r.t), r.o, r.h, r.l, r.c, r.v].map((x, i) => (i === 0 ? x : csvCell(x as number))).join(','))].join('\n');
    await primeMinutes('CSV');
    const file = path.join(dir, 'CSV.csv');
    fs.writeFileSync(file, `${text}\n`);
    const r = await importOnce(file);
    expect(r.files[0]!.parser).toBe('builtin');
    const rejects = await call(s, 'rejects.list', { runId: r.runId });
    expectTable('csv', r, rejects, (k) => k + 2);
    for (const x of rejects) expect(x.raw).toBe(text.split('\n')[x.line - 1]);
    expect(new Set(rejects.map((x) => x.source))).toEqual(new Set(['import:generic']));
    const again = await importOnce(file);
    expect(again.accepted).toBe(0);
  });

  it('Parquet: NULL, NaN and infinite cells, a NULL timestamp and the rest of the table, each a reject naming its row', async () => {
    const rows = rowsFor('parquet');
    await primeMinutes('PQ');
    const file = path.join(dir, 'PQ.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const lit = (x: number): string => (Number.isNaN(x) ? 'NULL' : x === Number.POSITIVE_INFINITY ? "'inf'::DOUBLE" : `${x}::DOUBLE`);
    const values = [...rows.map((r) => `(epoch_ms(${r.t}::BIGINT), ${[r.o, r.h, r.l, r.c, r.v].map(lit).join(', ')})`), '(NULL::TIMESTAMP, 1::DOUBLE, 1::DOUBLE, 1::DOUBLE, 1::DOUBLE, 1::DOUBLE)'];
    await con.run(`COPY (SELECT * FROM (VALUES ${values.join(', ')}) v(ts, open, high, low, close, volume)) TO '${file}' (FORMAT parquet)`);
    con.closeSync();
    db.closeSync();
    const r = await importOnce(file);
    const rejects = await call(s, 'rejects.list', { runId: r.runId });
    expect(r.inputRows).toBe(rows.length + 1);
    expect(rejects.find((x) => x.line === rows.length + 1)?.reason).toBe('missing timestamp');
    expectTable('parquet', { ...r, rejected: r.rejected - 1 }, rejects.filter((x) => x.line <= rows.length), (k) => k + 1);
    expect((await importOnce(file)).accepted).toBe(0);
  });

  it('DBN: undefined prices and the rest of the table, each a reject with its record number and byte offset', async () => {
    const rows = rowsFor('dbn');
    const file = path.join(dir, 'gate.dbn');
    const bytes = dbnOf(rows);
    fs.writeFileSync(file, bytes);
    const r = await importOnce(file);
    const rejects = await call(s, 'rejects.list', { runId: r.runId });
    expectTable('dbn', r, rejects, (k) => k + 1);
    const first = bytes.length - rows.length * 56;
    for (const x of rejects) expect(x.byteOffset).toBe(first + (x.line - 1) * 56);
    expect((await importOnce(file)).accepted).toBe(0);
  });

  it('DBN trades: an undefined price and a trade stamped in 2200 are rejects with their record and byte offset', async () => {
    const bytes = new Uint8Array(fs.readFileSync(sharedData('dbn', 'test_data.trades.dbn')));
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const body = 8 + dv.getUint32(4, true);
    const second = body + bytes[body]! * 4;
    dv.setBigUint64(body + 8, BigInt(Date.UTC(2200, 0, 3)) * 1_000_000n, true);
    dv.setBigInt64(second + 16, 0x7fffffffffffffffn, true);
    const file = path.join(dir, 'trades.dbn');
    fs.writeFileSync(file, bytes);
    const r = await importOnce(file);
    expect(r).toMatchObject({ accepted: 0, rejected: 2, duplicates: 0, inputRows: 2 });
    const rejects = await call(s, 'rejects.list', { runId: r.runId });
    expect(rejects.map((x) => [x.line, x.byteOffset, x.source])).toEqual([
      [1, body, 'import:dbn'],
      [2, second, 'import:dbn'],
    ]);
    expect(rejects[0]!.reason).toMatch(/2200-01-03T00:00:00Z is in the future/);
    expect(rejects[1]!.reason).toBe('missing price');
  });

  it('Databento and Polygon backfills: what the vendor answers passes the same gate, rejects listed under the run', async () => {
    for (const source of ['databento', 'polygon'] as const) {
      const symbol = source === 'databento' ? 'ESM4' : 'AAPL';
      const r = await runJob<BackfillResult>(s, { kind: 'backfill', source, symbols: [symbol], timeframe: '1m', from: '2024-03-04', to: '2024-03-04' });
      const rejects = await call(s, 'rejects.list', { runId: r.runId });
      expectTable(source, { accepted: r.newBars, rejected: r.rejected, duplicates: r.alreadyPresent }, rejects, (k) => k + 1);
      expect(new Set(rejects.map((x) => x.source))).toEqual(new Set([source === 'databento' ? 'databento:GLBX.MDP3' : 'polygon']));
      expect(rejects[0]!.file).toMatch(new RegExp(`${symbol} 1m 2024-03-04`));
      // Polygon's null open is NaN, never 0: the stored bars are the two good ones.
      const stored = await call(s, 'bars.get', { symbol, timeframe: '1m', from: '2024-03-04', to: '2024-03-04' });
      expect(Array.from(stored.o)).toEqual([A.o, B.o]);
    }
  });

  it('the live feed: refused minutes never reach the session and are stored as rejects of its ingest run', async () => {
    const rows = rowsFor('live');
    const now = Date.UTC(2024, 2, 4, 16, 0);
    const ctx = await workerContext(home, path.join(paths.resources, 'migrations'));
    const lake = new LiveBronze(ctx, ['LIVE'], 'live:127.0.0.1', () => now);
    let handlers!: LiveHandlers;
    const refused: string[] = [];
    const feed = liveFeed({
      adapter: { start: (h) => (handlers = h), close: () => undefined },
      symbols: ['LIVE'],
      barMs: M,
      calendars: [undefined],
      wait: (ms) => new Promise((r) => setTimeout(r, ms)),
      onMinute: (k, m) => lake.add(k, m),
      onRefused: (symbol, reason) => refused.push(`${symbol}: ${reason}`),
      now: () => now,
    });
    for (const r of rows) handlers.onMinute('LIVE', { t: r.t, o: r.o, h: r.h, l: r.l, c: r.c, v: r.v });
    handlers.onMinute('LIVE', { ...B, t: Date.UTC(1970, 0, 1) });
    handlers.onMinute('LIVE', { ...B, t: T0 + 10 * M });
    // The session sees the good minutes (the aggregator skips the repeats), never a refused one.
    const seen: number[] = [];
    for (let b = await feed.next(); b; b = await feed.next()) seen.push(b.bar.t);
    feed.close();
    expect(seen).toEqual([A.t, B.t, T0 + 10 * M]);
    expect(refused).toEqual(expect.arrayContaining([expect.stringMatching(/LIVE: missing open/), expect.stringMatching(/in the future/), expect.stringMatching(/off the 1m grid/), expect.stringMatching(/1970-01-01T00:00:00Z is older than a live minute can be/)]));
    await lake.close();
    const rejects = await call(s, 'rejects.list', { runId: lake.runId });
    const inTable = rejects.filter((x) => x.line <= rows.length);
    expectTable('live', { accepted: lake.written - 1, rejected: lake.rejected - 1, duplicates: lake.duplicates }, inTable, (k) => k + 1);
    expect(rejects.find((x) => x.line === rows.length + 1)?.reason).toMatch(/older than a live minute/);
    expect(new Set(rejects.map((x) => x.source))).toEqual(new Set(['live:127.0.0.1']));
  });

  it('retention: a 5-minute bar the lake already stores with other values is a conflict reject of the rewrite, listed with the rest', async () => {
    await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['GC'], timeframe: '1m', from: '2024-01-02', to: '2024-01-02' });
    const fives = await call(s, 'bars.get', { symbol: 'GC', timeframe: '5m', from: '2024-01-02', to: '2024-01-02' });
    const t = fives.t[3]!;
    fs.mkdirSync(path.join(dir, 'five'));
    const file = path.join(dir, 'five', 'GC.csv');
    fs.writeFileSync(file, `time,open,high,low,close,volume\n${isoMinute(t)},1,2,0.5,1.5,7\n${isoMinute(t + 5 * M)},${fives.o[4]},${fives.h[4]},${fives.l[4]},${fives.c[4]},${fives.v[4]}\n`);
    expect((await importOnce(file)).files[0]!.series).toEqual([{ symbol: 'GC', timeframe: '5m', accepted: 2 }]);
    const r = await runJob<RetentionResult>(s, { kind: 'retention', minuteDays: 30 });
    expect(r.rejected).toBe(1);
    const run = (await call(s, 'rejects.list', {})).filter((x) => x.source === 'retention');
    expect(run).toHaveLength(1);
    expect(run[0]!.reason).toMatch(new RegExp(`conflict: the lake already stores a 5m bar at ${new Date(t).toISOString().replace('.000Z', 'Z')} with different values`));
    // The stored bar stands; the rest of the month is the minutes' 5-minute bars.
    const after = await call(s, 'bars.get', { symbol: 'GC', timeframe: '5m', from: '2024-01-02', to: '2024-01-02' });
    expect(after.t.length).toBe(fives.t.length);
    expect(after.o[3]).toBe(1);
    expect(after.c[5]).toBe(fives.c[5]);
  });

  it('years 0001–9999 are stored as written or refused with a reason, and month folders, catalog and SQL agree', async () => {
    const years = [1, 24, 99, 1899, 1970, 2200, 9999];
    const y4 = (y: number): string => String(y).padStart(4, '0');
    fs.mkdirSync(path.join(dir, 'years'));
    const daily = path.join(dir, 'years', 'OLDD.csv');
    fs.writeFileSync(daily, ['date,open,high,low,close,volume', ...years.map((y) => `${y4(y)}-03-01,10,11,9,10.5,100`), '0000-03-01,10,11,9,10.5,100'].join('\n'));
    const r = await importOnce(daily);
    expect(r).toMatchObject({ accepted: 5, rejected: 3, duplicates: 0 });
    const rejects = await call(s, 'rejects.list', { runId: r.runId });
    expect(rejects.map((x) => [x.line, x.reason.replace(/ \(now is .*/, '')])).toEqual([
      [7, 'timestamp 2200-03-01T00:00:00Z is in the future'],
      [8, 'timestamp 9999-03-01T00:00:00Z is in the future'],
      [9, 'timestamp outside the years 0001–9999: 0000-03-01T00:00:00Z'],
    ]);
    // A clean intraday file in year 24 takes DuckDB's reader: its month bounds are year 24's, not 1924's.
    const minutes = path.join(dir, 'years', 'OLDM.csv');
    fs.writeFileSync(minutes, ['time,open,high,low,close,volume', ...[0, 1, 2].map((m) => `0024-03-01 10:0${m}:00,10,11,9,10.5,100`)].join('\n'));
    const m = await importOnce(minutes);
    expect(m.files[0]).toMatchObject({ parser: 'duckdb', accepted: 3 });
    expect((await importOnce(minutes)).accepted).toBe(0);
    for (const [symbol, months] of [['OLDD', years.slice(0, 5).map((y) => `${y4(y)}-03`)], ['OLDM', ['0024-03']]] as const) {
      const parts = await call(s, 'lake.partitions', { symbol });
      expect(parts.map((p) => p.month).sort()).toEqual([...months].sort());
      for (const p of parts) {
        const [n] = (await call(s, 'lake.sql', { query: `SELECT count(*)::DOUBLE FROM bars WHERE symbol = '${symbol}' AND month = '${p.month}' AND strftime(ts, '%Y-%m') = '${p.month}'` })).rows[0] as [number];
        expect(n, `${symbol} ${p.month}`).toBe(p.rows);
      }
    }
    const stored = await call(s, 'bars.get', { symbol: 'OLDD', timeframe: '1d' });
    expect(Array.from(stored.t, (t) => new Date(t).toISOString().slice(0, 10))).toEqual(years.slice(0, 5).map((y) => `${y4(y)}-03-01`));
  });

  it('daily bars imported for a symbol with minute bars fill only the dates the minutes do not cover', async () => {
    await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['YM'], timeframe: '1m', from: '2024-01-08', to: '2024-01-12' });
    const fromMinutes = await call(s, 'bars.get', { symbol: 'YM', timeframe: '1d', from: '2024-01-01', to: '2024-01-31' });
    // Daily bars for the whole month from elsewhere, at prices unlike the minutes'.
    const days = Array.from({ length: 31 }, (_, d) => Date.UTC(2024, 0, d + 1)).filter((t) => new Date(t).getUTCDay() % 6 !== 0);
    fs.mkdirSync(path.join(dir, 'daily'));
    const file = path.join(dir, 'daily', 'YM.csv');
    fs.writeFileSync(file, ['date,open,high,low,close,volume', ...days.map((t) => `${new Date(t).toISOString().slice(0, 10)},1000,1010,990,1005,5`)].join('\n'));
    expect((await importOnce(file)).files[0]!.series).toEqual([{ symbol: 'YM', timeframe: '1d', accepted: days.length }]);
    const both = await call(s, 'bars.get', { symbol: 'YM', timeframe: '1d', from: '2024-01-01', to: '2024-01-31' });
    const minuteDays = new Set(Array.from(fromMinutes.t));
    expect(Array.from(both.t)).toEqual([...new Set([...days, ...minuteDays])].sort((x, y) => x - y));
    for (let i = 0; i < both.t.length; i++) {
      const k = fromMinutes.t.indexOf(both.t[i]!);
      expect(both.c[i], new Date(both.t[i]!).toISOString()).toBe(k >= 0 ? fromMinutes.c[k] : 1005);
    }
    // Weeks are built from the same days: the week of the 8th from the minutes, the others from the daily bars.
    const weeks = await call(s, 'bars.get', { symbol: 'YM', timeframe: '1w', from: '2024-01-01', to: '2024-01-31' });
    expect(Array.from(weeks.t, (t) => new Date(t).toISOString().slice(0, 10))).toEqual(['2024-01-01', '2024-01-08', '2024-01-15', '2024-01-22', '2024-01-29']);
    expect(weeks.o[0]).toBe(1000);
    expect(weeks.o[1]).toBe(fromMinutes.o[0]);
    expect((await call(s, 'bars.get', { symbol: 'YM', timeframe: '1d', limit: 3 })).t.length).toBe(3);
  });

  it('a demo backfill never writes a bar after now, and a range ending in the future is refused with the field named', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const r = await runJob<BackfillResult>(s, { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: today, to: today });
    const [max, count] = (await call(s, 'lake.sql', { query: "SELECT coalesce(max(epoch_ms(ts)), 0)::DOUBLE, count(*)::DOUBLE FROM bars WHERE symbol = 'ES'" })).rows[0] as [number, number];
    expect(max).toBeLessThanOrEqual(Date.now());
    expect(count).toBe(r.newBars);
    await expect(call(s, 'jobs.start', { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2024-01-01', to: '2999-12-31' })).rejects.toThrow(/no source has bars after now/);
  });
});
