import fs from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { _electron } from 'playwright-core';
import { paths, tempDir } from './helpers';

/** Path of the Electron binary, or the reason there is none. */
function electronBinary(): { path?: string; why?: string } {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown as string;
    return fs.existsSync(p) ? { path: p } : { why: `the electron package points at ${p}, which does not exist` };
  } catch (e) {
    return { why: (e as Error).message.split('\n')[0] };
  }
}

const electron = electronBinary();
if (!electron.path) {
  console.warn(`SKIPPED: Electron smoke test — no Electron binary on this machine (${electron.why}). It runs wherever \`npm install\` could download Electron.`);
}

describe.skipIf(!electron.path)('Electron smoke test', () => {
  it('opens a secure window on the demo lake and serves the API over IPC', async () => {
    const app = await _electron.launch({ executablePath: electron.path!, args: [paths.root], env: { ...process.env, QUANTDESK_HOME: tempDir() } });
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
