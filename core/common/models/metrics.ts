/** Classification metrics of probabilities against 0/1 labels, and regression metrics. */
export interface ClassifierMetrics {
  n: number;
  accuracy: number;
  balancedAccuracy: number;
  auc: number;
  logLoss: number;
  brier: number;
  precision: number;
  recall: number;
  f1: number;
  /** Precision among the top 10% of scores. */
  precisionAtTop10: number;
}

/** Area under the ROC curve by the rank-sum formula, ties counted half. */
export function rocAuc(p: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = p.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a]! - p[b]!);
  let pos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && p[order[j + 1]!] === p[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (y[order[k]!] === 1) {
      pos++;
      rankSum += rank;
    }
    i = j + 1;
  }
  const neg = n - pos;
  return pos === 0 || neg === 0 ? Number.NaN : (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Metrics at a 0.5 threshold (AUC, log loss and Brier use the probabilities themselves). */
export function classifierMetrics(p: ArrayLike<number>, y: ArrayLike<number>, threshold = 0.5): ClassifierMetrics {
  const n = p.length;
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  let ll = 0;
  let brier = 0;
  for (let i = 0; i < n; i++) {
    const q = Math.min(1 - 1e-15, Math.max(1e-15, p[i]!));
    const t = y[i]!;
    ll -= t * Math.log(q) + (1 - t) * Math.log(1 - q);
    brier += (p[i]! - t) ** 2;
    const hit = p[i]! >= threshold;
    if (hit && t === 1) tp++;
    else if (hit) fp++;
    else if (t === 1) fn++;
    else tn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const tnr = tn + fp ? tn / (tn + fp) : 0;
  const top = Math.max(1, Math.floor(n / 10));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b]! - p[a]!);
  let topHits = 0;
  for (let k = 0; k < top; k++) topHits += y[order[k]!] === 1 ? 1 : 0;
  return {
    n,
    accuracy: (tp + tn) / n,
    balancedAccuracy: (recall + tnr) / 2,
    auc: rocAuc(p, y),
    logLoss: ll / n,
    brier: brier / n,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    precisionAtTop10: topHits / top,
  };
}

/** One bin of a calibration table: mean predicted probability against the observed rate. */
export interface CalibrationBin {
  from: number;
  to: number;
  n: number;
  meanPredicted: number;
  observed: number;
}

/** Calibration table over `bins` equal-width probability bins (empty bins left out). */
export function calibrationTable(p: ArrayLike<number>, y: ArrayLike<number>, bins = 10): CalibrationBin[] {
  const sums = Array.from({ length: bins }, () => ({ n: 0, sp: 0, sy: 0 }));
  for (let i = 0; i < p.length; i++) {
    const b = sums[Math.min(bins - 1, Math.max(0, Math.floor(p[i]! * bins)))]!;
    b.n++;
    b.sp += p[i]!;
    b.sy += y[i]!;
  }
  return sums.flatMap((b, k) => (b.n ? [{ from: k / bins, to: (k + 1) / bins, n: b.n, meanPredicted: b.sp / b.n, observed: b.sy / b.n }] : []));
}

/** Objectives a trade-filter threshold can maximise. */
export type ThresholdObjective = 'precision' | 'f1';

/**
 * The probability threshold that maximises an objective on a validation fold. For precision, only
 * thresholds that keep at least `minShare` of the rows count, so a handful of lucky rows cannot win.
 */
export function chooseThreshold(p: ArrayLike<number>, y: ArrayLike<number>, objective: ThresholdObjective, minShare = 0.05): { threshold: number; value: number } {
  const candidates = Array.from({ length: 99 }, (_, k) => (k + 1) / 100);
  let best = { threshold: 0.5, value: Number.NEGATIVE_INFINITY };
  for (const t of candidates) {
    const m = classifierMetrics(p, y, t);
    let above = 0;
    for (let i = 0; i < p.length; i++) if (p[i]! >= t) above++;
    const kept = above / p.length;
    const value = objective === 'precision' ? (kept >= minShare ? m.precision : Number.NEGATIVE_INFINITY) : m.f1;
    if (value > best.value) best = { threshold: t, value };
  }
  return best;
}

/** Points of the ROC curve (false-positive rate, true-positive rate) at up to `points` thresholds. */
export function rocCurve(p: ArrayLike<number>, y: ArrayLike<number>, points = 50): { fpr: number; tpr: number }[] {
  const n = p.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[b]! - p[a]!);
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i] === 1 ? 1 : 0;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return [];
  const out = [{ fpr: 0, tpr: 0 }];
  let tp = 0;
  let fp = 0;
  const step = Math.max(1, Math.floor(n / points));
  for (let k = 0; k < n; k++) {
    if (y[order[k]!] === 1) tp++;
    else fp++;
    // Only between distinct scores, so ties never split.
    const boundary = k === n - 1 || p[order[k + 1]!] !== p[order[k]!];
    if (boundary && ((k + 1) % step === 0 || k === n - 1)) out.push({ fpr: fp / neg, tpr: tp / pos });
  }
  return out;
}
