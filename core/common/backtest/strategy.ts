/**
 * The one strategy interface, shared by backtests and paper trading: a strategy sees each bar of its
 * symbols as it closes, with that bar's registry features and (when a model is attached) the model's
 * probability, plus a read-only view of its positions; it answers with orders. It never sees the
 * broker, fills or cash: the engine (or the paper broker) decides what happens to its orders.
 */

import type { FeatureBar } from '../features/types';

/** Order types a strategy may emit. */
export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit';

/** What a strategy asks for. */
export interface OrderIntent {
  /** Which symbol. */
  symbol: string;
  /** `entry` opens a position (sized by the engine's sizing model); `exit` closes the whole position. */
  action: 'entry' | 'exit';
  /** Direction of an entry (ignored for exits, which close whatever is open). */
  side: 'long' | 'short';
  /** Order type; market unless given. */
  type?: OrderType;
  /** Limit price, for limit and stop-limit orders. */
  limit?: number;
  /** Stop (trigger) price, for stop and stop-limit orders. */
  stop?: number;
  /** Why, in a few words (shown with the trade). */
  reason: string;
}

/** One closed bar as the strategy receives it: its prices as a streaming feature kernel sees them, and more. */
export interface StrategyBar extends Pick<FeatureBar, 't' | 'o' | 'h' | 'l' | 'c' | 'v'> {
  /** Symbol of the bar. */
  symbol: string;
  /** Feature column → value at this bar (NaN while warming up). */
  features: ReadonlyMap<string, number>;
  /** The attached model's probability of class 1 at this bar; NaN without a model. */
  probability: number;
}

/** A strategy's read-only view of its own position in a symbol. */
export interface PositionView {
  /** Signed quantity: > 0 long, < 0 short, 0 flat. */
  qty: number;
  /** Bars closed since the position was opened, counting the bar it opened on (0 when flat). */
  barsHeld: number;
  /** Whether an order of this strategy for the symbol is still working. */
  pending: boolean;
}

/** A strategy: declared features, then one decision per closed bar. */
export interface Strategy {
  /** Name, as configs and the CLI give it. */
  name: string;
  /** Feature specs (registry syntax, e.g. `rsi(2)`) it reads; the engine computes them with the one feature code path. */
  features: string[];
  /** Decides on a closed bar; returns the orders to place (none to do nothing). */
  onBar(bar: StrategyBar, position: PositionView): OrderIntent[];
}
