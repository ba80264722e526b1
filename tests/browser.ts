import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { paths } from './helpers';

/** Where Debian installs Chromium; `.ci/run` installs it with apt-get. */
export const CHROMIUM = process.env.QUANTDESK_CHROMIUM ?? '/usr/bin/chromium';

/** Headless Chromium with the flags this machine needs (no sandbox as root, no network chatter). */
export function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}; install it with \`apt-get install -y chromium\` or set QUANTDESK_CHROMIUM`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** Starts `quantdesk serve` as its own process and resolves with its URL once it listens. */
export async function startServe(home: string, extra: string[] = []): Promise<{ url: string; home: string; proc: ChildProcess; stop(): Promise<void> }> {
  // Vendor keys of the developer's shell stay out: the tests expect none to be set.
  const env = { ...process.env, POLYGON_API_KEY: '', DATABENTO_API_KEY: '' };
  const proc = spawn(process.execPath, [path.join(paths.root, 'bin', 'quantdesk.mjs'), '--home', home, 'serve', '--port', '0', ...extra], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      const m = /listening on (http:\/\/\S+)/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
    proc.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    home,
    proc,
    async stop() {
      if (proc.exitCode !== null) return;
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

/** Counts canvas pixels of the candle colours inside the chart: proof that candles were drawn. */
export function candlePixels(page: Page): Promise<{ up: number; down: number }> {
  return page.evaluate(() => {
    let up = 0;
    let down = 0;
    for (const c of document.querySelectorAll<HTMLCanvasElement>('[data-testid="chart"] canvas')) {
      const ctx = c.getContext('2d');
      if (!ctx || c.width === 0 || c.height === 0) continue;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] === 0x26 && d[i + 1] === 0xa6 && d[i + 2] === 0x9a) up++;
        else if (d[i] === 0xef && d[i + 1] === 0x53 && d[i + 2] === 0x50) down++;
      }
    }
    return { up, down };
  });
}
