import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { externalUrlAllowed, guardIpc, guardWebContents, ipcAllowed, isAppUrl, secureWebPreferences, type GuardableContents } from './security';

/** A web contents as Electron drives it: events with a cancellable first argument, and a window-open handler. */
class FakeContents extends EventEmitter implements GuardableContents {
  openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
  setWindowOpenHandler(handler: (d: { url: string }) => { action: 'deny' }): void {
    this.openHandler = handler;
  }
  /** Emits a cancellable event the way Electron does; says whether a listener cancelled it. */
  attempt(event: string, url?: string): boolean {
    let cancelled = false;
    this.emit(event, { preventDefault: () => (cancelled = true) }, url);
    return cancelled;
  }
}

describe('window security', () => {
  it('isolates and sandboxes every window, with no Node in the page', () => {
    expect(secureWebPreferences('/app/preload.cjs')).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('accepts navigation and IPC only from the app itself', () => {
    expect(isAppUrl('file:///Applications/Quantdesk.app/out/renderer/index.html', 'file://')).toBe(true);
    expect(isAppUrl('https://evil.example/', 'file://')).toBe(false);
    expect(isAppUrl('http://localhost:5173/index.html', 'http://localhost:5173')).toBe(true);
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false);
    expect(isAppUrl('not a url', 'file://')).toBe(false);
  });

  it('takes IPC calls only from the app window’s main frame showing the app', () => {
    const ok = { fromAppWindow: true, mainFrame: true, frameUrl: 'file:///app/out/renderer/index.html' };
    expect(ipcAllowed(ok, 'file://')).toBe(true);
    expect(ipcAllowed({ ...ok, mainFrame: false }, 'file://')).toBe(false);
    expect(ipcAllowed({ ...ok, fromAppWindow: false }, 'file://')).toBe(false);
    expect(ipcAllowed({ ...ok, frameUrl: 'https://evil.example/' }, 'file://')).toBe(false);
  });

  it('opens only https links on the allowlist in the system browser', () => {
    expect(externalUrlAllowed('https://databento.com/docs')).toBe(true);
    expect(externalUrlAllowed('https://docs.polygon.io/rest')).toBe(true);
    expect(externalUrlAllowed('http://databento.com/')).toBe(false);
    expect(externalUrlAllowed('https://databento.com.evil.example/')).toBe(false);
    expect(externalUrlAllowed('https://evildatabento.com/')).toBe(false);
    expect(externalUrlAllowed('https://user:pw@github.com/')).toBe(false);
    expect(externalUrlAllowed('file:///etc/passwd')).toBe(false);
    expect(externalUrlAllowed('javascript:alert(1)')).toBe(false);
    expect(externalUrlAllowed('not a url')).toBe(false);
  });

  it('creates every window and web view with the secure preferences, and nothing anywhere weakens them', () => {
    const files = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : /\.tsx?$/.test(e.name) && !/\.test\.ts$|\.e2e\.ts$/.test(e.name) ? [path.join(dir, e.name)] : []));
    const root = path.resolve(__dirname, '../..');
    const sources = ['electron', 'core', 'renderer', 'workers'].flatMap((d) => files(path.join(root, d))).map((f) => ({ f, text: fs.readFileSync(f, 'utf8') }));
    const creations = sources.flatMap(({ f, text }) => [...text.matchAll(/new (BrowserWindow|BrowserView|WebContentsView)\(/g)].map((m) => ({ f, at: m.index!, text })));
    expect(creations.length).toBeGreaterThan(0);
    for (const c of creations) {
      // The options object of the call: up to the matching close of its first argument.
      const body = c.text.slice(c.at, c.text.indexOf('});', c.at));
      expect(body, `${path.relative(root, c.f)}: a window without secureWebPreferences`).toMatch(/webPreferences: secureWebPreferences\(/);
    }
    const weakening = /(contextIsolation|sandbox|webSecurity):\s*false|(nodeIntegration\w*|allowRunningInsecureContent|webviewTag|experimentalFeatures):\s*true|disableBlinkFeatures|enableBlinkFeatures/;
    for (const { f, text } of sources) expect(weakening.test(text), `${path.relative(root, f)} weakens a web preference`).toBe(false);
  });

  it('blocks webviews, new windows and navigation away from the app in every web contents; allowlisted links go to the system browser', () => {
    const contents = new FakeContents();
    const opened: string[] = [];
    guardWebContents(contents, 'file://', (url) => opened.push(url));
    expect(contents.attempt('will-attach-webview')).toBe(true);
    expect(contents.attempt('will-navigate', 'https://evil.example/')).toBe(true);
    expect(contents.attempt('will-redirect', 'http://127.0.0.1:9/phish')).toBe(true);
    expect(contents.attempt('will-navigate', 'file:///app/out/renderer/index.html')).toBe(false);
    expect(contents.openHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.openHandler!({ url: 'https://databento.com/docs' })).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://databento.com/docs']);
  });

  it('runs an IPC handler only for the app window’s main frame; any other sender gets the refusal and the handler never runs', async () => {
    const mainFrame = { url: 'file:///app/out/renderer/index.html' };
    const appWindow = { mainFrame };
    const calls: unknown[][] = [];
    const handler = guardIpc(() => appWindow, 'file://', () => 'refused', (method: string, arg: unknown) => (calls.push([method, arg]), 'handled'));
    expect(await handler({ sender: appWindow, senderFrame: mainFrame }, 'app.info', {})).toBe('handled');
    expect(await handler({ sender: appWindow, senderFrame: { url: 'file:///app/out/renderer/index.html' } }, 'app.info', {})).toBe('refused');
    expect(await handler({ sender: { mainFrame: { url: mainFrame.url } }, senderFrame: mainFrame }, 'app.info', {})).toBe('refused');
    expect(await handler({ sender: appWindow, senderFrame: null }, 'app.info', {})).toBe('refused');
    const navigatedAway = { mainFrame: { url: 'https://evil.example/' } };
    expect(await guardIpc(() => navigatedAway, 'file://', () => 'refused', () => 'handled')({ sender: navigatedAway, senderFrame: navigatedAway.mainFrame })).toBe('refused');
    expect(await guardIpc(() => undefined, 'file://', () => 'refused', () => 'handled')({ sender: appWindow, senderFrame: mainFrame })).toBe('refused');
    expect(calls).toEqual([['app.info', {}]]);
  });
});
