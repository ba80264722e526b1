import type { WebPreferences } from 'electron';

/** The web preferences of every window: isolated, sandboxed, no Node in the page. */
export function secureWebPreferences(preload: string): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
  };
}

/** Whether a URL belongs to the app's own renderer (its file or dev-server origin). */
export function isAppUrl(url: string, appOrigin: string): boolean {
  try {
    const u = new URL(url);
    if (appOrigin === 'file://') return u.protocol === 'file:';
    return u.origin === appOrigin;
  } catch {
    return false;
  }
}

/** Sites links may open in the system browser: https only, these hosts and their subdomains. */
export const EXTERNAL_HOSTS = ['databento.com', 'polygon.io', 'github.com', 'onnxruntime.ai', 'duckdb.org', 'electronjs.org'];

/** Whether shell.openExternal may open a URL: https, on an allowed host, no credentials in it. */
export function externalUrlAllowed(url: string, hosts: readonly string[] = EXTERNAL_HOSTS): boolean {
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' || u.username || u.password) return false;
    return hosts.some((h) => u.hostname === h || u.hostname.endsWith(`.${h}`));
  } catch {
    return false;
  }
}

/** Where an IPC call came from. */
export interface IpcOrigin {
  /** The call came from the app window's web contents. */
  fromAppWindow: boolean;
  /** It came from that window's main frame, not an embedded one. */
  mainFrame: boolean;
  /** The URL of the calling frame. */
  frameUrl: string;
}

/** Whether an IPC call may reach the dispatcher: only the app window's main frame showing the app's own page. */
export function ipcAllowed(o: IpcOrigin, appOrigin: string): boolean {
  return o.fromAppWindow && o.mainFrame && isAppUrl(o.frameUrl, appOrigin);
}

/** The parts of an IPC event the guard reads (Electron's IpcMainInvokeEvent has them). */
export interface IpcEventLike {
  /** The web contents that sent the call. */
  sender: { mainFrame: unknown };
  /** The frame that sent it; null once that frame has gone. */
  senderFrame: { url: string } | null;
}

/**
 * Wraps an IPC handler so that only the app window's main frame, showing the app's own page, reaches
 * it; a call from anywhere else gets `refused()` and the handler never runs.
 */
export function guardIpc<A extends unknown[], R>(appContents: () => unknown, appOrigin: string, refused: () => NoInfer<R>, handler: (...args: A) => R | Promise<R>): (event: IpcEventLike, ...args: A) => Promise<R> {
  return async (event, ...args) => {
    const frame = event.senderFrame;
    const app = appContents();
    const origin = { fromAppWindow: app !== undefined && event.sender === app, mainFrame: frame !== null && frame === event.sender.mainFrame, frameUrl: frame?.url ?? '' };
    return ipcAllowed(origin, appOrigin) ? handler(...args) : refused();
  };
}

/** A navigation or attach event that can be cancelled. */
interface Cancellable {
  preventDefault(): void;
}

/** The parts of a WebContents the guard uses (Electron's WebContents has them). */
export interface GuardableContents {
  on(event: 'will-navigate' | 'will-redirect', listener: (e: Cancellable, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (e: Cancellable) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/**
 * Locks down a web contents: no webviews, no new windows (an allowlisted https link goes to the system
 * browser through `openExternal` instead), no navigation or redirect away from the app's own page.
 */
export function guardWebContents(contents: GuardableContents, appOrigin: string, openExternal: (url: string) => void): void {
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (externalUrlAllowed(url)) openExternal(url);
    return { action: 'deny' };
  });
  const stayHome = (e: Cancellable, url: string): void => {
    if (!isAppUrl(url, appOrigin)) e.preventDefault();
  };
  contents.on('will-navigate', stayHome);
  contents.on('will-redirect', stayHome);
}
