import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { QuantEvents } from '../../common/api';
import { ApiError } from '../../common/errors';
import type { RiskLimits } from '../../common/trading/schemas';
import { stricterLimits, type StateSource, type TradingState } from '../../common/trading/risk';
import type { KillswitchStatus, PaperFeedSpec, PaperSessionDetail, PaperSessionInfo } from '../../common/trading/types';
import type { EventBus } from '../events';
import { missingFeedKey } from './live-adapters';
import { featureSetDirs, loadFeatureSet } from '../features/feature-sets';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import type { Journal, JournaledChange, PaperSessionRecord } from './journal';
import { liveBarMs } from './live-feed';
import { workerLimits } from '../worker-limits';
import { redact } from '../vendors/http';
import { loadPortfolio } from './replay';
import { publishChanges, publishState, SLOT, type ControlMessage, type SessionMessage } from './session-channel';

/** What the supervisor needs from its host. */
export interface SupervisorOptions {
  home: HomeLayout;
  /** Where the instrument table's margins are read, for portfolios that do not record their contracts. */
  catalog: Pick<Catalog, 'getSetting' | 'setSetting'>;
  journal: Journal;
  bus: EventBus;
  migrations: string;
  /** The paper worker's entry file (out/main/paper-worker.js). */
  workerFile: string;
  sqliteBinding?: string;
  /** How long a halt waits for a session to act on it before its worker is stopped. */
  ackMs?: number;
  /** How often the journal is checked for killswitch changes made by other processes (the CLI). */
  pollMs?: number;
  /** Where alerts are also POSTed as JSON (a webhook URL from the settings), read for each alert. */
  webhook?: () => string | undefined;
  /** Account risk limits and trips from Settings, combined with each portfolio's own (the stricter wins) when a session starts. */
  accountLimits?: () => RiskLimits;
  /** The live feed's API key (Polygon's), read when a session starts; it reaches the worker, never the journal. */
  /** The API key of a live feed's vendor: Databento for a `dbn://` gateway, Polygon for a WebSocket feed. */
  feedKey?: (url: string) => string | undefined;
}

interface Running {
  worker: Worker;
  /** The session's figures; null until it has resumed from its journal and is about to feed its first bar. */
  info: PaperSessionInfo | null;
  expected: { t: Float64Array; value: Float64Array } | null;
  /** Resolves when the session has acted on control generation n or later. */
  acked: number;
  waiters: { generation: number; resolve: () => void }[];
  ended: Promise<void>;
}

/** The catalog setting that holds the alert webhook's URL. */
export const WEBHOOK_SETTING = 'paper.webhook';
/** The catalog setting that holds the account's risk limits and trips (JSON). */
export const ACCOUNT_LIMITS_SETTING = 'paper.accountLimits';

/** The account-wide risk limits stored in Settings (none set: no limits). */
export function accountLimits(cat: Catalog): RiskLimits {
  return JSON.parse(cat.getSetting(ACCOUNT_LIMITS_SETTING) ?? '{}') as RiskLimits;
}

const TERMINAL = new Set(['stopped', 'finished', 'failed']);

/**
 * Runs paper sessions on long-lived worker threads and enforces the killswitch over them. The
 * trading state sits in memory every session's risk gate reads on every order, so a halt takes
 * effect at once; each session then cancels its working orders (and flattens, if asked) and says so.
 * A session that does not answer within `ackMs` (a worker stuck in a loop) is stopped, and its
 * cancels are journaled for it, so it resumes with no working orders.
 */
export class PaperSupervisor {
  private readonly shared = new Int32Array(new SharedArrayBuffer(16));
  private readonly running = new Map<string, Running>();
  private readonly finalInfo = new Map<string, PaperSessionInfo>();
  private readonly expected = new Map<string, { t: Float64Array; value: Float64Array }>();
  private readonly poll: NodeJS.Timeout;
  /** The newest killswitch change enforced. */
  private seen: number;

  constructor(private readonly o: SupervisorOptions) {
    const newest = o.journal.newestChange();
    if (newest) publishState(this.shared, newest.seq, newest.to);
    this.seen = o.journal.lastChange();
    o.journal.changed();
    this.poll = setInterval(() => {
      if (!o.journal.changed()) return;
      // Another process (the CLI, a session's automatic trip) changed the killswitch: enforce it here too.
      const changes = o.journal.changesSince(this.seen);
      if (changes.length === 0) return;
      this.seen = changes[changes.length - 1]!.seq;
      void this.enforce(changes);
      const status = o.journal.killswitch(1);
      if (status.history[0]) o.bus.emit('paper.state', { state: status.state, change: status.history[0] });
    }, o.pollMs ?? 100);
    this.poll.unref();
  }

  /** Starts a session of a portfolio (a stored portfolio's id or a file) on a feed; returns its id. */
  /** Starts a session; a live one may evaluate a feature set (by name or .yml path) at every bar close. */
  start(portfolio: string, feed: PaperFeedSpec, features?: string): PaperSessionInfo {
    const own = loadPortfolio(this.o.home, this.o.catalog, portfolio);
    // The session's limits are journaled with it, so a resumed session keeps those it started with.
    const config = { ...own, riskLimits: stricterLimits(own.riskLimits ?? {}, this.o.accountLimits?.() ?? {}) };
    if (config.instruments.length === 0) throw new ApiError('invalid_argument', `portfolio ${portfolio} has no instruments to trade`, 'portfolio');
    const timeframes = [...new Set(config.instruments.map((i) => i.timeframe))];
    if (timeframes.length !== 1) throw new ApiError('invalid_argument', `a paper session trades one timeframe; the portfolio has ${timeframes.join(', ')}`, 'portfolio');
    if (feed.kind === 'live') {
      liveBarMs(timeframes[0]!);
      if (features !== undefined) feed = { ...feed, features: this.liveFeatureSet(features, timeframes[0]!) };
      if (!this.o.feedKey?.(feed.url)) throw new ApiError('invalid_argument', missingFeedKey(feed.url), 'url');
    }
    const id = `${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}-${randomUUID().slice(0, 8)}`;
    this.o.journal.createSession(id, { portfolio, config, feed });
    this.spawn(id);
    return journaledSession(this.o.journal.session(id)!);
  }

  /** Resumes every session the journal shows as not ended (after a restart or a crash). */
  resumeAll(): string[] {
    const ids = this.o.journal
      .sessions(1000)
      .filter((s) => !TERMINAL.has(s.status) && !this.running.has(s.id))
      .map((s) => s.id);
    for (const id of ids) this.spawn(id);
    return ids;
  }

  /** A feature set a live session evaluates: found like a build's, checked against the session's bars, journaled as written. */
  private liveFeatureSet(nameOrFile: string, timeframe: string): { name: string; file: string; text: string } {
    const set = loadFeatureSet(nameOrFile, featureSetDirs(this.o.home.root, path.dirname(this.o.migrations)));
    if (set.timeframe !== timeframe) throw new ApiError('invalid_argument', `feature set ${set.name} is built on ${set.timeframe} bars and the portfolio trades ${timeframe} bars; a live session evaluates a set of its own timeframe`, 'features');
    if (set.session !== 'all') throw new ApiError('invalid_argument', `feature set ${set.name} keeps regular hours only (session: rth); a live session evaluates sets over all hours, choosing the rows with evaluate: { from, to }`, 'features');
    return { name: set.name, file: set.file, text: fs.readFileSync(set.file, 'utf8') };
  }

  private spawn(id: string): void {
    // Only a live session needs the feed's key; a replay's worker never holds it.
    const feed = this.o.journal.session(id)?.spec.feed;
    const live = feed?.kind === 'live';
    const worker = new Worker(this.o.workerFile, {
      workerData: { homeDir: this.o.home.root, migrations: this.o.migrations, sqliteBinding: this.o.sqliteBinding, sessionId: id, shared: this.shared.buffer, ...(live ? { feedKey: this.o.feedKey?.(feed.url) } : {}) },
      resourceLimits: workerLimits(),
    });
    let done!: () => void;
    const r: Running = { worker, info: null, expected: null, acked: -1, waiters: [], ended: new Promise((res) => (done = res)) };
    this.running.set(id, r);
    worker.on('message', (m: SessionMessage) => {
      if (m.type === 'status' || m.type === 'ended') {
        r.info = m.info;
        this.o.bus.emit('paper.session', m.info);
      }
      if (m.type === 'expected') {
        r.expected = { t: m.t, value: m.value };
        this.expected.set(id, r.expected);
      }
      if (m.type === 'applied') {
        r.acked = Math.max(r.acked, m.generation);
        r.waiters = r.waiters.filter((x) => (x.generation <= r.acked ? (x.resolve(), false) : true));
      }
      if (m.type === 'trip') {
        this.seen = this.o.journal.lastChange();
        const status = this.o.journal.killswitch(1);
        if (status.history[0]) this.o.bus.emit('paper.state', { state: status.state, change: status.history[0] });
        this.alert({ kind: 'trip', title: 'Killswitch tripped: trading halted', body: m.reason, at: m.at, session: id });
        const newest = this.o.journal.newestChange();
        if (newest) void this.enforce([newest]);
      }
      if (m.type === 'alert') this.alert({ kind: 'model', title: m.title, body: m.body, at: Date.now(), session: id });
      if (m.type === 'failed') this.alert({ kind: 'session', title: `Paper session ${id} failed`, body: m.error, at: Date.now(), session: id });
      if (m.type === 'ended') {
        this.finalInfo.set(id, m.info);
        this.running.delete(id);
        void worker.terminate();
      }
    });
    worker.on('error', (e) => {
      this.o.journal.setSessionStatus(id, 'failed', e.message);
      this.alert({ kind: 'session', title: `Paper session ${id} failed`, body: e.message, at: Date.now(), session: id });
    });
    worker.on('exit', () => {
      this.running.delete(id);
      for (const x of r.waiters) x.resolve();
      done();
    });
  }

  /** Journals an alert and raises it in the app (and so as a desktop notification) and, when one is set, at the webhook. */
  private alert(raw: QuantEvents['paper.alert']): void {
    // A feed's refusal may quote its key: alerts are journaled, shown and POSTed without it.
    const keys = [this.o.feedKey?.('ws:'), this.o.feedKey?.('dbn:')].filter((k): k is string => Boolean(k));
    const a = keys.length ? { ...raw, title: redact(raw.title, keys), body: redact(raw.body, keys) } : raw;
    this.o.journal.addAlert(a);
    this.o.bus.emit('paper.alert', a);
    const url = this.o.webhook?.();
    if (!url) return;
    void fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ source: 'quantdesk', ...a }), signal: AbortSignal.timeout(5000) }).catch(() => undefined);
  }

  /** Sends a session pause, resume, single step or stop. */
  control(id: string, type: ControlMessage['type']): PaperSessionInfo {
    const r = this.running.get(id);
    if (!r) {
      const rec = this.o.journal.session(id);
      if (!rec) throw new ApiError('not_found', `no paper session ${id}`, 'session');
      throw new ApiError('conflict', `paper session ${id} is ${rec.status}, not running`, 'session');
    }
    r.worker.postMessage({ type } satisfies ControlMessage);
    return r.info ?? journaledSession(this.o.journal.session(id)!);
  }

  /**
   * Changes the trading state (journaled before anything else), enforces it in every session and
   * waits until each has acted on it (cancelled its working orders, flattened when asked).
   */
  async setState(to: TradingState, source: StateSource, reason: string, flatten = false): Promise<KillswitchStatus> {
    const status = this.o.journal.setState(to, source, reason, Date.now(), flatten);
    this.seen = this.o.journal.lastChange();
    await this.enforce([{ seq: this.seen, to, flatten }]);
    return status;
  }

  /** Publishes journaled changes (oldest first) to every session and waits until each has acted on the newest. */
  private async enforce(changes: readonly JournaledChange[]): Promise<void> {
    publishChanges(this.shared, changes);
    const to = changes[changes.length - 1]!.to;
    const flatten = changes.some((c) => c.flatten && c.to === 'halted');
    const generation = Atomics.add(this.shared, SLOT.generation, 1) + 1;
    const ackMs = this.o.ackMs ?? 1000;
    await Promise.all(
      [...this.running].map(async ([id, r]) => {
        // A session still starting cannot trade yet: it applies the shared state before its first bar.
        if (r.acked >= generation || r.info === null) return;
        r.worker.postMessage({ type: 'control' } satisfies ControlMessage);
        const answered = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), ackMs);
          r.waiters.push({
            generation,
            resolve: () => {
              clearTimeout(timer);
              resolve(true);
            },
          });
        });
        if (answered || !this.running.has(id)) return;
        // The worker did not answer: stop it, and journal for it what it could not do.
        await r.worker.terminate();
        const rec = this.o.journal.session(id);
        const w = this.o.journal.writer(id);
        if (to === 'halted') w.event(rec?.bars ?? 0, 'cancel_all', { orders: [], by: 'supervisor' });
        if (flatten) w.event(rec?.bars ?? 0, 'flatten', { reason: 'flatten: killswitch' });
        w.commit(rec?.bars ?? 0);
        const message = `the session did not act on the ${to === 'halted' ? 'halt' : 'state change'} within ${ackMs} ms, so its worker was stopped; its working orders are cancelled in the journal`;
        this.o.journal.setSessionStatus(id, 'failed', message);
        this.finalInfo.set(id, { ...(r.info ?? journaledSession(rec!)), status: 'failed', error: message, working: [] });
        this.alert({ kind: 'session', title: `Paper session ${id} stopped`, body: message, at: Date.now(), session: id });
      }),
    );
  }

  /** Sessions, newest first: live figures for running ones, the last known for the others. */
  list(): PaperSessionInfo[] {
    return this.o.journal.sessions().map((rec) => {
      const live = this.running.get(rec.id)?.info ?? this.finalInfo.get(rec.id);
      return live ? { ...live, status: this.running.has(rec.id) ? live.status : rec.status, error: rec.error ?? live.error } : journaledSession(rec);
    });
  }

  /** One session with its equity curve and the backtest's expectation for the same bars, each thinned to at most `points`. */
  get(id: string, points?: number): PaperSessionDetail {
    const info = this.list().find((s) => s.id === id);
    if (!info) throw new ApiError('not_found', `no paper session ${id}`, 'session');
    const curve = this.o.journal.sessionEquity(id);
    const expected = this.expected.get(id);
    return { ...info, equityCurve: thin({ t: curve.t, value: curve.equity }, points), expected: expected ? thin(expected, points) : null };
  }


  /** Waits for a session's worker to exit. */
  async ended(id: string): Promise<void> {
    await this.running.get(id)?.ended;
  }

  /** Detaches every session (each commits, to resume when the app starts again; a silent one is terminated after a grace period). */
  async close(): Promise<void> {
    clearInterval(this.poll);
    await Promise.all(
      [...this.running.values()].map(async (r) => {
        r.worker.postMessage({ type: 'detach' } satisfies ControlMessage);
        const t = setTimeout(() => void r.worker.terminate(), 3000);
        await r.ended;
        clearTimeout(t);
      }),
    );
  }
}

/** Every n-th point of a curve so that at most `points` remain, always with the last one. */
function thin(c: { t: Float64Array; value: Float64Array }, points: number | undefined): { t: Float64Array; value: Float64Array } {
  const n = c.t.length;
  if (points === undefined || n <= points) return c;
  const step = Math.ceil(n / points);
  const idx: number[] = [];
  for (let i = (n - 1) % step; i < n; i += step) idx.push(i);
  return { t: Float64Array.from(idx, (i) => c.t[i]!), value: Float64Array.from(idx, (i) => c.value[i]!) };
}

/** What the journal alone says of a session (no worker's figures). */
export function journaledSession(rec: PaperSessionRecord): PaperSessionInfo {
  return { id: rec.id, portfolio: rec.spec.portfolio, feed: rec.spec.feed, status: rec.status, error: rec.error, createdAt: rec.createdAt, bars: rec.bars, feedTime: null, capital: 0, cash: 0, equity: 0, todayPnl: 0, positions: [], working: [], orders: 0, fills: 0, denials: 0, recentFills: [], recentDenials: [], limits: [] };
}
