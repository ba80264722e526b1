import { black76Greeks } from './black76';

/** One strike of a chain: its calls' and puts' open interest and their implied volatilities (NaN where none was solved). */
export interface ChainStrike {
  strike: number;
  callOi: number;
  putOi: number;
  callIv: number;
  putIv: number;
}

/**
 * Dealer gamma exposure by strike, in dollars per 1% move of the futures price, under the usual
 * convention (SqueezeMetrics, SpotGamma): customers are taken to buy puts and sell calls, so dealers
 * are long the calls' gamma and short the puts': GEX_k = (OI_call·Γ_call − OI_put·Γ_put) · multiplier ·
 * F² · 0.01. Positive exposure means dealers' hedging dampens a move through the strike (they sell
 * rallies, buy dips); negative means it amplifies one. Open interest is the exchange's, as of the
 * session's start (Databento `statistics`, open interest); a strike whose side has no volatility
 * contributes nothing for that side.
 */
export function gexByStrike(chain: readonly ChainStrike[], F: number, T: number, r: number, multiplier: number): Float64Array {
  const scale = multiplier * F * F * 0.01;
  return Float64Array.from(chain, (k) => {
    const gamma = (iv: number): number => (Number.isFinite(iv) && iv > 0 ? black76Greeks('call', F, k.strike, T, r, iv).gamma : 0);
    return (k.callOi * gamma(k.callIv) - k.putOi * gamma(k.putIv)) * scale;
  });
}

/** Gamma exposure around a level: within n strikes above and below it, their asymmetry and ratio, and the sum. */
export interface GexAround {
  /** Sum over the n strikes at or above the level. */
  above: number;
  /** Sum over the n strikes below it. */
  below: number;
  /** (above − below) / (|above| + |below|): from −1 (all below) to 1 (all above); NaN when both are 0. */
  asymmetry: number;
  /** above / below (NaN when below is 0). */
  ratio: number;
  /** above + below. */
  net: number;
}

/**
 * GEX around a price level from a profile by strike (strikes ascending): the n listed strikes at or
 * above the level and the n below it. Strikes are the chain's own (25 points apart for ES), so "±2
 * strikes" follows the listing, gaps included.
 */
export function gexAround(strikes: ArrayLike<number>, gex: ArrayLike<number>, level: number, n: number): GexAround {
  let first = 0;
  while (first < strikes.length && strikes[first]! < level) first++;
  let above = 0;
  for (let i = first; i < Math.min(strikes.length, first + n); i++) above += gex[i]!;
  let below = 0;
  for (let i = Math.max(0, first - n); i < first; i++) below += gex[i]!;
  const mass = Math.abs(above) + Math.abs(below);
  return { above, below, asymmetry: mass > 0 ? (above - below) / mass : Number.NaN, ratio: below !== 0 ? above / below : Number.NaN, net: above + below };
}
