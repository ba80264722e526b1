import { describe, expect, it } from 'vitest';
import { black76Greeks } from './black76';
import { gexAround, gexByStrike } from './gex';

describe('dealer gamma exposure', () => {
  const F = 4510;
  const T = 3 / (365 * 24);
  const r = 0.05;
  const chain = [
    { strike: 4475, callOi: 100, putOi: 2000, callIv: 0.16, putIv: 0.17 },
    { strike: 4500, callOi: 1500, putOi: 1200, callIv: 0.15, putIv: 0.15 },
    { strike: 4525, callOi: 3000, putOi: 50, callIv: 0.14, putIv: Number.NaN },
    { strike: 4550, callOi: 800, putOi: 0, callIv: 0.14, putIv: 0.15 },
  ];

  it('is long the calls’ gamma and short the puts’, in dollars per 1% of the futures price', () => {
    const gex = gexByStrike(chain, F, T, r, 50);
    chain.forEach((k, i) => {
      const gc = black76Greeks('call', F, k.strike, T, r, k.callIv).gamma;
      const gp = Number.isNaN(k.putIv) ? 0 : black76Greeks('put', F, k.strike, T, r, k.putIv).gamma;
      expect(gex[i]).toBeCloseTo((k.callOi * gc - k.putOi * gp) * 50 * F * F * 0.01, 6);
    });
    // Puts dominate below the price, calls above.
    expect(gex[0]).toBeLessThan(0);
    expect(gex[2]).toBeGreaterThan(0);
    // A put's gamma is a call's (Black-76): the sign comes from the convention alone.
    expect(black76Greeks('put', F, 4500, T, r, 0.15).gamma).toBe(black76Greeks('call', F, 4500, T, r, 0.15).gamma);
  });

  it('sums the listed strikes around a level, n above (from the level up) and n below', () => {
    const strikes = [4450, 4475, 4500, 4525, 4550, 4600];
    const gex = [-5, -3, 1, 4, 2, 7];
    expect(gexAround(strikes, gex, 4510, 1)).toEqual({ above: 4, below: 1, asymmetry: 3 / 5, ratio: 4, net: 5 });
    // A level on a strike counts it above; the gap at 4575 is skipped, as the chain lists no strike there.
    expect(gexAround(strikes, gex, 4525, 3)).toMatchObject({ above: 13, below: -7, net: 6 });
    expect(gexAround(strikes, gex, 4525, 3).asymmetry).toBeCloseTo(20 / 20, 12);
    // Beyond the chain: what there is.
    expect(gexAround(strikes, gex, 4700, 2)).toMatchObject({ above: 0, below: 9, asymmetry: -1 });
    const empty = gexAround([], [], 4500, 2);
    expect(empty.net).toBe(0);
    expect(empty.asymmetry).toBeNaN();
    expect(empty.ratio).toBeNaN();
  });
});
