import type { ApiErrorData } from './errors';
import type { FileDialogRequest, FileDialogResult } from './file-dialog';

/** The outcome of one call, as every transport carries it. */
export type CallOutcome = { ok: true; value: unknown } | { ok: false; error: ApiErrorData };

/** What the Electron preload exposes as `window.quantdesk`: invoke, subscribe and the native file dialogs, nothing else. */
export interface PreloadBridge {
  /** Calls an API method through the one IPC channel. */
  invoke(method: string, arg: unknown): Promise<CallOutcome>;
  /** Receives every service event; returns an unsubscribe function. */
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
  /** Shows a native open dialog over the app window; resolves with the chosen paths (empty when cancelled). */
  fileDialog(request: FileDialogRequest): Promise<FileDialogResult>;
  /** The OS platform, so the renderer can leave the menu to the native one. */
  platform: string;
}
