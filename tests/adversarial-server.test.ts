import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { QuantClient } from '../core/common/client';
import { encodeFrame } from '../core/common/codec';
import type { Services } from '../core/node/services';
import { startServer, type RunningServer } from '../core/server/http-server';
import { backfill, call, openServices, paths, tempDir, wsClient } from './helpers';

/**
 * An attacker's and a careless user's tries at the SQL console and the headless host: each must be
 * refused with a clear error while the server keeps serving and the home stays as it was.
 */
describe('adversarial: the SQL console and the server', () => {
  let s: Services;
  let server: RunningServer;
  let client: QuantClient;
  let closeClient: () => void;
  let home: string;
  const hash = (f: string): string => createHash('sha256').update(fs.readFileSync(f)).digest('hex');
  const sql = (query: string, extra: { limit?: number; timeoutSeconds?: number; queryId?: string } = {}) => call(s, 'lake.sql', { query, ...extra });

  beforeAll(async () => {
    home = tempDir('qd-adv-server-');
    s = await openServices(home, { threads: 1 });
    expect((await backfill(s, ['ES'], '2024-03-04', '2024-03-05')).status).toBe('succeeded');
    server = await startServer({ services: s, port: 0 });
    ({ client, close: closeClient } = wsClient(server.url));
  });
  afterAll(async () => {
    closeClient?.();
    await server?.close();
    await s?.close();
  });

  it('reads no file outside the lake: /etc/passwd, the catalog with its keys, globs of other folders', async () => {
    const catalog = path.join(home, 'catalog.sqlite');
    const refusals: [string, RegExp][] = [
      ["SELECT * FROM read_text('/etc/passwd')", /reads only the lake/],
      [`SELECT * FROM read_blob('${catalog}')`, /reads only the lake/],
      ["SELECT * FROM glob('/etc/*')", /reads only the lake/],
      [`SELECT * FROM read_csv('${path.join(home, 'lake', '..', 'catalog.sqlite')}')`, /reads only the lake/],
      ["SELECT * FROM read_parquet('/tmp/*.parquet')", /reads only the lake/],
      ['SELECT * FROM duckdb_secrets()', /reads only the lake/],
    ];
    for (const [q, re] of refusals) await expect(sql(q), q).rejects.toMatchObject({ code: 'invalid_argument', path: 'query', message: expect.stringMatching(re) });
    // The command line says the same, as a usage error.
    const cli = spawnSync(process.execPath, [path.join(paths.root, 'bin', 'quantdesk.mjs'), '--home', home, 'sql', "SELECT * FROM read_text('/etc/passwd')", '--json'], { encoding: 'utf8', timeout: 60_000 });
    expect(cli.status).toBe(2);
    expect(JSON.parse(cli.stdout).error.message).toMatch(/reads only the lake .*\/etc\/passwd/);
    expect(cli.stdout).not.toContain('root:');
    // The lake itself stays readable, by view and by path.
    expect((await sql('SELECT count(*) FROM bars')).rows[0]![0]).toBeGreaterThan(0);
    expect((await sql(`SELECT count(*) FROM glob('${path.join(home, 'lake', 'bronze', '**', '*.parquet')}')`)).rows[0]![0]).toBeGreaterThan(0);
  });

  it('writes nothing anywhere, not through EXPLAIN ANALYZE either: a halted killswitch stays halted with its audit', async () => {
    await call(s, 'paper.killswitch.set', { state: 'halted', reason: 'adversarial: halted before the attempts' });
    const journal = path.join(home, 'journal.sqlite');
    const catalog = path.join(home, 'catalog.sqlite');
    const before = { journal: hash(journal), catalog: hash(catalog) };
    const lakeFile = path.join(home, 'lake', 'bronze', 'evil.csv');
    const attempts = [
      `EXPLAIN ANALYZE COPY (SELECT 1) TO '${journal}'`,
      `EXPLAIN (ANALYZE) COPY (SELECT 1) TO '${catalog}'`,
      `COPY (SELECT 1) TO '${lakeFile}'`,
      `EXPLAIN ANALYZE COPY (SELECT 1) TO '${lakeFile}'`,
      'EXPLAIN ANALYZE SELECT 1',
      'CREATE TABLE t AS SELECT 1',
      'INSERT INTO bars VALUES (1)',
      `ATTACH '${catalog}' AS c`,
      'INSTALL httpfs',
      'EXPLAIN ANALYZE INSTALL httpfs',
      'LOAD httpfs',
      "SET memory_limit = '100GB'",
      'SET enable_external_access = true',
      "PRAGMA memory_limit = '100GB'",
      'CALL pragma_version()',
      "SELECT 1; COPY (SELECT 1) TO '/tmp/x.csv'",
      `/* hidden */ COPY (SELECT 1) TO '${lakeFile}'`,
      `WITH x AS (SELECT 1) SELECT * FROM x; COPY (SELECT 1) TO '${lakeFile}'`,
    ];
    for (const q of attempts) await expect(sql(q), q).rejects.toMatchObject({ code: 'invalid_argument', path: 'query' });
    expect(fs.existsSync(lakeFile)).toBe(false);
    expect({ journal: hash(journal), catalog: hash(catalog) }).toEqual(before);
    const ks = await call(s, 'paper.killswitch.get', {});
    expect(ks.state).toBe('halted');
    expect(ks.history[0]?.reason).toBe('adversarial: halted before the attempts');
    // Plain EXPLAIN and the other read-only forms still run.
    for (const q of ['EXPLAIN SELECT count(*) FROM bars', 'DESCRIBE bars', 'SUMMARIZE SELECT close FROM bars', 'VALUES (1), (2)', 'FROM bars LIMIT 1', "SELECT current_setting('enable_external_access')"]) {
      expect((await sql(q)).columns.length, q).toBeGreaterThan(0);
    }
    expect((await sql("SELECT current_setting('enable_external_access')")).rows).toEqual([[false]]);
    await call(s, 'paper.killswitch.set', { state: 'active', reason: 'adversarial: re-armed by a person' });
  });

  it('stops a query at its time limit, on Stop, and when its caller leaves; the console keeps answering', async () => {
    const endless = 'SELECT count(*) FROM range(1000000000000) t(x) WHERE x % 7 = 3';
    const t0 = performance.now();
    await expect(sql(endless, { timeoutSeconds: 1 })).rejects.toMatchObject({ code: 'invalid_argument', path: 'timeoutSeconds', message: expect.stringMatching(/ran past its time limit of 1 s/) });
    expect(performance.now() - t0).toBeLessThan(30_000);

    const running = sql(endless, { queryId: 'stop-me', timeoutSeconds: 600 });
    const settled = running.catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    expect(await call(s, 'lake.sqlCancel', { queryId: 'stop-me' })).toEqual({ cancelled: true });
    expect(await settled).toMatchObject({ code: 'conflict', message: expect.stringMatching(/stopped before it finished/) });
    expect(await call(s, 'lake.sqlCancel', { queryId: 'stop-me' })).toEqual({ cancelled: false });

    // A WebSocket client that goes away mid-query: its query is interrupted, not left running.
    const t = wsClient(server.url);
    const gone = t.client.call('lake.sql', { query: endless, queryId: 'left-behind', timeoutSeconds: 600 }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(await call(s, 'lake.sqlCancel', { queryId: 'nobody' })).toEqual({ cancelled: false });
    t.close();
    await gone;
    const deadline = Date.now() + 10_000;
    let still = true;
    while (still && Date.now() < deadline) {
      // A query still running would be cancellable; once interrupted its id is gone.
      still = (await call(s, 'lake.sqlCancel', { queryId: 'left-behind' })).cancelled;
      if (still) await new Promise((r) => setTimeout(r, 100));
    }
    expect(still).toBe(false);
    expect((await sql('SELECT 42')).rows).toEqual([[42]]);
  });

  it("bounds what a query materialises by the console's LIMIT, and its memory by the console's limit", async () => {
    // Sorting ten million 1 KB rows needs 10 GB; under the LIMIT only the top rows are kept.
    const r = await sql("SELECT x, repeat('x', 1000) AS pad FROM range(10000000) t(x) ORDER BY x DESC", { limit: 3 });
    expect(r.rows.map((row) => row[0])).toEqual([9999999, 9999998, 9999997]);
    expect(r.truncated).toBe(true);
    await expect(sql("SELECT string_agg(repeat('x', 1000), '') FROM range(3000000)")).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/more than the console's 1GB of memory/) });
    expect((await sql('SELECT 1 AS still_here')).rows).toEqual([[1]]);
  });

  it('survives malformed WebSocket frames: each closes only its own socket', async () => {
    const ws = `${server.url.replace('http', 'ws')}/ws`;
    const closeCode = (send: (w: WebSocket) => void): Promise<number> =>
      new Promise((resolve, reject) => {
        const w = new WebSocket(ws);
        w.on('open', () => send(w));
        w.on('close', (code) => resolve(code));
        w.on('error', reject);
      });
    const header = (json: string, tail = 0): Buffer => {
      const h = Buffer.from(json);
      const out = Buffer.alloc(((4 + h.length + 7) & ~7) + tail);
      out.writeUInt32LE(h.length, 0);
      h.copy(out, 4);
      return out;
    };
    const frames: [string, (w: WebSocket) => void][] = [
      ['text null', (w) => w.send('null')],
      ['text number', (w) => w.send('7')],
      ['text not JSON', (w) => w.send('{"t":')],
      ['text call without id', (w) => w.send(JSON.stringify({ t: 'call', method: 'app.info' }))],
      ['text call with a string id', (w) => w.send(JSON.stringify({ t: 'call', id: 'x', method: 'app.info', arg: {} }))],
      ['binary null header', (w) => w.send(header('null'))],
      ['binary header overrunning the frame', (w) => w.send(Buffer.from([255, 255, 255, 0, 1, 2]))],
      ['binary typed array at a negative offset', (w) => w.send(header(JSON.stringify({ t: 'call', id: 1, method: 'app.info', arg: { x: { $ta: 'Float64Array', off: -8, len: 1 } } }), 8))],
      ['binary typed array named __proto__', (w) => w.send(header(JSON.stringify({ t: 'call', id: 1, method: 'app.info', arg: { x: { $ta: '__proto__', off: 0, len: 1 } } }), 8))],
      ['binary header over 1 MiB', (w) => w.send(header(JSON.stringify({ t: 'call', id: 1, method: 'app.info', arg: { pad: 'x'.repeat(1.5 * 2 ** 20) } })))],
      ['a result instead of a call', (w) => w.send(encodeFrame({ t: 'result', id: 1, ok: true, value: 1 }))],
    ];
    for (const [what, send] of frames) expect(await closeCode(send), what).toBe(1003);
    // An unknown method is an answer, not a crash.
    const answer = await new Promise<unknown>((resolve) => {
      const w = new WebSocket(ws);
      w.on('open', () => w.send(JSON.stringify({ t: 'call', id: 9, method: '__proto__', arg: {} })));
      w.on('message', (d: Buffer) => {
        resolve(JSON.parse(d.subarray(4, 4 + d.readUInt32LE(0)).toString()));
        w.close();
      });
    });
    expect(answer).toMatchObject({ t: 'result', id: 9, ok: false, error: { code: 'unknown_method' } });
    expect((await client.call('app.info', {})).host).toBe('headless');
  });

  it('answers malformed HTTP with 400 and oversized bodies with 413, and keeps serving', async () => {
    const bad = await fetch(`${server.url}/rpc/app%E0%A4%A`, { method: 'POST', body: '{}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/malformed percent-encoding/);
    expect((await fetch(`${server.url}/assets/%E0%A4%A.js`)).status).toBe(400);
    const big = await fetch(`${server.url}/rpc/app.info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(2 * 2 ** 20) }) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { message: string }).message).toMatch(/over 1 MiB/);
    // An upload's name is a file name: not a folder, not . or ..
    for (const name of ['..', '.', '../x.csv', 'a/b.csv']) await expect(call(s, 'files.upload', { name, offset: 0, data: new Uint8Array(1), done: true }), name).rejects.toMatchObject({ code: 'invalid_argument', path: 'name' });
    const notJson = await fetch(`${server.url}/rpc/app.info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'null,' });
    expect(notJson.status).toBe(400);
    const ok = await fetch(`${server.url}/rpc/app.info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(ok.status).toBe(200);
  });
});
