import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { PaperSessionInfo, PaperSummary } from '../core/common/trading/types';
import type { Services } from '../core/node/services';
import { backfill, call, openServices, paths, rpc, runJob, serveHome, tempDir, until } from './helpers';

const params = { entry_below: 0.3, exit_above: 0.7, max_bars: 5, allow_short: 0 };
const portfolio = (riskLimits: object = {}): string =>
  JSON.stringify({
    instruments: ['ES', 'NQ'].map((symbol) => ({ name: symbol, symbol, run: 'by hand', strategy: 'ibs', params, timeframe: '1h', model: null, threshold: null })),
    maxPositions: 2,
    sizing: { kind: 'fixed', contracts: 1 },
    riskLimits,
    objective: 'sharpe',
    split: '2024-03-01',
  });
const PERIOD = { from: '2024-02-01', to: '2024-03-31' };

type Fill = { symbol: string; t: number; qty: number; price: number; fee: number; reason: string };
const journalFills = (home: string, session: string): Fill[] => {
  const db = new Database(path.join(home, 'journal.sqlite'), { readonly: true });
  try {
    return (db.prepare("SELECT data FROM paper_events WHERE session = ? AND kind = 'fill' ORDER BY seq").all(session) as { data: string }[]).map((r) => JSON.parse(r.data) as Fill);
  } finally {
    db.close();
  }
};

describe('paper sessions', () => {
  const home = tempDir('qd-session-');
  const file = path.join(home, 'es-nq.json');
  let s: Services;
  let reference: PaperSummary;
  const session = async (id: string): Promise<PaperSessionInfo> => (await call(s, 'paper.sessions', {})).find((x) => x.id === id)!;
  const ended = (id: string): Promise<PaperSessionInfo> => until(async () => ((x) => (['finished', 'failed', 'stopped'].includes(x.status) ? x : undefined))(await session(id)), `session ${id} to end`);

  /** Pauses a session, then steps it one bar at a time until a position is open, so that only a flatten can close it. */
  const pausedWithPosition = async (id: string): Promise<void> => {
    await call(s, 'paper.session.control', { session: id, action: 'pause' });
    await until(async () => ((x) => (x.status === 'paused' ? x : undefined))(await session(id)), 'the pause');
    let stepped = -1;
    await until(
      async () => {
        const x = await session(id);
        if (x.positions.length > 0) return x;
        // One step at a time: the next only once the last has been taken.
        if (x.bars > stepped) {
          stepped = x.bars;
          await call(s, 'paper.session.control', { session: id, action: 'step' });
        }
        return undefined;
      },
      'a position while stepping',
      30_000,
      5,
    );
  };

  afterEach(async () => {
    // Each test starts armed, whatever the one before it left.
    if ((await call(s, 'paper.killswitch.get', {})).state !== 'active') await call(s, 'paper.killswitch.set', { state: 'active', reason: 're-armed between tests' });
  });

  beforeAll(async () => {
    s = await openServices(home);
    await backfill(s, ['ES', 'NQ'], '2024-01-02', '2024-04-30');
    fs.writeFileSync(file, portfolio());
    reference = await runJob<PaperSummary>(s, { kind: 'paper', portfolio: file, ...PERIOD });
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('a session on its own worker, at full speed, ends where the replay (and so the backtest) ends, and journals every fill', async () => {
    const started = await call(s, 'paper.session.start', { portfolio: file, ...PERIOD, speed: 'max' });
    const done = await ended(started.id);
    expect(done.status).toBe('finished');
    expect(done.bars).toBe(reference.bars);
    expect(done.orders).toBe(reference.orders);
    expect(done.fills).toBe(2 * reference.trades.length);
    expect(done.equity).toBeCloseTo(reference.finalEquity, 6);
    expect(journalFills(home, started.id)).toHaveLength(done.fills);
    const d = await call(s, 'paper.session.get', { session: started.id });
    // With nothing denied, the session tracks the backtest of its bars exactly.
    expect(d.expected).not.toBeNull();
    expect(Array.from(d.equityCurve.value)).toEqual(Array.from(d.expected!.value));
  }, 60_000);

  it('a halt with flatten cancels working orders and closes positions, and after it no order reaches the broker', async () => {
    const started = await call(s, 'paper.session.start', { portfolio: file, ...PERIOD, speed: 1_000_000 });
    await pausedWithPosition(started.id);
    const ks = await call(s, 'paper.killswitch.set', { state: 'halted', reason: 'flatten test', source: 'ui', flatten: true });
    expect(ks.state).toBe('halted');
    // The call returns once the session has acted: flat and with nothing working.
    const after = await session(started.id);
    expect(after.positions).toEqual([]);
    expect(after.working).toEqual([]);
    const fills = journalFills(home, started.id);
    expect(fills.at(-1)!.reason).toBe('flatten: killswitch');
    const ordersAtHalt = after.orders;
    await call(s, 'paper.session.control', { session: started.id, action: 'resume' });
    await until(async () => ((x) => (x.bars > after.bars + 50 ? x : undefined))(await session(started.id)), 'more bars after the halt');
    const later = await session(started.id);
    expect(later.orders).toBe(ordersAtHalt);
    expect(later.denials).toBeGreaterThan(0);
    expect(later.recentDenials.at(-1)!.reason).toMatch(/trading is halted/);
    await call(s, 'paper.session.control', { session: started.id, action: 'stop' });
    expect((await ended(started.id)).status).toBe('stopped');
    await call(s, 'paper.killswitch.set', { state: 'active', reason: 're-arm after the test' });
  }, 60_000);

  it('a halt with --flatten from the command line reaches the sessions of the process serving the home', async () => {
    const started = await call(s, 'paper.session.start', { portfolio: file, ...PERIOD, speed: 1_000_000 });
    await pausedWithPosition(started.id);
    const cli = spawnSync(process.execPath, [path.join(paths.root, 'bin', 'quantdesk.mjs'), '--home', home, 'killswitch', 'halt', '--flatten', '--reason', 'from a shell', '--json'], { encoding: 'utf8' });
    expect(cli.status).toBe(0);
    expect(JSON.parse(cli.stdout).state).toBe('halted');
    const flat = await until(async () => ((x) => (x.positions.length === 0 && x.working.length === 0 ? x : undefined))(await session(started.id)), 'the flatten from the CLI', 5_000, 10);
    expect(flat.recentFills.at(-1)!.reason).toBe('flatten: killswitch');
    await call(s, 'paper.session.control', { session: started.id, action: 'stop' });
    await ended(started.id);
    await call(s, 'paper.killswitch.set', { state: 'active', reason: 're-arm after the CLI test' });
  }, 60_000);

  it('pauses, steps one bar at a time and resumes', async () => {
    const started = await call(s, 'paper.session.start', { portfolio: file, ...PERIOD, speed: 100_000 });
    await until(async () => ((x) => (x.bars > 0 ? x : undefined))(await session(started.id)), 'the first bar');
    await call(s, 'paper.session.control', { session: started.id, action: 'pause' });
    const paused = await until(async () => ((x) => (x.status === 'paused' ? x : undefined))(await session(started.id)), 'the pause');
    await new Promise((r) => setTimeout(r, 300));
    expect((await session(started.id)).bars).toBe(paused.bars);
    await call(s, 'paper.session.control', { session: started.id, action: 'step' });
    await until(async () => ((x) => (x.bars === paused.bars + 1 ? x : undefined))(await session(started.id)), 'one step');
    await call(s, 'paper.session.control', { session: started.id, action: 'stop' });
    await ended(started.id);
    await expect(call(s, 'paper.session.control', { session: started.id, action: 'resume' })).rejects.toThrow(/is stopped, not running/);
  }, 60_000);

  it('refuses bad input with the field and the reason', async () => {
    await expect(call(s, 'paper.session.start', { portfolio: file, from: '2024-03-01', to: '2024-02-01', speed: 'max' })).rejects.toThrow(/from must not be after to/);
    await expect(call(s, 'paper.session.start', { portfolio: path.join(home, 'nope.json'), ...PERIOD, speed: 'max' })).rejects.toThrow(/no portfolio .*nope\.json/);
    await expect(call(s, 'paper.session.control', { session: '20260101-000000-00000000', action: 'pause' })).rejects.toThrow(/no paper session/);
    await expect(call(s, 'paper.killswitch.set', { state: 'active', reason: 'x', flatten: true })).rejects.toThrow(/flatten goes with a halt/);
  });

  it('trips automatically on the drawdown limit: halted by auto, with an alert', async () => {
    const tight = path.join(home, 'tight.json');
    fs.writeFileSync(tight, portfolio({ maxDrawdown: 0.001 }));
    const alerts: string[] = [];
    const off = s.bus.onAny((name, p) => name === 'paper.alert' && alerts.push((p as { body: string }).body));
    const started = await call(s, 'paper.session.start', { portfolio: tight, ...PERIOD, speed: 'max' });
    await ended(started.id);
    off();
    const ks = await call(s, 'paper.killswitch.get', {});
    expect(ks.state).toBe('halted');
    expect(ks.history[0]).toMatchObject({ source: 'auto', to: 'halted' });
    expect(ks.history[0]!.reason).toMatch(/drawdown .* reached the limit of 0\.10%/);
    expect(alerts.some((a) => /drawdown/.test(a))).toBe(true);
    // The alert is journaled: the app's alert list and `paper status` read it back, newest first.
    const logged = await call(s, 'paper.alerts', { limit: 5 });
    expect(logged[0]).toMatchObject({ kind: 'trip', session: started.id, body: expect.stringMatching(/drawdown/) });
    await expect(call(s, 'paper.alerts', { limit: 0 })).rejects.toThrow(/limit must be at least 1/);
    await call(s, 'paper.killswitch.set', { state: 'active', reason: 're-arm after the trip' });
  }, 60_000);

  it('applies the account limits from Settings with the portfolio’s own: a session trips on them, a replay denies by them', async () => {
    await expect(call(s, 'settings.setPaper', { limits: { maxDrawdown: 2 } })).rejects.toThrow(/limits\.maxDrawdown/);
    expect((await call(s, 'settings.setPaper', { limits: { maxDrawdown: 0.001 } })).limits).toEqual({ maxDrawdown: 0.001 });
    try {
      // The portfolio sets no limit: the session trips on the account's drawdown limit.
      await ended((await call(s, 'paper.session.start', { portfolio: file, ...PERIOD, speed: 'max' })).id);
      const ks = await call(s, 'paper.killswitch.get', {});
      expect(ks.history[0]).toMatchObject({ source: 'auto', to: 'halted', reason: expect.stringMatching(/drawdown .* limit of 0\.10%/) });
      await call(s, 'paper.killswitch.set', { state: 'active', reason: 're-arm after the account trip' });
      await call(s, 'settings.setPaper', { limits: { maxPositionNotional: 1 } });
      // The replay job: every order's notional is above the account's limit of 1, so each is denied with that reason.
      const r = await runJob<PaperSummary>(s, { kind: 'paper', portfolio: file, ...PERIOD });
      expect(r.trades).toHaveLength(0);
      expect(r.denials.length).toBeGreaterThan(0);
      expect(r.denials[0]!.reason).toMatch(/notional/);
    } finally {
      expect((await call(s, 'settings.setPaper', { limits: {} })).limits).toEqual({});
    }
  }, 60_000);
});

describe('paper sessions and crashes', () => {
  it('killed with SIGKILL mid-session many times: the journal stays intact, no acknowledged fill is lost, and the session ends exactly where an uninterrupted one does', async () => {
    const base = tempDir('qd-session-kill-');
    const home = path.join(base, 'home');
    const file = path.join(base, 'es-nq.json');
    fs.writeFileSync(file, portfolio());
    const s = await openServices(home);
    await backfill(s, ['ES', 'NQ'], '2024-01-02', '2024-04-30');
    const reference = await runJob<PaperSummary>(s, { kind: 'paper', portfolio: file, ...PERIOD });
    await s.close();

    let served = await serveHome(home);
    const { id } = await rpc(served.url, 'paper.session.start', { portfolio: file, ...PERIOD, speed: 1_000_000 });
    let seen: Fill[] = [];
    let grew = 0;
    let lastBars = 0;
    for (let kill = 0; kill < 6; kill++) {
      // Killed only once the (resumed) session has fed new bars, then at a random moment.
      const url = served.url;
      lastBars = (await until(async () => ((x) => (x && x.bars > lastBars ? x : undefined))((await rpc(url, 'paper.sessions', {})).find((x) => x.id === id)), 'the session to feed bars', 60_000, 20)).bars;
      await new Promise((r) => setTimeout(r, Math.random() * 300));
      served.child.kill('SIGKILL');
      await new Promise((r) => served.child.once('exit', r));
      const db = new Database(path.join(home, 'journal.sqlite'));
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
      const fills = journalFills(home, id);
      expect(fills.slice(0, seen.length)).toEqual(seen);
      if (fills.length > seen.length) grew++;
      seen = fills;
      served = await serveHome(home);
    }
    // The kills landed mid-session: fills were made between several of them.
    expect(grew).toBeGreaterThanOrEqual(2);
    try {
      const done = await until(async () => ((x) => (x && ['finished', 'failed'].includes(x.status) ? x : undefined))((await rpc(served.url, 'paper.sessions', {})).find((x) => x.id === id)), 'the resumed session to finish', 60_000, 100);
      expect(done.error).toBeNull();
      expect(done.status).toBe('finished');
      expect(done.fills).toBe(2 * reference.trades.length);
      expect(done.equity).toBeCloseTo(reference.finalEquity, 6);
      expect(journalFills(home, id).slice(0, seen.length)).toEqual(seen);
    } finally {
      served.child.kill('SIGKILL');
    }
  }, 180_000);

  it('a worker stuck in an endless loop does not stop a halt: it is stopped, and its working orders are cancelled in the journal', async () => {
    const base = tempDir('qd-session-stuck-');
    const home = path.join(base, 'home');
    const file = path.join(base, 'es-nq.json');
    fs.writeFileSync(file, portfolio());
    const stuck = path.join(base, 'stuck-worker.mjs');
    // A session that got going (it said so) and then hangs on a bar.
    fs.writeFileSync(
      stuck,
      "import { parentPort, workerData } from 'node:worker_threads';\nparentPort.postMessage({ type: 'status', info: { id: workerData.sessionId, status: 'running', working: [] } });\nfor (;;) {}\n",
    );
    const s = await openServices(home, { paperWorkerFile: stuck });
    try {
      const { id } = await call(s, 'paper.session.start', { portfolio: file, ...PERIOD, speed: 'max' });
      await new Promise((r) => setTimeout(r, 200));
      const t0 = performance.now();
      const ks = await call(s, 'paper.killswitch.set', { state: 'halted', reason: 'stuck worker test' });
      const ms = performance.now() - t0;
      expect(ks.state).toBe('halted');
      expect(ms).toBeLessThan(5_000);
      const info = (await call(s, 'paper.sessions', {})).find((x) => x.id === id)!;
      expect(info.status).toBe('failed');
      expect(info.error).toMatch(/did not act on the halt within 1000 ms/);
      const db = new Database(path.join(home, 'journal.sqlite'), { readonly: true });
      expect(db.prepare("SELECT kind FROM paper_events WHERE session = ? ORDER BY seq DESC LIMIT 1").get(id)).toEqual({ kind: 'cancel_all' });
      db.close();
    } finally {
      await s.close();
    }
  }, 60_000);
});
