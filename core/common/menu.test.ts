import { describe, expect, it } from 'vitest';
import { buildMenu, commandForKey, MENU_COMMANDS, type MenuModel } from './menu';

const labels = (m: MenuModel[]): string[] => m.map((x) => x.label);
const commands = (m: MenuModel[]): string[] => m.flatMap((x) => x.items.flatMap((i) => (i.kind === 'command' ? [i.command] : [])));

describe('application menu', () => {
  it('has File, Data, Research, View and Help on Windows and Linux, with the app menu first on macOS', () => {
    expect(labels(buildMenu({ platform: 'win32', appName: 'Quantdesk', devTools: false }))).toEqual(['File', 'Edit', 'Data', 'Research', 'Trading', 'View', 'Help']);
    expect(labels(buildMenu({ platform: 'darwin', appName: 'Quantdesk', devTools: false }))).toEqual(['Quantdesk', 'File', 'Edit', 'Data', 'Research', 'Trading', 'View', 'Help']);
  });

  it('offers Data → Backfill… with an accelerator on every host', () => {
    for (const platform of ['darwin', 'linux', 'win32', 'web']) {
      const data = buildMenu({ platform, appName: 'Quantdesk', devTools: false }).find((m) => m.label === 'Data')!;
      expect(data.items[0]).toEqual({ kind: 'command', label: 'Backfill…', command: 'data.backfill', accelerator: 'CmdOrCtrl+B' });
    }
  });

  it('reaches every command somewhere, and leaves native roles out of the browser menu', () => {
    for (const platform of ['darwin', 'linux', 'web']) expect(new Set(commands(buildMenu({ platform, appName: 'Q', devTools: true })))).toEqual(new Set(MENU_COMMANDS));
    const web = buildMenu({ platform: 'web', appName: 'Q', devTools: true });
    expect(web.flatMap((m) => m.items).some((i) => i.kind === 'role')).toBe(false);
    const withTools = buildMenu({ platform: 'linux', appName: 'Q', devTools: true }).flatMap((m) => m.items);
    expect(withTools.some((i) => i.kind === 'role' && i.role === 'toggleDevTools')).toBe(true);
    const without = buildMenu({ platform: 'linux', appName: 'Q', devTools: false }).flatMap((m) => m.items);
    expect(without.some((i) => i.kind === 'role' && i.role === 'toggleDevTools')).toBe(false);
  });

  it('gives every main action an accelerator on every host', () => {
    const main = ['file.import', 'data.backfill', 'features.build', 'models.train', 'backtest.run', 'paper.start', 'paper.stopAll', 'paper.halt', 'config.export', 'app.settings'];
    for (const platform of ['darwin', 'linux', 'win32', 'web']) {
      const items = buildMenu({ platform, appName: 'Q', devTools: false }).flatMap((m) => m.items);
      for (const command of main) expect(items.find((i) => i.kind === 'command' && i.command === command && i.accelerator), `${platform}: ${command}`).toBeDefined();
    }
  });

  it('has no accelerator bound twice', () => {
    for (const platform of ['darwin', 'linux', 'web']) {
      const accs = buildMenu({ platform, appName: 'Q', devTools: true }).flatMap((m) => m.items.flatMap((i) => (i.kind !== 'separator' && i.accelerator ? [i.accelerator] : [])));
      expect(new Set(accs).size).toBe(accs.length);
    }
  });

  it('maps key presses to commands for hosts without a native menu', () => {
    const web = buildMenu({ platform: 'web', appName: 'Q', devTools: false });
    const key = (k: string, mods: Partial<{ ctrlKey: boolean; metaKey: boolean; shiftKey: boolean; altKey: boolean }> = {}) =>
      commandForKey(web, { key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });
    expect(key('b', { ctrlKey: true })).toBe('data.backfill');
    expect(key('B', { metaKey: true })).toBe('data.backfill');
    expect(key('b')).toBeUndefined();
    expect(key('2', { ctrlKey: true })).toBe('view.data');
    expect(key('r', { ctrlKey: true, shiftKey: true })).toBe('data.refresh');
    expect(key(',', { ctrlKey: true })).toBe('app.settings');
    expect(key('L', { ctrlKey: true, shiftKey: true })).toBe('models.train');
    expect(key('F', { metaKey: true, shiftKey: true })).toBe('features.build');
  });
});
