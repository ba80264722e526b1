import { scalerOf } from './moments';

/**
 * Linear models with standardisation built in: logistic regression with L2 (Newton) or L1 / elastic-net
 * penalties (IRLS with coordinate descent), ridge regression (normal equations) and the lasso
 * (coordinate descent). Missing inputs are imputed with the training mean. The fitted weights are
 * returned in the original feature scale, so exporters need no scaler.
 */

/** A fitted linear model: score = intercept + Σ coef[j] × x[j] (x[j] missing → mean[j]). */
export interface LinearModel {
  objective: 'binary' | 'regression';
  coef: Float64Array;
  intercept: number;
  /** Training means, used for missing inputs. */
  mean: Float64Array;
}

/** Solves A x = b for a symmetric positive-definite A (row-major, n×n) by Cholesky. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-300)) : s / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/** Standardised design matrix (row-major, with a leading 1 for the intercept), means and deviations. */
function design(x: Float64Array[]): { z: Float64Array; mean: Float64Array; sd: Float64Array; n: number; d: number } {
  const nf = x.length;
  const n = x[0]?.length ?? 0;
  const { mean, sd } = scalerOf(x);
  const d = nf + 1;
  const z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    z[i * d] = 1;
    for (let j = 0; j < nf; j++) {
      const v = x[j]![i]!;
      z[i * d + j + 1] = Number.isNaN(v) ? 0 : (v - mean[j]!) / sd[j]!;
    }
  }
  return { z, mean, sd, n, d };
}

/** Maps standardised weights back to the original scale. */
function unscale(w: Float64Array, mean: Float64Array, sd: Float64Array, objective: LinearModel['objective']): LinearModel {
  const coef = Float64Array.from(mean, (_, j) => w[j + 1]! / sd[j]!);
  let intercept = w[0]!;
  for (let j = 0; j < coef.length; j++) intercept -= coef[j]! * mean[j]!;
  return { objective, coef, intercept, mean };
}

/** Soft thresholding, the proximal step of an L1 penalty. */
const soft = (c: number, t: number): number => (c > t ? c - t : c < -t ? c + t : 0);

/** Standardised columns (missing → 0, the mean) with their means and deviations. */
function standardisedColumns(x: Float64Array[]): { cols: Float64Array[]; mean: Float64Array; sd: Float64Array; n: number } {
  const { mean, sd } = scalerOf(x);
  const cols = x.map((c, j) => Float64Array.from(c, (v) => (Number.isNaN(v) ? 0 : (v - mean[j]!) / sd[j]!)));
  return { cols, mean, sd, n: x[0]?.length ?? 0 };
}

/**
 * One coordinate-descent sweep of a weighted least-squares fit to the residual r (kept up to date):
 * intercept w[0] unpenalised, w[j+1] for column j with penalties Σ wt (l1 |w| + l2/2 w²). Returns the
 * largest change.
 */
function sweep(cols: Float64Array[], wt: Float64Array | null, r: Float64Array, w: Float64Array, l1: number, l2: number): number {
  const n = r.length;
  let moved = 0;
  let sw = 0;
  let sr = 0;
  for (let i = 0; i < n; i++) {
    const q = wt ? wt[i]! : 1;
    sw += q;
    sr += q * r[i]!;
  }
  const d0 = sr / sw;
  w[0] = w[0]! + d0;
  for (let i = 0; i < n; i++) r[i] = r[i]! - d0;
  moved = Math.abs(d0);
  cols.forEach((z, j) => {
    let a = 0;
    let c = 0;
    const wj = w[j + 1]!;
    for (let i = 0; i < n; i++) {
      const q = wt ? wt[i]! : 1;
      const zi = z[i]!;
      a += q * zi * zi;
      c += q * zi * (r[i]! + zi * wj);
    }
    const next = a + l2 > 0 ? soft(c, l1) / (a + l2) : 0;
    const delta = next - wj;
    if (delta !== 0) {
      for (let i = 0; i < n; i++) r[i] = r[i]! - z[i]! * delta;
      w[j + 1] = next;
      moved = Math.max(moved, Math.abs(delta));
    }
  });
  return moved;
}

/**
 * Logistic regression minimising Σ log-loss + l2/2 ‖w‖² + l1 ‖w‖₁ (the intercept is not penalised):
 * Newton's method when l1 is 0, else iteratively reweighted least squares whose inner problems are
 * solved by coordinate descent (the L1 part drives weights to exactly 0).
 */
export function trainLogistic(x: Float64Array[], y: Float64Array, opts: { l2?: number; l1?: number; maxIter?: number } = {}): LinearModel {
  const l2 = opts.l2 ?? 1;
  if (y.some((v) => v !== 0 && v !== 1)) throw new RangeError('logistic regression needs labels 0 and 1');
  if ((opts.l1 ?? 0) > 0) return logisticL1(x, y, opts.l1!, l2, opts.maxIter ?? 100);
  const { z, mean, sd, n, d } = design(x);
  const w = new Float64Array(d);
  for (let it = 0; it < (opts.maxIter ?? 50); it++) {
    const grad = new Float64Array(d);
    const hess = new Float64Array(d * d);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += z[i * d + k]! * w[k]!;
      const p = 1 / (1 + Math.exp(-s));
      const r = p - y[i]!;
      const q = Math.max(p * (1 - p), 1e-12);
      for (let a = 0; a < d; a++) {
        const za = z[i * d + a]!;
        grad[a] = grad[a]! + r * za;
        for (let b = 0; b <= a; b++) hess[a * d + b] = hess[a * d + b]! + q * za * z[i * d + b]!;
      }
    }
    for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) hess[b * d + a] = hess[a * d + b]!;
    for (let a = 1; a < d; a++) {
      grad[a] = grad[a]! + l2 * w[a]!;
      hess[a * d + a] = hess[a * d + a]! + l2;
    }
    hess[0] = hess[0]! + 1e-9;
    const step = solveSpd(hess, grad, d);
    let moved = 0;
    for (let k = 0; k < d; k++) {
      w[k] = w[k]! - step[k]!;
      moved = Math.max(moved, Math.abs(step[k]!));
    }
    if (moved < 1e-10) break;
  }
  return unscale(w, mean, sd, 'binary');
}

function logisticL1(x: Float64Array[], y: Float64Array, l1: number, l2: number, maxIter: number): LinearModel {
  const { cols, mean, sd, n } = standardisedColumns(x);
  const w = new Float64Array(cols.length + 1);
  const s = new Float64Array(n);
  const wt = new Float64Array(n);
  const r = new Float64Array(n);
  for (let it = 0; it < maxIter; it++) {
    // The quadratic model of the log-loss at the current weights: weights p(1−p), working residuals.
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-s[i]!));
      wt[i] = Math.max(p * (1 - p), 1e-5);
      r[i] = (y[i]! - p) / wt[i]!;
    }
    const before = Float64Array.from(w);
    for (let k = 0; k < 100 && sweep(cols, wt, r, w, l1, l2) > 1e-9; k++);
    let moved = 0;
    for (let j = 0; j < w.length; j++) moved = Math.max(moved, Math.abs(w[j]! - before[j]!));
    for (let i = 0; i < n; i++) {
      let v = w[0]!;
      for (let j = 0; j < cols.length; j++) v += w[j + 1]! * cols[j]![i]!;
      s[i] = v;
    }
    if (moved < 1e-8) break;
  }
  return unscale(w, mean, sd, 'binary');
}

/**
 * The lasso: minimises 1/(2n) Σ (y − ŷ)² + alpha ‖w‖₁ on standardised features (scikit-learn's
 * scaling of alpha; the intercept is not penalised), by cyclic coordinate descent.
 */
export function trainLasso(x: Float64Array[], y: Float64Array, opts: { alpha?: number; maxIter?: number } = {}): LinearModel {
  const { cols, mean, sd, n } = standardisedColumns(x);
  const w = new Float64Array(cols.length + 1);
  const r = Float64Array.from(y);
  // With unit weights the sweep's sums are n times the mean-scaled ones: scale the penalty to match.
  for (let k = 0; k < (opts.maxIter ?? 1000) && sweep(cols, null, r, w, (opts.alpha ?? 0.01) * n, 0) > 1e-10; k++);
  return unscale(w, mean, sd, 'regression');
}

/** Ridge regression on standardised features (the intercept is not penalised). */
export function trainRidge(x: Float64Array[], y: Float64Array, opts: { l2?: number } = {}): LinearModel {
  const l2 = opts.l2 ?? 1;
  const { z, mean, sd, n, d } = design(x);
  const a = new Float64Array(d * d);
  const b = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < d; p++) {
      const zp = z[i * d + p]!;
      b[p] = b[p]! + zp * y[i]!;
      for (let q = 0; q <= p; q++) a[p * d + q] = a[p * d + q]! + zp * z[i * d + q]!;
    }
  }
  for (let p = 0; p < d; p++) for (let q = 0; q < p; q++) a[q * d + p] = a[p * d + q]!;
  for (let p = 1; p < d; p++) a[p * d + p] = a[p * d + p]! + l2;
  return unscale(solveSpd(a, b, d), mean, sd, 'regression');
}

/** Predictions: probabilities for logistic models, values for ridge and the lasso. */
export function predictLinear(m: LinearModel, x: Float64Array[]): Float64Array {
  const n = x[0]?.length ?? 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = m.intercept;
    for (let j = 0; j < m.coef.length; j++) {
      const v = x[j]![i]!;
      s += m.coef[j]! * (Number.isNaN(v) ? m.mean[j]! : v);
    }
    out[i] = m.objective === 'binary' ? 1 / (1 + Math.exp(-s)) : s;
  }
  return out;
}
