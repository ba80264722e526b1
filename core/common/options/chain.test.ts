import { describe, expect, it } from 'vitest';
import { black76Greeks, black76Price } from './black76';
import { solveChain, type OptionState } from './chain';

const YEAR_MS = 365 * 86_400_000;

describe('solving an option chain from quotes', () => {
  // Quotes a cent either side of Black-76 prices at a known futures price and smile.
  const F = 6012.5;
  const r = 0.045;
  const at = Date.UTC(2026, 8, 9, 15, 0);
  const expiry = Date.UTC(2026, 8, 9, 20, 0);
  const T = (expiry - at) / YEAR_MS;
  const vol = (K: number): number => 0.14 - 0.6 * Math.log(K / F) + 3 * Math.log(K / F) ** 2;
  const strikes = Array.from({ length: 21 }, (_, i) => 5775 + 25 * i);
  const quotes: OptionState[] = strikes.flatMap((K) =>
    (['call', 'put'] as const).map((kind) => {
      const p = black76Price(kind, F, K, T, r, vol(K));
      return { cls: kind === 'call' ? 0x43 : 0x50, strike: K, bid: p - 0.01, ask: p + 0.01, quotedAt: at - 30_000, oi: 1000 + K / 25 };
    }),
  );

  it('recovers the futures price by put–call parity, and each volatility and greek from the mids', () => {
    const c = solveChain(quotes, at, { expiry, rate: r, maxAgeMs: 120_000, multiplier: 50 });
    expect(c.F).toBeCloseTo(F, 9);
    expect(Array.from(c.strikes)).toEqual(strikes);
    let solved = 0;
    strikes.forEach((K, i) => {
      // A mid at the model price (to rounding): the solved volatility is the smile's, where vega is not vanishing (within 2σ of F).
      if (Math.abs(K - F) > 40) return;
      solved++;
      expect(c.calls.iv[i]).toBeCloseTo(vol(K), 8);
      {
        expect(c.puts.iv[i]).toBeCloseTo(vol(K), 9);
        expect(c.puts.delta[i]).toBeCloseTo(black76Greeks('put', F, K, T, r, vol(K)).delta, 9);
        expect(c.puts.gamma[i]).toBeCloseTo(black76Greeks('put', F, K, T, r, vol(K)).gamma, 12);
      }
    });
    expect(solved).toBe(4);
    // Far from the money a quote a cent wide around a price under a cent has no bid.
    expect(c.calls.problem[strikes.indexOf(6250)]).toBe('no bid');
    // Near the money both sides solve; gamma exposure is calls' minus puts' gamma × OI × 50 × F² × 1%.
    const i = strikes.indexOf(6000);
    const g = black76Greeks('call', F, 6000, T, r, vol(6000)).gamma;
    expect(c.gex[i]).toBeCloseTo((c.calls.oi[i]! - c.puts.oi[i]!) * g * 50 * F * F * 0.01, 3);
  });

  it('leaves out quotes it cannot trust and says why', () => {
    const bad = quotes.map((q) => ({ ...q }));
    const at6000 = (cls: number): OptionState => bad.find((q) => q.strike === 6000 && q.cls === cls)!;
    at6000(0x43).bid = Number.NaN;
    const put6000 = at6000(0x50);
    [put6000.bid, put6000.ask] = [put6000.ask, put6000.bid];
    bad.find((q) => q.strike === 6025 && q.cls === 0x43)!.quotedAt = at - 600_000;
    // A deep in-the-money put quoted below its intrinsic value: an arbitrage, not a volatility.
    const deep = bad.find((q) => q.strike === 6275 && q.cls === 0x50)!;
    deep.bid = 200;
    deep.ask = 201;
    const c = solveChain(bad, at, { expiry, rate: r, maxAgeMs: 120_000, multiplier: 50 });
    const i = (K: number): number => strikes.indexOf(K);
    expect(c.calls.problem[i(6000)]).toBe('no bid');
    expect(c.puts.problem[i(6000)]).toMatch(/^crossed quote \(bid [0-9.]+ above ask [0-9.]+\)$/);
    expect(c.calls.problem[i(6025)]).toBe('stale quote (600 s old; the limit is 120 s)');
    expect(c.puts.problem[i(6275)]).toMatch(/^price 200.5 is at or below the discounted intrinsic value 262\.4/);
    for (const k of [6000, 6025]) expect(c.calls.iv[i(k)]).toBeNaN();
    // The parity forward moves to the next closest pair and stays near the truth.
    expect(Math.abs(c.F - F)).toBeLessThan(0.02);
  });

  it("measures a strike's gamma at its out-of-the-money side's volatility, whatever the in-the-money side's quote says", () => {
    const skewed = quotes.map((q) => ({ ...q }));
    // The in-the-money call at 5975 quoted 2 points rich: its own volatility is far off the smile.
    const itm = skewed.find((q) => q.strike === 5975 && q.cls === 0x43)!;
    itm.bid += 2;
    itm.ask += 2;
    const c = solveChain(skewed, at, { expiry, rate: r, maxAgeMs: 120_000, multiplier: 50 });
    const i = strikes.indexOf(5975);
    expect(c.calls.iv[i]! - vol(5975)).toBeGreaterThan(0.05);
    const g = black76Greeks('put', c.F, 5975, T, r, c.puts.iv[i]!).gamma;
    expect(c.gex[i]).toBeCloseTo((c.calls.oi[i]! - c.puts.oi[i]!) * g * 50 * c.F * c.F * 0.01, 6);
  });

  it('has no forward, and says so, when no strike has both sides', () => {
    const calls = quotes.filter((q) => q.cls === 0x43);
    const c = solveChain(calls, at, { expiry, rate: r, maxAgeMs: 120_000, multiplier: 50 });
    expect(c.F).toBeNaN();
    expect(c.calls.problem[strikes.indexOf(6000)]).toBe('no futures price (no strike has both a call and a put quote)');
    expect(c.puts.problem[strikes.indexOf(6000)]).toBe('no quote');
    expect(Array.from(c.gex).every((x) => x === 0)).toBe(true);
  });
});
