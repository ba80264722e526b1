/**
 * The risk gate between every strategy and every broker, with the killswitch's trading state:
 * `active` lets through what the limits allow, `reducing` only orders that shrink a position, and
 * `halted` nothing but cancels. Pure functions over plain data, so the paper engine, the live
 * adapter and the tests all apply exactly the same rules.
 */
import type { RiskLimits } from './schemas';

/** The killswitch's trading states. */
export type TradingState = 'active' | 'reducing' | 'halted';

/** What asks for an order to go to the broker. */
export type OrderAction =
  | { kind: 'submit'; symbol: string; qty: number; price: number; id: string }
  | { kind: 'modify'; id: string; symbol: string; qty: number; price: number }
  | { kind: 'cancel'; id: string };

/** Limits checked on every submit and modify (absent: no such limit). */
export interface GateLimits {
  /** Largest absolute position per symbol, in contracts. */
  maxPosition?: number;
  /** Largest gross exposure (Σ |position × price × multiplier|), in currency. */
  maxGrossExposure?: number;
  /** Largest notional of one order, in currency. */
  maxOrderNotional?: number;
  /** Most orders (submits and modifies) per second. */
  maxOrdersPerSecond?: number;
  /** Most symbols with a position or a working order at once. */
  maxConcurrentPositions?: number;
}

/** What the gate knows of the book when it decides. */
export interface GateBook {
  /** Signed position per symbol. */
  positions: ReadonlyMap<string, number>;
  /** Working orders by id: symbol and signed remaining quantity. */
  working: ReadonlyMap<string, { symbol: string; qty: number }>;
  /** Last price per symbol (for exposure). */
  prices: ReadonlyMap<string, number>;
  /** Currency per point, per symbol (1 when absent). */
  multipliers?: ReadonlyMap<string, number>;
  /** Times (ms) of the orders sent in the last second. */
  recentOrders: readonly number[];
}

/** The gate's answer: allowed, or denied with the reason. */
export type GateDecision = { ok: true } | { ok: false; reason: string };

const deny = (reason: string): GateDecision => ({ ok: false, reason });

/**
 * Whether an order action may reach the broker now. A cancel always may; in `halted` nothing else
 * may; in `reducing` only an order that moves its symbol's position (with its other working orders)
 * towards zero without crossing it; in `active` the limits decide.
 */
export function gate(state: TradingState, action: OrderAction, book: GateBook, limits: GateLimits, now: number): GateDecision {
  if (action.kind === 'cancel') return { ok: true };
  if (state === 'halted') return deny(`trading is halted: only cancels are accepted (${action.kind} ${action.symbol} refused)`);
  const position = book.positions.get(action.symbol) ?? 0;
  // The symbol's exposure now (position and every working order) and after the action (a modify
  // replaces its order's old quantity).
  let before = position;
  let others = position;
  for (const [id, w] of book.working) {
    if (w.symbol !== action.symbol) continue;
    before += w.qty;
    if (!(action.kind === 'modify' && id === action.id)) others += w.qty;
  }
  const after = others + action.qty;
  if (state === 'reducing') {
    // A new order must shrink the exposure; a modify may also leave it as it is. Neither may cross zero.
    const shrinks = action.kind === 'modify' ? Math.abs(after) <= Math.abs(before) : Math.abs(after) < Math.abs(before);
    if (!shrinks || Math.sign(after) * Math.sign(before) < 0) return deny(`trading is reducing: ${action.kind} ${action.symbol} ${action.qty > 0 ? '+' : ''}${action.qty} would not reduce the position (${before} → ${after})`);
  }
  const mult = book.multipliers?.get(action.symbol) ?? 1;
  if (limits.maxOrderNotional !== undefined && Math.abs(action.qty * action.price * mult) > limits.maxOrderNotional) {
    return deny(`order notional ${Math.abs(action.qty * action.price * mult).toFixed(2)} exceeds the limit of ${limits.maxOrderNotional}`);
  }
  if (limits.maxPosition !== undefined && Math.abs(after) > limits.maxPosition && Math.abs(after) > Math.abs(before)) {
    return deny(`${action.symbol} would reach ${after} contracts, beyond the limit of ${limits.maxPosition}`);
  }
  if (limits.maxGrossExposure !== undefined) {
    let gross = 0;
    const symbols = new Set([...book.positions.keys(), ...[...book.working.values()].map((w) => w.symbol), action.symbol]);
    for (const s of symbols) {
      let q = book.positions.get(s) ?? 0;
      for (const [id, w] of book.working) if (w.symbol === s && !(action.kind === 'modify' && id === action.id)) q += w.qty;
      if (s === action.symbol) q += action.qty;
      gross += Math.abs(q * (s === action.symbol ? action.price : (book.prices.get(s) ?? 0)) * (book.multipliers?.get(s) ?? 1));
    }
    if (gross > limits.maxGrossExposure) return deny(`gross exposure would reach ${gross.toFixed(2)}, beyond the limit of ${limits.maxGrossExposure}`);
  }
  if (limits.maxConcurrentPositions !== undefined && before === 0 && after !== 0) {
    const busy = new Set([...[...book.positions].filter(([, q]) => q !== 0).map(([s]) => s), ...[...book.working.values()].map((w) => w.symbol)]);
    busy.delete(action.symbol);
    if (busy.size >= limits.maxConcurrentPositions) return deny(`${busy.size} symbols already hold positions or orders; the limit is ${limits.maxConcurrentPositions}`);
  }
  if (limits.maxOrdersPerSecond !== undefined) {
    const lastSecond = book.recentOrders.filter((t) => t > now - 1000).length;
    if (lastSecond >= limits.maxOrdersPerSecond) return deny(`${lastSecond} orders in the last second; the limit is ${limits.maxOrdersPerSecond}`);
  }
  return { ok: true };
}

/** Who changed the trading state. */
export type StateSource = 'ui' | 'menu' | 'cli' | 'api' | 'auto';

/** One audited change of the trading state. */
export interface StateChange {
  at: number;
  from: TradingState;
  to: TradingState;
  source: StateSource;
  reason: string;
}

/** A state change was refused: says why. */
export class StateChangeError extends Error {
  override name = 'StateChangeError';
}

/**
 * A change of the trading state, as the audit log records it. Every change needs a reason, and
 * leaving `halted` is an explicit re-arm: only a person (not an automatic trip) may do it.
 */
export function changeState(from: TradingState, to: TradingState, source: StateSource, reason: string, at: number): StateChange {
  if (reason.trim() === '') throw new StateChangeError(`a change of the trading state to ${to} needs a reason`);
  if (from === 'halted' && to !== 'halted' && source === 'auto') throw new StateChangeError('an automatic trip cannot re-arm a halted session; a person must resume it');
  return { at, from, to, source, reason: reason.trim() };
}

/**
 * The stricter of two sets of risk limits and killswitch trips, limit by limit: every limit is a
 * ceiling, so the lower value wins and a limit either side sets applies. Account limits from
 * Settings combine with a portfolio's own this way, so a portfolio can tighten them, never loosen.
 */
export function stricterLimits(a: RiskLimits, b: RiskLimits): RiskLimits {
  const out: RiskLimits = { ...a };
  for (const [k, v] of Object.entries(b) as [keyof RiskLimits, number | undefined][]) {
    if (v === undefined) continue;
    const mine = out[k];
    out[k] = mine === undefined ? v : Math.min(mine, v);
  }
  return out;
}
