import type { SymbolData } from './engine-types';

/** Copies bar i of columnar bars into a reused bar object (no allocation per bar). */
export function copyBar(to: { t: number; o: number; h: number; l: number; c: number; v: number }, from: Pick<SymbolData, 't' | 'o' | 'h' | 'l' | 'c' | 'v'>, i: number): void {
  to.t = from.t[i]!;
  to.o = from.o[i]!;
  to.h = from.h[i]!;
  to.l = from.l[i]!;
  to.c = from.c[i]!;
  to.v = from.v[i]!;
}

/** Index of the first time at or after `t` in increasing times (their length when none is). */
export function firstAtOrAfter(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Visits the bars of several increasing time series merged in time order: `bar(k, i)` for every
 * series k with a bar at the next time, then `after(t)` once all of them have been visited.
 */
export function inTimeOrder(times: Float64Array[], bar: (k: number, i: number) => void, after: (t: number) => void): void {
  const next = new Int32Array(times.length);
  for (;;) {
    let t = Number.POSITIVE_INFINITY;
    times.forEach((ts, k) => {
      if (next[k]! < ts.length) t = Math.min(t, ts[next[k]!]!);
    });
    if (t === Number.POSITIVE_INFINITY) return;
    times.forEach((ts, k) => {
      const i = next[k]!;
      if (i >= ts.length || ts[i] !== t) return;
      next[k] = i + 1;
      bar(k, i);
    });
    after(t);
  }
}
