import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { black76Greeks, black76Price, impliedVol, normCdf, type OptionKind } from './black76';

/**
 * Reference values computed with SciPy 1.17.1's scipy.stats.norm (an independent implementation of
 * the normal distribution) from Black's formula: kind, F, K, T (years), r, σ, price, delta, gamma,
 * vega. The first three are 0DTE ES options hours from expiry.
 */
const SCIPY: [OptionKind, number, number, number, number, number, number, number, number, number][] = [
  ['call', 4500, 4500, 0.0007420091324200913, 0.05, 0.15, 7.335032614919239, 0.5007964537396762, 0.021696248622485544, 48.90014939956608],
  ['put', 4500, 4475, 0.00034246575342465754, 0.05, 0.18, 0.2922491960799615, -0.0470522166954251, 0.006554079266160387, 8.181376344231033],
  ['call', 4500, 4600, 0.0027397260273972603, 0.05, 0.22, 0.5661609561407801, 0.02852237472728349, 0.001259096324157701, 15.367874312664542],
  ['put', 4500, 4300, 0.0821917808219178, 0.045, 0.35, 93.46352370409804, -0.30626092455220866, 0.000775559504634142, 451.7899717063957],
  ['call', 100, 80, 2.0, 0.03, 0.6, 38.168554674334295, 0.710123088559021, 0.0034964505120650257, 41.957406144780315],
  ['put', 100, 130, 0.5, 0.01, 1.2, 54.195722542014316, -0.4519315566272578, 0.00464726389679644, 27.883583380778642],
  ['call', 5000, 5025, 0.00011415525114155251, 0.05, 0.12, 7.433805120542632e-5, 5.024006492073409e-5, 3.2290934074927524e-5, 0.011058539066755997],
];

/** Φ(x) from the same SciPy, into both tails. */
const CDF: [number, number][] = [
  [-38, 0],
  [-20, 2.7536241186061556e-89],
  [-10, 7.61985302416047e-24],
  [-7.5, 3.1908916729108844e-14],
  [-5.5, 1.898956246588768e-8],
  [-5, 2.866515718791933e-7],
  [-3, 0.0013498980316300933],
  [-1, 0.15865525393145707],
  [-0.3, 0.3820885778110474],
  [0, 0.5],
  [0.7, 0.758036347776927],
  [2, 0.9772498680518208],
  [4.9, 0.9999995208167234],
  [5.2, 0.9999999003557368],
  [8, 0.9999999999999993],
];

describe('Black-76', () => {
  it('gives the textbooks’ published values: Hull’s futures put (1.12) and Haug’s call and put (1.7011)', () => {
    // Hull, Options, Futures, and Other Derivatives: F 20, K 20, 4 months, r 9%, σ 25%: put 1.12.
    expect(black76Price('put', 20, 20, 4 / 12, 0.09, 0.25)).toBeCloseTo(1.12, 2);
    // Haug, The Complete Guide to Option Pricing Formulas: F 19, K 19, 9 months, r 10%, σ 28%: 1.7011 each.
    expect(black76Price('call', 19, 19, 0.75, 0.1, 0.28)).toBeCloseTo(1.7011, 4);
    expect(black76Price('put', 19, 19, 0.75, 0.1, 0.28)).toBeCloseTo(1.7011, 4);
  });

  it('matches SciPy’s normal distribution to 1e-15 absolute and 1e-13 relative, into both tails', () => {
    for (const [x, want] of CDF) {
      const got = normCdf(x);
      expect(Math.abs(got - want), `Φ(${x})`).toBeLessThanOrEqual(1e-15);
      if (want > 0) expect(Math.abs(got - want) / want, `Φ(${x}) relative`).toBeLessThanOrEqual(1e-13);
    }
  });

  it('prices and greeks match SciPy’s to 1e-9 relative, and each implied volatility is the one priced to 1e-9', () => {
    for (const [kind, F, K, T, r, sigma, price, delta, gamma, vega] of SCIPY) {
      const g = black76Greeks(kind, F, K, T, r, sigma);
      const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
      expect(rel(g.price, price), `${kind} ${K} price`).toBeLessThanOrEqual(1e-9);
      expect(rel(g.delta, delta), `${kind} ${K} delta`).toBeLessThanOrEqual(1e-9);
      expect(rel(g.gamma, gamma), `${kind} ${K} gamma`).toBeLessThanOrEqual(1e-9);
      expect(rel(g.vega, vega), `${kind} ${K} vega`).toBeLessThanOrEqual(1e-9);
      expect(black76Price(kind, F, K, T, r, sigma)).toBe(g.price);
      const iv = impliedVol(kind, price, F, K, T, r);
      expect(iv.sigma, `${kind} ${K} IV`).not.toBeNull();
      expect(Math.abs(iv.sigma! - sigma), `${kind} ${K} IV`).toBeLessThanOrEqual(1e-9);
    }
  });

  it('holds put–call parity, agrees with finite differences, and solves its own prices back over strikes, expiries from an hour to two years and volatilities from 5% to 150%', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.7, max: 1.3, noNaN: true }), fc.double({ min: 1 / (365 * 24), max: 2, noNaN: true }), fc.double({ min: 0.05, max: 1.5, noNaN: true }), fc.double({ min: 0, max: 0.08, noNaN: true }), (m, T, sigma, r) => {
        const F = 4500;
        const K = F * m;
        const c = black76Price('call', F, K, T, r, sigma);
        const p = black76Price('put', F, K, T, r, sigma);
        expect(Math.abs(c - p - Math.exp(-r * T) * (F - K))).toBeLessThanOrEqual(1e-9 * F);
        const g = black76Greeks('call', F, K, T, r, sigma);
        // A step of a thousandth of the futures price's standard deviation to expiry, however near it is.
        const h = 1e-3 * F * sigma * Math.sqrt(T);
        const up = black76Greeks('call', F + h, K, T, r, sigma);
        const down = black76Greeks('call', F - h, K, T, r, sigma);
        // Central differences carry an error of order h²: five digits.
        expect(g.delta).toBeCloseTo((up.price - down.price) / (2 * h), 5);
        expect(g.gamma).toBeCloseTo((up.delta - down.delta) / (2 * h), 5);
        // Where the price carries information about σ (vega not lost in rounding), it solves back.
        for (const [kind, price] of [['call', c], ['put', p]] as const) {
          const v = black76Greeks(kind, F, K, T, r, sigma).vega;
          if (v * 1e-6 < 1e-10 * Math.max(1, price)) continue;
          const iv = impliedVol(kind, price, F, K, T, r);
          expect(iv.sigma, `${kind} m ${m} T ${T} σ ${sigma}`).not.toBeNull();
          expect(Math.abs(iv.sigma! - sigma)).toBeLessThanOrEqual(1e-6);
        }
      }),
      { numRuns: 2000, seed: 24 },
    );
  });

  it('refuses prices that break the no-arbitrage bounds or need a volatility outside its bracket, saying which', () => {
    const T = 1 / 365;
    // Intrinsic 40, discounted for a day at 5%: 39.9945.
    expect(impliedVol('call', 39.99, 4540, 4500, T, 0.05)).toMatchObject({ sigma: null, problem: expect.stringMatching(/at or below the discounted intrinsic value 39\.9945/) });
    expect(impliedVol('put', 4600, 4500, 4600, T, 0.05)).toMatchObject({ sigma: null, problem: expect.stringMatching(/at or above the no-arbitrage bound 4599\.3.* \(the discounted strike\)/) });
    expect(impliedVol('call', 4500, 4500, 4500, T, 0.05)).toMatchObject({ sigma: null, problem: expect.stringMatching(/the discounted futures price/) });
    expect(impliedVol('call', 1e-12, 4500, 4500, T, 0.05)).toMatchObject({ sigma: null, problem: expect.stringMatching(/needs a volatility below 0\.0001/) });
    expect(impliedVol('call', 4000, 4500, 4500, T, 0.05)).toMatchObject({ sigma: null, problem: expect.stringMatching(/needs a volatility above 10/) });
    expect(impliedVol('call', Number.NaN, 4500, 4500, T, 0.05)).toMatchObject({ sigma: null, problem: expect.stringMatching(/finite price/) });
    expect(impliedVol('put', 5, 4500, 4500, 0, 0.05)).toMatchObject({ sigma: null, problem: expect.stringMatching(/positive futures price, strike and time/) });
  });
});
