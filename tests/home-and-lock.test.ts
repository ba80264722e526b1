import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { call, openServices, paths, tempDir } from './helpers';

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

describe('shutdown while a job runs', () => {
  it('records the job as interrupted, and the next start resumes an interrupted demo seed by itself', async () => {
    const home = tempDir();
    const s = await openServices(home, { threads: 1 });
    const seedJob = s.seedDemoIfNeeded({ days: 400 })!;
    // Close once the seed has published something, so the shutdown lands mid-job.
    for (let i = 0; i < 500 && (await call(s, 'lake.summary', {})).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await s.close();
    const again = await openServices(home, { threads: 1 });
    try {
      const first = await call(again, 'jobs.get', { jobId: seedJob });
      expect(first.status).toBe('interrupted');
      const resumed = again.seedDemoIfNeeded({ days: 400 });
      expect(resumed).toBeDefined();
      expect(resumed).not.toBe(seedJob);
      await again.idle();
      expect((await call(again, 'jobs.get', { jobId: resumed! })).status).toBe('succeeded');
      expect(again.seedDemoIfNeeded({ days: 400 })).toBeUndefined();
      expect((await call(again, 'app.info', {})).demoSeeded).toBe(true);
    } finally {
      await again.close();
    }
  });
});

describe('disk guard', () => {
  it('pauses a backfill with a clear message when free space is below the minimum, and the job resumes later', async () => {
    process.env.QUANTDESK_MIN_FREE_BYTES = String(2 ** 60);
    const home = tempDir();
    const s = await openServices(home, { threads: 1 });
    try {
      const { jobId } = await call(s, 'jobs.start', { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2024-01-02', to: '2024-01-05' });
      await s.idle();
      const paused = await call(s, 'jobs.get', { jobId });
      expect(paused.status).toBe('interrupted');
      expect(paused.error).toMatch(/^paused by the disk guard: [\d.]+ GiB free on the disk of .+, below the [\d.]+ GiB minimum; free some space, then resume the job$/);
      expect((await call(s, 'lake.summary', {})).length).toBe(0);
      delete process.env.QUANTDESK_MIN_FREE_BYTES;
      await s.close();
      const again = await openServices(home, { threads: 1 });
      const { jobId: resumed } = await call(again, 'jobs.resume', { jobId });
      await again.idle();
      expect((await call(again, 'jobs.get', { jobId: resumed })).status).toBe('succeeded');
      await again.close();
    } finally {
      delete process.env.QUANTDESK_MIN_FREE_BYTES;
    }
  });
});
