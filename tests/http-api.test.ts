import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { QuantClient } from '../core/common/client';
import { decodeFrame } from '../core/common/codec';
import { ApiError } from '../core/common/errors';
import type { JobProgress } from '../core/common/jobs/types';
import type { Services } from '../core/node/services';
import { FRAME_TYPE, startServer, type RunningServer } from '../core/server/http-server';
import { call, openServices, paths, tempDir, wsClient } from './helpers';

describe('headless host: HTTP + WebSocket transport with the typed client', () => {
  let s: Services;
  let server: RunningServer;
  let client: QuantClient;
  let close: () => void;

  beforeAll(async () => {
    s = await openServices(tempDir());
    server = await startServer({ services: s, port: 0 });
    ({ client, close } = wsClient(server.url));
  });
  afterAll(async () => {
    close?.();
    await server?.close();
    await s?.close();
  });

  it('binds to 127.0.0.1 on the port asked for (0: any free one)', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it('runs a backfill over the client, with progress events, and returns bars as typed arrays', async () => {
    const progress: JobProgress[] = [];
    const off = client.on('job.progress', (p) => progress.push(p));
    const states: string[] = [];
    const offState = client.on('job.state', (j) => states.push(j.status));
    const lakeChanged = new Promise((r) => client.on('lake.changed', r));
    const { jobId } = await client.call('jobs.start', { kind: 'backfill', source: 'demo', symbols: ['ES', 'NQ'], timeframe: '1m', from: '2024-01-01', to: '2024-04-30' });
    await lakeChanged;
    await s.idle();
    off();
    offState();
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.jobId === jobId && p.fraction >= 0 && p.fraction <= 1 && p.rate >= 0)).toBe(true);
    expect(states).toContain('running');
    expect(states[states.length - 1]).toBe('succeeded');
    const bars = await client.call('bars.get', { symbol: 'NQ', timeframe: '15m', from: '2024-02-01', to: '2024-02-29' });
    expect(bars.c).toBeInstanceOf(Float64Array);
    expect(bars.t.length).toBeGreaterThan(1500);
    const info = await client.call('app.info', {});
    expect(info.host).toBe('headless');
    expect(Object.keys(info.versions)).toEqual(expect.arrayContaining(['node', 'duckdb', 'onnxruntime']));
    // The binding and the SQLite library it embeds are named apart: better-sqlite3 11.x embeds SQLite 3.4x.
    expect(info.versions['better-sqlite3']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(info.versions.sqlite).toMatch(/^3\.\d+\.\d+$/);
    expect(info.versions.sqlite).not.toBe(info.versions['better-sqlite3']);
  });

  it('sends bulk columns as messages of their own and reassembles concurrent replies intact', async () => {
    const [es, nq, info] = await Promise.all([client.call('bars.get', { symbol: 'ES', timeframe: '1m' }), client.call('bars.get', { symbol: 'NQ', timeframe: '1m' }), client.call('app.info', {})]);
    // Over 64 KiB a column: each travels detached from the reply's head.
    expect(es.t.length).toBeGreaterThan(8192);
    for (const [got, symbol] of [[es, 'ES'], [nq, 'NQ']] as const) {
      const direct = await call(s, 'bars.get', { symbol, timeframe: '1m' });
      expect(got.symbol).toBe(symbol);
      for (const k of ['t', 'o', 'h', 'l', 'c', 'v'] as const) {
        expect(got[k]).toBeInstanceOf(Float64Array);
        expect(Buffer.from(got[k].buffer, got[k].byteOffset, got[k].byteLength).equals(Buffer.from(direct[k].buffer, direct[k].byteOffset, direct[k].byteLength))).toBe(true);
      }
    }
    expect(info.host).toBe('headless');
  });

  it('returns typed errors that name the argument', async () => {
    const err = await client.call('bars.get', { symbol: 'es', timeframe: '1d' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'invalid_argument', path: 'symbol' });
    await expect(client.call('jobs.cancel', { jobId: 'x' })).rejects.toMatchObject({ code: 'not_found', path: 'jobId' });
  });

  it('serves POST /rpc/:method as JSON and as binary frames', async () => {
    const res = await fetch(`${server.url}/rpc/bars.get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ symbol: 'ES', timeframe: '1d', limit: 5 }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { t: number[] };
    expect(body.t).toHaveLength(5);
    const framed = await fetch(`${server.url}/rpc/bars.get`, { method: 'POST', headers: { accept: FRAME_TYPE }, body: JSON.stringify({ symbol: 'ES', timeframe: '1d', limit: 5 }) });
    const decoded = decodeFrame(new Uint8Array(await framed.arrayBuffer())) as { t: Float64Array };
    expect(Array.from(decoded.t)).toEqual(body.t);
    const bad = await fetch(`${server.url}/rpc/bars.get`, { method: 'POST', body: '{"symbol":' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/not valid JSON/);
    const unknown = await fetch(`${server.url}/rpc/nope.never`, { method: 'POST', body: '{}' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ code: 'unknown_method' });
  });

  it('refuses requests from other origins', async () => {
    const res = await fetch(`${server.url}/rpc/app.info`, { method: 'POST', headers: { origin: 'http://evil.example' }, body: '{}' });
    expect(res.status).toBe(403);
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/ws`, { headers: { origin: 'http://evil.example' } });
    const outcome = await new Promise((r) => {
      ws.once('open', () => r('open'));
      ws.once('error', () => r('refused'));
    });
    expect(outcome).toBe('refused');
  });

  it('serves the renderer with a strict CSP', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(503);
    const withUi = await startServer({ services: s, port: 0, staticDir: paths.renderer });
    try {
      const page = await fetch(`${withUi.url}/`);
      expect(page.status).toBe(200);
      const csp = page.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("object-src 'none'");
      expect(await page.text()).toContain('<div id="root">');
      const traversal = await fetch(`${withUi.url}/..%2f..%2fpackage.json`);
      expect(await traversal.text()).toContain('<div id="root">');
    } finally {
      await withUi.close();
    }
  });

  it('needs an access token on every request when bound beyond loopback, and none on loopback', async () => {
    expect(server.token).toBeUndefined();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    const open = await startServer({ services: s, port: 0, host: '0.0.0.0', staticDir: paths.renderer });
    try {
      expect(open.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
      const base = `http://127.0.0.1:${open.port}`;
      const rpc = (headers: Record<string, string> = {}) => fetch(`${base}/rpc/app.info`, { method: 'POST', headers, body: '{}' });
      const refused = await rpc();
      expect(refused.status).toBe(401);
      expect(await refused.text()).toMatch(/needs its access token/);
      expect((await rpc({ authorization: 'Bearer wrong-token-of-some-length' })).status).toBe(401);
      expect((await fetch(`${base}/`)).status).toBe(401);
      expect((await rpc({ authorization: `Bearer ${open.token}` })).status).toBe(200);
      // The printed URL turns the token into a cookie for the browser, then drops it from the address.
      const login = await fetch(`${base}/?token=${open.token}`, { redirect: 'manual' });
      expect(login.status).toBe(302);
      expect(login.headers.get('location')).toBe('/');
      const cookie = login.headers.get('set-cookie') ?? '';
      expect(cookie).toMatch(/HttpOnly; SameSite=Strict/);
      expect((await fetch(`${base}/`, { headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200);
      const socket = async (headers: Record<string, string>) => {
        const ws = new WebSocket(`${base.replace('http', 'ws')}/ws`, { headers });
        const outcome = await new Promise((r) => {
          ws.once('open', () => r('open'));
          ws.once('error', () => r('refused'));
        });
        ws.close();
        return outcome;
      };
      expect(await socket({})).toBe('refused');
      expect(await socket({ authorization: `Bearer ${open.token}` })).toBe('open');
      // Still no cross-origin calls, token or not.
      expect((await rpc({ authorization: `Bearer ${open.token}`, origin: 'http://evil.example' })).status).toBe(403);
    } finally {
      await open.close();
    }
  });
});
