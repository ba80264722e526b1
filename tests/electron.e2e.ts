import { describe, expect, it } from 'vitest';
import { _electron } from 'playwright-core';
import { paths, tempDir } from './helpers';

import { electronBinary } from '../scripts/electron-binary.mjs';

const electron = electronBinary();
if (!electron) {
  console.warn('SKIPPED: Electron smoke test: no Electron binary on this machine (it could not be downloaded). It runs wherever `npx install-electron` or `npm start` could fetch Electron.');
}

describe.skipIf(!electron)('Electron smoke test', () => {
  it('opens a secure window on the demo lake and serves the API over IPC', async () => {
    const app = await _electron.launch({ executablePath: electron!, args: [paths.root], env: { ...process.env, QUANTDESK_HOME: tempDir() } });
    try {
      const win = await app.firstWindow();
      await win.waitForLoadState('domcontentloaded');
      expect(await win.title()).toBe('Quantdesk');
      const bridge = await win.evaluate(() => ({
        invoke: typeof window.quantdesk?.invoke,
        node: typeof (globalThis as { require?: unknown }).require,
        process: typeof (globalThis as { process?: unknown }).process,
      }));
      expect(bridge).toEqual({ invoke: 'function', node: 'undefined', process: 'undefined' });
      const info = await win.evaluate(() => window.quantdesk!.invoke('app.info', {}));
      expect(info).toMatchObject({ ok: true, value: { host: 'electron' } });
      await win.getByTestId('symbol-picker').locator('option').first().waitFor({ state: 'attached', timeout: 120_000 });
    } finally {
      await app.close();
    }
  });
});
