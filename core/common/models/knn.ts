import { scalerOf } from './moments';

/**
 * kNN retrieval: the k past events most similar to the current feature vector, in the standardised
 * feature space, and the share of them whose outcome was positive ("4 of 5 similar setups rose").
 * Distances are computed in float32, as ONNX Runtime computes them, so both agree on the neighbours.
 */
export interface KnnIndex {
  k: number;
  nFeatures: number;
  /** Training means and deviations of each feature (missing inputs take the mean). */
  mean: Float64Array;
  sd: Float64Array;
  /** Standardised events, row-major (events × features), float32. */
  events: Float32Array;
  /** Outcome of each event (0/1). */
  outcomes: Float32Array;
  /** Squared norm of each event, float32. */
  norms: Float32Array;
  /** Each event's time (epoch ms) and symbol index, where known: shown beside a prediction as its neighbours. */
  times?: Float64Array;
  symbols?: Uint16Array;
}

/** Builds an index from training columns and 0/1 outcomes, keeping at most `maxEvents` (the last rows), with the rows' times and symbols where given. */
export function buildKnn(x: Float64Array[], y: Float64Array, k = 5, maxEvents = 50_000, rows: { t?: Float64Array; symbol?: Uint16Array } = {}): KnnIndex {
  const nf = x.length;
  const total = y.length;
  const from = Math.max(0, total - maxEvents);
  const n = total - from;
  if (n < k) throw new RangeError(`kNN needs at least k = ${k} events, got ${n}`);
  const { mean, sd } = scalerOf(x.map((col) => col.subarray(from, total)));
  const events = new Float32Array(n * nf);
  const norms = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let f = 0; f < nf; f++) {
      const v = x[f]![from + i]!;
      const z = Math.fround(Number.isNaN(v) ? 0 : (v - mean[f]!) / sd[f]!);
      events[i * nf + f] = z;
      norm = Math.fround(norm + Math.fround(z * z));
    }
    norms[i] = norm;
  }
  const identity = rows.t && rows.symbol ? { times: rows.t.slice(from, total), symbols: rows.symbol.slice(from, total) } : {};
  return { k, nFeatures: nf, mean, sd, events, outcomes: Float32Array.from(y.subarray(from)), norms, ...identity };
}

/** Share of positive outcomes among the k nearest events of each row (ties broken by the earlier event). */
export function predictKnn(ix: KnnIndex, x: Float64Array[]): Float64Array {
  const n = x[0]?.length ?? 0;
  const m = ix.outcomes.length;
  const nf = ix.nFeatures;
  const out = new Float64Array(n);
  const z = new Float32Array(nf);
  const bestD = new Float64Array(ix.k);
  const bestI = new Int32Array(ix.k);
  for (let r = 0; r < n; r++) {
    for (let f = 0; f < nf; f++) {
      const v = x[f]![r]!;
      z[f] = Math.fround(Number.isNaN(v) ? 0 : (v - ix.mean[f]!) / ix.sd[f]!);
    }
    bestD.fill(Number.POSITIVE_INFINITY);
    bestI.fill(-1);
    for (let e = 0; e < m; e++) {
      // ‖e‖² − 2 z·e: the row's own ‖z‖² is the same for every event and does not change the order.
      let dot = 0;
      for (let f = 0; f < nf; f++) dot += z[f]! * ix.events[e * nf + f]!;
      const d = ix.norms[e]! - 2 * dot;
      if (d >= bestD[ix.k - 1]!) continue;
      let at = ix.k - 1;
      while (at > 0 && bestD[at - 1]! > d) {
        bestD[at] = bestD[at - 1]!;
        bestI[at] = bestI[at - 1]!;
        at--;
      }
      bestD[at] = d;
      bestI[at] = e;
    }
    let pos = 0;
    for (let j = 0; j < ix.k; j++) pos += ix.outcomes[bestI[j]!]!;
    out[r] = pos / ix.k;
  }
  return out;
}
