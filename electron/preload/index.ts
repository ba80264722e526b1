import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { PreloadBridge } from '../../core/common/bridge';

const bridge = {
  invoke: (method: string, arg: unknown) => ipcRenderer.invoke('quantdesk:invoke', method, arg),
  subscribe: (listener: (event: string, payload: unknown) => void) => {
    const wrapped = (_e: IpcRendererEvent, event: string, payload: unknown): void => listener(event, payload);
    ipcRenderer.on('quantdesk:event', wrapped);
    return () => {
      ipcRenderer.off('quantdesk:event', wrapped);
    };
  },
  fileDialog: (request) => ipcRenderer.invoke('quantdesk:file-dialog', request),
  platform: process.platform,
} satisfies PreloadBridge;

contextBridge.exposeInMainWorld('quantdesk', bridge);
