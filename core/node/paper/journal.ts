import Database from 'better-sqlite3';
import { changeState, StateChangeError, type StateChange, type StateSource, type TradingState } from '../../common/trading/risk';
import { ApiError } from '../../common/errors';
import type { FeatureBar } from '../../common/features/types';
import type { KillswitchStatus, PaperAlert, PaperFeedSpec, PaperSessionStatus } from '../../common/trading/types';
import type { PortfolioRun } from '../../common/backtest/types';


/**
 * The paper-trading journal (`journal.sqlite`, WAL, synchronous=FULL): every state change is on disk
 * before it is acknowledged, so a restart (or a crash) comes back in the state it was left in.
 */
export class Journal {
  readonly db: Database.Database;

  /** `nativeBinding` points at a better-sqlite3 addon built for another runtime's ABI (Electron's). */
  constructor(file: string, opts: { readonly?: boolean; nativeBinding?: string } = {}) {
    this.db = new Database(file, { readonly: opts.readonly ?? false, nativeBinding: opts.nativeBinding });
    this.db.pragma(`busy_timeout = ${BUSY_WAIT_MS}`);
    if (!opts.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.exec(`CREATE TABLE IF NOT EXISTS killswitch_audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at INTEGER NOT NULL,
        from_state TEXT NOT NULL,
        to_state TEXT NOT NULL,
        source TEXT NOT NULL,
        reason TEXT NOT NULL
      )`);
      // Journals from before flatten existed gain its column.
      const cols = this.db.prepare('PRAGMA table_info(killswitch_audit)').all() as { name: string }[];
      if (!cols.some((c) => c.name === 'flatten')) this.db.exec('ALTER TABLE killswitch_audit ADD COLUMN flatten INTEGER NOT NULL DEFAULT 0');
      this.db.exec(`CREATE TABLE IF NOT EXISTS paper_sessions (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        spec TEXT NOT NULL,
        status TEXT NOT NULL,
        error TEXT,
        bars INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS paper_bars (
        session TEXT NOT NULL, seq INTEGER NOT NULL, k INTEGER NOT NULL,
        t REAL NOT NULL, o REAL NOT NULL, h REAL NOT NULL, l REAL NOT NULL, c REAL NOT NULL, v REAL NOT NULL,
        day INTEGER NOT NULL, session_start REAL NOT NULL, month_end INTEGER NOT NULL,
        PRIMARY KEY (session, seq)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS paper_events (
        session TEXT NOT NULL, seq INTEGER NOT NULL, pos INTEGER NOT NULL, at INTEGER NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (session, seq)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS paper_predictions (
        session TEXT NOT NULL, k INTEGER NOT NULL, t REAL NOT NULL, p REAL NOT NULL, outcome INTEGER,
        PRIMARY KEY (session, k, t)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS paper_equity (
        session TEXT NOT NULL, t REAL NOT NULL, equity REAL NOT NULL,
        PRIMARY KEY (session, t)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS paper_alerts (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL, body TEXT NOT NULL, session TEXT
      )`);
    }
  }

  /** Whether the database changed since the last call, from this or any other connection (another process's halt, say). */
  changed(): boolean {
    const v = this.db.pragma('data_version', { simple: true }) as number;
    const was = this.dataVersion;
    this.dataVersion = v;
    return was !== undefined && v !== was;
  }

  private dataVersion: number | undefined;

  /** The trading state: the last change's, or active when there has been none. */
  state(): TradingState {
    return this.newestChange()?.to ?? 'active';
  }

  /** The state and its history, newest first (at most `limit` changes). */
  killswitch(limit = 100): KillswitchStatus {
    const hasTable = this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'killswitch_audit'").get();
    const rows = hasTable
      ? (this.db.prepare('SELECT at, from_state, to_state, source, reason FROM killswitch_audit ORDER BY seq DESC LIMIT ?').all(limit) as { at: number; from_state: TradingState; to_state: TradingState; source: StateSource; reason: string }[])
      : [];
    return { state: this.state(), history: rows.map((r) => ({ at: r.at, from: r.from_state, to: r.to_state, source: r.source, reason: r.reason })) };
  }

  /** Changes the trading state (with a halt, optionally flattening), journaled and synced before it returns; refusals say why. */
  setState(to: TradingState, source: StateSource, reason: string, at = Date.now(), flatten = false): KillswitchStatus {
    let change: StateChange;
    try {
      change = changeState(this.state(), to, source, reason, at);
    } catch (e) {
      if (e instanceof StateChangeError) throw new ApiError('invalid_argument', e.message, 'reason');
      throw e;
    }
    writeTransaction(this.db, () => this.db.prepare('INSERT INTO killswitch_audit (at, from_state, to_state, source, reason, flatten) VALUES (?, ?, ?, ?, ?, ?)').run(change.at, change.from, change.to, change.source, change.reason, flatten ? 1 : 0));
    return this.killswitch();
  }

  /** State changes after audit sequence number `seq` (0: all), oldest first, with their sequence numbers. */
  changesSince(seq: number): JournaledChange[] {
    if (!this.hasTable('killswitch_audit')) return [];
    return (this.db.prepare('SELECT seq, to_state, flatten FROM killswitch_audit WHERE seq > ? ORDER BY seq').all(seq) as { seq: number; to_state: TradingState; flatten: number }[]).map((r) => ({ seq: r.seq, to: r.to_state, flatten: r.flatten === 1 }));
  }

  /** The newest audit sequence number (0 before any change). */
  lastChange(): number {
    if (!this.hasTable('killswitch_audit')) return 0;
    return (this.db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM killswitch_audit').get() as { s: number }).s;
  }

  /** The newest state change, or null before any. */
  newestChange(): JournaledChange | null {
    if (!this.hasTable('killswitch_audit')) return null;
    const r = this.db.prepare('SELECT seq, to_state, flatten FROM killswitch_audit ORDER BY seq DESC LIMIT 1').get() as { seq: number; to_state: TradingState; flatten: number } | undefined;
    return r ? { seq: r.seq, to: r.to_state, flatten: r.flatten === 1 } : null;
  }

  /** Records a new paper session in `status`. */
  createSession(id: string, spec: PaperSessionRecord['spec'], at = Date.now()): void {
    this.db.prepare('INSERT INTO paper_sessions (id, created_at, spec, status, updated_at) VALUES (?, ?, ?, ?, ?)').run(id, at, JSON.stringify(spec), 'starting', at);
  }

  /** A stored session, or undefined. */
  session(id: string): PaperSessionRecord | undefined {
    const r = this.db.prepare('SELECT id, created_at, spec, status, error, bars, updated_at FROM paper_sessions WHERE id = ?').get(id) as SessionRow | undefined;
    return r ? sessionRecord(r) : undefined;
  }

  /** Stored sessions, newest first. */
  sessions(limit = 50): PaperSessionRecord[] {
    if (!this.hasTable('paper_sessions')) return [];
    return (this.db.prepare('SELECT id, created_at, spec, status, error, bars, updated_at FROM paper_sessions ORDER BY created_at DESC, id DESC LIMIT ?').all(limit) as SessionRow[]).map(sessionRecord);
  }

  /** Journals an alert. */
  addAlert(a: PaperAlert): void {
    writeTransaction(this.db, () => this.db.prepare('INSERT INTO paper_alerts (at, kind, title, body, session) VALUES (?, ?, ?, ?, ?)').run(a.at, a.kind, a.title, a.body, a.session ?? null));
  }

  /** Journaled alerts, newest first. */
  alerts(limit = 100): PaperAlert[] {
    if (!this.hasTable('paper_alerts')) return [];
    const rows = this.db.prepare('SELECT at, kind, title, body, session FROM paper_alerts ORDER BY seq DESC LIMIT ?').all(limit) as (Omit<PaperAlert, 'session'> & { session: string | null })[];
    return rows.map(({ session, ...r }) => ({ ...r, ...(session !== null ? { session } : {}) }));
  }

  /** Sets a session's status (and its error, when it failed). */
  setSessionStatus(id: string, status: PaperSessionStatus, error: string | null = null, at = Date.now()): void {
    this.db.prepare('UPDATE paper_sessions SET status = ?, error = ?, updated_at = ? WHERE id = ?').run(status, error, at, id);
  }

  /** A session's journaled bars, in the order they were fed. */
  sessionBars(id: string): Iterable<JournaledBar> {
    return this.db.prepare('SELECT seq, k, t, o, h, l, c, v, day, session_start AS sessionStart, month_end AS monthEnd FROM paper_bars WHERE session = ? ORDER BY seq').iterate(id) as Iterable<JournaledBar>;
  }

  /** A session's journaled predictions, by symbol index and bar time (`k:t`). */
  sessionPredictions(id: string): Map<string, number> {
    const rows = this.db.prepare('SELECT k, t, p FROM paper_predictions WHERE session = ?').raw().all(id) as [number, number, number][];
    return new Map(rows.map(([k, t, p]) => [`${k}:${t}`, p]));
  }

  /** A session's journaled events, in order. */
  sessionEvents(id: string, kinds?: readonly PaperEventKind[]): JournaledEvent[] {
    const rows = this.db.prepare(`SELECT seq, pos, at, kind, data FROM paper_events WHERE session = ? ${kinds ? `AND kind IN (${kinds.map(() => '?').join(', ')})` : ''} ORDER BY seq`).all(id, ...(kinds ?? [])) as (Omit<JournaledEvent, 'data'> & { data: string })[];
    return rows.map((r) => ({ ...r, data: JSON.parse(r.data) as Record<string, unknown> }));
  }

  /** A session's equity after each bar time. */
  sessionEquity(id: string): { t: Float64Array; equity: Float64Array } {
    const rows = this.db.prepare('SELECT t, equity FROM paper_equity WHERE session = ? ORDER BY t').raw().all(id) as [number, number][];
    return { t: Float64Array.from(rows, (r) => r[0]), equity: Float64Array.from(rows, (r) => r[1]) };
  }

  /** A writer that appends to a session's journal in transactions the caller commits. */
  writer(id: string): SessionWriter {
    return new SessionWriter(this.db, id);
  }

  private hasTable(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM sqlite_master WHERE name = ?').get(name) !== undefined;
  }

  close(): void {
    this.db.close();
  }
}

/** What a paper session is: its portfolio (as it was when the session started) and its feed. */
export interface PaperSessionRecord {
  id: string;
  createdAt: number;
  spec: { portfolio: string; config: PortfolioRun['config']; feed: PaperFeedSpec };
  status: PaperSessionStatus;
  error: string | null;
  /** Bars journaled so far. */
  bars: number;
  updatedAt: number;
}

type SessionRow = { id: string; created_at: number; spec: string; status: PaperSessionStatus; error: string | null; bars: number; updated_at: number };

const sessionRecord = (r: SessionRow): PaperSessionRecord => ({ id: r.id, createdAt: r.created_at, spec: JSON.parse(r.spec) as PaperSessionRecord['spec'], status: r.status, error: r.error, bars: r.bars, updatedAt: r.updated_at });

/** A bar as the journal holds it, with its feed position `seq` (0 for the first) and its symbol's index `k`. */
export interface JournaledBar extends Pick<FeatureBar, 't' | 'o' | 'h' | 'l' | 'c' | 'v' | 'day' | 'sessionStart'> {
  seq: number;
  k: number;
  /** 1 on a month's last trading day. */
  monthEnd: number;
}

/** A killswitch change as the audit holds it: its sequence number, the state it set, and whether a halt asked to flatten. */
export interface JournaledChange {
  seq: number;
  to: TradingState;
  flatten: boolean;
}

/** What a session journals besides bars. */
export type PaperEventKind = 'order' | 'denial' | 'fill' | 'cancel_all' | 'flatten' | 'trip' | 'error' | 'killswitch' | 'features';

/** One journaled event: `pos` is how many bars had been fed when it happened. */
export interface JournaledEvent {
  seq: number;
  pos: number;
  at: number;
  kind: PaperEventKind;
  data: Record<string, unknown>;
}

const nap = new Int32Array(new SharedArrayBuffer(4));
const BUSY_WAIT_MS = 10_000;

/**
 * Runs `fn` in a write transaction. The write lock is retried every quarter millisecond for up to
 * 10 s instead of through SQLite's busy handler, whose back-off sleeps up to 100 ms at a time: a
 * halt must not wait out a sleep that began while a session held the lock for a millisecond.
 */
function writeTransaction(db: Database.Database, fn: () => void): void {
  const giveUp = performance.now() + BUSY_WAIT_MS;
  db.pragma('busy_timeout = 0');
  try {
    for (;;) {
      try {
        db.exec('BEGIN IMMEDIATE');
        break;
      } catch (e) {
        if ((e as { code?: string }).code !== 'SQLITE_BUSY' || performance.now() > giveUp) throw e;
        Atomics.wait(nap, 0, 0, 0.25);
      }
    }
  } finally {
    db.pragma(`busy_timeout = ${BUSY_WAIT_MS}`);
  }
  try {
    fn();
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw e;
  }
}

/**
 * Gathers a session's bars, events and equity and writes them in one short transaction at `commit`:
 * nothing is visible (or acknowledged) before, and the journal's write lock is held only while the
 * rows go in, so sessions and killswitch changes beside it wait for milliseconds, not for a batch.
 */
export class SessionWriter {
  private readonly insBar: Database.Statement;
  private readonly insEvent: Database.Statement;
  private readonly insEquity: Database.Statement;
  private readonly setBars: Database.Statement;
  private readonly insPrediction: Database.Statement;
  private readonly setOutcome: Database.Statement;
  private seq: number;
  private predictions: unknown[][] = [];
  private outcomes: unknown[][] = [];
  private bars: unknown[][] = [];
  private events: unknown[][] = [];
  private equities: number[] = [];

  constructor(
    private readonly db: Database.Database,
    private readonly id: string,
  ) {
    this.insBar = db.prepare('INSERT INTO paper_bars (session, seq, k, t, o, h, l, c, v, day, session_start, month_end) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
    this.insEvent = db.prepare('INSERT INTO paper_events (session, seq, pos, at, kind, data) VALUES (?, ?, ?, ?, ?, ?)');
    this.insEquity = db.prepare('INSERT OR REPLACE INTO paper_equity (session, t, equity) VALUES (?, ?, ?)');
    this.setBars = db.prepare('UPDATE paper_sessions SET bars = ?, updated_at = ? WHERE id = ?');
    // A resumed session makes its predictions again: the first one written stands.
    this.insPrediction = db.prepare('INSERT OR IGNORE INTO paper_predictions (session, k, t, p) VALUES (?, ?, ?, ?)');
    this.setOutcome = db.prepare('UPDATE paper_predictions SET outcome = ? WHERE session = ? AND k = ? AND t = ?');
    this.seq = (db.prepare('SELECT COALESCE(MAX(seq), 0) AS s FROM paper_events WHERE session = ?').get(id) as { s: number }).s;
  }

  bar(seq: number, k: number, b: { t: number; o: number; h: number; l: number; c: number; v: number; day: number; sessionStart: number; monthEnd: boolean }): void {
    this.bars.push([this.id, seq, k, b.t, b.o, b.h, b.l, b.c, b.v, b.day, b.sessionStart, b.monthEnd ? 1 : 0]);
  }

  event(pos: number, kind: PaperEventKind, data: object, at = Date.now()): void {
    this.events.push([this.id, ++this.seq, pos, at, kind, JSON.stringify(data)]);
  }

  equity(t: number, value: number): void {
    this.equities.push(t, value);
  }

  /** Symbol k's model gave probability p at bar time t. */
  prediction(k: number, t: number, p: number): void {
    this.predictions.push([this.id, k, t, p]);
  }

  /** The prediction at symbol k's bar time t turned out `outcome` (its label: 1 or 0). */
  outcome(k: number, t: number, outcome: number): void {
    this.outcomes.push([outcome, this.id, k, t]);
  }

  /** Makes everything gathered since the last commit durable (WAL, synchronous=FULL), with the session's bar count. */
  commit(bars: number): void {
    if (this.bars.length + this.events.length + this.equities.length + this.predictions.length + this.outcomes.length === 0) return;
    writeTransaction(this.db, () => {
      for (const r of this.bars) this.insBar.run(...r);
      for (const r of this.events) this.insEvent.run(...r);
      for (let i = 0; i < this.equities.length; i += 2) this.insEquity.run(this.id, this.equities[i], this.equities[i + 1]);
      for (const r of this.predictions) this.insPrediction.run(...r);
      for (const r of this.outcomes) this.setOutcome.run(...r);
      this.setBars.run(bars, Date.now(), this.id);
    });
    this.clear();
  }

  /** Drops what was not committed. */
  rollback(): void {
    this.seq -= this.events.length;
    this.clear();
  }

  private clear(): void {
    this.bars = [];
    this.events = [];
    this.equities = [];
    this.predictions = [];
    this.outcomes = [];
  }
}
