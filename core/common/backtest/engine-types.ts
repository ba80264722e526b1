import type { Bars } from '../bars';
import type { OrderIntent, OrderType } from './strategy';
import type { CostModel } from './costs';

/** How many contracts an entry buys or sells. */
export type Sizing =
  | { kind: 'fixed'; contracts: number }
  | { kind: 'notional'; amount: number }
  /** Notional = equity × target ÷ the instrument's annualised volatility over `lookback` bars, at most equity × maxLeverage. */
  | { kind: 'volatility'; target: number; lookback: number; maxLeverage?: number }
  /** Notional = equity × min(cap, p − (1 − p) ÷ payoff), p being the model's probability for the trade's side. */
  | { kind: 'kelly'; cap: number; payoff: number };

/** Contract terms the engine needs. */
export interface Contract {
  /** Currency per point of price. */
  multiplier: number;
  /** Minimum price increment. */
  tickSize: number;
  /** Settlement currency. */
  currency: string;
  /** Maintenance margin per contract held (0 or absent: none); equity below that of the open positions ruins the account. */
  maintenanceMargin?: number;
}

/** Everything about a run except the data and the strategy. */
export interface EngineConfig {
  /** Starting capital. */
  capital: number;
  /** Most positions open (or being opened) at once across symbols; 0 for no limit. */
  maxPositions: number;
  /** Market orders fill at the next bar's open, or at the signal bar's close. */
  fillAt: 'next_open' | 'close';
  costs: CostModel;
  sizing: Sizing;
  /** Bars in a year of this timeframe, to annualise volatility for sizing. */
  barsPerYear: number;
}

/** One symbol's data for a run: bars (times increasing), the strategy's feature columns, and optionally a model's probabilities, all aligned. */
export interface SymbolData extends Pick<Bars, 'symbol' | 't' | 'o' | 'h' | 'l' | 'c' | 'v'> {
  /** Contract terms. */
  contract: Contract;
  /** Feature column → values per bar. */
  features: ReadonlyMap<string, Float64Array>;
  /** Model probability per bar (absent: no model). */
  probability?: Float64Array;
}

/** A round trip, flat to flat. */
export interface Trade {
  symbol: string;
  side: 'long' | 'short';
  /** Time of the first entry fill, epoch ms. */
  entryTime: number;
  /** Average entry fill price (slippage included). */
  entryPrice: number;
  /** Time of the last exit fill, epoch ms. */
  exitTime: number;
  /** Average exit fill price (slippage included). */
  exitPrice: number;
  /** Contracts traded (the position's size). */
  qty: number;
  /** Commissions on all its fills. */
  fees: number;
  /** What slippage cost, in currency (already inside the fill prices). */
  slippage: number;
  /** Gross P&L in currency: price change × qty × multiplier, signed by side. */
  pnl: number;
  /** Bars closed while the position was open, counting the entry bar. */
  barsHeld: number;
  /** Maximum adverse excursion in currency (≤ 0), from the bars' highs and lows while open. */
  mae: number;
  /** Maximum favourable excursion in currency (≥ 0). */
  mfe: number;
  /** Why it was entered. */
  entryReason: string;
  /** Why it was exited (`end of data` when the run ended with it open). */
  exitReason: string;
  /** Index of the signal bar of the entry in its symbol's data. */
  signalBar: number;
}

/** What a run produced. */
export interface EngineResult {
  trades: Trade[];
  /** Equity after each distinct bar time (all symbols), marked at the closes. */
  equity: { t: Float64Array; value: Float64Array; exposure: Float64Array };
  /** Entry signals dropped because maxPositions were already open or being opened. */
  skippedForMaxPositions: number;
  /** Entries sized to zero contracts (too little capital or edge). */
  skippedForSize: number;
  /** Orders placed (each intent that became a working order). */
  orders: number;
  /** Intents the gate refused, with its reasons (none in a plain backtest). */
  denied: { t: number; symbol: string; intent: OrderIntent; reason: string }[];
  /** Sum of |filled notional| over the run. */
  tradedNotional: number;
  /** When the account was ruined (equity at or below zero, or under the maintenance margin of what it held, after a bar time): it was flattened then and traded no more. Null when it never was. */
  ruinedAt: number | null;
}

/** Someone who may refuse an intent before it becomes a working order (the risk gate in paper trading); `position` is the symbol's signed position now. */
export type IntentGate = (symbol: string, intent: OrderIntent, signedQty: number, price: number, position: number) => string | null;

/** One fill, as the paper broker journals it. */
export interface Fill {
  symbol: string;
  /** Time of the bar it filled on, epoch ms. */
  t: number;
  /** Signed contracts: > 0 bought, < 0 sold. */
  qty: number;
  /** Fill price, slippage included. */
  price: number;
  /** Commission charged. */
  fee: number;
  /** The order's reason. */
  reason: string;
}

/** A working order as the book shows it. */
export interface WorkingOrder {
  symbol: string;
  /** Sequence number of the order within the run (1 for the first). */
  id: number;
  action: 'entry' | 'exit';
  type: OrderType;
  /** Signed contracts still to fill (exits: the position to close). */
  qty: number;
  limit?: number;
  stop?: number;
  reason: string;
}

/** Positions, working orders and money at this moment. */
export interface BookSnapshot {
  cash: number;
  equity: number;
  positions: { symbol: string; qty: number; avgPrice: number; last: number; unrealised: number; multiplier: number }[];
  working: WorkingOrder[];
}

/** What the engine tells and asks as it runs (all optional: a plain backtest needs none). */
export interface EngineHooks {
  /** May refuse an intent before it becomes a working order. */
  gate?: IntentGate;
  /** An order was placed (it is working now). */
  onOrder?: (order: WorkingOrder, t: number) => void;
  /** A fill happened. */
  onFill?: (fill: Fill) => void;
}

/** The engine, one bar at a time: what runBacktest loops over and paper trading feeds as bars arrive. */
export interface Engine {
  /** Bar i of symbol k has closed (its data and features are in place): fill, mark, decide. */
  step(k: number, i: number): void;
  /** Bar i of symbol k, before trading starts: the strategy sees it with a flat position and what it asks for is dropped. */
  warm(k: number, i: number): void;
  /** Every symbol with a bar at time t has been stepped: record equity. */
  mark(t: number): void;
  /** Closes what is still open at each symbol's bar `last[k]`, as a market order at its close would. */
  finish(last: number[]): void;
  /** Trades, equity and counts so far. */
  result(): EngineResult;
  /** Cancels every working order; returns them. */
  cancelAll(): WorkingOrder[];
  /** Closes every open position at its symbol's last close (with the market-order slippage of that bar), for `reason`. */
  flatten(reason: string): Fill[];
  /** Positions, working orders, cash and equity now. */
  snapshot(): BookSnapshot;
  /** Equity now (cash plus open positions marked at their last closes), without building a snapshot. */
  equity(): number;
}
