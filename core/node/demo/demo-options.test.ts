import { describe, expect, it } from 'vitest';
import { black76Greeks, impliedVol } from '../../common/options/black76';
import { gexAround, gexByStrike } from '../../common/options/gex';
import { demoChainAt } from './demo-options';

const close = Date.parse('2024-03-05T21:00:00Z');
const at = { symbol: 'ES', seed: 1, day: 19787, open: 5110.25, F: 5132.5, t: Date.parse('2024-03-05T15:00:00Z'), expiry: close };

describe('demo 0DTE option chains', () => {
  it('quote on the tick grid around Black-76 prices: the implied volatility solved from each mid is the smile’s, within what the spread allows', () => {
    const c = demoChainAt(at);
    expect(c.strikes.length).toBe(81);
    // Listed around the day's open (5,100 is the strike nearest 5,110.25), every 25 points.
    expect([c.strikes[0], c.strikes[40], c.strikes[80]]).toEqual([4100, 5100, 6100]);
    const T = (c.expiry - c.t) / (365 * 86_400_000);
    let solved = 0;
    c.strikes.forEach((K, i) => {
      for (const [kind, bid, ask] of [['call', c.callBid[i]!, c.callAsk[i]!], ['put', c.putBid[i]!, c.putAsk[i]!]] as const) {
        expect(bid).toBeLessThan(ask);
        const tick = bid < 5 ? 0.05 : 0.25;
        expect(Math.abs(Math.round(ask / 0.05) * 0.05 - ask), `${kind} ${K} on the tick grid`).toBeLessThan(1e-9);
        if (bid === 0) continue;
        const iv = impliedVol(kind, (bid + ask) / 2, c.F, K, T, c.rate);
        if (iv.sigma === null) continue;
        const vega = black76Greeks(kind, c.F, K, T, c.rate, c.vol[i]!).vega;
        // Half the spread, divided by vega, bounds the volatility error of a mid (to first order).
        expect(Math.abs(iv.sigma - c.vol[i]!), `${kind} ${K}`).toBeLessThanOrEqual(((ask - bid) / 2 + tick) / vega + 1e-9);
        solved++;
      }
    });
    expect(solved).toBeGreaterThan(20);
  });

  it('keeps the day’s listing and open interest whatever the futures price does, and is the same for the same inputs', () => {
    const a = demoChainAt(at);
    const b = demoChainAt({ ...at, F: 5050, t: at.t + 3_600_000 });
    expect(Array.from(b.strikes)).toEqual(Array.from(a.strikes));
    expect(Array.from(b.callOi)).toEqual(Array.from(a.callOi));
    expect(Array.from(b.putOi)).toEqual(Array.from(a.putOi));
    expect(Array.from(b.callBid)).not.toEqual(Array.from(a.callBid));
    expect(demoChainAt(at)).toEqual(a);
    expect(Array.from(demoChainAt({ ...at, seed: 2 }).callOi)).not.toEqual(Array.from(a.callOi));
    // Puts crowd below the open and calls above: dealers short gamma under the market, long over it.
    const chain = Array.from(a.strikes, (strike, i) => ({ strike, callOi: a.callOi[i]!, putOi: a.putOi[i]!, callIv: a.vol[i]!, putIv: a.vol[i]! }));
    const gex = gexByStrike(chain, a.F, (a.expiry - a.t) / (365 * 86_400_000), a.rate, 50);
    const around = gexAround(a.strikes, gex, a.F, 3);
    expect(around.above).toBeGreaterThan(0);
    expect(gexAround(a.strikes, gex, 5000, 2).net).toBeLessThan(0);
  });
});
