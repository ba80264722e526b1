import { createClient, type QuantClient } from '../../core/common/client';
import type { PreloadBridge } from '../../core/common/bridge';
import type { FileDialogRequest, FileDialogResult } from '../../core/common/file-dialog';
import { ipcTransport } from '../../core/common/ipc-transport';
import { wsTransport, type WebSocketLike } from '../../core/common/ws-transport';

declare global {
  interface Window {
    quantdesk?: PreloadBridge;
  }
}

/** Whether the page runs inside Electron (a native menu exists) or in a browser. */
export const inElectron = window.quantdesk !== undefined;

/** The desktop host's native open dialog; null in a browser, where paths are typed or files uploaded. */
export const nativeFileDialog: ((request: FileDialogRequest) => Promise<FileDialogResult>) | null = window.quantdesk ? (request) => window.quantdesk!.fileDialog(request) : null;

function connect(): QuantClient {
  if (window.quantdesk) return createClient(ipcTransport(window.quantdesk));
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  return createClient(wsTransport(url, (u) => new WebSocket(u) as unknown as WebSocketLike));
}

/** The one typed client of the page. */
export const client: QuantClient = connect();
