import type { Timeframe } from '../timeframes';
import type { BacktestMetrics } from './metrics';
import type { FactorRegression } from './factors';
import type { PortfolioResult } from './portfolio';
import type { PortfolioTerms } from './schemas';
import type { RiskLimits } from '../trading/schemas';

/** A stored backtest run as lists show it. */
export interface BacktestSummary {
  /** Run id (time-sortable), the folder name under gold/backtests/. */
  runId: string;
  /** When it ran, epoch ms. */
  createdAt: number;
  /** Strategy name (`+ml` when gated by a model). */
  strategy: string;
  /** The strategy's parameters, defaults filled in. */
  params: Record<string, number>;
  /** Symbols traded. */
  symbols: string[];
  /** Bar timeframe. */
  timeframe: Timeframe;
  /** First and last bar time, epoch ms. */
  from: number;
  to: number;
  /** The gating model as ID@VERSION, or null. */
  model: string | null;
  /** The probability an entry needed, when gated. */
  threshold: number | null;
  /** Performance (equity floored at zero: returns at or above −100%, drawdowns at most 100%). */
  metrics: BacktestMetrics;
  /** Regression of the daily returns on user factors, when a factor file was given. */
  factors?: FactorRegression & { file: string };
  /** When the account was ruined (equity at or below zero): everything was closed then and nothing more traded. */
  ruinedAt?: number;
}

/** A run's trades as columns, numbers as typed arrays. */
export interface TradeColumns {
  symbol: string[];
  side: string[];
  /** Time of the bar whose close signalled the entry (its features are the ones listed). */
  signalTime: Float64Array;
  entryTime: Float64Array;
  entryPrice: Float64Array;
  exitTime: Float64Array;
  exitPrice: Float64Array;
  qty: Float64Array;
  fees: Float64Array;
  slippage: Float64Array;
  pnl: Float64Array;
  barsHeld: Float64Array;
  mae: Float64Array;
  mfe: Float64Array;
  entryReason: string[];
  exitReason: string[];
  /** The strategy's feature values at each entry's signal bar, by column. */
  features: Record<string, Float64Array>;
}

/** A stored run in full. */
export interface BacktestDetail extends BacktestSummary {
  /** The request as given. */
  config: Record<string, unknown>;
  /** Equity after each bar time and its drawdown from the running peak (a fraction). */
  equity: { t: Float64Array; value: Float64Array; drawdown: Float64Array };
  trades: TradeColumns;
  /** Entry signals not taken: max positions reached, or sized to nothing. */
  skipped: { maxPositions: number; size: number };
}

/** A stored portfolio search: its id, the search and the config paper trading and the git export read. */
export interface PortfolioRun {
  /** Time-sortable id, the folder under lake/gold/portfolios/. */
  id: string;
  result: PortfolioResult;
  /**
   * The portfolio: instruments with the strategy and parameters their runs used, the position limit,
   * and `terms`, the chosen runs' capital, fills and costs (absent in portfolios stored before terms
   * were kept: then read from the first instrument's run).
   */
  config: { instruments: { name: string; symbol: string; run: string; strategy: string; params: Record<string, number>; timeframe: string; model: string | null; threshold: number | null; ruleOnly?: boolean }[]; maxPositions: number; sizing: unknown; riskLimits: RiskLimits; objective: string; split: string; terms?: PortfolioTerms };
  /** The chosen instruments backtested together, when any were chosen. */
  backtest?: PortfolioBacktest;
  /** Why there is no joint backtest although instruments were chosen. */
  backtestSkipped?: string;
}

/** A portfolio's own backtest: its run and each instrument's share of the P&L and of the risk. */
export interface PortfolioBacktest {
  /** The stored run (strategy `portfolio`). */
  run: BacktestSummary;
  /** Per instrument: net P&L, its share of the total, and its share of the variance of daily P&L (Euler contributions, summing to 1). */
  instruments: { name: string; netPnl: number; pnlShare: number; riskShare: number }[];
  /** Correlations of the instruments' daily net P&L over the whole run. */
  correlation: number[][];
}
