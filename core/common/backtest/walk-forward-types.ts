import type { BacktestMetrics } from './metrics';

/** How the windows move. */
export interface WalkForwardPlan {
  /** Bars in each in-sample window (the first one's length when anchored). */
  inSample: number;
  /** Bars in each out-of-sample window. */
  outOfSample: number;
  /** Anchored: every in-sample window starts at the first bar (expanding); else they roll. */
  anchored: boolean;
}

/** One window: where it was, what the in-sample search chose, and how that did out of sample. */
export interface WalkForwardWindow {
  /** First and last bar time of the in-sample window. */
  inSample: { from: number; to: number };
  /** First and last bar time of the out-of-sample window. */
  outOfSample: { from: number; to: number };
  params: Record<string, number>;
  inSampleSharpe: number;
  /** The chosen parameters' annual return in sample. */
  inSampleReturn: number;
  /** How the chosen parameters did out of sample. */
  result: BacktestMetrics;
}

/** The outcome: every window, and the out-of-sample equity stitched into one curve. */
export interface WalkForwardResult {
  windows: WalkForwardWindow[];
  /** Plain arrays: the result is kept with its job as JSON. */
  equity: { t: number[]; value: number[] };
  /** Metrics of the stitched out-of-sample equity. */
  metrics: BacktestMetrics;
  /**
   * In sample for comparison: the parameters best over the whole series (chosen with hindsight),
   * traded over the same out-of-sample span from the same capital. The gap between the two curves is
   * what optimising in hindsight flatters.
   */
  hindsight: { params: Record<string, number>; equity: { t: number[]; value: number[] }; metrics: BacktestMetrics };
  /** Walk-forward efficiency: the stitched out-of-sample annual return over the windows' mean in-sample annual return (0 where that is not positive). */
  efficiency: number;
}
