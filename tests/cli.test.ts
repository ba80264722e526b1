import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { paths, tempDir } from './helpers';

const BIN = path.join(paths.root, 'bin', 'quantdesk.mjs');

function qd(args: string[], env: Record<string, string> = {}): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, QUANTDESK_HOME: '', ...env }, timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('quantdesk CLI', () => {
  const home = tempDir();

  it('backfills, then lists the lake and returns consistent 1m and 1d bars as JSON', () => {
    const bf = qd(['--home', home, 'backfill', '--source', 'demo', '--symbols', 'ES', '--from', '2024-01-01', '--to', '2024-03-31', '--json']);
    expect(bf.code).toBe(0);
    const result = JSON.parse(bf.out) as { status: string; newBars: number };
    expect(result.status).toBe('succeeded');
    expect(result.newBars).toBeGreaterThan(80_000);

    const again = qd(['--home', home, 'backfill', '--source', 'demo', '--symbols', 'ES', '--from', '2024-01-01', '--to', '2024-03-31']);
    expect(again.code).toBe(0);
    expect(again.out.trim()).toBe(`0 new bars, ${result.newBars.toLocaleString('en-US')} already present`);

    const ls = JSON.parse(qd(['--home', home, 'lake', 'ls', '--json']).out) as { series: { symbol: string; rows: number; partitions: number }[] };
    expect(ls.series).toEqual([expect.objectContaining({ symbol: 'ES', timeframe: '1m', rows: result.newBars, partitions: 3 })]);

    const daily = qd(['--home', home, 'bars', '--symbol', 'ES', '--timeframe', '1d', '--json']);
    expect(daily.code).toBe(0);
    const d = JSON.parse(daily.out) as { bars: { time: string; open: number; high: number; low: number; close: number; volume: number }[] };
    const minutes = JSON.parse(qd(['--home', home, 'bars', '--symbol', 'ES', '--timeframe', '1m', '--json']).out) as { bars: { volume: number; high: number }[] };
    expect(d.bars.reduce((a, b) => a + b.volume, 0)).toBe(minutes.bars.reduce((a, b) => a + b.volume, 0));
    expect(Math.max(...d.bars.map((b) => b.high))).toBe(Math.max(...minutes.bars.map((b) => b.high)));
    expect(d.bars[0]!.time).toBe('2024-01-02');

    const csv = qd(['--home', home, 'bars', '--symbol', 'ES', '--timeframe', '1h', '--from', '2024-02-01', '--to', '2024-02-01']);
    expect(csv.out.split('\n')[0]).toBe('time,open,high,low,close,volume');
    expect(csv.out.trim().split('\n').length).toBe(1 + 24 - 1);

    const jobs = JSON.parse(qd(['--home', home, 'jobs', '--all', '--json']).out) as { jobs: { status: string }[] };
    expect(jobs.jobs.map((j) => j.status)).toEqual(['succeeded', 'succeeded']);
  });

  it('exits 2 on bad usage, naming the argument, with one JSON document under --json', () => {
    const cases: [string[], RegExp][] = [
      [['bars', '--symbol', 'ES', '--timeframe', '7m'], /--timeframe: expected one of 1m, 2m, 5m, 15m, 30m, 1h, 1d, 1w/],
      [['bars', '--timeframe', '1d'], /--symbol: required/],
      [['bars', '--symbol', 'ES', '--from', '2024-13-01'], /--from: /],
      [['backfill', '--source', 'yahoo'], /--source: unknown source; available: demo, databento, polygon/],
      [['backfill', '--source', 'demo', '--from', '2024-03-01', '--to', '2024-01-01'], /--from: `from` is after `to`/],
      [['backfill', '--source', 'demo', '--bogus'], /Unknown option '--bogus'/],
      [['serve', '--port', 'abc'], /--port: expected 0–65535/],
      [['serve', '--host', '0.0.0.0', '--token', 'short'], /--token: use at least 16 characters/],
      [['frobnicate'], /unknown command frobnicate/],
    ];
    for (const [args, re] of cases) {
      const r = qd(['--home', home, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(re);
      const j = qd(['--home', home, '--json', ...args]);
      expect(JSON.parse(j.out)).toMatchObject({ error: { code: 'usage' } });
    }
    expect(qd([]).code).toBe(2);
    expect(qd(['lake', 'ls', '--home']).err).toMatch(/--home: expected a folder path/);
    const help = qd(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toContain('quantdesk [--home DIR]');
  });

  it('exits 1 with a clear message on a foreign home, and takes QUANTDESK_HOME', () => {
    const foreign = tempDir();
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'x');
    const r = qd(['--home', foreign, 'lake', 'ls']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is not a Quantdesk home/);
    const viaEnv = qd(['lake', 'ls', '--json'], { QUANTDESK_HOME: home });
    expect(JSON.parse(viaEnv.out).home).toBe(home);
  });

  it('imports files and lists what was rejected, with one JSON document each', () => {
    const dir = tempDir();
    const file = path.join(dir, 'NQ_bt.csv');
    fs.writeFileSync(file, ['Date,Time,Open,High,Low,Close,Volume', '2024-03-01,14:30:00,18000,18001,17999,18000.5,10', '2024-03-01,14:31:00,oops,18001,17999,18000.5,10', '2024-03-01,14:32:00,18000,18001,17999,18000.5,10'].join('\n'));
    const r = qd(['--home', home, 'import', file, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { accepted: number; rejected: number; duplicates: number; symbols: string[]; runId: string };
    expect(out).toMatchObject({ accepted: 2, rejected: 1, duplicates: 0, symbols: ['NQ'] });
    const rejects = JSON.parse(qd(['--home', home, 'rejects', '--run', out.runId, '--json']).out) as { rejects: { file: string; line: number; reason: string }[] };
    expect(rejects.rejects).toEqual([expect.objectContaining({ file, line: 3, reason: 'bad number in open: "oops"' })]);
    const human = qd(['--home', home, 'rejects']);
    expect(human.out).toContain(`${file}:3 [import:backtrader]: bad number in open: "oops"`);
    expect(qd(['--home', home, 'import']).err).toMatch(/name at least one file/);
    expect(qd(['--home', home, 'import', file, '--format', 'xls']).err).toMatch(/--format: expected one of auto, generic/);
    expect(qd(['--home', home, 'import', file, '--tz', 'Mars/Olympus']).err).toMatch(/--tz: unknown time zone Mars\/Olympus/);
    expect(qd(['--home', home, 'import', file, '--map', 'time']).err).toMatch(/--map: expected field=Column pairs/);
    const missing = qd(['--home', home, 'import', path.join(dir, 'nope.csv'), '--json']);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.out).error.message).toMatch(/nope\.csv: cannot read it/);
  });

  it('runs retention, continuous and universe from the shell', () => {
    const r = qd(['--home', home, 'retention', '--minute-days', '90', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ minuteDays: 90, symbols: expect.arrayContaining(['ES']) });
    expect(qd(['--home', home, 'retention', '--minute-days', 'soon']).err).toMatch(/--minute-days: expected a whole number of days/);
    const c = qd(['--home', home, 'continuous', '--root', 'ZZ', '--json']);
    expect(c.code).toBe(1);
    expect(JSON.parse(c.out).error.message).toMatch(/no contracts of ZZ/);
    const u = JSON.parse(qd(['--home', home, 'universe', '--min-days', '1', '--json']).out) as { members: { symbol: string }[] };
    expect(u.members.map((m) => m.symbol)).toContain('ES');
    expect(qd(['--home', home, 'universe', '--min-price=-3']).err).toMatch(/--min-price: expected a non-negative number/);
  });

  it('imports flat files with a universe filter from the command line, and names a bad filter', () => {
    const dir = tempDir('qd-cli-universe-');
    const ns = (iso: string): string => `${BigInt(Date.parse(iso)) * 1_000_000n}`;
    const file = path.join(dir, 'day_aggs.csv');
    fs.writeFileSync(file, ['ticker,volume,open,close,high,low,window_start,transactions', `CLIA,1000000,50,50,50,50,${ns('2024-05-01T04:00:00Z')},10`, `CLIBW,1000000,2,2,2,2,${ns('2024-05-01T04:00:00Z')},10`].join('\n'));
    const bad = qd(['--home', home, 'import', file, '--universe', 'min-price=abc']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--universe: "min-price=abc" is not one of/);
    const r = qd(['--home', home, 'import', file, '--universe', 'min-price=1,common-only', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ accepted: 1, rejected: 1, excluded: ['CLIBW'] });
  });

  it('serve binds to 127.0.0.1 by default; bound beyond loopback it prints the token every request then needs', async () => {
    const started = (args: string[]): Promise<{ line: string; stop(): void }> =>
      new Promise((resolve, reject) => {
        const proc = spawn(process.execPath, [BIN, '--home', tempDir(), 'serve', '--port', '0', '--no-seed', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        proc.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolve({ line: out.split('\n')[0]!, stop: () => proc.kill('SIGTERM') });
        });
        proc.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
      });
    const local = await started([]);
    try {
      expect(local.line).toMatch(/^listening on http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      local.stop();
    }
    const open = await started(['--host', '0.0.0.0']);
    try {
      const m = /^listening on http:\/\/0\.0\.0\.0:(\d+); open http:\/\/0\.0\.0\.0:\d+\/\?token=([A-Za-z0-9_-]+) \(other machines can reach it, so every request needs this token\)$/.exec(open.line);
      expect(m, open.line).not.toBeNull();
      const info = (headers: Record<string, string>): Promise<Response> => fetch(`http://127.0.0.1:${m![1]}/rpc/app.info`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{}' });
      expect((await info({})).status).toBe(401);
      const ok = await info({ authorization: `Bearer ${m![2]}` });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ host: 'headless' });
    } finally {
      open.stop();
    }
  });
});
