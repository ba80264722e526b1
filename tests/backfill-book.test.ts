import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackfillResult } from '../core/common/lake/types';
import type { Services } from '../core/node/services';
import { demoSession } from '../core/node/demo/demo-market';
import { generateBookSession } from '../core/node/demo/demo-book';
import { encodeDbnBook } from '../core/node/ingest/dbn-encode';
import { call, openServices, runJob, sharedData, tempDir } from './helpers';

const DB_KEY = 'db-TESTKEY0123456789abcdefghijklm';

/** Backfills of the book: the demo market's ten-level book, and Databento's schemas from a local server speaking its historical API. */
describe('backfilling order-book and reference schemas', () => {
  let s: Services;
  let server: http.Server;
  let home: string;
  const seen: string[] = [];

  // Ninety minutes of the demo ES book as one answer: 2.6 MiB of DBN against a 1 MiB inflate cap.
  const book = generateBookSession('ES', 1, demoSession('ES', '2024-03-05'), {}, Date.parse('2024-03-05T14:30:00Z'), Date.parse('2024-03-05T16:00:00Z'));
  const busy = encodeDbnBook({ dataset: 'GLBX.MDP3', schema: 'mbp-10', start: 0n, end: null, stypeIn: 1, stypeOut: 0, symbols: ['ESZ4'], mappings: [{ rawSymbol: 'ESZ4', intervals: [{ startDate: 20240301, endDate: 20240401, symbol: String(book.instrumentId[0]) }] }] }, book);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const auth = Buffer.from(String(req.headers.authorization).replace('Basic ', ''), 'base64').toString();
        if (auth !== `${DB_KEY}:`) return res.writeHead(401).end('{"detail":"Authentication failed."}');
        const p = new URLSearchParams(body);
        seen.push(`${p.get('symbols')} ${p.get('schema')} ${p.get('start')!.slice(0, 10)}`);
        // A hostile or broken answer: not DBN at all.
        if (p.get('schema') === 'status' || p.get('symbols') === 'ESM1') return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end('<html>not DBN</html>');
        // A busy day: more DBN than the app holds in memory at once.
        if (p.get('symbols') === 'ESZ4') return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(busy);
        // Databento's own files for the day they hold; nothing for other days.
        const day = p.get('start')!.slice(0, 10);
        const file = { 'mbp-10': '2020-12-28', definition: '2021-10-04' }[p.get('schema')!] === day ? sharedData('dbn', `test_data.${p.get('schema')}.v3.dbn.zst`) : undefined;
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(file ? fs.readFileSync(file) : Buffer.alloc(0));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    Object.assign(process.env, { QUANTDESK_DATABENTO_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, DATABENTO_API_KEY: DB_KEY, QUANTDESK_MAX_INFLATE_BYTES: String(1 << 20) });
    home = tempDir();
    s = await openServices(home, { threads: 1 });
  });
  afterAll(async () => {
    await s?.close();
    server?.close();
    for (const k of ['QUANTDESK_DATABENTO_URL', 'DATABENTO_API_KEY', 'QUANTDESK_MAX_INFLATE_BYTES']) delete process.env[k];
  });
  const sql = async (query: string): Promise<unknown[][]> => (await call(s, 'lake.sql', { query })).rows;

  it('the demo book of a session trades exactly the demo bars of that session; a second backfill adds nothing', async () => {
    const r = await runJob<BackfillResult>(s, { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2024-03-05', to: '2024-03-05', schema: 'mbp-10' });
    expect(r).toMatchObject({ rejected: 0, alreadyPresent: 0, table: 'book' });
    expect(r.newBars).toBeGreaterThan(50_000);
    const job = (await call(s, 'jobs.list', {})).find((j) => j.kind === 'backfill');
    expect(job?.summary).toMatch(/^[\d,]+ new book records, 0 already present$/);
    await runJob(s, { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2024-03-05', to: '2024-03-05' });
    // Minute bars from the book's trades, beside the stored bars of the same minutes.
    const fromBook = await sql(`SELECT epoch_ms(time_bucket(INTERVAL 1 minute, ts_event)) AS t, arg_min(price, ts_event), max(price), min(price), arg_max(price, ts_event), sum(size)::BIGINT FROM book WHERE symbol = 'ES' AND action = 'T' GROUP BY t ORDER BY t`);
    const stored = await sql(`SELECT epoch_ms(ts), open, high, low, close, volume::BIGINT FROM bars WHERE symbol = 'ES' AND tf = '1m' AND ts >= '2024-03-05' AND ts < '2024-03-06' ORDER BY ts`);
    expect(fromBook.length).toBe(stored.length);
    const exact = fromBook.filter((row, i) => JSON.stringify(row) === JSON.stringify(stored[i])).length;
    // Every minute's prices agree; volume too, but where a minute's volume is below the prices it must trade at.
    expect(fromBook.map((row) => row.slice(0, 5))).toEqual(stored.map((row) => row.slice(0, 5)));
    expect(exact / stored.length).toBeGreaterThan(0.99);
    const again = await runJob<BackfillResult>(s, { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2024-03-05', to: '2024-03-05', schema: 'mbp-10' });
    expect(again).toMatchObject({ newBars: 0, alreadyPresent: r.newBars });
  });

  it('serves the chart the resting book per bucket and the traded volume per price, equal to the stored records', async () => {
    const from = Date.parse('2024-03-05T15:00:00Z');
    const to = from + 10 * 60_000;
    const h = await call(s, 'book.heatmap', { symbol: 'ES', from, to, bucketSeconds: 60 });
    // Ten minutes, twenty levels each (ten a side), buckets on the minute.
    expect(h.t.length).toBe(200);
    expect(new Set(h.t)).toEqual(new Set(Array.from({ length: 10 }, (_, i) => from + i * 60_000)));
    // The first minute's book is its last record's.
    const last = (await sql(`SELECT bid_px_00, bid_sz_00, ask_px_09, ask_sz_09 FROM book WHERE symbol = 'ES' AND ts_recv >= '2024-03-05 15:00' AND ts_recv < '2024-03-05 15:01' ORDER BY ts_recv DESC LIMIT 1`))[0]!;
    const at = (side: number, price: number): number => h.size[Array.from(h.t).findIndex((t, i) => t === from && h.side[i] === side && h.price[i] === price)]!;
    expect([at(0x42, last[0] as number), at(0x41, last[2] as number)]).toEqual([last[1], last[3]]);
    const p = await call(s, 'book.profile', { symbol: 'ES', from, to });
    const traded = await sql(`SELECT price, sum(size)::DOUBLE FROM book WHERE symbol = 'ES' AND action = 'T' AND ts_event >= '2024-03-05 15:00' AND ts_event < '2024-03-05 15:10' GROUP BY price ORDER BY price`);
    expect(Array.from(p.price, (x, i) => [x, p.volume[i]])).toEqual(traded);
    await expect(call(s, 'book.heatmap', { symbol: 'ES', from, to: from + 86_400_000 * 10, bucketSeconds: 60 })).rejects.toMatchObject({ path: 'bucketSeconds', message: expect.stringMatching(/14400 buckets of 60 s are more than 5000; narrow the range or widen the bucket/) });
    await expect(call(s, 'book.profile', { symbol: 'NQ', from, to })).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/holds no book \(MBP-10\) of NQ/) });
  });

  it('Databento: fetches a schema day by day into its table, records the days, and does not ask for them again', async () => {
    const r = await runJob<BackfillResult>(s, { kind: 'backfill', source: 'databento', symbols: ['ESH1'], timeframe: '1m', from: '2020-12-27', to: '2020-12-28', schema: 'mbp-10' });
    expect(r).toMatchObject({ newBars: 2, alreadyPresent: 0, rejected: 0, table: 'book' });
    expect(seen).toEqual(['ESH1 mbp-10 2020-12-27', 'ESH1 mbp-10 2020-12-28']);
    expect(await sql("SELECT epoch_ns(ts_recv)::VARCHAR, bid_px_00, ask_px_09 FROM book WHERE symbol = 'ESH1' ORDER BY ts_recv")).toEqual([
      ['1609160400000704060', 3720.25, 3722.75],
      ['1609160400000750544', 3720.25, 3722.75],
    ]);
    const again = await runJob<BackfillResult>(s, { kind: 'backfill', source: 'databento', symbols: ['ESH1'], timeframe: '1m', from: '2020-12-27', to: '2020-12-28', schema: 'mbp-10' });
    expect(again).toMatchObject({ newBars: 0, alreadyPresent: 0 });
    expect(seen.length).toBe(2);
    const defs = await runJob<BackfillResult>(s, { kind: 'backfill', source: 'databento', dataset: 'XNAS.ITCH', symbols: ['MSFT'], timeframe: '1m', from: '2021-10-04', to: '2021-10-04', schema: 'definition' });
    // The fake server answers with Databento's whole file, the next day's record too.
    expect(defs).toMatchObject({ newBars: 2, table: 'definitions' });
    expect(await sql('SELECT raw_symbol, instrument_class, exchange, instrument_id FROM definitions ORDER BY ts_recv')).toEqual([
      ['MSFT', 'K', 'XNAS', 6819],
      ['MSFT', 'K', 'XNAS', 6830],
    ]);
  });

  it('fails a backfill whose answer is not DBN, naming the request, and writes nothing', async () => {
    const before = (await call(s, 'lake.summary', {})).reduce((a, x) => a + x.rows, 0);
    const { jobId } = await call(s, 'jobs.start', { kind: 'backfill', source: 'databento', symbols: ['ESH1'], timeframe: '1m', from: '2020-12-28', to: '2020-12-28', schema: 'status' });
    await s.idle();
    const job = await call(s, 'jobs.get', { jobId });
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/Databento GLBX\.MDP3 ESH1 status 2020-12-28: no DBN signature/);
    expect((await call(s, 'lake.summary', {})).reduce((a, x) => a + x.rows, 0)).toBe(before);
  });

  it('Databento: saves a day of book larger than the memory cap to disk as it arrives and stores it a batch at a time; a broken one fails naming the request', async () => {
    expect(busy.length).toBeGreaterThan(2 << 20);
    const r = await runJob<BackfillResult>(s, { kind: 'backfill', source: 'databento', symbols: ['ESZ4'], timeframe: '1m', from: '2024-03-05', to: '2024-03-05', schema: 'mbp-10' });
    expect(r).toMatchObject({ newBars: book.tsRecvNs.length, alreadyPresent: 0, rejected: 0, table: 'book' });
    expect(await sql("SELECT count(*), sum(bid_sz_00)::BIGINT, min(epoch_ns(ts_recv))::VARCHAR FROM book WHERE symbol = 'ESZ4'")).toEqual([[book.tsRecvNs.length, Array.from(book.bidSz).filter((_, i) => i % 10 === 0).reduce((a, b) => a + b, 0), String(book.tsRecvNs[0])]]);
    // Nothing of the download stays behind.
    expect(fs.readdirSync(path.join(home, 'lake', '_tmp')).filter((f) => f.startsWith('databento-'))).toEqual([]);
    const { jobId } = await call(s, 'jobs.start', { kind: 'backfill', source: 'databento', symbols: ['ESM1'], timeframe: '1m', from: '2024-03-05', to: '2024-03-05', schema: 'mbp-10' });
    await s.idle();
    expect((await call(s, 'jobs.get', { jobId })).error).toMatch(/Databento GLBX\.MDP3 ESM1 mbp-10 2024-03-05: no DBN signature \(at byte 0\)/);
    expect(fs.readdirSync(path.join(home, 'lake', '_tmp')).filter((f) => f.startsWith('databento-'))).toEqual([]);
  });

  it('refuses schemas a source does not offer, by name', async () => {
    await expect(call(s, 'jobs.start', { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2024-03-05', to: '2024-03-05', schema: 'mbo' })).rejects.toThrow(/the demo source offers bars \(ohlcv\), a ten-level book \(mbp-10\) and 0DTE option chains \(options\)/);
    await expect(call(s, 'jobs.start', { kind: 'backfill', source: 'polygon', symbols: ['SPY'], timeframe: '1m', from: '2024-03-05', to: '2024-03-05', schema: 'mbp-1' })).rejects.toThrow(/Polygon backfills bars only/);
    await expect(call(s, 'jobs.start', { kind: 'backfill', source: 'databento', symbols: ['ESH1'], timeframe: '1m', from: '2024-03-05', to: '2024-03-05', schema: 'quotes' as never })).rejects.toThrow(/expected one of ohlcv, mbp-10/);
  });
});
