import fs from 'node:fs';
import http from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { decodeFrame, encodeFrame, encodeSplitFrame } from '../common/codec';
import { writeJson } from './json-stream';
import type { WsMessage } from '../common/client';
import type { ApiErrorCode } from '../common/errors';
import type { Services } from '../node/services';
import { contentSecurityPolicy } from '../common/csp';
import { dispatch } from './dispatcher';

/** Content type of binary API frames (see core/common/codec.ts). */
export const FRAME_TYPE = 'application/x-quantdesk-frame';

const STATUS: Record<ApiErrorCode, number> = { invalid_argument: 400, not_found: 404, unknown_method: 404, conflict: 409, locked: 409, unavailable: 503, internal: 500 };
const MIME: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.woff2': 'font/woff2' };
const MAX_BODY = 1 << 20;

/** A running headless host. */
export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:4747 */
  url: string;
  /** Port actually bound. */
  port: number;
  /** The access token every request must carry; set only when bound to an address other than loopback. */
  token?: string;
  /** Stops accepting, closes sockets. */
  close(): Promise<void>;
}

/** A request body over MAX_BODY: answered 413. */
class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    // Past the limit the rest is read and dropped, so the client can finish sending and read the 413.
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        parts.length = 0;
        reject(new BodyTooLarge());
      } else parts.push(c);
    });
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY) reject(new BodyTooLarge());
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

/** A JSON error answer. */
function sendError(res: http.ServerResponse, status: number, message: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...extra }).end(JSON.stringify({ code: status === 413 || status === 400 || status === 405 ? 'invalid_argument' : status === 404 ? 'not_found' : 'internal', message }));
}

/** A URL path component decoded, or null when its percent-encoding is malformed. */
function decodePath(p: string): string | null {
  try {
    return decodeURIComponent(p);
  } catch {
    return null;
  }
}

/** What a WebSocket client may send: a call with a numeric id, a method name and its argument. */
const wsCall = z
  .object({ t: z.literal('call'), id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER), method: z.string().min(1).max(200), arg: z.unknown() })
  .strict();

/** Largest JSON header of a binary frame a client may send (typed arrays travel outside it). */
const MAX_FRAME_HEADER = 1 << 20;

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const TOKEN_COOKIE = 'qd_token';

/** Whether the request carries the token, as `Authorization: Bearer …` or the cookie the token URL sets. */
function carriesToken(req: http.IncomingMessage, token: string): boolean {
  const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
  const cookie = String(req.headers.cookie ?? '')
    .split(';')
    .map((c) => c.trim().split('='))
    .find(([k]) => k === TOKEN_COOKIE)?.[1];
  const want = Buffer.from(token);
  return [auth, cookie].some((given) => given !== undefined && Buffer.byteLength(given) === want.length && timingSafeEqual(Buffer.from(given), want));
}

/**
 * Serves the API (`POST /rpc/:method`, and calls plus events over the WebSocket at `/ws`) and the
 * built renderer. Requests from other origins are refused, so a web page cannot drive the app. Bound
 * to loopback (the default), only this machine can connect and the Host header must name loopback
 * (no DNS rebinding); bound anywhere else, every request must carry an access token (`token`, or a
 * random one), which `/?token=…` turns into a cookie for the browser.
 */
export async function startServer(o: { services: Services; port?: number; host?: string; staticDir?: string; token?: string }): Promise<RunningServer> {
  const host = o.host ?? '127.0.0.1';
  const { services } = o;
  const token = LOOPBACK.has(host) ? undefined : (o.token ?? randomBytes(24).toString('base64url'));
  let allowedHosts = new Set<string>();
  const sameOrigin = (req: http.IncomingMessage): boolean => {
    const origin = req.headers.origin;
    if (token === undefined && !allowedHosts.has(String(req.headers.host))) return false;
    return origin === undefined || origin.replace(/^https?:\/\//, '') === String(req.headers.host);
  };
  const denied = (req: http.IncomingMessage): boolean => token !== undefined && !carriesToken(req, token);

  const server = http.createServer(async (req, res) => {
    // The caller left (closed the socket before the answer): whatever runs for it may stop.
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    try {
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://x');
      } catch {
        sendError(res, 400, 'the request line holds no valid path');
        return;
      }
      if (!sameOrigin(req)) {
        res.writeHead(403, { 'content-type': 'text/plain' }).end('cross-origin requests are refused');
        return;
      }
      if (token !== undefined && req.method === 'GET' && url.searchParams.get('token') === token) {
        url.searchParams.delete('token');
        res.writeHead(302, { location: `${url.pathname}${url.search}`, 'set-cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/` }).end();
        return;
      }
      if (denied(req)) {
        res.writeHead(401, { 'content-type': 'text/plain' }).end('this Quantdesk host needs its access token: open the URL it printed at start-up (…/?token=…) or send Authorization: Bearer <token>');
        return;
      }
      if (url.pathname.startsWith('/rpc/')) {
        if (req.method !== 'POST') {
          res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' }).end(JSON.stringify({ code: 'invalid_argument', message: 'use POST' }));
          return;
        }
        const method = decodePath(url.pathname.slice(5));
        if (method === null) {
          sendError(res, 400, `the method name in ${url.pathname.slice(0, 200)} has malformed percent-encoding`);
          return;
        }
        let raw: Buffer;
        try {
          raw = await readBody(req);
        } catch (e) {
          if (!(e instanceof BodyTooLarge)) throw e;
          sendError(res, 413, `the request body is over ${MAX_BODY >> 20} MiB; send large files with files.upload in chunks`, { connection: 'close' });
          return;
        }
        let arg: unknown = {};
        try {
          if (raw.length) arg = req.headers['content-type'] === FRAME_TYPE ? decodeFrame(new Uint8Array(raw), MAX_FRAME_HEADER) : JSON.parse(raw.toString('utf8'));
        } catch (e) {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 'invalid_argument', message: `request body is not valid JSON: ${(e as Error).message}` }));
          return;
        }
        const out = await dispatch(services.handlers, method, arg, console.error, { signal: gone.signal });
        if (gone.signal.aborted) return;
        const status = out.ok ? 200 : STATUS[out.error.code];
        const body = out.ok ? out.value : out.error;
        if (String(req.headers.accept).includes(FRAME_TYPE)) res.writeHead(status, { 'content-type': FRAME_TYPE }).end(encodeFrame(body));
        else {
          res.writeHead(status, { 'content-type': 'application/json' });
          await writeJson(res, body);
        }
        return;
      }
      const file = decodePath(url.pathname);
      if (file === null) {
        sendError(res, 400, 'the path has malformed percent-encoding');
        return;
      }
      serveStatic(o.staticDir, file, res);
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`internal error: ${(e as Error).message}`);
    }
  });

  // Upload chunks travel over the socket too, so frames may be larger than RPC bodies.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 << 20 });
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://x').pathname;
    } catch {
      pathname = '';
    }
    if (pathname !== '/ws' || !sameOrigin(req) || denied(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const unsubscribe = services.bus.onAny((name, payload) => {
    const frame = encodeFrame({ t: 'event', name, payload } satisfies WsMessage);
    for (const c of wss.clients) if (c.readyState === c.OPEN) c.send(frame);
  });
  wss.on('connection', (ws: WebSocket) => {
    // Calls still running when the socket closes are told their caller left.
    const gone = new AbortController();
    ws.on('close', () => gone.abort());
    // A protocol error (a bad frame, a payload over the limit) ends this connection, never the server.
    ws.on('error', () => ws.terminate());
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      let parsed: unknown;
      try {
        parsed = isBinary ? decodeFrame(new Uint8Array(data), MAX_FRAME_HEADER) : JSON.parse(data.toString('utf8'));
      } catch {
        ws.close(1003, 'malformed frame');
        return;
      }
      const call = wsCall.safeParse(parsed);
      if (!call.success) {
        ws.close(1003, 'expected a call: { t: "call", id, method, arg }');
        return;
      }
      const msg = call.data;
      void dispatch(services.handlers, msg.method, msg.arg, console.error, { signal: gone.signal }).then((out) => {
        const reply: WsMessage = out.ok ? { t: 'result', id: msg.id, ok: true, value: out.value } : { t: 'result', id: msg.id, ok: false, error: out.error };
        if (ws.readyState !== ws.OPEN) return;
        // A split frame: each bulk array goes out as it is, as a message of its own, so neither side
        // copies the reply into one buffer (reassembling fragments cost more than the lake read).
        for (const part of encodeSplitFrame(reply)) ws.send(part, { binary: true });
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  allowedHosts = new Set([`${shown}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`]);
  return {
    url: `http://${shown}:${port}`,
    port,
    ...(token === undefined ? {} : { token }),
    async close() {
      unsubscribe();
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function serveStatic(dir: string | undefined, decoded: string, res: http.ServerResponse): void {
  if (dir === undefined || !fs.existsSync(path.join(dir, 'index.html'))) {
    res.writeHead(503, { 'content-type': 'text/plain' }).end('the renderer is not built; run `npm run build`');
    return;
  }
  const rel = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '');
  const file = path.resolve(dir, rel);
  const inside = file.startsWith(path.resolve(dir) + path.sep);
  const target = inside && fs.existsSync(file) && fs.statSync(file).isFile() ? file : path.join(dir, 'index.html');
  res.writeHead(200, {
    'content-type': MIME[path.extname(target)] ?? 'application/octet-stream',
    'content-security-policy': contentSecurityPolicy(),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  });
  fs.createReadStream(target)
    .on('error', () => res.destroy())
    .pipe(res);
}
