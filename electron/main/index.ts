import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, Menu, nativeImage, Notification, ipcMain, safeStorage, screen, session, shell, Tray, type MenuItemConstructorOptions } from 'electron';
import { buildMenu, type MenuModel } from '../../core/common/menu';
import { createServices, type Services } from '../../core/node/services';
import { dispatch } from '../../core/server/dispatcher';
import { contentSecurityPolicy } from '../../core/common/csp';
import type { JobInfo, JobProgress } from '../../core/common/jobs/types';
import type { CallOutcome } from '../../core/common/bridge';
import { initialWindowState, jobNotice, TaskbarProgress, trayMenu, type TrayAction } from './desktop';
import { TRAY_ICONS } from './tray-icons';
import { moveHome } from '../../core/node/home-move';
import { guardIpc, guardWebContents, secureWebPreferences } from './security';
import { chosenPaths, nativeDialog } from './file-dialog';

const here = path.dirname(fileURLToPath(import.meta.url));
const appRoot = app.getAppPath();
const rendererUrl = process.env.ELECTRON_RENDERER_URL;
const appOrigin = rendererUrl ? new URL(rendererUrl).origin : 'file://';

let services: Services | undefined;

/** better-sqlite3 is not N-API: Electron needs an addon built for its own ABI (see scripts/electron-native.mjs). */
function electronSqliteBinding(): string | undefined {
  const file = process.env.QUANTDESK_SQLITE_BINDING || path.join(appRoot, 'out', 'native', `electron-${process.versions.electron}`, 'better_sqlite3.node');
  return fs.existsSync(file) ? file : undefined;
}
let win: BrowserWindow | undefined;
/** The answer to an IPC call from anything but the app window's main frame. */
const REFUSED = { ok: false, error: { code: 'invalid_argument', message: 'calls are accepted only from the app window' } } satisfies CallOutcome;

function nativeMenu(model: MenuModel[]): Menu {
  const template: MenuItemConstructorOptions[] = model.map((m) => ({
    label: m.label,
    submenu: m.items.map((it): MenuItemConstructorOptions => {
      if (it.kind === 'separator') return { type: 'separator' };
      if (it.kind === 'role') return { label: it.label, role: it.role, accelerator: it.accelerator };
      return { id: it.command, label: it.label, accelerator: it.accelerator, click: () => win?.webContents.send('quantdesk:event', 'menu.command', { command: it.command }) };
    }),
  }));
  return Menu.buildFromTemplate(template);
}

const windowStateFile = (): string => path.join(app.getPath('userData'), 'window-state.json');
const homePointer = (): string => path.join(app.getPath('userData'), 'home-location.json');

/** Where Settings → Move home last put the home, if it did. */
function movedHome(): string | undefined {
  try {
    const home = (JSON.parse(fs.readFileSync(homePointer(), 'utf8')) as { home?: unknown }).home;
    return typeof home === 'string' ? home : undefined;
  } catch {
    return undefined;
  }
}

function readWindowState(): unknown {
  try {
    return JSON.parse(fs.readFileSync(windowStateFile(), 'utf8'));
  } catch {
    return null;
  }
}

function createWindow(): void {
  const placed = initialWindowState(readWindowState(), screen.getAllDisplays().map((d) => d.workArea));
  const w = new BrowserWindow({
    ...placed.bounds,
    title: 'Quantdesk',
    show: false,
    webPreferences: secureWebPreferences(path.join(here, '../preload/index.cjs')),
  });
  win = w;
  w.once('ready-to-show', () => {
    if (placed.maximized) w.maximize();
    w.show();
  });
  // Remember where the window was (its size before maximising) for the next start.
  w.on('close', () => {
    try {
      fs.writeFileSync(windowStateFile(), JSON.stringify({ bounds: w.getNormalBounds(), maximized: w.isMaximized() }));
    } catch (e) {
      console.error(`window state not saved: ${(e as Error).message}`);
    }
  });
  if (rendererUrl) void win.loadURL(rendererUrl);
  else void win.loadFile(path.join(here, '../renderer/index.html'));
}

async function start(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => {
    if (win?.isMinimized()) win.restore();
    win?.focus();
  });
  await app.whenReady();
  session.defaultSession.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [contentSecurityPolicy()] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
  // Tests and power users may point the app at another home; otherwise it lives in userData, or where it was moved.
  const homeDir = process.env.QUANTDESK_HOME || movedHome() || path.join(app.getPath('userData'), 'home');
  services = await createServices({
    home: homeDir,
    resources: path.join(appRoot, 'resources'),
    host: 'electron',
    workerFile: path.join(here, 'job-worker.js'),
    version: app.getVersion(),
    sqliteBinding: electronSqliteBinding(),
    // Vendor keys are stored encrypted with the OS keychain.
    secretCipher: { available: () => safeStorage.isEncryptionAvailable(), encrypt: (plain) => safeStorage.encryptString(plain), decrypt: (data) => safeStorage.decryptString(data) },
    // Settings → Move home: close everything, move, remember the new place, start again there.
    relocateHome: (to) => {
      void (async () => {
        await services?.close();
        services = undefined;
        try {
          moveHome(homeDir, to, { sqliteBinding: electronSqliteBinding() });
          fs.writeFileSync(homePointer(), JSON.stringify({ home: to }));
        } catch (e) {
          dialog.showErrorBox('The home was not moved', (e as Error).message);
        }
        app.relaunch();
        app.exit(0);
      })();
    },
  });
  const svc = services;
  const appContents = (): unknown => win?.webContents;
  const refuseDialog = (): never => {
    throw new Error(REFUSED.error.message);
  };
  ipcMain.handle('quantdesk:invoke', guardIpc(appContents, appOrigin, () => REFUSED, (method: unknown, arg: unknown) => dispatch(svc.handlers, String(method), arg)));
  ipcMain.handle(
    'quantdesk:file-dialog',
    guardIpc(appContents, appOrigin, refuseDialog, async (request: unknown) => {
      const options = nativeDialog(request);
      return win ? chosenPaths(await dialog.showOpenDialog(win, options)) : [];
    }),
  );
  svc.bus.onAny((name, payload) => win?.webContents.send('quantdesk:event', name, payload));
  // Jobs on the dock or taskbar while they run, and a desktop notification when one ends.
  const bar = new TaskbarProgress();
  svc.bus.onAny((name, payload) => {
    if (name === 'job.progress') win?.setProgressBar(bar.progress(payload as JobProgress));
    if (name === 'paper.alert' && Notification.isSupported()) {
      const { title, body } = payload as { title: string; body: string };
      new Notification({ title, body, urgency: 'critical' }).show();
    }
    if (name !== 'job.state') return;
    const job = payload as JobInfo;
    win?.setProgressBar(bar.state(job));
    const notice = jobNotice(job);
    if (notice && Notification.isSupported()) new Notification(notice).show();
  });
  Menu.setApplicationMenu(nativeMenu(buildMenu({ platform: process.platform, appName: app.name, devTools: !app.isPackaged })));
  createWindow();
  startTray(svc);
  svc.seedDemoIfNeeded();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
}

let tray: Tray | undefined;

/** The tray (menu bar) icon: its colour and menu follow the killswitch, whose actions it offers. */
function startTray(svc: Services): void {
  tray = new Tray(nativeImage.createFromDataURL(TRAY_ICONS.active));
  const show = (): void => {
    if (!win) createWindow();
    win?.show();
    win?.focus();
  };
  const act = async (action: TrayAction): Promise<void> => {
    if (action === 'show') return show();
    if (action === 'quit') return app.quit();
    if (action === 'rearm') {
      show();
      win?.webContents.send('quantdesk:event', 'menu.command', { command: 'view.paper' });
      return;
    }
    const flatten = action === 'halt-flatten';
    const out = await dispatch(svc.handlers, 'paper.killswitch.set', { state: action === 'reduce' ? 'reducing' : 'halted', source: 'menu', reason: `tray: ${flatten ? 'halt and flatten' : action}`, ...(flatten ? { flatten: true } : {}) });
    if (!out.ok) dialog.showErrorBox('The killswitch did not change', out.error.message);
  };
  const render = (state: 'active' | 'reducing' | 'halted'): void => {
    const m = trayMenu(state);
    tray?.setImage(nativeImage.createFromDataURL(TRAY_ICONS[state]));
    tray?.setToolTip(m.tooltip);
    tray?.setContextMenu(Menu.buildFromTemplate(m.items.map((x) => (x === 'separator' ? { type: 'separator' as const } : x.action === null ? { label: x.label, enabled: false } : { label: x.label, click: () => void act(x.action) }))));
  };
  void dispatch(svc.handlers, 'paper.killswitch.get', {}).then((out) => out.ok && render((out.value as { state: 'active' | 'reducing' | 'halted' }).state));
  svc.bus.onAny((name, payload) => {
    if (name === 'paper.state') render((payload as { state: 'active' | 'reducing' | 'halted' }).state);
  });
}

// Every web contents, not just the main window's: no webviews, no new windows (allowed https links go
// to the system browser), no navigation away from the app's own page.
app.on('web-contents-created', (_e, contents) => guardWebContents(contents, appOrigin, (url) => void shell.openExternal(url)));
app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
let quitting = false;
app.on('before-quit', (e) => {
  if (quitting || !services) return;
  e.preventDefault();
  quitting = true;
  void services.close().finally(() => app.quit());
});

void start().catch((e: unknown) => {
  console.error(e);
  app.exit(1);
});
