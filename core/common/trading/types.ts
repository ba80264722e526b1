import type { RiskLimits } from './schemas';
import type { StateChange, TradingState } from './risk';
import type { Trade } from '../backtest/engine-types';

/** Something a trader must see now: a killswitch trip, a session that stopped, a model that drifts. */
export interface PaperAlert {
  /** What raised it. */
  kind: 'trip' | 'session' | 'model';
  /** One line: what happened, and where. */
  title: string;
  /** The figures behind it. */
  body: string;
  /** When it was raised, epoch ms. */
  at: number;
  /** The paper session it concerns, when one does. */
  session?: string;
}

/** The killswitch as the app shows it: the trading state and its audited history, newest first. */
export interface KillswitchStatus {
  state: TradingState;
  history: StateChange[];
}

/** A paper replay's outcome. */
export interface PaperSummary {
  portfolio: string;
  from: string;
  to: string;
  /** Bars fed through features, strategy, risk gate and broker. */
  bars: number;
  /** Orders that reached the paper broker, and those the risk gate refused (with reasons). */
  orders: number;
  denials: { t: number; symbol: string; reason: string }[];
  trades: Trade[];
  netPnl: number;
  finalEquity: number;
  /** The trading state the session ran under (from the journal). */
  state: string;
}

/** Where a paper session's bars come from. */
export type PaperFeedSpec =
  /** Stored bars from `from` to `to` (dates), paced at `speed` × real time, or as fast as possible. */
  | { kind: 'replay'; from: string; to: string; speed: number | 'max' }
  /**
   * A live feed: a Polygon-protocol WebSocket or Databento's gateway (`dbn://`); with `features`, a
   * feature set (its definition as journaled) evaluated at every bar close.
   */
  | { kind: 'live'; url: string; features?: { name: string; file: string; text: string } };

/** How a paper session's model is doing live, against its backtest and its training data. */
export interface ModelMonitorInfo {
  instrument: string;
  /** `ID@VERSION`. */
  model: string;
  /** Predictions made, and those whose outcome (the model's label) is known by now. */
  predictions: number;
  resolved: number;
  lastProbability: number | null;
  /** The bar the last probability is for (its open, epoch ms). */
  lastT: number | null;
  /** For a retrieval (kNN) model, the past events its last prediction was drawn from, nearest first: when, which symbol, and how each turned out (1 or 0). */
  neighbours: { t: number; symbol: string; outcome: number }[];
  /** Share of the last 200 resolved predictions on the right side of 0.5; the model's test-period accuracy. */
  liveAccuracy: number | null;
  backtestAccuracy: number | null;
  /** Resolved predictions by probability decile: mean predicted probability against the realised rate. */
  calibration: { from: number; to: number; n: number; meanP: number | null; rate: number | null }[];
  /** Population stability index of each input feature's live values against its training distribution (deciles). */
  psi: { feature: string; value: number | null }[];
}

/** Where a paper session stands. */
export type PaperSessionStatus = 'starting' | 'running' | 'paused' | 'stopped' | 'finished' | 'failed';

/** One risk limit's usage, for the monitor's bars. */
export interface LimitUsage {
  /** The limit's name as the portfolio config spells it. */
  name: string;
  used: number;
  limit: number;
}

/** A paper session as the monitor shows it. */
export interface PaperSessionInfo {
  id: string;
  portfolio: string;
  feed: PaperFeedSpec;
  status: PaperSessionStatus;
  error: string | null;
  createdAt: number;
  /** Bars fed (and journaled) so far, and the last one's time. */
  bars: number;
  feedTime: number | null;
  capital: number;
  cash: number;
  equity: number;
  /** Equity now minus equity after the current trading day's first bar time, as the daily-loss trip measures it. */
  todayPnl: number;
  positions: { symbol: string; qty: number; avgPrice: number; last: number; unrealised: number; multiplier: number }[];
  working: { symbol: string; id: number; action: 'entry' | 'exit'; type: string; qty: number; limit?: number; stop?: number; reason: string }[];
  orders: number;
  fills: number;
  denials: number;
  /** The newest fills and denials, newest last. */
  recentFills: { symbol: string; t: number; qty: number; price: number; fee: number; reason: string }[];
  recentDenials: { t: number; symbol: string; reason: string }[];
  limits: LimitUsage[];
  /** Each model-gated instrument's monitoring (absent when no instrument is gated). */
  models?: ModelMonitorInfo[];
  /** The feature set evaluated live at every close (`features:` of the session), its rows journaled so far and the newest (absent without one). */
  features?: { set: string; rows: number; last: { symbol: string; t: number; close: number; values: Record<string, number | null> } | null };
}

/** A paper session with its curves: equity after each bar time, and what the backtest of the same bars expected. */
export interface PaperSessionDetail extends PaperSessionInfo {
  equityCurve: { t: Float64Array; value: Float64Array };
  expected: { t: Float64Array; value: Float64Array } | null;
}

/** Paper trading settings. */
export interface PaperSettings {
  /** Where alerts are also POSTed as JSON; null: nowhere. */
  webhook: string | null;
  /** Account risk limits and killswitch trips, applied with each portfolio's own (the stricter wins). */
  limits: RiskLimits;
}
