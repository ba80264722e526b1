/**
 * Mean and population standard deviation of a column, skipping missing values (NaN). The deviation
 * is 0 for a column with fewer than two values or no spread; scalers use 1 in its place.
 */
export function columnMoments(col: ArrayLike<number>): { mean: number; sd: number } {
  let s = 0;
  let c = 0;
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!;
    if (!Number.isNaN(v)) {
      s += v;
      c++;
    }
  }
  const mean = c ? s / c : 0;
  let ss = 0;
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!;
    if (!Number.isNaN(v)) ss += (v - mean) ** 2;
  }
  return { mean, sd: c > 1 && ss > 0 ? Math.sqrt(ss / c) : 0 };
}

/** Means and deviations (1 where a column has no spread) of every column, for standardising inputs. */
export function scalerOf(x: Float64Array[]): { mean: Float64Array; sd: Float64Array } {
  const m = x.map(columnMoments);
  return { mean: Float64Array.from(m, (v) => v.mean), sd: Float64Array.from(m, (v) => v.sd || 1) };
}
