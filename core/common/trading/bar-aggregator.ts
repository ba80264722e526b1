import type { FeatureBar } from '../features/types';

/** A closed bar of one symbol, opening at `t`. */
export type OhlcvBar = Pick<FeatureBar, 't' | 'o' | 'h' | 'l' | 'c' | 'v'>;

/**
 * Builds bars of an intraday timeframe from closed one-minute bars as they stream in, with the
 * lake's bucketing (UTC-aligned buckets of the timeframe's length, as DuckDB's time_bucket makes
 * them), so a live feed feeds the strategy the bars a replay of the same minutes reads.
 *
 * A bucket closes when its last minute arrives, or when any symbol's minute shows that the feed's
 * clock has passed its end (a symbol that did not trade in its last minute); `drain` closes the rest.
 */
export class BarAggregator {
  private readonly open: (OhlcvBar | null)[];
  private readonly last: number[];

  constructor(
    symbols: number,
    private readonly ms: number,
  ) {
    this.open = new Array<OhlcvBar | null>(symbols).fill(null);
    this.last = new Array<number>(symbols).fill(Number.NEGATIVE_INFINITY);
  }

  /**
   * Takes symbol k's minute opening at `m.t`; returns the bars that closed with it, oldest first, as
   * [symbol, bar] pairs. A minute at or before one already taken for the symbol is dropped (a
   * repeat after a reconnect) and returns nothing.
   */
  push(k: number, m: OhlcvBar): [number, OhlcvBar][] {
    if (m.t <= this.last[k]!) return [];
    this.last[k] = m.t;
    const out: [number, OhlcvBar][] = [];
    const start = Math.floor(m.t / this.ms) * this.ms;
    // Every other symbol's bucket that ended before this minute began is complete.
    for (let j = 0; j < this.open.length; j++) {
      const b = this.open[j];
      if (b && b.t + this.ms <= start) {
        out.push([j, b]);
        this.open[j] = null;
      }
    }
    out.sort((a, b) => a[1].t - b[1].t || a[0] - b[0]);
    const cur = this.open[k];
    if (cur) {
      cur.h = Math.max(cur.h, m.h);
      cur.l = Math.min(cur.l, m.l);
      cur.c = m.c;
      cur.v += m.v;
    } else {
      this.open[k] = { t: start, o: m.o, h: m.h, l: m.l, c: m.c, v: m.v };
    }
    if (m.t + 60_000 >= start + this.ms) {
      out.push([k, this.open[k]!]);
      this.open[k] = null;
    }
    return out;
  }

  /** Closes every open bucket (the feed ended); oldest first. */
  drain(): [number, OhlcvBar][] {
    const out: [number, OhlcvBar][] = [];
    this.open.forEach((b, k) => b && out.push([k, b]));
    this.open.fill(null);
    return out.sort((a, b) => a[1].t - b[1].t || a[0] - b[0]);
  }
}
