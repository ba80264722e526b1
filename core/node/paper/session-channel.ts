import type { TradingState } from '../../common/trading/risk';
import type { PaperSessionInfo } from '../../common/trading/types';
import type { JournaledChange } from './journal';

/** Trading states by the code the supervisor stores in shared memory. */
export const STATE_CODES: readonly TradingState[] = ['active', 'reducing', 'halted'];

/** Slots of the shared Int32Array between the supervisor and every session's worker. */
export const SLOT = {
  /** The newest known killswitch change as `seq * 4 + state code`: the gate reads it on every order. */
  state: 0,
  /** The audit sequence number of the newest halt that asked to flatten. */
  flatten: 1,
  /** Bumped for every control change; the worker answers `applied` with it once it has acted. */
  generation: 2,
} as const;

/** Raises a shared slot to `value` unless it holds as much already. */
function raiseSlot(shared: Int32Array, slot: number, value: number): void {
  for (;;) {
    const current = Atomics.load(shared, slot);
    if (current >= value || Atomics.compareExchange(shared, slot, current, value) === current) return;
  }
}

/**
 * Publishes a killswitch change to the shared slot unless a newer one is there already: packed as
 * `seq * 4 + state code`, a later change is always the larger number, so the supervisor and every
 * session may publish what they learn from the journal in any order and the newest change wins.
 */
export const publishState = (shared: Int32Array, seq: number, state: TradingState): void => raiseSlot(shared, SLOT.state, seq * 4 + STATE_CODES.indexOf(state));

/** Publishes journaled changes (oldest first): the newest state, and the newest halt that asked to flatten. */
export function publishChanges(shared: Int32Array, changes: readonly JournaledChange[]): void {
  for (const c of changes) if (c.flatten && c.to === 'halted') raiseSlot(shared, SLOT.flatten, c.seq);
  const last = changes[changes.length - 1];
  if (last) publishState(shared, last.seq, last.to);
}

/** The trading state in the shared slot. */
export const sharedState = (shared: Int32Array): TradingState => STATE_CODES[Atomics.load(shared, SLOT.state) & 3] ?? 'halted';

/** What the supervisor tells a session. */
export type ControlMessage =
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'step' }
  /** Ends the session for good. */
  | { type: 'stop' }
  /** Commits and leaves the session as it is, to resume when the app starts again. */
  | { type: 'detach' }
  /** The killswitch changed (read the shared slots). */
  | { type: 'control' };

/** What a session tells the supervisor. */
export type SessionMessage =
  | { type: 'status'; info: PaperSessionInfo }
  | { type: 'applied'; generation: number }
  | { type: 'trip'; reason: string; at: number }
  | { type: 'ended'; info: PaperSessionInfo }
  /** A model of the session needs attention (accuracy under its backtest's, a drifting feature). */
  | { type: 'alert'; title: string; body: string }
  /** The session could not start or resume. */
  | { type: 'failed'; error: string }
  /** The backtest of the session's bars: the equity the session should track. */
  | { type: 'expected'; t: Float64Array; value: Float64Array };

/** A session's side of its channel to the supervisor. */
export interface SessionChannel {
  shared: Int32Array;
  /** Resolves after `ms` or as soon as a message arrives. */
  wait(ms: number): Promise<void>;
  /** Messages received since the last call. */
  take(): ControlMessage[];
  post(msg: SessionMessage): void;
}
