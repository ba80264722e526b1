import { ApiError } from './errors';
import type { ArgOf, EventName, Method, QuantEvents, ResultOf } from './api';

/** How a client reaches the services: IPC in Electron, WebSocket in a browser or script. */
export interface Transport {
  /** Calls a method; resolves with its value or rejects with an ApiError. */
  invoke(method: string, arg: unknown): Promise<unknown>;
  /** Receives every event; returns an unsubscribe function. */
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
}

/** The typed API client; it cannot tell which transport carries it. */
export interface QuantClient {
  /** Calls one API method. */
  call<M extends Method>(method: M, arg: ArgOf<M>): Promise<ResultOf<M>>;
  /** Listens to one event; returns an unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: QuantEvents[E]) => void): () => void;
}

/** Wraps a transport in the typed client. */
export function createClient(transport: Transport): QuantClient {
  return {
    async call(method, arg) {
      return (await transport.invoke(method, arg)) as never;
    },
    on(event, listener) {
      return transport.subscribe((name, payload) => {
        if (name === event) listener(payload as never);
      });
    },
  };
}

/** Messages of the WebSocket protocol. */
export type WsMessage =
  | { t: 'call'; id: number; method: string; arg: unknown }
  | { t: 'result'; id: number; ok: true; value: unknown }
  | { t: 'result'; id: number; ok: false; error: { code: string; message: string; path?: string } }
  | { t: 'event'; name: string; payload: unknown };

export { ApiError };
