import { describe, expect, it } from 'vitest';
import { _electron } from 'playwright-core';
import { candlePixels } from './browser';
import { paths, tempDir } from './helpers';

import { electronBinary } from '../scripts/electron-binary.mjs';

const electron = electronBinary();
if (!electron) {
  console.warn('SKIPPED: Electron end-to-end test: no Electron binary on this machine (it could not be downloaded). It runs wherever `npm start` (or `node node_modules/electron/install.js`) could fetch Electron.');
}

describe.skipIf(!electron)('the desktop app in Electron', () => {
  it('opens a locked-down window on a temporary home, draws the demo lake, halts from the menu and re-arms, and fills a path from the native dialog', async () => {
    const app = await _electron.launch({ executablePath: electron!, args: [paths.root], env: { ...process.env, QUANTDESK_HOME: tempDir() } });
    try {
      const win = await app.firstWindow();
      await win.waitForLoadState('domcontentloaded');
      expect(await win.title()).toBe('Quantdesk');
      // The page sees the bridge and nothing of Node.
      const bridge = await win.evaluate(() => ({
        members: Object.keys(window.quantdesk ?? {}).sort(),
        node: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
      }));
      expect(bridge).toEqual({ members: ['fileDialog', 'invoke', 'platform', 'subscribe'], node: 'undefined', process: 'undefined' });
      expect(await win.evaluate(() => window.quantdesk!.invoke('app.info', {}))).toMatchObject({ ok: true, value: { host: 'electron' } });
      // The demo lake is seeded on the fresh home and drawn as candles.
      await win.getByTestId('symbol-picker').locator('option').first().waitFor({ state: 'attached', timeout: 120_000 });
      await expect.poll(async () => (await candlePixels(win)).up, { timeout: 30_000 }).toBeGreaterThan(100);
      // New windows and navigation away from the app are refused.
      expect(await win.evaluate(() => window.open('https://evil.example/') === null)).toBe(true);
      const before = win.url();
      await win.evaluate(() => {
        location.href = 'https://evil.example/';
      });
      await win.waitForTimeout(500);
      expect(win.url()).toBe(before);
      expect(app.windows()).toHaveLength(1);
      // Trading → Halt All Trading in the native menu; the status bar shows it; re-arming needs a reason.
      const badge = win.getByTestId('killswitch-badge');
      await expect.poll(() => badge.textContent()).toBe('Trading active');
      await app.evaluate(({ Menu }) => Menu.getApplicationMenu()!.getMenuItemById('paper.halt')!.click());
      await expect.poll(() => badge.textContent()).toBe('HALTED');
      await badge.click();
      await win.getByTestId('killswitch-reason').fill('electron e2e re-arm');
      await win.getByTestId('killswitch-toggle').click();
      await expect.poll(() => badge.textContent()).toBe('Trading active');
      // File → Export Config to Git…: Browse… fills the repository from the native folder dialog.
      await app.evaluate(({ dialog }) => {
        dialog.showOpenDialog = (async () => ({ canceled: false, filePaths: ['/tmp/chosen-config-repo'] })) as unknown as typeof dialog.showOpenDialog;
      });
      await app.evaluate(({ Menu }) => Menu.getApplicationMenu()!.getMenuItemById('config.export')!.click());
      await win.getByTestId('export-repo-browse').click();
      await expect.poll(() => win.getByTestId('export-repo').inputValue()).toBe('/tmp/chosen-config-repo');
      // A malformed dialog request from the page is refused with the field named.
      expect(await win.evaluate(() => window.quantdesk!.fileDialog({ mode: 'delete', title: 'x' } as never).then(() => 'shown', (e: Error) => e.message))).toMatch(/mode/);
    } finally {
      await app.close();
    }
  });
});
