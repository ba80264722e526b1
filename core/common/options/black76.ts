/**
 * Black's 1976 model for options on futures: prices, the greeks a dealer-gamma estimate needs, and
 * implied volatility solved from a price. Prices are per unit of the underlying futures price (a
 * contract's value is the price times its multiplier); times are in years, rates continuously
 * compounded, volatilities annual.
 */

export type OptionKind = 'call' | 'put';

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** The standard normal density. */
export function normPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / SQRT_2PI;
}

/**
 * The standard normal distribution function, to about 1e-16 absolute and 1e-14 relative in the
 * tails: Marsaglia's series (all terms of one sign) inside ±2, Laplace's continued fraction for the
 * tails beyond (200 levels: converged to double precision from 2 on).
 */
export function normCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const z = Math.abs(x);
  if (z < 2) {
    // Φ(z) = ½ + φ(z)·(z + z³/3 + z⁵/(3·5) + …)
    let term = z;
    let sum = z;
    const z2 = z * z;
    for (let k = 3; sum + term !== sum; k += 2) {
      term *= z2 / k;
      sum += term;
    }
    const half = normPdf(z) * sum;
    return x >= 0 ? 0.5 + half : 0.5 - half;
  }
  // Q(z) = φ(z) / (z + 1/(z + 2/(z + 3/(z + …)))), evaluated from the inside out.
  let cf = z;
  for (let k = 200; k >= 1; k--) cf = z + k / cf;
  const tail = normPdf(z) / cf;
  return x >= 0 ? 1 - tail : tail;
}

/** d1 and d2 of Black's formula. */
function dOf(F: number, K: number, T: number, sigma: number): [number, number] {
  const s = sigma * Math.sqrt(T);
  const d1 = (Math.log(F / K) + 0.5 * s * s) / s;
  return [d1, d1 - s];
}

/** An option's Black-76 price: e^(−rT)·(F·N(d1) − K·N(d2)) for a call, e^(−rT)·(K·N(−d2) − F·N(−d1)) for a put. */
export function black76Price(kind: OptionKind, F: number, K: number, T: number, r: number, sigma: number): number {
  const df = Math.exp(-r * T);
  if (T <= 0 || sigma <= 0) return df * Math.max(kind === 'call' ? F - K : K - F, 0);
  const [d1, d2] = dOf(F, K, T, sigma);
  return kind === 'call' ? df * (F * normCdf(d1) - K * normCdf(d2)) : df * (K * normCdf(-d2) - F * normCdf(-d1));
}

/** Price and greeks with respect to the futures price (delta, gamma) and volatility (vega, per 1.00 of volatility). */
export interface Black76Greeks {
  price: number;
  delta: number;
  gamma: number;
  vega: number;
}

/** An option's price, delta, gamma and vega under Black-76 (T and sigma above zero). */
export function black76Greeks(kind: OptionKind, F: number, K: number, T: number, r: number, sigma: number): Black76Greeks {
  const df = Math.exp(-r * T);
  const [d1, d2] = dOf(F, K, T, sigma);
  const pdf = normPdf(d1);
  const sqrtT = Math.sqrt(T);
  const price = kind === 'call' ? df * (F * normCdf(d1) - K * normCdf(d2)) : df * (K * normCdf(-d2) - F * normCdf(-d1));
  return {
    price,
    delta: kind === 'call' ? df * normCdf(d1) : -df * normCdf(-d1),
    gamma: (df * pdf) / (F * sigma * sqrtT),
    vega: df * F * pdf * sqrtT,
  };
}

/** Volatilities the solver searches between. */
export const IV_BOUNDS = { min: 1e-4, max: 10 } as const;

/** An implied volatility, or why a price has none. */
export type ImpliedVol = { sigma: number; iterations: number } | { sigma: null; problem: string };

/**
 * The volatility at which Black-76 gives `price`: Newton steps on vega kept inside a bisection
 * bracket [1e-4, 10], so it converges from any start and never leaves the bounds. A price that breaks
 * the no-arbitrage bounds (below the discounted intrinsic value, or at or above the discounted
 * futures price for a call and strike for a put) or needs a volatility outside the bracket has none,
 * and says why.
 */
export function impliedVol(kind: OptionKind, price: number, F: number, K: number, T: number, r: number): ImpliedVol {
  if (!(F > 0 && K > 0 && T > 0 && Number.isFinite(price) && Number.isFinite(r))) return { sigma: null, problem: `needs a positive futures price, strike and time and a finite price and rate (F ${F}, K ${K}, T ${T}, price ${price}, r ${r})` };
  const df = Math.exp(-r * T);
  const intrinsic = df * Math.max(kind === 'call' ? F - K : K - F, 0);
  const upper = df * (kind === 'call' ? F : K);
  if (price <= intrinsic) return { sigma: null, problem: `price ${price} is at or below the discounted intrinsic value ${intrinsic.toPrecision(8)}` };
  if (price >= upper) return { sigma: null, problem: `price ${price} is at or above the no-arbitrage bound ${upper.toPrecision(8)} (the discounted ${kind === 'call' ? 'futures price' : 'strike'})` };
  let lo: number = IV_BOUNDS.min;
  let hi: number = IV_BOUNDS.max;
  if (black76Price(kind, F, K, T, r, lo) > price) return { sigma: null, problem: `price ${price} needs a volatility below ${lo}` };
  if (black76Price(kind, F, K, T, r, hi) < price) return { sigma: null, problem: `price ${price} needs a volatility above ${hi}` };
  // Start where the at-the-money approximation puts it (Brenner–Subrahmanyam), inside the bracket.
  let sigma = Math.min(hi, Math.max(lo, (price / df / F) * Math.sqrt((2 * Math.PI) / T)));
  for (let i = 1; i <= 200; i++) {
    const g = black76Greeks(kind, F, K, T, r, sigma);
    const diff = g.price - price;
    if (Math.abs(diff) <= 1e-14 * Math.max(1, price)) return { sigma, iterations: i };
    if (diff > 0) hi = sigma;
    else lo = sigma;
    const newton = sigma - diff / g.vega;
    sigma = g.vega > 0 && newton > lo && newton < hi ? newton : 0.5 * (lo + hi);
    if (hi - lo <= 1e-15 * hi) return { sigma, iterations: i };
  }
  return { sigma, iterations: 200 };
}
