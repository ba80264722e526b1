import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { moveHome } from '../core/node/home-move';
import { createServices } from '../core/node/services';
import { backfill, call, openServices, paths, tempDir } from './helpers';

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

  it('moves a home with its lake and catalog, by rename or by a checked copy, and refuses unsafe moves', async () => {
    const base = tempDir('qd-move-');
    const home = path.join(base, 'a');
    let s = await openServices(home);
    expect((await backfill(s, ['ES'], '2024-03-04', '2024-03-08')).status).toBe('succeeded');
    const before = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m' });
    // While the app holds the home, it cannot move.
    await expect(async () => moveHome(home, path.join(base, 'b'))).rejects.toThrow(/home is in use by "quantdesk/);
    await s.close();
    expect(() => moveHome(home, path.join(home, 'inner'))).toThrow(/one folder contains the other/);
    fs.mkdirSync(path.join(base, 'full'));
    fs.writeFileSync(path.join(base, 'full', 'x'), '');
    expect(() => moveHome(home, path.join(base, 'full'))).toThrow(/already exists and is not an empty folder/);

    const renamed = moveHome(home, path.join(base, 'b'));
    expect(renamed).toMatchObject({ method: 'rename', to: path.join(base, 'b') });
    expect(renamed.lakeFiles).toBeGreaterThan(0);
    expect(fs.existsSync(home)).toBe(false);
    fs.mkdirSync(path.join(base, 'c'));
    const copied = moveHome(path.join(base, 'b'), path.join(base, 'c'), { copy: true });
    expect(copied).toMatchObject({ method: 'copy', files: renamed.files, bytes: renamed.bytes, lakeFiles: renamed.lakeFiles });
    expect(fs.existsSync(path.join(base, 'b'))).toBe(false);
    expect(fs.readdirSync(base).filter((f) => f.includes('.partial-'))).toEqual([]);
    s = await openServices(path.join(base, 'c'));
    try {
      const after = await call(s, 'bars.get', { symbol: 'ES', timeframe: '1m' });
      expect(after.t.length).toBe(before.t.length);
      expect(Array.from(after.c)).toEqual(Array.from(before.c));
    } finally {
      await s.close();
    }
    const cli = spawnSync(process.execPath, [path.join(paths.root, 'bin', 'quantdesk.mjs'), '--home', path.join(base, 'c'), 'home', 'move', path.join(base, 'd'), '--json'], { encoding: 'utf8' });
    expect(cli.status, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ method: 'rename', to: path.join(base, 'd'), lakeFiles: renamed.lakeFiles });
  });

  it('hands a checked destination to a host that can restart on it (the desktop app), after replying', async () => {
    const base = tempDir('qd-relocate-');
    const asked: string[] = [];
    const s = await createServices({ home: path.join(base, 'h'), resources: paths.resources, host: 'electron', workerFile: paths.workerFile, version: paths.version, threads: 1, relocateHome: (to) => asked.push(to) });
    try {
      await expect(call(s, 'home.move', { to: path.join(base, 'h', 'sub') })).rejects.toMatchObject({ code: 'invalid_argument', path: 'to', message: expect.stringMatching(/one folder contains the other/) });
      expect(await call(s, 'home.move', { to: path.join(base, 'new') })).toEqual({ to: path.join(base, 'new'), restarting: true });
      expect(asked).toEqual([]);
      await new Promise((r) => setImmediate(r));
      expect(asked).toEqual([path.join(base, 'new')]);
    } finally {
      await s.close();
    }
  });
});
