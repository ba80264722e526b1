import type { PreloadBridge } from './bridge';
import type { Transport } from './client';
import { ApiError } from './errors';

/** The transport over Electron IPC, through the preload's bridge. */
export function ipcTransport(bridge: PreloadBridge): Transport {
  return {
    async invoke(method, arg) {
      const out = await bridge.invoke(method, arg);
      if (out.ok) return out.value;
      throw ApiError.fromData(out.error);
    },
    subscribe: (listener) => bridge.subscribe(listener),
  };
}
