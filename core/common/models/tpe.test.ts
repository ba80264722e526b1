import { describe, expect, it } from 'vitest';
import { proposeTpe, shouldPrune, type TrialPoint } from './tpe';

describe('TPE sampler and median pruner', () => {
  it('proposes within the ranges, deterministically, and concentrates on the better region', () => {
    const space = { depth: { low: 2, high: 10, int: true }, rate: { low: 0.001, high: 1, log: true } };
    const history: TrialPoint[] = [];
    // A score that peaks at depth 7 and rate 0.05.
    const score = (p: Record<string, number>): number => -((p.depth! - 7) ** 2) - (Math.log10(p.rate!) - Math.log10(0.05)) ** 2;
    for (let t = 0; t < 40; t++) {
      const p = proposeTpe(space, history, t, 3);
      expect(Number.isInteger(p.depth)).toBe(true);
      expect(p.depth).toBeGreaterThanOrEqual(2);
      expect(p.rate).toBeLessThanOrEqual(1);
      expect(p.rate).toBeGreaterThanOrEqual(0.001);
      expect(proposeTpe(space, history, t, 3)).toEqual(p);
      history.push({ params: p, score: score(p) });
    }
    const late = history.slice(20);
    const early = history.slice(0, 5);
    const mean = (h: TrialPoint[]): number => h.reduce((a, t) => a + t.score, 0) / h.length;
    expect(mean(late)).toBeGreaterThan(mean(early));
    expect(Math.max(...history.map((t) => t.score))).toBeGreaterThan(-1);
  });

  it('prunes a trial below the median of finished trials at the same fold, once a few have finished', () => {
    expect(shouldPrune(0.5, [0.6, 0.7])).toBe(false);
    expect(shouldPrune(0.5, [0.6, 0.7, 0.4])).toBe(true);
    expect(shouldPrune(0.65, [0.6, 0.7, 0.4, 0.8])).toBe(false);
  });
});
