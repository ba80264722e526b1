/**
 * The running statistics features are built from. Streaming kernels and batch loops both step these
 * same objects, so the two paths perform the same floating-point operations in the same order and
 * agree exactly.
 */

/** True range of a bar: max(high, previous close) − min(low, previous close). */
export function trueRange(high: number, low: number, prevClose: number): number {
  return (high > prevClose ? high : prevClose) - (low < prevClose ? low : prevClose);
}

/** Simple moving average over the last n values (running sum). */
export class RollingMean {
  private readonly ring: Float64Array;
  private at = 0;
  private count = 0;
  private sum = 0;

  constructor(readonly n: number) {
    this.ring = new Float64Array(n);
  }

  /** Adds a value; returns the mean of the last n, NaN until n values were seen. */
  step(x: number): number {
    if (this.count >= this.n) this.sum -= this.ring[this.at]!;
    else this.count++;
    this.ring[this.at] = x;
    this.sum += x;
    this.at = this.at + 1 === this.n ? 0 : this.at + 1;
    return this.count < this.n ? Number.NaN : this.sum / this.n;
  }
}

/**
 * Mean and standard deviation over the last n values. Sums are kept relative to an anchor near the
 * window's mean, re-anchored (and recomputed exactly) every max(n, 256) steps, so prices far from zero
 * lose no precision to cancellation and rounding errors cannot pile up.
 */
export class RollingStd {
  private readonly ring: Float64Array;
  private at = 0;
  private count = 0;
  private anchor = 0;
  private s1 = 0;
  private s2 = 0;
  private sinceAnchor = 0;
  /** Mean of the window after the last step. */
  mean = Number.NaN;

  /** `ddof` 0 gives the population deviation, 1 the sample deviation. */
  constructor(
    readonly n: number,
    private readonly ddof: 0 | 1,
  ) {
    this.ring = new Float64Array(n);
  }

  /** Adds a value; returns the deviation of the last n, NaN until n values were seen. */
  step(x: number): number {
    const ring = this.ring;
    const at = this.at;
    const n = this.n;
    let s1 = this.s1;
    let s2 = this.s2;
    if (this.count >= n) {
      const d0 = ring[at]! - this.anchor;
      s1 -= d0;
      s2 -= d0 * d0;
    } else if (this.count++ === 0) this.anchor = x;
    ring[at] = x;
    const d = x - this.anchor;
    s1 += d;
    s2 += d * d;
    this.s1 = s1;
    this.s2 = s2;
    this.at = at + 1 === n ? 0 : at + 1;
    if (this.count < n) return Number.NaN;
    if (++this.sinceAnchor >= n && this.sinceAnchor >= 256) this.reanchor();
    const m = this.s1 / n;
    this.mean = this.anchor + m;
    const v = (this.s2 - this.s1 * m) / (n - this.ddof);
    return v > 0 ? Math.sqrt(v) : 0;
  }

  private reanchor(): void {
    this.sinceAnchor = 0;
    this.anchor += this.s1 / this.n;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < this.n; i++) {
      const d = this.ring[i]! - this.anchor;
      s1 += d;
      s2 += d * d;
    }
    this.s1 = s1;
    this.s2 = s2;
  }
}

/** Exponential moving average with alpha = 2/(n+1), seeded by the mean of the first n values (TA-Lib's convention). */
export class Ema {
  private readonly alpha: number;
  private count = 0;
  private sum = 0;
  private value = Number.NaN;

  constructor(readonly n: number) {
    this.alpha = 2 / (n + 1);
  }

  /** Adds a value; returns the average, NaN for the first n-1 values. NaN inputs are skipped while seeding. */
  step(x: number): number {
    if (this.count < this.n) {
      if (Number.isNaN(x)) return Number.NaN;
      this.sum += x;
      if (++this.count === this.n) this.value = this.sum / this.n;
      return this.value;
    }
    this.value += this.alpha * (x - this.value);
    return this.value;
  }
}

/** Wilder's smoothing: the mean of the first n values, then (previous × (n−1) + x) / n. */
export class Wilder {
  private count = 0;
  private sum = 0;
  private value = Number.NaN;
  private seeded = false;
  private readonly keep: number;

  constructor(readonly n: number) {
    this.keep = n - 1;
  }

  /** Adds a value; returns the smoothed value, NaN for the first n-1 values. */
  step(x: number): number {
    if (this.seeded) return (this.value = (this.value * this.keep + x) / this.n);
    this.sum += x;
    if (++this.count === this.n) {
      this.value = this.sum / this.n;
      this.seeded = true;
    }
    return this.value;
  }
}

/** The last n values of a stream (n ≥ 1), oldest first by `ago`. */
export class History {
  private readonly ring: Float64Array;
  private at = 0;
  /** Values seen so far. */
  count = 0;

  constructor(readonly n: number) {
    this.ring = new Float64Array(n);
  }

  /** Adds a value. */
  push(x: number): void {
    this.ring[this.at] = x;
    this.at = this.at + 1 === this.n ? 0 : this.at + 1;
    this.count++;
  }

  /** The value k steps back (0 = the newest); NaN if not seen yet. */
  ago(k: number): number {
    if (k >= this.count || k >= this.n) return Number.NaN;
    const i = this.at - 1 - k;
    return this.ring[i < 0 ? i + this.n : i]!;
  }
}

/** Running extreme over the last n values with a monotonic deque (amortised O(1)). */
export class RollingExtreme {
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  private head = 0;
  private tail = 0;
  private i = 0;

  constructor(
    readonly n: number,
    private readonly max: boolean,
  ) {
    this.idx = new Int32Array(n + 1);
    this.val = new Float64Array(n + 1);
  }

  /** Adds a value; returns the extreme of the last n, NaN until n values were seen. */
  step(x: number): number {
    const cap = this.n + 1;
    while (this.head !== this.tail) {
      const last = this.tail === 0 ? cap - 1 : this.tail - 1;
      if (this.max ? this.val[last]! <= x : this.val[last]! >= x) this.tail = last;
      else break;
    }
    this.idx[this.tail] = this.i;
    this.val[this.tail] = x;
    this.tail = this.tail + 1 === cap ? 0 : this.tail + 1;
    while (this.idx[this.head]! <= this.i - this.n) this.head = this.head + 1 === cap ? 0 : this.head + 1;
    this.i++;
    return this.i < this.n ? Number.NaN : this.val[this.head]!;
  }
}
