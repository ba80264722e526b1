import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { decompress } from 'fzstd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportResult } from '../core/common/lake/types';
import type { Services } from '../core/node/services';
import { call, openServices, runJob, tempDir } from './helpers';

const OPRA = path.join(__dirname, 'fixtures', 'databento', 'opra');
const opra = (schema: string): string => path.join(OPRA, `test_data.${schema}.dbn.zst`);

/**
 * Databento's own OPRA files (one AAPL call, 2025-02-20) import into the options tables under the
 * option's underlying, with the option's terms from its definition. Expected values were read from the
 * decompressed bytes at the DBN specification's offsets (trades: price i64 at 16, size u32 at 24, action
 * and side at 28–29, flags at 30, ts_recv at 32, ts_in_delta at 40, sequence at 44; CBBO levels from 48:
 * bid and ask price i64, sizes u32, publishers u16 with padding), not from this app's decoder.
 */
describe('options in the lake: definitions, trades, quotes and open interest from Databento files', () => {
  let s: Services;
  const dir = tempDir('qd-options-');
  const importFiles = (paths: string[]): Promise<ImportResult> => runJob<ImportResult>(s, { kind: 'import', paths });
  const sql = async (query: string): Promise<unknown[][]> => (await call(s, 'lake.sql', { query })).rows;

  const home = tempDir();
  beforeAll(async () => {
    s = await openServices(home, { threads: 1 });
  });
  afterAll(async () => s?.close());

  it("refuses an option's trades before its definition is in the lake, saying what to import first", async () => {
    const r = await importFiles([opra('trades')]);
    expect(r).toMatchObject({ inputRows: 4, accepted: 0, rejected: 4 });
    const rejects = await sql(`SELECT reason FROM rejects`);
    expect(rejects).toHaveLength(4);
    expect(String(rejects[0]![0])).toBe('option AAPL  250221C00250000 (instrument 16783963) has no definition in the lake; import or backfill its definitions (schema definition) first, then this file again');
    expect(await sql('SELECT count(*) FROM trades')).toEqual([[0]]);
  });

  it('stores the definition under its underlying, then trades, quotes and open interest in the options tables with the terms', async () => {
    const d = await importFiles([opra('definition')]);
    expect(d).toMatchObject({ inputRows: 1, accepted: 1, rejected: 0 });
    expect(d.files[0]!.series).toEqual([{ symbol: 'AAPL', timeframe: 'tick', table: 'definitions', accepted: 1 }]);
    expect(await sql(`SELECT symbol, raw_symbol, instrument_class, strike_price, strftime(expiration, '%Y-%m-%d %H:%M:%S'), underlying, security_type FROM definitions`)).toEqual([
      ['AAPL', 'AAPL  250221C00250000', 'C', 250, '2025-02-21 00:00:00', 'AAPL', 'OPT'],
    ]);

    const t = await importFiles([opra('trades')]);
    expect(t).toMatchObject({ inputRows: 4, accepted: 4, rejected: 0, duplicates: 0 });
    expect(t.files[0]!.series).toEqual([{ symbol: 'AAPL', timeframe: 'tick', table: 'options_trades', accepted: 4 }]);
    expect(
      await sql(
        `SELECT underlying, raw_symbol, instrument_class, strike_price, epoch_ns(expiration)::VARCHAR, epoch_ns(ts_event)::VARCHAR, epoch_ns(ts_recv)::VARCHAR, publisher_id, instrument_id, action, side, price, size, flags, depth, ts_in_delta, sequence, date::VARCHAR, hour
         FROM options_trades ORDER BY ts_recv`,
      ),
    ).toEqual([
      ['AAPL', 'AAPL  250221C00250000', 'C', 250, '1740096000000000000', '1740061800817657088', '1740061800817866523', 23, 16783963, 'T', 'N', 0.24, 1, 194, 0, 0, 713382, '2025-02-20', 14],
      ['AAPL', 'AAPL  250221C00250000', 'C', 250, '1740096000000000000', '1740061801631777024', '1740061801631988096', 26, 16783963, 'T', 'N', 0.2, 2, 194, 0, 0, 882595, '2025-02-20', 14],
      ['AAPL', 'AAPL  250221C00250000', 'C', 250, '1740096000000000000', '1740061801644682240', '1740061801644892784', 26, 16783963, 'T', 'N', 0.19, 1, 194, 0, 0, 887133, '2025-02-20', 14],
      ['AAPL', 'AAPL  250221C00250000', 'C', 250, '1740096000000000000', '1740061801745517312', '1740061801745727547', 37, 16783963, 'T', 'N', 0.19, 4, 194, 0, 0, 921205, '2025-02-20', 14],
    ]);
    // Nothing of the option reaches the futures' trades table.
    expect(await sql('SELECT count(*) FROM trades')).toEqual([[0]]);

    // Consolidated top of book, a record a second: the first has no quote on either side (and no event time).
    const q = await importFiles([opra('cbbo-1s')]);
    expect(q).toMatchObject({ inputRows: 4, rejected: q.inputRows - q.accepted });
    expect(
      await sql(`SELECT schema, raw_symbol, epoch_ns(ts_recv)::VARCHAR, price, size, bid_px, ask_px, bid_sz, ask_sz, bid_pb, ask_pb FROM options_quotes WHERE bid_px IS NOT NULL ORDER BY ts_recv`),
    ).toEqual([
      ['cbbo-1s', 'AAPL  250221C00250000', '1740061801000000000', 0.24, 1, 0.1, 0.25, 1, 4, 23, 23],
      ['cbbo-1s', 'AAPL  250221C00250000', '1740061802000000000', 0.19, 4, 0.18, 0.21, 5, 51, 37, 61],
      ['cbbo-1s', 'AAPL  250221C00250000', '1740061803000000000', 0.23, 2, 0.22, 0.24, 9, 13, 31, 32],
    ]);
    expect(await sql('SELECT count(*) FROM quotes')).toEqual([[0]]);
    // The MBP-1 and TBBO files of the same option land there too.
    for (const schema of ['mbp-1', 'tbbo']) expect((await importFiles([opra(schema)])).files[0]!.series.map((x) => x.table), schema).toEqual(['options_quotes']);

    // Open interest, as each of four exchanges reported it, under the underlying.
    const st = await importFiles([opra('statistics')]);
    expect(st).toMatchObject({ inputRows: 4, accepted: 4 });
    expect(await sql(`SELECT symbol, stat_name, quantity, publisher_id FROM statistics ORDER BY sequence`)).toEqual([
      ['AAPL', 'open_interest', 57924, 37],
      ['AAPL', 'open_interest', 57924, 31],
      ['AAPL', 'open_interest', 57924, 23],
      ['AAPL', 'open_interest', 57924, 24],
    ]);

    // The same files again add nothing.
    for (const schema of ['trades', 'cbbo-1s', 'statistics', 'definition']) expect((await importFiles([opra(schema)])).accepted, schema).toBe(0);
    // `lake ls` lists the options tables with their rows, under the underlying.
    const summary = await call(s, 'lake.summary', {});
    expect(summary.filter((x) => x.table === 'options_trades' || x.table === 'options_quotes').map((x) => [x.table, x.symbol, x.rows])).toEqual([
      ['options_quotes', 'AAPL', q.accepted + 8],
      ['options_trades', 'AAPL', 4],
    ]);
  });

  it('keeps a hostile underlying name from choosing a folder: the definition goes under its instrument id', async () => {
    // The definition, under a new id, with its underlying rewritten to a path.
    const b = decompress(new Uint8Array(fs.readFileSync(opra('definition')))).slice();
    const text = Buffer.from(b);
    // The record's underlying field follows security type (OPT) and unit of measure (USD).
    const at = text.indexOf('AAPL', text.indexOf('USD', text.indexOf('OPT', 8 + text.readUInt32LE(4))));
    text.write('../../x', at, 'latin1');
    const id = 16783963 + 1;
    const body = 8 + text.readUInt32LE(4);
    text.writeUInt32LE(id, body + 4);
    const p = path.join(dir, 'hostile-definition.dbn');
    fs.writeFileSync(p, text);
    const r = await importFiles([p]);
    expect(r).toMatchObject({ accepted: 1, rejected: 0 });
    expect(r.files[0]!.series).toEqual([{ symbol: `ID${id}`, timeframe: 'tick', table: 'definitions', accepted: 1 }]);
    expect(await sql(`SELECT symbol, underlying FROM definitions WHERE instrument_id = ${id}`)).toEqual([[`ID${id}`, '../../x']]);
    expect(fs.readdirSync(path.join(home, 'lake', 'bronze', 'definitions')).sort()).toEqual(['symbol=AAPL', `symbol=ID${id}`]);
  });

  it("refuses an option whose instrument id the definitions do not know, even after others' definitions", async () => {
    // The trades file with its instrument id changed: the mapping still names an option, the lake has no definition of that id.
    const b = decompress(new Uint8Array(fs.readFileSync(opra('trades')))).slice();
    const dv = new DataView(b.buffer);
    const body = 8 + dv.getUint32(4, true);
    for (let at = body; at < b.length; at += b[at]! * 4) dv.setUint32(at + 4, 99, true);
    // The metadata maps the option's symbol to the id as text; point it at 99 too.
    const text = Buffer.from(b);
    const at = text.indexOf('16783963', 8);
    text.write('99\0\0\0\0\0\0', at, 'latin1');
    const p = path.join(dir, 'unknown-option.dbn');
    fs.writeFileSync(p, text);
    const r = await importFiles([p]);
    expect(r).toMatchObject({ accepted: 0, rejected: 4 });
    expect(await sql(`SELECT DISTINCT reason FROM rejects WHERE file LIKE '%unknown-option.dbn'`)).toEqual([
      ['option AAPL  250221C00250000 (instrument 99) has no definition in the lake; import or backfill its definitions (schema definition) first, then this file again'],
    ]);
  });
});

/** A Databento option-chain backfill by parent symbol, against a local server answering with Databento's own OPRA files. */
describe('backfilling an option chain from Databento by parent symbol', () => {
  const KEY = 'db-OPTIONSKEY0123456789abcdefghij';
  let s: Services;
  let server: http.Server;
  const asked: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const p = new URLSearchParams(body);
        if (Buffer.from(String(req.headers.authorization).replace('Basic ', ''), 'base64').toString() !== `${KEY}:`) return res.writeHead(401).end('{"detail":"Authentication failed."}');
        asked.push([p.get('dataset'), p.get('symbols'), p.get('stype_in'), p.get('schema'), p.get('start')].join(' '));
        const file = opra(p.get('schema')!);
        // The files hold 2025-02-20; other days have no records.
        if (p.get('start') !== '2025-02-20T00:00:00.000Z' || !fs.existsSync(file)) return res.writeHead(200).end();
        return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(fs.readFileSync(file));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    Object.assign(process.env, { QUANTDESK_DATABENTO_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, DATABENTO_API_KEY: KEY });
    s = await openServices(tempDir(), { threads: 1 });
  });
  afterAll(async () => {
    await s?.close();
    server?.close();
    for (const k of ['QUANTDESK_DATABENTO_URL', 'DATABENTO_API_KEY']) delete process.env[k];
  });

  it('asks for the definitions first, then open interest, trades and top of book, by parent symbology, and stores them in the options tables', async () => {
    const r = await runJob<{ newBars: number; rejected: number }>(s, { kind: 'backfill', source: 'databento', dataset: 'OPRA.PILLAR', symbols: ['AAPL.OPT'], timeframe: '1m', from: '2025-02-20', to: '2025-02-20', schema: 'options' });
    expect(asked).toEqual(['definition', 'statistics', 'trades', 'mbp-1'].map((schema) => `OPRA.PILLAR AAPL.OPT parent ${schema} 2025-02-20T00:00:00.000Z`));
    // 1 definition, 4 open-interest records, 4 trades, 4 quotes.
    expect(r).toMatchObject({ newBars: 13, rejected: 0 });
    const sql = async (query: string): Promise<unknown[][]> => (await call(s, 'lake.sql', { query })).rows;
    expect(await sql(`SELECT underlying, count(*), min(raw_symbol) FROM options_trades GROUP BY 1`)).toEqual([['AAPL', 4, 'AAPL  250221C00250000']]);
    expect(await sql(`SELECT underlying, schema, count(*) FROM options_quotes GROUP BY 1, 2`)).toEqual([['AAPL', 'mbp-1', 4]]);
    // The day is recorded: the same backfill asks nothing again.
    asked.length = 0;
    await runJob(s, { kind: 'backfill', source: 'databento', dataset: 'OPRA.PILLAR', symbols: ['AAPL.OPT'], timeframe: '1m', from: '2025-02-20', to: '2025-02-20', schema: 'options' });
    expect(asked).toEqual([]);
  });
});
