import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServices, type Services } from '../core/node/services';
import { appPaths } from '../core/server/app-paths';
import type { ArgOf, Method, ResultOf } from '../core/common/api';
import { dispatch } from '../core/server/dispatcher';
import { ApiError } from '../core/common/errors';
import WebSocket from 'ws';
import { createClient, type QuantClient } from '../core/common/client';
import { wsTransport, type WebSocketLike } from '../core/common/ws-transport';

export const paths = appPaths();

/** A fresh, empty temporary folder; removed when the process exits. */
export function tempDir(prefix = 'qd-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Services on a home, as the headless host builds them. */
export function openServices(home: string, opts: { readonly?: boolean; threads?: number; paperWorkerFile?: string; retireGraceMs?: number } = {}): Promise<Services> {
  return createServices({ home, resources: paths.resources, host: 'headless', workerFile: paths.workerFile, version: paths.version, threads: opts.threads ?? 2, readonly: opts.readonly, ...(opts.paperWorkerFile ? { paperWorkerFile: opts.paperWorkerFile } : {}), ...(opts.retireGraceMs !== undefined ? { retireGraceMs: opts.retireGraceMs } : {}) });
}

/** `quantdesk serve` on a home, on a free port of 127.0.0.1; resolves with the child and its URL once it listens. */
export function serveHome(home: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(paths.root, 'bin', 'quantdesk.mjs'), '--home', home, 'serve', '--port', '0', '--no-seed'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

/** Calls a method of a served home over HTTP (plain JSON). */
export async function rpc<M extends Method>(url: string, method: M, arg: ArgOf<M>): Promise<ResultOf<M>> {
  const res = await fetch(`${url}/rpc/${method}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(arg) });
  const body = (await res.json()) as ResultOf<M> & { error?: { message: string }; message?: string };
  if (!res.ok) throw new Error(`${method}: ${body.error?.message ?? body.message ?? res.status}`);
  return body;
}

/** Polls `check` every `ms` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000, ms = 25): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, ms));
  }
}

/** A typed client over a WebSocket to a running host (its http:// URL), and how to close it. */
export function wsClient(url: string): { client: QuantClient; close: () => void } {
  const t = wsTransport(`${url.replace('http', 'ws')}/ws`, (u) => new WebSocket(u) as unknown as WebSocketLike);
  return { client: createClient(t), close: t.close };
}

/** Calls a method through the dispatcher, as a transport would; throws the ApiError on failure. */
export async function call<M extends Method>(s: Services, method: M, arg: ArgOf<M>): Promise<ResultOf<M>> {
  const out = await dispatch(s.handlers, method, arg);
  if (!out.ok) throw ApiError.fromData(out.error);
  return out.value as ResultOf<M>;
}

/** Runs a backfill to its end and returns the finished job. */
export async function backfill(s: Services, symbols: string[], from: string, to: string) {
  const { jobId } = await call(s, 'jobs.start', { kind: 'backfill', source: 'demo', symbols, timeframe: '1m', from, to });
  await s.idle();
  return call(s, 'jobs.get', { jobId });
}

/** The shared data folder that sits beside the checkout (`../shared/data`), or QUANTDESK_SHARED_DATA. */
export function sharedData(...parts: string[]): string {
  const dir = process.env.QUANTDESK_SHARED_DATA ?? path.resolve(paths.root, '..', 'shared', 'data');
  if (!fs.existsSync(dir)) throw new Error(`shared test data not found at ${dir}; check out ../shared beside the repo or set QUANTDESK_SHARED_DATA`);
  return path.join(dir, ...parts);
}

/** Starts a job, waits for the services to go idle, and returns its result; a job that did not succeed throws its error. */
export async function runJob<T>(s: Services, arg: ArgOf<'jobs.start'>): Promise<T> {
  const { jobId } = await call(s, 'jobs.start', arg);
  await s.idle();
  const j = await call(s, 'jobs.get', { jobId });
  if (j.status !== 'succeeded') throw new Error(j.error ?? j.status);
  return j.result as T;
}
