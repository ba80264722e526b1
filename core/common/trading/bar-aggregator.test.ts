import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BarAggregator, type OhlcvBar } from './bar-aggregator';

const HOUR = 3_600_000;

/** What a batch group-by over whole buckets gives (the lake's resample), per symbol, in time order. */
function batch(minutes: [number, OhlcvBar][], ms: number): [number, OhlcvBar][] {
  const groups = new Map<string, [number, OhlcvBar]>();
  for (const [k, m] of minutes) {
    const t = Math.floor(m.t / ms) * ms;
    const key = `${k}:${t}`;
    const g = groups.get(key);
    if (!g) groups.set(key, [k, { ...m, t }]);
    else {
      g[1].h = Math.max(g[1].h, m.h);
      g[1].l = Math.min(g[1].l, m.l);
      g[1].c = m.c;
      g[1].v += m.v;
    }
  }
  return [...groups.values()].sort((a, b) => a[1].t - b[1].t || a[0] - b[0]);
}

describe('BarAggregator', () => {
  it('streams the same bars a batch resample makes, for any minutes of two symbols with gaps', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ k: fc.integer({ min: 0, max: 1 }), gap: fc.integer({ min: 1, max: 200 }), p: fc.integer({ min: 1, max: 1000 }) }), { maxLength: 300 }), fc.constantFrom(5, 15, 60), (steps, minutes) => {
        const ms = minutes * 60_000;
        const at = [Date.UTC(2024, 0, 2, 9, 0), Date.UTC(2024, 0, 2, 9, 0)];
        const stream: [number, OhlcvBar][] = [];
        for (const s of steps) {
          at[s.k] = at[s.k]! + s.gap * 60_000;
          stream.push([s.k, { t: at[s.k]!, o: s.p, h: s.p + 1, l: s.p - 1, c: s.p + 0.5, v: s.gap }]);
        }
        // The feed delivers in time order (then symbol order), as a live feed does.
        stream.sort((a, b) => a[1].t - b[1].t || a[0] - b[0]);
        const agg = new BarAggregator(2, ms);
        const got = [...stream.flatMap(([k, m]) => agg.push(k, { ...m })), ...agg.drain()];
        const bySymbol = (xs: [number, OhlcvBar][], k: number): OhlcvBar[] => xs.filter((x) => x[0] === k).map((x) => x[1]);
        for (const k of [0, 1]) expect(bySymbol(got, k)).toEqual(bySymbol(batch(stream, ms), k));
        // A bar is handed on only once its bucket has ended, by the feed's clock.
        let clock = Number.NEGATIVE_INFINITY;
        const agg2 = new BarAggregator(2, ms);
        for (const [k, m] of stream) {
          clock = Math.max(clock, m.t + 60_000);
          for (const [, b] of agg2.push(k, { ...m })) expect(b.t + ms).toBeLessThanOrEqual(clock);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('closes an hour at its last minute, and drops a repeated minute', () => {
    const agg = new BarAggregator(1, HOUR);
    const t0 = Date.UTC(2024, 4, 1, 13, 0);
    for (let i = 0; i < 59; i++) expect(agg.push(0, { t: t0 + i * 60_000, o: i, h: i + 1, l: i - 1, c: i, v: 1 })).toEqual([]);
    expect(agg.push(0, { t: t0 + 58 * 60_000, o: 9, h: 99, l: -9, c: 9, v: 9 })).toEqual([]);
    expect(agg.push(0, { t: t0 + 59 * 60_000, o: 59, h: 60, l: 58, c: 59, v: 1 })).toEqual([[0, { t: t0, o: 0, h: 60, l: -1, c: 59, v: 60 }]]);
    expect(agg.drain()).toEqual([]);
  });
});
