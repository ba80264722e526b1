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
