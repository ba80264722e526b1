import Database from 'better-sqlite3';
import { changeState, StateChangeError, type StateChange, type StateSource, type TradingState } from '../../common/trading/risk';
import { ApiError } from '../../common/errors';
import type { KillswitchStatus } from '../../common/types';


/**
 * The paper-trading journal (`journal.sqlite`, WAL, synchronous=FULL): every state change is on disk
 * before it is acknowledged, so a restart (or a crash) comes back in the state it was left in.
 */
export class Journal {
  readonly db: Database.Database;

  /** `nativeBinding` points at a better-sqlite3 addon built for another runtime's ABI (Electron's). */
  constructor(file: string, opts: { readonly?: boolean; nativeBinding?: string } = {}) {
    this.db = new Database(file, { readonly: opts.readonly ?? false, nativeBinding: opts.nativeBinding });
    this.db.pragma('busy_timeout = 10000');
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
    }
  }

  /** The trading state: the last change's, or active when there has been none. */
  state(): TradingState {
    const hasTable = this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'killswitch_audit'").get();
    if (!hasTable) return 'active';
    const row = this.db.prepare('SELECT to_state FROM killswitch_audit ORDER BY seq DESC LIMIT 1').get() as { to_state: TradingState } | undefined;
    return row?.to_state ?? 'active';
  }

  /** The state and its history, newest first (at most `limit` changes). */
  killswitch(limit = 100): KillswitchStatus {
    const hasTable = this.db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'killswitch_audit'").get();
    const rows = hasTable
      ? (this.db.prepare('SELECT at, from_state, to_state, source, reason FROM killswitch_audit ORDER BY seq DESC LIMIT ?').all(limit) as { at: number; from_state: TradingState; to_state: TradingState; source: StateSource; reason: string }[])
      : [];
    return { state: this.state(), history: rows.map((r) => ({ at: r.at, from: r.from_state, to: r.to_state, source: r.source, reason: r.reason })) };
  }

  /** Changes the trading state, journaled (and synced) before it returns; refusals say why. */
  setState(to: TradingState, source: StateSource, reason: string, at = Date.now()): KillswitchStatus {
    let change: StateChange;
    try {
      change = changeState(this.state(), to, source, reason, at);
    } catch (e) {
      if (e instanceof StateChangeError) throw new ApiError('invalid_argument', e.message, 'reason');
      throw e;
    }
    this.db.prepare('INSERT INTO killswitch_audit (at, from_state, to_state, source, reason) VALUES (?, ?, ?, ?, ?)').run(change.at, change.from, change.to, change.source, change.reason);
    return this.killswitch();
  }

  close(): void {
    this.db.close();
  }
}
