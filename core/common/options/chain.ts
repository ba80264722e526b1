import { black76Greeks, impliedVol } from './black76';
import { gexByStrike } from './gex';

/**
 * An option chain at one moment, from each option's latest quote and open interest: the futures
 * price implied by put–call parity, each side's implied volatility from its NBBO mid (Black-76), delta
 * and gamma, and the dealers' gamma exposure by strike (each strike's gamma at its out-of-the-money
 * side's volatility). Quotes that cannot be trusted are left out and
 * say why: no bid or ask, a crossed book, a quote older than the age limit, or a mid outside the
 * no-arbitrage bounds (the solver's refusal). The view, the CLI and the GEX features all solve chains
 * here, so they agree.
 */

const YEAR_MS = 365 * 86_400_000;
const CALL = 0x43;

/** One option's latest state, as a chain is solved from it. */
export interface OptionState {
  /** 0x43 call, 0x50 put. */
  cls: number;
  strike: number;
  bid: number;
  ask: number;
  /** When the quote was received, epoch ms. */
  quotedAt: number;
  /** Open interest, contracts (NaN where none is known). */
  oi: number;
}

/** How a chain is solved. */
export interface ChainParams {
  /** Expiry of the chain's options, epoch ms. */
  expiry: number;
  /** Risk-free rate, continuously compounded. */
  rate: number;
  /** Oldest quote used, ms before the moment. */
  maxAgeMs: number;
  /** Contract multiplier (50 for ES options). */
  multiplier: number;
}

/** One side (calls or puts) of a solved chain, a value per strike (NaN where the side has none). */
export interface ChainSide {
  bid: Float64Array;
  ask: Float64Array;
  iv: Float64Array;
  delta: Float64Array;
  gamma: Float64Array;
  oi: Float64Array;
  /** Age of the quote at the moment, ms. */
  age: Float64Array;
  /** Why a strike's quote was left out ('' where it was used). */
  problem: string[];
}

/** A solved chain: strikes ascending. */
export interface SolvedChain {
  at: number;
  expiry: number;
  /** Years to expiry. */
  T: number;
  /** Futures price implied by put–call parity at the strike where call and put mids are closest; NaN where no strike has both. */
  F: number;
  strikes: Float64Array;
  calls: ChainSide;
  puts: ChainSide;
  /** Dealer gamma exposure by strike, $ per 1% move (see gexByStrike). */
  gex: Float64Array;
}

function side(n: number): ChainSide {
  const nan = (): Float64Array => new Float64Array(n).fill(Number.NaN);
  return { bid: nan(), ask: nan(), iv: nan(), delta: nan(), gamma: nan(), oi: nan(), age: nan(), problem: new Array<string>(n).fill('no quote') };
}

/** What is wrong with a quote for solving, or ''. */
function quoteProblem(o: OptionState, at: number, maxAgeMs: number): string {
  if (!(o.bid > 0)) return 'no bid';
  if (!(o.ask > 0)) return 'no ask';
  if (o.bid > o.ask) return `crossed quote (bid ${o.bid} above ask ${o.ask})`;
  if (at - o.quotedAt > maxAgeMs) return `stale quote (${Math.round((at - o.quotedAt) / 1000)} s old; the limit is ${Math.round(maxAgeMs / 1000)} s)`;
  return '';
}

/** Solves a chain at `at` from the options' latest states (any order; quotes after `at` must not be given). */
export function solveChain(options: readonly OptionState[], at: number, p: ChainParams): SolvedChain {
  const strikes = Float64Array.from(new Set(options.map((o) => o.strike))).sort();
  const n = strikes.length;
  const index = new Map<number, number>();
  strikes.forEach((k, i) => index.set(k, i));
  const calls = side(n);
  const puts = side(n);
  const T = (p.expiry - at) / YEAR_MS;
  const mid = (s: ChainSide, i: number): number => (s.problem[i] === '' ? (s.bid[i]! + s.ask[i]!) / 2 : Number.NaN);
  for (const o of options) {
    const i = index.get(o.strike)!;
    const s = o.cls === CALL ? calls : puts;
    s.bid[i] = o.bid;
    s.ask[i] = o.ask;
    s.oi[i] = o.oi;
    s.age[i] = at - o.quotedAt;
    s.problem[i] = T > 0 ? quoteProblem(o, at, p.maxAgeMs) : 'expired';
  }
  // Put–call parity: C − P = e^{−rT}(F − K), at the strike where the two mids are closest (the most liquid pair).
  let F = Number.NaN;
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const c = mid(calls, i);
    const q = mid(puts, i);
    if (Number.isNaN(c) || Number.isNaN(q) || Math.abs(c - q) >= best) continue;
    best = Math.abs(c - q);
    F = strikes[i]! + (c - q) * Math.exp(p.rate * T);
  }
  for (const [s, kind] of [[calls, 'call'], [puts, 'put']] as const) {
    for (let i = 0; i < n; i++) {
      const m = mid(s, i);
      if (Number.isNaN(m)) continue;
      if (Number.isNaN(F)) {
        s.problem[i] = 'no futures price (no strike has both a call and a put quote)';
        continue;
      }
      const v = impliedVol(kind, m, F, strikes[i]!, T, p.rate);
      if (v.sigma === null) {
        s.problem[i] = v.problem;
        continue;
      }
      const g = black76Greeks(kind, F, strikes[i]!, T, p.rate, v.sigma);
      s.iv[i] = v.sigma;
      s.delta[i] = g.delta;
      s.gamma[i] = g.gamma;
    }
  }
  // Gamma at a strike is the same for its call and put at one volatility: the out-of-the-money side's
  // (calls at and above F, puts below), whose price is nearly all time value, the other where it has none.
  const smile = (i: number): number => {
    const [otm, itm] = strikes[i]! >= F ? [calls.iv[i]!, puts.iv[i]!] : [puts.iv[i]!, calls.iv[i]!];
    return Number.isNaN(otm) ? itm : otm;
  };
  const gex = Number.isNaN(F)
    ? new Float64Array(n)
    : gexByStrike(
        Array.from(strikes, (strike, i) => ({ strike, callOi: calls.oi[i]! || 0, putOi: puts.oi[i]! || 0, callIv: smile(i), putIv: smile(i) })),
        F,
        T,
        p.rate,
        p.multiplier,
      );
  return { at, expiry: p.expiry, T, F, strikes, calls, puts, gex };
}
