/** Commands the menu can send to the renderer. */
export const MENU_COMMANDS = ['file.import', 'data.backfill', 'data.refresh', 'view.chart', 'view.data', 'view.features', 'view.models', 'view.backtests', 'view.paper', 'view.jobs', 'features.build', 'models.train', 'backtest.run', 'paper.start', 'paper.stopAll', 'paper.halt', 'paper.haltFlatten', 'config.export', 'config.import', 'app.settings', 'help.shortcuts', 'help.guide', 'help.about'] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

/** Native behaviours a host implements itself (Electron roles). */
export type MenuRole = 'quit' | 'reload' | 'toggleDevTools' | 'togglefullscreen' | 'copy' | 'paste' | 'selectAll' | 'undo' | 'redo' | 'cut' | 'minimize' | 'close';

/** One menu entry: a command for the renderer, a native role, or a separator. */
export type MenuItemModel =
  | { kind: 'command'; label: string; command: MenuCommand; accelerator?: string }
  | { kind: 'role'; label: string; role: MenuRole; accelerator?: string }
  | { kind: 'separator' };

/** A top-level menu. */
export interface MenuModel {
  /** Title in the menu bar. */
  label: string;
  /** Entries, in order. */
  items: MenuItemModel[];
}

/** Options that change the menu by host. */
export interface MenuOptions {
  /** `process.platform` of the host, or `web` for a browser. */
  platform: string;
  /** App name, shown as the first menu on macOS. */
  appName: string;
  /** Whether developer tools are offered. */
  devTools: boolean;
}

const sep: MenuItemModel = { kind: 'separator' };

/**
 * The application menu as data: Electron turns it into a native menu, the browser host draws it in
 * the page, and both send the same commands.
 */
export function buildMenu(o: MenuOptions): MenuModel[] {
  const mac = o.platform === 'darwin';
  const native = o.platform !== 'web';
  const menus: MenuModel[] = [];
  if (mac) {
    menus.push({
      label: o.appName,
      items: [{ kind: 'command', label: `About ${o.appName}`, command: 'help.about' }, sep, { kind: 'command', label: 'Settings…', command: 'app.settings', accelerator: 'CmdOrCtrl+,' }, sep, { kind: 'role', label: `Quit ${o.appName}`, role: 'quit', accelerator: 'CmdOrCtrl+Q' }],
    });
  }
  const file: MenuItemModel[] = [
    { kind: 'command', label: 'Import…', command: 'file.import', accelerator: 'CmdOrCtrl+O' },
    sep,
    { kind: 'command', label: 'Export Config to Git…', command: 'config.export', accelerator: 'CmdOrCtrl+Shift+G' },
    { kind: 'command', label: 'Import Config from Git…', command: 'config.import' },
    sep,
  ];
  // macOS keeps Settings in the app menu; elsewhere it lives in File.
  if (!mac) file.push({ kind: 'command', label: 'Settings…', command: 'app.settings', accelerator: 'CmdOrCtrl+,' }, sep);
  if (native) {
    file.push({ kind: 'role', label: 'Close Window', role: 'close', accelerator: 'CmdOrCtrl+W' });
    if (!mac) file.push(sep, { kind: 'role', label: 'Quit', role: 'quit', accelerator: 'CmdOrCtrl+Q' });
  } else {
    file.push({ kind: 'command', label: 'Refresh Lake', command: 'data.refresh', accelerator: 'CmdOrCtrl+Shift+R' });
  }
  menus.push({ label: 'File', items: file });
  if (native) {
    menus.push({
      label: 'Edit',
      items: [
        { kind: 'role', label: 'Undo', role: 'undo', accelerator: 'CmdOrCtrl+Z' },
        { kind: 'role', label: 'Redo', role: 'redo', accelerator: 'Shift+CmdOrCtrl+Z' },
        sep,
        { kind: 'role', label: 'Cut', role: 'cut', accelerator: 'CmdOrCtrl+X' },
        { kind: 'role', label: 'Copy', role: 'copy', accelerator: 'CmdOrCtrl+C' },
        { kind: 'role', label: 'Paste', role: 'paste', accelerator: 'CmdOrCtrl+V' },
        { kind: 'role', label: 'Select All', role: 'selectAll', accelerator: 'CmdOrCtrl+A' },
      ],
    });
  }
  menus.push({
    label: 'Data',
    items: [
      { kind: 'command', label: 'Backfill…', command: 'data.backfill', accelerator: 'CmdOrCtrl+B' },
      ...(native ? [{ kind: 'command', label: 'Refresh Lake', command: 'data.refresh', accelerator: 'CmdOrCtrl+Shift+R' } as const] : []),
    ],
  });
  menus.push({
    label: 'Research',
    items: [
      { kind: 'command', label: 'Build Features', command: 'features.build', accelerator: 'CmdOrCtrl+Shift+F' },
      { kind: 'command', label: 'Train…', command: 'models.train', accelerator: 'CmdOrCtrl+Shift+L' },
      { kind: 'command', label: 'Backtest…', command: 'backtest.run', accelerator: 'CmdOrCtrl+Shift+E' },
    ],
  });
  menus.push({
    label: 'Trading',
    items: [
      { kind: 'command', label: 'Start Paper Session…', command: 'paper.start', accelerator: 'CmdOrCtrl+Shift+P' },
      { kind: 'command', label: 'Stop All Paper Sessions', command: 'paper.stopAll', accelerator: 'CmdOrCtrl+Shift+X' },
      sep,
      { kind: 'command', label: 'Halt All Trading', command: 'paper.halt', accelerator: 'CmdOrCtrl+Shift+K' },
      { kind: 'command', label: 'Halt and Flatten All Positions', command: 'paper.haltFlatten', accelerator: 'CmdOrCtrl+Alt+Shift+K' },
    ],
  });
  const view: MenuItemModel[] = [
    { kind: 'command', label: 'Chart', command: 'view.chart', accelerator: 'CmdOrCtrl+1' },
    { kind: 'command', label: 'Data', command: 'view.data', accelerator: 'CmdOrCtrl+2' },
    { kind: 'command', label: 'Features', command: 'view.features', accelerator: 'CmdOrCtrl+3' },
    { kind: 'command', label: 'Models', command: 'view.models', accelerator: 'CmdOrCtrl+4' },
    { kind: 'command', label: 'Backtests', command: 'view.backtests', accelerator: 'CmdOrCtrl+5' },
    { kind: 'command', label: 'Paper Trading', command: 'view.paper', accelerator: 'CmdOrCtrl+6' },
    { kind: 'command', label: 'Jobs', command: 'view.jobs', accelerator: 'CmdOrCtrl+7' },
  ];
  if (native) {
    view.push(sep, { kind: 'role', label: 'Reload', role: 'reload', accelerator: 'CmdOrCtrl+R' }, { kind: 'role', label: 'Toggle Full Screen', role: 'togglefullscreen', accelerator: mac ? 'Ctrl+Cmd+F' : 'F11' });
    if (o.devTools) view.push({ kind: 'role', label: 'Toggle Developer Tools', role: 'toggleDevTools', accelerator: mac ? 'Alt+Cmd+I' : 'Ctrl+Shift+I' });
  }
  menus.push({ label: 'View', items: view });
  menus.push({ label: 'Help', items: [{ kind: 'command', label: 'Guide to This View', command: 'help.guide', accelerator: 'F1' }, { kind: 'command', label: 'Keyboard Shortcuts', command: 'help.shortcuts', accelerator: 'CmdOrCtrl+/' }, ...(mac ? [] : [{ kind: 'command', label: 'About Quantdesk', command: 'help.about' } as const])] });
  if (mac) menus[menus.length - 1]!.items.push({ kind: 'role', label: 'Minimize', role: 'minimize', accelerator: 'CmdOrCtrl+M' });
  return menus;
}

/** Finds the command bound to a keyboard accelerator, for hosts that handle keys themselves. */
export function commandForKey(menus: MenuModel[], e: { key: string; ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }): MenuCommand | undefined {
  for (const m of menus) {
    for (const it of m.items) {
      if (it.kind !== 'command' || it.accelerator === undefined) continue;
      const parts = it.accelerator.split('+');
      const key = parts[parts.length - 1]!.toLowerCase();
      const wantShift = parts.includes('Shift');
      const wantAlt = parts.includes('Alt');
      const wantMod = parts.includes('CmdOrCtrl');
      if (e.key.toLowerCase() === key && e.shiftKey === wantShift && e.altKey === wantAlt && (e.ctrlKey || e.metaKey) === wantMod) return it.command;
    }
  }
  return undefined;
}
