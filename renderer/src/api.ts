import { createClient, type QuantClient } from '../../core/common/client';
import type { PreloadBridge } from '../../core/common/bridge';
import { ipcTransport } from '../../core/common/ipc-transport';
import { wsTransport, type WebSocketLike } from '../../core/common/ws-transport';

declare global {
  interface Window {
    quantdesk?: PreloadBridge;
  }
}

/** Whether the page runs inside Electron (a native menu exists) or in a browser. */
export const inElectron = window.quantdesk !== undefined;

function connect(): QuantClient {
  if (window.quantdesk) return createClient(ipcTransport(window.quantdesk));
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  return createClient(wsTransport(url, (u) => new WebSocket(u) as unknown as WebSocketLike));
}

/** The one typed client of the page. */
export const client: QuantClient = connect();
