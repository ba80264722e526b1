import fs from 'node:fs';
import path from 'node:path';
import { decompress } from 'fzstd';
import { afterEach, describe, expect, it } from 'vitest';
import type { OhlcvBar } from '../core/common/trading/bar-aggregator';
import { demoSession } from '../core/node/demo/demo-market';
import { generateBookSession } from '../core/node/demo/demo-book';
import type { DbnBook } from '../core/node/ingest/dbn-book';
import { cramResponse, databentoLive, DbnStreamReader } from '../core/node/vendors/databento-live';
import { startFakeGateway, type FakeGateway } from './fake-databento-gateway';
import { until } from './helpers';

const KEY = 'db-LIVEKEY0123456789abcdefghijk';

/** Minute bars from a book's trades, by event time, as the live client closes them. */
function minutesOf(b: DbnBook): OhlcvBar[] {
  const out: OhlcvBar[] = [];
  for (let i = 0; i < b.tsRecvNs.length; i++) {
    if (b.action[i] !== 0x54) continue;
    const t = Math.floor(Number(b.tsEventNs[i]! / 1_000_000n) / 60_000) * 60_000;
    const last = out[out.length - 1];
    const p = b.price[i]!;
    if (last && last.t === t) {
      last.h = Math.max(last.h, p);
      last.l = Math.min(last.l, p);
      last.c = p;
      last.v += b.size[i]!;
    } else out.push({ t, o: p, h: p, l: p, c: p, v: b.size[i]! });
  }
  return out;
}

describe('Databento live client against a local gateway speaking the raw protocol', () => {
  let gw: FakeGateway | null = null;
  let stop: (() => void) | null = null;
  afterEach(async () => {
    stop?.();
    await gw?.close();
  });
  // An hour of the demo ES book.
  const session = demoSession('ES', '2024-03-05');
  const hour = Date.parse('2024-03-05T14:30:00Z');
  const book = generateBookSession('ES', 1, session, {}, hour, hour + 3_600_000);

  it('answers the CRAM challenge as Databento’s own client does', () => {
    // databento-python's test vector.
    expect(cramResponse('abcd1234', 'db-unittestapikey1234567890FFFFF')).toBe('be87ce3d564b64481d4ad1902e2b41b26e3eef62b9de37d87eb4a1d4a5199b6f-FFFFF');
  });

  it('reads a real live stream (Databento’s sample of mixed records) in pieces of any size exactly as whole, and refuses a hostile one', () => {
    const whole = decompress(new Uint8Array(fs.readFileSync(path.join(__dirname, 'fixtures/databento/test_data.live.dbn.zst'))));
    const read = (pieces: number[]): string[] => {
      const seen: string[] = [];
      const r = new DbnStreamReader({ metadata: (m) => seen.push(`meta ${m.version} ${m.dataset}`), record: (rt, rec) => seen.push(`${rt}:${Buffer.from(rec).toString('hex')}`) }, 'live');
      for (let at = 0, k = 0; at < whole.length; at += pieces[k++ % pieces.length]!) r.push(whole.subarray(at, at + pieces[k % pieces.length]!));
      return seen;
    };
    const once = read([whole.length]);
    expect(once[0]).toBe('meta 3 GLBX.MDP3');
    expect(once.length).toBe(1 + 46);
    expect(once.filter((x) => x.startsWith('10:')).length).toBe(2);
    for (const pieces of [[1], [7, 3, 1000], [13, 368, 2]]) expect(read(pieces)).toEqual(once);
    const big = whole.slice(0, 8);
    new DataView(big.buffer).setUint32(4, 0x7fffffff, true);
    expect(() => new DbnStreamReader({ metadata() {}, record() {} }, 'hostile').push(big)).toThrow(/metadata of 2147483647 bytes is larger than/);
    const short = whole.slice();
    short[8 + new DataView(short.buffer).getUint32(4, true)] = 1;
    expect(() => new DbnStreamReader({ metadata() {}, record() {} }, 'hostile').push(short)).toThrow(/record of 4 bytes is shorter than a record header/);
  });

  it('subscribes, streams the book and closes its trades into minutes; after a drop it reconnects and replays from the last record, losing and repeating nothing', async () => {
    gw = await startFakeGateway({ key: KEY, book, symbol: 'ES', dropAfter: Math.floor(book.tsRecvNs.length * 0.3) });
    const minutes: OhlcvBar[] = [];
    const problems: string[] = [];
    let records = 0;
    const client = databentoLive({ host: '127.0.0.1', port: gw.port, key: KEY, dataset: 'GLBX.MDP3', symbols: ['ES'], backoffMs: [50], onBook: (b, n, symbolOf) => {
      records += n;
      expect(symbolOf(0)).toBe('ES');
      expect(b.levels).toBe(10);
    } });
    stop = () => client.close();
    client.start({ onMinute: (symbol, m) => symbol === 'ES' && minutes.push({ ...m }), onProblem: (m) => problems.push(m) });
    const expected = minutesOf(book);
    await until(async () => (minutes.length >= expected.length ? true : undefined), 'all minutes', 20_000);
    expect(minutes).toEqual(expected);
    expect(records).toBe(book.tsRecvNs.length);
    expect(client.stats()).toMatchObject({ records: book.tsRecvNs.length, reconnects: 1 });
    expect(gw.subscriptions[0]).toBe('schema=mbp-10|stype_in=raw_symbol|symbols=ES|is_last=1');
    expect(gw.subscriptions[1]).toMatch(/^schema=mbp-10\|stype_in=raw_symbol\|symbols=ES\|start=\d{19}\|is_last=1$/);
    expect(problems.some((p) => /disconnected; reconnecting in 50 ms and replaying from the last record received/.test(p))).toBe(true);
  });

  it('stops for good when the gateway refuses the key, and reconnects after a stream that is not DBN', async () => {
    gw = await startFakeGateway({ key: KEY, book, symbol: 'ES' });
    const fatal: string[] = [];
    const wrong = databentoLive({ host: '127.0.0.1', port: gw.port, key: 'db-WRONGKEY0123456789abcdefghij', dataset: 'GLBX.MDP3', symbols: ['ES'] });
    stop = () => wrong.close();
    wrong.start({ onMinute() {}, onProblem: (m, isFatal) => isFatal && fatal.push(m) });
    await until(async () => (fatal.length ? true : undefined), 'refusal');
    expect(fatal[0]).toMatch(/refused the API key \(Authentication failed\.\); check the Databento key/);
    expect(fatal[0]).not.toContain('WRONGKEY');
    wrong.close();
    await gw.close();

    gw = await startFakeGateway({ key: KEY, book, symbol: 'ES', garbageAfterStart: true });
    const problems: string[] = [];
    let records = 0;
    const client = databentoLive({ host: '127.0.0.1', port: gw.port, key: KEY, dataset: 'GLBX.MDP3', symbols: ['ES'], backoffMs: [20], onBook: (_b, n) => (records += n) });
    stop = () => client.close();
    client.start({ onMinute() {}, onProblem: (m) => problems.push(m) });
    await until(async () => (records === book.tsRecvNs.length ? true : undefined), 'the second connection’s records', 20_000);
    expect(problems[0]).toMatch(/the stream does not start with DBN metadata/);
    expect(gw.connections).toBe(2);
    client.close();
    await gw.close();

    // A peer whose first line never ends is dropped once the line passes 4,096 bytes, and the client reconnects.
    gw = await startFakeGateway({ key: KEY, book, symbol: 'ES', endlessLine: true });
    const endless: string[] = [];
    let got = 0;
    const again = databentoLive({ host: '127.0.0.1', port: gw.port, key: KEY, dataset: 'GLBX.MDP3', symbols: ['ES'], backoffMs: [20], onBook: (_b, n) => (got += n) });
    stop = () => again.close();
    again.start({ onMinute() {}, onProblem: (m) => endless.push(m) });
    await until(async () => (got === book.tsRecvNs.length ? true : undefined), 'the records after the reconnect', 20_000);
    expect(endless[0]).toMatch(/sent a control line longer than 4096 bytes/);
  });
});
