import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../core/node/catalog';
import { listFiles } from '../core/node/lake/publish';
import { backfill, call, openServices, paths, tempDir } from './helpers';

const BIN = path.join(paths.root, 'bin', 'quantdesk.mjs');

/**
 * Runs the CLI and SIGKILLs it `ms` after start, or, with `afterNewFile`, `ms` after the lake gains
 * a part file (so the kill lands mid-run however slow the machine is). It may finish first.
 */
function runAndKill(args: string[], ms: number, afterNewFile?: string): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: 'ignore' });
  const count = (): number => (afterNewFile && fs.existsSync(afterNewFile) ? listFiles(afterNewFile, '.').length : 0);
  const before = count();
  let timer: NodeJS.Timeout | undefined;
  const poll = setInterval(() => {
    if (afterNewFile === undefined || count() > before) {
      clearInterval(poll);
      timer = setTimeout(() => child.kill('SIGKILL'), ms);
    }
  }, 10);
  return new Promise((resolve) =>
    child.once('exit', () => {
      clearInterval(poll);
      clearTimeout(timer);
      resolve();
    }),
  );
}

/** After a crash and a restart: the files on disk are exactly the cataloged ones and staging is empty. */
async function checkConsistent(home: string): Promise<number> {
  const s = await openServices(home, { threads: 1 });
  try {
    const cat = new Catalog(path.join(home, 'catalog.sqlite'), path.join(paths.resources, 'migrations'), { readonly: true });
    const cataloged = [...cat.allPaths()].sort();
    cat.close();
    expect(listFiles(path.join(home, 'lake'), 'bronze').sort()).toEqual(cataloged);
    expect(fs.readdirSync(path.join(home, 'lake', '_tmp'))).toEqual([]);
    return (await call(s, 'lake.summary', {})).reduce((a, r) => a + r.rows, 0);
  } finally {
    await s.close();
  }
}

describe('SIGKILL at random moments, again and again', () => {
  it('keeps the lake consistent after every kill of a backfill, and resuming yields the uninterrupted content', async () => {
    const home = tempDir();
    const args = ['--home', home, 'backfill', '--source', 'demo', '--symbols', 'ES,GC', '--from', '2023-01-01', '--to', '2023-12-31'];
    let seed = 7;
    const seen: number[] = [];
    for (let i = 0; i < 6; i++) {
      seed = (seed * 48271) % 2147483647;
      await runAndKill(args, seed % 150, path.join(home, 'lake', 'bronze'));
      seen.push(await checkConsistent(home));
    }
    await runAndKill(args, 120_000, path.join(home, 'never'));
    const final = await checkConsistent(home);
    // The kills did land mid-run: some restarts found a partly filled lake.
    expect(seen.some((n) => n > 0 && n < final)).toBe(true);
    const clean = tempDir();
    const s0 = await openServices(clean, { threads: 1 });
    await backfill(s0, ['ES', 'GC'], '2023-01-01', '2023-12-31');
    const s1 = await openServices(home, { threads: 1 });
    try {
      for (const symbol of ['ES', 'GC']) {
        const a = await call(s0, 'bars.get', { symbol, timeframe: '1m' });
        const b = await call(s1, 'bars.get', { symbol, timeframe: '1m' });
        expect(b.t.length).toBe(a.t.length);
        for (const k of ['t', 'o', 'h', 'l', 'c', 'v'] as const) expect(Buffer.from(b[k].buffer).equals(Buffer.from(a[k].buffer))).toBe(true);
      }
    } finally {
      await s0.close();
      await s1.close();
    }
  });

  it('keeps the lake consistent after every kill of an import, and a final import completes it exactly', async () => {
    const home = tempDir();
    const dir = tempDir();
    const files: string[] = [];
    for (const sym of ['KA', 'KB', 'KC']) {
      const lines = ['timestamp,open,high,low,close,volume'];
      const t0 = Date.UTC(2022, 0, 3);
      for (let i = 0; i < 150_000; i++) lines.push(`${new Date(t0 + i * 60_000).toISOString()},${100 + (i % 50) / 4},${101 + (i % 50) / 4},${99 + (i % 50) / 4},${100 + (i % 50) / 4},${i % 300}`);
      files.push(path.join(dir, `${sym}.csv`));
      fs.writeFileSync(files[files.length - 1]!, lines.join('\n'));
    }
    const args = ['--home', home, 'import', ...files];
    const seen: number[] = [];
    for (const ms of [0, 40, 80, 120, 160]) {
      await runAndKill(args, ms, path.join(home, 'lake', 'bronze'));
      seen.push(await checkConsistent(home));
    }
    await runAndKill(args, 120_000, path.join(home, 'never'));
    expect(await checkConsistent(home)).toBe(450_000);
    expect(seen.some((n) => n > 0 && n < 450_000)).toBe(true);
    const s = await openServices(home, { threads: 1 });
    try {
      for (const symbol of ['KA', 'KB', 'KC']) expect((await call(s, 'bars.get', { symbol, timeframe: '1m' })).t.length).toBe(150_000);
    } finally {
      await s.close();
    }
  });

  it('keeps the lake consistent when imports read by DuckDB are killed mid-run, and completes them exactly', async () => {
    const home = tempDir();
    const dir = tempDir();
    const files: string[] = [];
    for (const sym of ['DA', 'DB', 'DC']) {
      // `YYYY-MM-DD HH:MM:SS` in UTC, one symbol, clean: the shape DuckDB's reader takes.
      const lines = ['timestamp,open,high,low,close,volume'];
      const t0 = Date.UTC(2021, 0, 4);
      for (let i = 0; i < 200_000; i++) lines.push(`${new Date(t0 + i * 60_000).toISOString().slice(0, 19).replace('T', ' ')},${100 + (i % 50) / 4},${101 + (i % 50) / 4},${99 + (i % 50) / 4},${100 + (i % 50) / 4},${i % 300}`);
      files.push(path.join(dir, `${sym}.csv`));
      fs.writeFileSync(files[files.length - 1]!, lines.join('\n'));
    }
    const args = ['--home', home, 'import', ...files];
    const seen: number[] = [];
    for (const ms of [0, 15, 40, 80]) {
      await runAndKill(args, ms, path.join(home, 'lake', 'bronze'));
      seen.push(await checkConsistent(home));
    }
    await runAndKill(args, 120_000, path.join(home, 'never'));
    expect(await checkConsistent(home)).toBe(600_000);
    expect(seen.some((n) => n > 0 && n < 600_000)).toBe(true);
    const s = await openServices(home, { threads: 1 });
    try {
      for (const symbol of ['DA', 'DB', 'DC']) expect((await call(s, 'bars.get', { symbol, timeframe: '1m' })).t.length).toBe(200_000);
    } finally {
      await s.close();
    }
  });
});
