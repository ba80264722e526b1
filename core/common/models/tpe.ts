import { rng } from './gbdt';

/** One searched parameter: a range, sampled on a log scale when `log`, rounded when `int`. */
export interface ParamRange {
  low: number;
  high: number;
  log?: boolean;
  int?: boolean;
}

/** A finished trial as the sampler sees it: its parameters and its score (higher is better). */
export interface TrialPoint {
  params: Record<string, number>;
  score: number;
}

const STARTUP = 5;
const CANDIDATES = 24;
const GAMMA = 0.25;

const toInternal = (r: ParamRange, v: number): number => (r.log ? Math.log(v) : v);
const fromInternal = (r: ParamRange, v: number): number => {
  const x = r.log ? Math.exp(v) : v;
  const clipped = Math.min(r.high, Math.max(r.low, x));
  return r.int ? Math.round(clipped) : clipped;
};

/** Density of a Parzen estimator: Gaussians at the points plus a uniform prior over the range. */
function parzen(points: number[], lo: number, hi: number, x: number): number {
  const width = hi - lo;
  const sigma = Math.max(width / Math.max(1, points.length) ** 0.2 / 5, width * 1e-3);
  let s = 1 / width;
  for (const p of points) s += Math.exp(-0.5 * ((x - p) / sigma) ** 2) / (sigma * Math.sqrt(2 * Math.PI));
  return s / (points.length + 1);
}

/**
 * Tree-structured Parzen estimator (univariate): after a few random trials, the best quarter of the
 * trials so far (by score) shapes a density l(x) and the rest g(x); of candidates drawn from l, the
 * one with the highest l(x)/g(x) is proposed. Deterministic for (seed, trial number, history).
 */
export function proposeTpe(space: Record<string, ParamRange>, history: TrialPoint[], trial: number, seed: number): Record<string, number> {
  const random = rng(seed * 1_000_003 + trial * 7919 + 1);
  const out: Record<string, number> = {};
  const sorted = [...history].sort((a, b) => b.score - a.score);
  const nGood = Math.max(1, Math.ceil(GAMMA * sorted.length));
  for (const [name, r] of Object.entries(space)) {
    const lo = toInternal(r, r.low);
    const hi = toInternal(r, r.high);
    if (history.length < STARTUP) {
      out[name] = fromInternal(r, lo + random() * (hi - lo));
      continue;
    }
    const good = sorted.slice(0, nGood).map((t) => toInternal(r, t.params[name]!));
    const bad = sorted.slice(nGood).map((t) => toInternal(r, t.params[name]!));
    const sigma = Math.max((hi - lo) / Math.max(1, good.length) ** 0.2 / 5, (hi - lo) * 1e-3);
    let best = lo;
    let bestRatio = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < CANDIDATES; k++) {
      const centre = good[Math.floor(random() * good.length)]!;
      const gauss = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      const x = Math.min(hi, Math.max(lo, centre + sigma * gauss));
      const ratio = parzen(good, lo, hi, x) / parzen(bad, lo, hi, x);
      if (ratio > bestRatio) {
        bestRatio = ratio;
        best = x;
      }
    }
    out[name] = fromInternal(r, best);
  }
  return out;
}

/**
 * Median pruning: a trial whose mean score over its first k folds is below the median of what the
 * finished trials had after their first k folds is not worth finishing. Needs a few finished trials.
 */
export function shouldPrune(running: number, finishedAtFold: number[]): boolean {
  if (finishedAtFold.length < 3) return false;
  const s = [...finishedAtFold].sort((a, b) => a - b);
  const median = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return running < median;
}
