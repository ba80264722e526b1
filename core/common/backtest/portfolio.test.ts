import { describe, expect, it } from 'vitest';
import { rng } from '../models/gbdt';
import { greedyPortfolio, type Candidate } from './portfolio';

const DAY = 86_400_000;
const START = Date.UTC(2024, 0, 1);

/** A candidate with one trade per `every` days from day `offset`, held `hold` days, net P&L from `pnl(i)`. */
function candidate(name: string, n: number, pnl: (i: number) => number, offset = 0, every = 1, hold = 1): Candidate {
  const entry: number[] = [];
  const exit: number[] = [];
  const net: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = offset + i * every;
    entry.push(START + d * DAY + 3_600_000);
    exit.push(START + (d + hold) * DAY + 3_600_000);
    net.push(pnl(i));
  }
  return { name, entry: Float64Array.from(entry), exit: Float64Array.from(exit), net: Float64Array.from(net) };
}

describe('greedy portfolio construction', () => {
  const r = rng(3);
  const noise = Array.from({ length: 400 }, () => r() - 0.5);
  const noise2 = Array.from({ length: 400 }, () => r() - 0.5);
  // A steady edge, the same edge twice over (same days), a coin flip, and an independent edge.
  const A = candidate('A', 300, (i) => 100 + 300 * noise[i]!);
  const A2 = candidate('A2', 300, (i) => 200 + 600 * noise[i]!);
  const COIN = candidate('COIN', 300, (i) => 400 * noise2[i]!);
  const B = candidate('B', 300, (i) => 100 + 300 * noise2[i]!);
  const split = START + 200 * DAY;

  it('adds what improves the training Sharpe and stops when nothing does; diversification wins, scaling and noise do not', () => {
    const res = greedyPortfolio([A, A2, COIN, B], { objective: 'sharpe', split, capital: 1_000_000, maxPositions: [4] });
    expect(new Set(res.chosen)).toEqual(new Set(['A', 'B']));
    expect(res.steps.map((s) => s.added)).toEqual(res.chosen);
    expect(res.steps[1]!.train).toBeGreaterThan(res.steps[0]!.train);
    expect(res.maxPositions).toBe(4);
    expect(res.test).toBeGreaterThan(0);
    expect(res.contribution.A! + res.contribution.B!).toBeCloseTo(1, 12);
    expect(res.correlation[0]![0]).toBe(1);
    expect(Math.abs(res.correlation[0]![1]!)).toBeLessThan(0.3);
  });

  it('skips a candidate correlating above the limit with a chosen one', () => {
    const twin = candidate('TWIN', 300, (i) => 90 + 310 * noise[i]! + 5 * noise2[i]!);
    const res = greedyPortfolio([A, twin, B], { objective: 'sharpe', split, capital: 1_000_000, maxPositions: [3], correlationLimit: 0.8 });
    expect(res.chosen).toHaveLength(2);
    expect(res.chosen).toContain('B');
    // A and its near twin never both: whichever came second was skipped.
    expect(res.skippedForCorrelation).toHaveLength(1);
    expect([...res.chosen, ...res.skippedForCorrelation].sort()).toEqual(['A', 'B', 'TWIN']);
    const free = greedyPortfolio([A, twin, B], { objective: 'sharpe', split, capital: 1_000_000, maxPositions: [3] });
    expect(free.skippedForCorrelation).toEqual([]);
  });

  it('respects max positions: with one slot, overlapping trades of a second instrument are not taken', () => {
    // Both trade every day, held a day: with one slot only the first instrument's trades fit.
    const one = greedyPortfolio([A, B], { objective: 'sharpe', split, capital: 1_000_000, maxPositions: [1] });
    expect(one.chosen).toHaveLength(1);
    expect(one.byMaxPositions).toEqual([{ maxPositions: 1, train: one.train, chosen: one.chosen }]);
    // Searching 1 and 2 slots keeps the better: two.
    const both = greedyPortfolio([A, B], { objective: 'sharpe', split, capital: 1_000_000 });
    expect(both.byMaxPositions.map((x) => x.maxPositions)).toEqual([1, 2]);
    expect(both.maxPositions).toBe(2);
    expect(new Set(both.chosen)).toEqual(new Set(['A', 'B']));
  });

  it('leaves out an addition that would break the drawdown limit on training', () => {
    // A large, steadier edge: the best Sharpe alone, but its losing days cost far more of the
    // capital than A's (on 1e9, so equity growth does not shrink its returns).
    const wild = candidate('WILD', 300, (i) => 500 * (100 + 250 * noise2[i]!));
    const free = greedyPortfolio([A, wild], { objective: 'sharpe', split, capital: 1e9, maxPositions: [2] });
    expect(free.steps[0]!.added).toBe('WILD');
    const limited = greedyPortfolio([A, wild], { objective: 'sharpe', split, capital: 1e9, maxPositions: [2], maxDrawdown: 1e-6 });
    expect(limited.chosen).toEqual(['A']);
    expect(limited.skippedForRisk).toEqual(['WILD']);
  });

  it('can maximise CAGR over max drawdown instead, and chooses nothing from losers', () => {
    const res = greedyPortfolio([A, B], { objective: 'cagr_over_maxdd', split, capital: 1_000_000, maxPositions: [2] });
    expect(res.chosen.length).toBeGreaterThan(0);
    expect(res.train).toBeGreaterThan(0);
    const loser = candidate('L', 300, (i) => -50 + 10 * noise[i]!);
    const none = greedyPortfolio([loser], { objective: 'sharpe', split, capital: 1_000_000 });
    expect(none.chosen).toEqual([]);
  });
});
