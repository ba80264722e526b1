import { encodeFrame, FrameReader } from './codec';
import { ApiError, isApiErrorData } from './errors';
import type { Transport, WsMessage } from './client';

/** The part of the WebSocket interface the transport uses (the browser's and the `ws` package's both fit). */
export interface WebSocketLike {
  binaryType: string;
  readyState: number;
  send(data: Uint8Array): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', listener: (ev: { data?: unknown }) => void): void;
}

/** A transport that sends calls and receives results and events as binary frames over one WebSocket. */
export function wsTransport(url: string, create: (url: string) => WebSocketLike): Transport & { close(): void; ready: Promise<void> } {
  const ws = create(url);
  ws.binaryType = 'arraybuffer';
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const listeners = new Set<(event: string, payload: unknown) => void>();
  const ready = new Promise<void>((resolve, reject) => {
    ws.addEventListener('open', () => resolve());
    ws.addEventListener('error', () => reject(new ApiError('internal', `cannot connect to ${url}`)));
  });
  ws.addEventListener('close', () => {
    for (const p of pending.values()) p.reject(new ApiError('internal', `connection to ${url} closed`));
    pending.clear();
  });
  // Replies come as split frames: a head, then each bulk array as a message of its own.
  const reader = new FrameReader();
  ws.addEventListener('message', (ev) => {
    const data = ev.data;
    const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
    if (bytes === undefined) return;
    const whole = reader.push(bytes);
    if (whole === undefined) return;
    const msg = whole.value as WsMessage;
    if (msg.t === 'event') {
      for (const l of listeners) l(msg.name, msg.payload);
    } else if (msg.t === 'result') {
      const p = pending.get(msg.id);
      if (p === undefined) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(isApiErrorData(msg.error) ? ApiError.fromData(msg.error as never) : new ApiError('internal', 'malformed error'));
    }
  });
  return {
    ready,
    async invoke(method, arg) {
      await ready;
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        ws.send(encodeFrame({ t: 'call', id, method, arg } satisfies WsMessage));
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      ws.close();
    },
  };
}
