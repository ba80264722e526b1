import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openServices, paths, tempDir } from './helpers';

describe('home folder and single-writer lock', () => {
  it('refuses a foreign folder, naming it and saying what to do', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'thesis.docx'), 'not ours');
    await expect(openServices(dir)).rejects.toThrow(/is not a Quantdesk home .*choose an empty or new folder/);
  });

  it('refuses a file in place of the home and a corrupt marker', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'home');
    fs.writeFileSync(file, '');
    await expect(openServices(file)).rejects.toThrow(/is a file, not a folder/);
    const home = path.join(dir, 'h2');
    fs.mkdirSync(home);
    fs.writeFileSync(path.join(home, 'quantdesk.json'), '{oops');
    await expect(openServices(home)).rejects.toThrow(/quantdesk.json is unreadable/);
  });

  it('refuses a second writer and names the holder; takes over a lock whose process is gone', async () => {
    const home = tempDir();
    const server = spawn(process.execPath, [path.join(paths.root, 'bin', 'quantdesk.mjs'), '--home', home, 'serve', '--port', '0', '--no-seed'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve, reject) => {
        server.stdout.on('data', (d: Buffer) => d.toString().includes('listening on') && resolve());
        server.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
      });
      await expect(openServices(home)).rejects.toThrow(new RegExp(`in use by "quantdesk headless" \\(pid ${server.pid}`));
      const reader = await openServices(home, { readonly: true });
      await reader.close();
    } finally {
      server.kill('SIGKILL');
      await new Promise((r) => server.once('exit', r));
    }
    const s = await openServices(home);
    await s.close();
    expect(fs.existsSync(path.join(home, 'quantdesk.lock'))).toBe(false);
  });
});
