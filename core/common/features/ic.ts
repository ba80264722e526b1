/** Information-coefficient statistics of one feature against forward returns of one horizon. */
export interface IcStats {
  feature: string;
  horizon: number;
  /** Mean per-period Pearson correlation of the feature with the forward return. */
  ic: number;
  /** Mean per-period Spearman (rank) correlation. */
  rankIc: number;
  /** Standard deviation of the per-period ICs. */
  icStd: number;
  /** Mean IC / its standard deviation. */
  icir: number;
  /** Mean IC / (standard deviation / √periods). */
  tStat: number;
  /** Periods with enough observations to count. */
  periods: number;
  /** Observations used. */
  observations: number;
  /** Mean forward return per feature quintile, lowest first (pooled over all rows). */
  quintiles: number[];
  /** Top quintile's mean forward return minus the bottom's. */
  spread: number;
}

/** Pearson correlation of paired values; NaN when either side is constant. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}

/** Ranks with ties averaged (1-based). */
export function ranks(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const out = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && x[idx[j + 1]!] === x[idx[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) out[idx[k]!] = r;
    i = j + 1;
  }
  return out;
}

/** Forward log returns over h bars (NaN where the horizon runs past the end). */
export function forwardReturns(close: Float64Array, h: number): Float64Array {
  const out = new Float64Array(close.length).fill(Number.NaN);
  for (let i = 0; i + h < close.length; i++) out[i] = Math.log(close[i + h]! / close[i]!);
  return out;
}

/** One symbol's data for IC analysis: a feature, forward returns and a period key per row. */
export interface IcSample {
  feature: Float64Array;
  forward: Float64Array;
  period: Int32Array;
}

const MIN_PER_PERIOD = 10;

/**
 * IC statistics over samples (one per symbol): correlations are taken per period (a session, or a
 * month for daily bars) and averaged; quintile returns are pooled over every valid row.
 */
export function icStats(feature: string, horizon: number, samples: IcSample[]): IcStats {
  const ics: number[] = [];
  const rankIcs: number[] = [];
  const allX: number[] = [];
  const allY: number[] = [];
  for (const s of samples) {
    let start = 0;
    while (start < s.period.length) {
      let end = start;
      while (end < s.period.length && s.period[end] === s.period[start]) end++;
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = start; i < end; i++) {
        const x = s.feature[i]!;
        const y = s.forward[i]!;
        if (Number.isFinite(x) && Number.isFinite(y)) {
          xs.push(x);
          ys.push(y);
        }
      }
      for (let k = 0; k < xs.length; k++) {
        allX.push(xs[k]!);
        allY.push(ys[k]!);
      }
      if (xs.length >= MIN_PER_PERIOD) {
        const ic = pearson(xs, ys);
        if (!Number.isNaN(ic)) {
          ics.push(ic);
          rankIcs.push(pearson(ranks(xs), ranks(ys)));
        }
      }
      start = end;
    }
  }
  const mean = (a: number[]): number => (a.length ? a.reduce((p, q) => p + q, 0) / a.length : Number.NaN);
  const ic = mean(ics);
  const icStd = ics.length > 1 ? Math.sqrt(ics.reduce((p, q) => p + (q - ic) ** 2, 0) / (ics.length - 1)) : Number.NaN;
  const quintiles = quintileMeans(allX, allY);
  return {
    feature,
    horizon,
    ic,
    rankIc: mean(rankIcs.filter((x) => !Number.isNaN(x))),
    icStd,
    icir: ic / icStd,
    tStat: ic / (icStd / Math.sqrt(ics.length)),
    periods: ics.length,
    observations: allX.length,
    quintiles,
    spread: quintiles[4]! - quintiles[0]!,
  };
}

/** Mean of y within each quintile of x (rows sorted by x, split into five equal counts). */
export function quintileMeans(x: number[], y: number[]): number[] {
  const n = x.length;
  if (n < 5) return [Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN];
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const out: number[] = [];
  for (let q = 0; q < 5; q++) {
    const from = Math.floor((q * n) / 5);
    const to = Math.floor(((q + 1) * n) / 5);
    let s = 0;
    for (let k = from; k < to; k++) s += y[order[k]!]!;
    out.push(s / (to - from));
  }
  return out;
}
