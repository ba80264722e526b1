/**
 * Automatic killswitch trips: what a running session watches after every bar. Each check answers
 * with the reason to halt, or null. Times are the feed's clock (bar times), so a replay trips exactly
 * where the same market would have tripped it live, and a resumed session trips where it did before.
 */

/** The trip settings of a portfolio (absent: that trip is off). */
export interface TripLimits {
  /** Halt when the day's loss (equity at the day's first bar minus equity now) reaches this much currency. */
  dailyLoss?: number;
  /** Halt when equity falls this fraction below its peak (0.2 = 20%). */
  maxDrawdown?: number;
  /** Halt when more orders than this were placed within one minute. */
  maxOrdersPerMinute?: number;
  /** Halt when this many errors (bad bars, failing strategies) happen within one minute. */
  maxErrorsPerMinute?: number;
  /** Halt when no bar arrives for this many bar intervals (checked on the wall clock while the feed runs). */
  staleBars?: number;
}

const MINUTE_MS = 60_000;

/** The figures the trips judge, as the monitor's limit bars show them. */
export interface TripReadings {
  /** Equity now minus equity after the trading day's first bar time. */
  dayPnl: number;
  /** Fraction below the peak equity (0 at or above it). */
  drawdown: number;
  /** Orders placed within the last minute of feed time. */
  ordersLastMinute: number;
}

/** Watches a session's equity, orders and errors; each method returns a trip reason or null. */
export class TripMonitor {
  private peak = Number.NEGATIVE_INFINITY;
  private day = Number.NaN;
  private dayStart = 0;
  private readonly orders: number[] = [];
  private readonly errors: number[] = [];

  constructor(private readonly limits: TripLimits) {}

  /** Equity after the bars at time t of trading day `day` (days count from the epoch). */
  equity(day: number, value: number): string | null {
    if (day !== this.day) {
      this.day = day;
      this.dayStart = value;
    }
    this.peak = Math.max(this.peak, value);
    const { dailyLoss, maxDrawdown } = this.limits;
    const lost = this.dayStart - value;
    if (dailyLoss !== undefined && lost >= dailyLoss) return `daily loss ${lost.toFixed(2)} reached the limit of ${dailyLoss}`;
    const drawdown = this.peak > 0 ? (this.peak - value) / this.peak : 0;
    if (maxDrawdown !== undefined && drawdown >= maxDrawdown) return `drawdown ${(drawdown * 100).toFixed(2)}% from the peak equity ${this.peak.toFixed(2)} reached the limit of ${(maxDrawdown * 100).toFixed(2)}%`;
    return null;
  }

  /** An order was placed at time t. */
  order(t: number): string | null {
    const n = countWithin(this.orders, t);
    const limit = this.limits.maxOrdersPerMinute;
    return limit !== undefined && n > limit ? `${n} orders within a minute, beyond the limit of ${limit}` : null;
  }

  /** An error happened at time t. */
  error(t: number, what: string): string | null {
    const n = countWithin(this.errors, t);
    const limit = this.limits.maxErrorsPerMinute;
    return limit !== undefined && n >= limit ? `${n} errors within a minute (the last: ${what}), at the limit of ${limit}` : null;
  }

  /** Where the watched figures stand at feed time t with `equity` now: the day's loss and P&L, the drawdown from the peak, and the orders of the last minute. */
  readings(equity: number, t: number): TripReadings {
    const dayStart = Number.isNaN(this.day) ? equity : this.dayStart;
    return {
      dayPnl: equity - dayStart,
      drawdown: this.peak > 0 ? Math.max(0, (this.peak - equity) / this.peak) : 0,
      ordersLastMinute: this.orders.filter((x) => x > t - MINUTE_MS).length,
    };
  }

  /** Whether the feed is stale: `silentMs` without a bar, for bars every `intervalMs`. */
  stale(silentMs: number, intervalMs: number): string | null {
    const n = this.limits.staleBars;
    return n !== undefined && silentMs >= n * intervalMs ? `no bar for ${(silentMs / 1000).toFixed(1)} s (${n} intervals of ${(intervalMs / 1000).toFixed(0)} s): the feed is stale` : null;
  }
}

/** Adds t to the window and returns how many times fall within the minute ending at t. */
function countWithin(times: number[], t: number): number {
  times.push(t);
  while (times.length > 0 && times[0]! <= t - MINUTE_MS) times.shift();
  return times.length;
}
