import path from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { KillswitchStatus } from '../core/common/trading/types';
import { call, openServices, paths, rpc, serveHome, tempDir } from './helpers';

const BIN = path.join(paths.root, 'bin', 'quantdesk.mjs');
const qd = (home: string, args: string[]) => spawnSync(process.execPath, [BIN, '--home', home, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('the killswitch', () => {
  it('halts, reduces and resumes through the API, journaled with an audit entry each, and a restart keeps the state', async () => {
    const home = tempDir('qd-kill-');
    let s = await openServices(home);
    const seen: string[] = [];
    s.bus.onAny((name, payload) => name === 'paper.state' && seen.push((payload as { state: string }).state));
    expect(await call(s, 'paper.killswitch.get', {})).toEqual({ state: 'active', history: [] });
    const halted = await call(s, 'paper.killswitch.set', { state: 'halted', reason: 'news at 14:30', source: 'ui' });
    expect(halted.state).toBe('halted');
    expect(halted.history[0]).toMatchObject({ from: 'active', to: 'halted', source: 'ui', reason: 'news at 14:30' });
    await expect(call(s, 'paper.killswitch.set', { state: 'active', reason: '   ' })).rejects.toMatchObject({ code: 'invalid_argument', message: expect.stringMatching(/give a reason/) });
    expect(seen).toEqual(['halted']);
    await s.close();
    s = await openServices(home);
    expect((await call(s, 'paper.killswitch.get', {})).state).toBe('halted');
    await call(s, 'paper.killswitch.set', { state: 'reducing', reason: 'flatten slowly' });
    const resumed = await call(s, 'paper.killswitch.set', { state: 'active', reason: 're-armed after review' });
    expect(resumed.history.map((h) => h.to)).toEqual(['active', 'reducing', 'halted']);
    await s.close();
    // synchronous=FULL in WAL mode: the journal's settings as the issue asks.
    const db = new Database(path.join(home, 'journal.sqlite'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('CLI: halt, status and resume; a bad verb or --flatten without a halt exit 2', () => {
    const home = tempDir('qd-kill-cli-');
    const h = qd(home, ['killswitch', 'halt', '--reason', 'stop everything', '--json']);
    expect(h.status, h.stderr).toBe(0);
    expect((JSON.parse(h.stdout) as KillswitchStatus).history[0]).toMatchObject({ to: 'halted', source: 'cli', reason: 'stop everything' });
    expect(qd(home, ['killswitch', 'status']).stdout).toMatch(/^trading is halted since .* \(cli: stop everything\)/);
    expect(JSON.parse(qd(home, ['killswitch', 'resume', '--json']).stdout).state).toBe('active');
    const bad = qd(home, ['killswitch', 'pause']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/expected status, halt, reduce or resume/);
    const flattenResume = qd(home, ['killswitch', 'resume', '--flatten']);
    expect(flattenResume.status).toBe(2);
    expect(flattenResume.stderr).toMatch(/--flatten goes with halt/);
  });

  it('restarts halted after the serving process is killed while halted', async () => {
    const home = tempDir('qd-kill-crash-');
    const serve = (): ReturnType<typeof serveHome> => serveHome(home);
    const first = await serve();
    expect((await rpc(first.url, 'paper.killswitch.set', { state: 'halted', reason: 'before the crash' })).state).toBe('halted');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const second = await serve();
    try {
      const k = await rpc(second.url, 'paper.killswitch.get', {});
      expect(k.state).toBe('halted');
      expect(k.history[0]!.reason).toBe('before the crash');
    } finally {
      second.child.kill('SIGKILL');
    }
  }, 60_000);
});
