/**
 * The last `length` feature rows of a stream, for sequence models that read a window [T, F] per
 * prediction: rows are pushed as bars close and a window is written oldest first. A backtest builds
 * its windows from a feature build's rows through the same ring as a paper session's bars, so both
 * feed the model the same numbers. Rows not yet seen (the stream's first T − 1) are missing (NaN).
 */
export class WindowRing {
  private readonly rows: Float32Array;
  private next = 0;

  constructor(
    /** Rows per window (T). */
    readonly length: number,
    /** Features per row (F). */
    readonly width: number,
  ) {
    if (!Number.isInteger(length) || length < 1 || !Number.isInteger(width) || width < 1) throw new RangeError(`a window of ${length} rows of ${width} features`);
    this.rows = new Float32Array(length * width).fill(Number.NaN);
  }

  /** Appends one row (`width` values of `from` starting at `at`), dropping the oldest. */
  push(from: ArrayLike<number>, at = 0): void {
    const o = (this.next % this.length) * this.width;
    for (let j = 0; j < this.width; j++) this.rows[o + j] = from[at + j]!;
    this.next++;
  }

  /** Writes the current window, oldest row first, into `into` at `at` (length × width values). */
  write(into: Float32Array, at = 0): void {
    const w = this.width;
    for (let r = 0; r < this.length; r++) {
      const src = ((this.next + r) % this.length) * w;
      into.set(this.rows.subarray(src, src + w), at + r * w);
    }
  }
}

/** Windows [n, length, F] over feature columns (one window ending at each row), through a WindowRing. */
export function windowsOf(columns: readonly ArrayLike<number>[], length: number): Float32Array {
  const n = columns[0]?.length ?? 0;
  const width = columns.length;
  const ring = new WindowRing(length, width);
  const row = new Float32Array(width);
  const out = new Float32Array(n * length * width);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < width; j++) row[j] = columns[j]![i]!;
    ring.push(row);
    ring.write(out, i * length * width);
  }
  return out;
}
