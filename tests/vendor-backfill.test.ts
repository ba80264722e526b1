import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices, type Services } from '../core/node/services';
import type { SecretCipher } from '../core/node/vendor-keys';
import { dbnOhlcv1m } from '../scripts/dbn-fixture';
import { call, openServices, paths, tempDir } from './helpers';

const DB_KEY = 'db-TESTKEY0123456789abcdefghijklm';
const PG_KEY = 'pg-secret-key-xyz';

/** A bar every 30 minutes of a UTC range, deterministic, at ES-like prices. */
function bars(fromMs: number, toMs: number, stepMs: number) {
  const out: { ms: number; o: number; h: number; l: number; c: number; v: number }[] = [];
  for (let t = Math.ceil(fromMs / stepMs) * stepMs; t < toMs; t += stepMs) {
    const p = 5000 + ((t / stepMs) % 40) * 0.25;
    out.push({ ms: t, o: p, h: p + 0.5, l: p - 0.25, c: p + 0.25, v: 100 + ((t / stepMs) % 7) });
  }
  return out;
}

describe('vendor backfills against local servers speaking Databento and Polygon', () => {
  let s: Services;
  let server: http.Server;
  const seen: string[] = [];
  let failNext429 = true;
  let refuseWith403 = false;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (url.pathname === '/v0/timeseries.get_range') {
          const auth = Buffer.from(String(req.headers.authorization).replace('Basic ', ''), 'base64').toString();
          if (auth !== `${DB_KEY}:`) return res.writeHead(401).end('{"detail":"Authentication failed."}');
          const p = new URLSearchParams(body);
          seen.push(`db ${p.get('symbols')} ${p.get('schema')} ${p.get('start')}`);
          if (failNext429) {
            failNext429 = false;
            return res.writeHead(429, { 'retry-after': '0' }).end('{"detail":"Too many requests"}');
          }
          expect([p.get('dataset'), p.get('encoding'), p.get('stype_in')]).toEqual(['GLBX.MDP3', 'dbn', 'raw_symbol']);
          const rows = bars(Date.parse(p.get('start')!), Date.parse(p.get('end')!), 1_800_000);
          return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(dbnOhlcv1m(rows));
        }
        const m = /^\/v2\/aggs\/ticker\/([^/]+)\/range\/1\/(minute|day)\/(\d{4}-\d{2}-\d{2})\/(\d{4}-\d{2}-\d{2})$/.exec(url.pathname);
        if (m) {
          if (refuseWith403) return res.writeHead(403, { 'content-type': 'application/json' }).end(`{"status":"ERROR","error":"Unknown API Key ${PG_KEY}"}`);
          if (req.headers.authorization !== `Bearer ${PG_KEY}`) return res.writeHead(401).end('{"status":"ERROR","error":"no key"}');
          seen.push(`pg ${m[1]} ${m[2]} ${m[3]} ${m[4]}${url.searchParams.get('cursor') ? ' page2' : ''}`);
          const from = Date.parse(m[3]!);
          const to = Date.parse(m[4]!) + 86_400_000;
          const step = m[2] === 'day' ? 86_400_000 : 60_000;
          // Day aggregates open at midnight New York time (05:00 UTC in winter); minutes from 14:00 UTC.
          const rows = m[2] === 'day' ? bars(from, to, step).map((b) => ({ ...b, ms: b.ms + 5 * 3_600_000 })) : bars(from + 14 * 3_600_000, from + 14 * 3_600_000 + 10 * 60_000, step);
          const all = rows.map((b) => ({ t: b.ms, o: b.o, h: b.h, l: b.l, c: b.c, v: b.v, vw: b.c, n: 3 }));
          const second = url.searchParams.get('cursor') === '2';
          const half = Math.ceil(all.length / 2);
          const next = second ? undefined : `http://${req.headers.host}${url.pathname}?cursor=2`;
          return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'OK', ticker: m[1], results: second ? all.slice(half) : all.slice(0, half), resultsCount: half, ...(next ? { next_url: next } : {}) }));
        }
        res.writeHead(404).end('not found');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    Object.assign(process.env, { QUANTDESK_DATABENTO_URL: base, QUANTDESK_POLYGON_URL: base, DATABENTO_API_KEY: DB_KEY, POLYGON_API_KEY: PG_KEY });
    s = await openServices(tempDir(), { threads: 1 });
  });
  afterAll(async () => {
    await s?.close();
    server?.close();
    for (const k of ['QUANTDESK_DATABENTO_URL', 'QUANTDESK_POLYGON_URL', 'DATABENTO_API_KEY', 'POLYGON_API_KEY']) delete process.env[k];
  });

  const run = async (arg: Record<string, unknown>) => {
    const { jobId } = await call(s, 'jobs.start', { kind: 'backfill', timeframe: '1m', ...arg } as never);
    await s.idle();
    return call(s, 'jobs.get', { jobId });
  };

  it('backfills from Databento month by month, retrying a 429, and asks only for what the lake lacks next time', async () => {
    const job = await run({ source: 'databento', symbols: ['ESM4'], from: '2024-05-01', to: '2024-06-30' });
    expect(job.status).toBe('succeeded');
    expect(seen.filter((x) => x.startsWith('db'))).toEqual(['db ESM4 ohlcv-1m 2024-05-01T00:00:00.000Z', 'db ESM4 ohlcv-1m 2024-05-01T00:00:00.000Z', 'db ESM4 ohlcv-1m 2024-06-01T00:00:00.000Z']);
    const r = job.result as { newBars: number; alreadyPresent: number };
    expect(r.newBars).toBe(61 * 48);
    const b = await call(s, 'bars.get', { symbol: 'ESM4', timeframe: '1h', from: '2024-05-02', to: '2024-05-02' });
    expect(b.t.length).toBe(24);
    seen.length = 0;
    const again = await run({ source: 'databento', symbols: ['ESM4'], from: '2024-05-01', to: '2024-07-10' });
    expect(again.summary).toBe(`${(10 * 48).toLocaleString('en-US')} new bars, ${(61 * 48).toLocaleString('en-US')} already present`);
    expect(seen).toEqual(['db ESM4 ohlcv-1m 2024-07-01T00:00:00.000Z']);
  });

  it('backfills Polygon aggregates, following next_url pages, for minutes and days', async () => {
    seen.length = 0;
    const minute = await run({ source: 'polygon', symbols: ['AAPL'], from: '2024-03-04', to: '2024-03-04' });
    expect(minute.status).toBe('succeeded');
    expect(seen).toEqual(['pg AAPL minute 2024-03-04 2024-03-04', 'pg AAPL minute 2024-03-04 2024-03-04 page2']);
    expect((await call(s, 'bars.get', { symbol: 'AAPL', timeframe: '1m' })).t.length).toBe(10);
    const daily = await run({ source: 'polygon', symbols: ['SPY'], timeframe: '1d', from: '2024-03-01', to: '2024-03-05' });
    expect(daily.status).toBe('succeeded');
    const d = await call(s, 'bars.get', { symbol: 'SPY', timeframe: '1d' });
    expect(Array.from(d.t, (t) => new Date(t).toISOString().slice(0, 10))).toEqual(['2024-03-01', '2024-03-02', '2024-03-03', '2024-03-04', '2024-03-05']);
  });

  it('never shows the API key, even when the vendor echoes it', async () => {
    refuseWith403 = true;
    const job = await run({ source: 'polygon', symbols: ['MSFT'], from: '2024-03-04', to: '2024-03-04' });
    refuseWith403 = false;
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/Polygon refused .*HTTP 403.*check the API key/);
    expect(job.error).not.toContain(PG_KEY);
    expect(JSON.stringify(await call(s, 'jobs.list', { all: true }))).not.toContain(PG_KEY);
  });

  it('says which variable to set when a key is missing', async () => {
    delete process.env.POLYGON_API_KEY;
    await expect(call(s, 'jobs.start', { kind: 'backfill', source: 'polygon', symbols: ['MSFT'], timeframe: '1d', from: '2024-01-01', to: '2024-01-31' })).rejects.toMatchObject({
      code: 'invalid_argument',
      path: 'source',
      message: expect.stringMatching(/POLYGON_API_KEY/),
    });
    process.env.POLYGON_API_KEY = PG_KEY;
  });

  it('stores a key entered in the app encrypted with the host cipher and backfills with it; a host without one refuses to store keys', async () => {
    // Stands in for Electron's safeStorage (the OS keychain), which needs the Electron runtime.
    const secret = crypto.randomBytes(32);
    const cipher: SecretCipher = {
      available: () => true,
      encrypt: (plain) => {
        const iv = crypto.randomBytes(12);
        const c = crypto.createCipheriv('aes-256-gcm', secret, iv);
        const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
        return Buffer.concat([iv, c.getAuthTag(), body]);
      },
      decrypt: (data) => {
        const d = crypto.createDecipheriv('aes-256-gcm', secret, data.subarray(0, 12));
        d.setAuthTag(data.subarray(12, 28));
        return Buffer.concat([d.update(data.subarray(28)), d.final()]).toString('utf8');
      },
    };
    const home = tempDir('qd-keys-');
    const desktop = await createServices({ home, resources: paths.resources, host: 'electron', workerFile: paths.workerFile, version: paths.version, threads: 1, secretCipher: cipher });
    delete process.env.POLYGON_API_KEY;
    try {
      expect((await call(desktop, 'settings.vendorKeys', {})).find((k) => k.vendor === 'polygon')).toMatchObject({ source: 'missing', canStore: true, env: 'POLYGON_API_KEY' });
      await expect(call(desktop, 'settings.setVendorKey', { vendor: 'polygon', key: 'short' })).rejects.toMatchObject({ code: 'invalid_argument', path: 'key' });
      const status = await call(desktop, 'settings.setVendorKey', { vendor: 'polygon', key: PG_KEY });
      expect(status.find((k) => k.vendor === 'polygon')).toMatchObject({ source: 'stored', encrypted: true });
      expect(JSON.stringify(status)).not.toContain(PG_KEY);
      const { jobId } = await call(desktop, 'jobs.start', { kind: 'backfill', source: 'polygon', symbols: ['IBM'], timeframe: '1m', from: '2024-03-04', to: '2024-03-04' });
      await desktop.idle();
      const job = await call(desktop, 'jobs.get', { jobId });
      expect(job.status, job.error ?? '').toBe('succeeded');
      expect(JSON.stringify(job)).not.toContain(PG_KEY);
      await desktop.close();
      // The catalog holds only ciphertext.
      expect(fs.readFileSync(path.join(home, 'catalog.sqlite')).includes(Buffer.from(PG_KEY))).toBe(false);
      const noCipher = await call(s, 'settings.vendorKeys', {});
      expect(noCipher.every((k) => !k.canStore)).toBe(true);
      await expect(call(s, 'settings.setVendorKey', { vendor: 'polygon', key: PG_KEY })).rejects.toMatchObject({ code: 'invalid_argument', path: 'key', message: expect.stringMatching(/cannot store keys encrypted \(no OS keychain\); set POLYGON_API_KEY in its environment, or confirm storing the key unencrypted/) });
      // Asked and agreed: the key is kept as it is, said so in the status, and used.
      const plain = await call(s, 'settings.setVendorKey', { vendor: 'polygon', key: PG_KEY, unencrypted: true });
      expect(plain.find((k) => k.vendor === 'polygon')).toMatchObject({ source: 'stored', encrypted: false });
      expect(JSON.stringify(plain)).not.toContain(PG_KEY);
      const run = await call(s, 'jobs.start', { kind: 'backfill', source: 'polygon', symbols: ['IBM'], timeframe: '1m', from: '2024-03-05', to: '2024-03-05' });
      await s.idle();
      const ran = await call(s, 'jobs.get', { jobId: run.jobId });
      expect(ran.status, ran.error ?? '').toBe('succeeded');
      await call(s, 'settings.setVendorKey', { vendor: 'polygon', key: null });
    } finally {
      process.env.POLYGON_API_KEY = PG_KEY;
      await desktop.close().catch(() => undefined);
    }
  });
});
