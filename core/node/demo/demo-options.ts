import { black76Price } from '../../common/options/black76';
import { hashInts, Rng } from './rng';

/** How the demo market quotes its 0DTE options. */
export interface DemoChainOptions {
  /** Points between listed strikes (25 for ES). */
  spacing?: number;
  /** Strikes listed on each side of the one nearest the futures price. */
  strikesEachSide?: number;
  /** At-the-money volatility, annual. */
  atmVol?: number;
  /** Smile: σ(K) = atm + skew·x + curvature·x², x = ln(K/F) (puts richer than calls when skew < 0). */
  skew?: number;
  curvature?: number;
  /** Risk-free rate, continuously compounded. */
  rate?: number;
  /** Price increment of the options (0.25 for ES options above 5.00, 0.05 below). */
  tick?: number;
}

/** One snapshot of a demo chain: strikes ascending, each side's quotes and open interest, and the volatility it was priced at. */
export interface DemoChain {
  /** Snapshot time and expiry, epoch ms. */
  t: number;
  expiry: number;
  /** The futures price the chain was priced on. */
  F: number;
  rate: number;
  strikes: Float64Array;
  /** The smile's volatility per strike (what a solver should recover from the mids, within the spread). */
  vol: Float64Array;
  callBid: Float64Array;
  callAsk: Float64Array;
  putBid: Float64Array;
  putAsk: Float64Array;
  /** Open interest per strike: contracts, fixed for the day (what the exchange publishes before the open). */
  callOi: Float64Array;
  putOi: Float64Array;
}

const YEAR_MS = 365 * 86_400_000;

/** Which chain, and when: the futures price now, and the day's opening price the listing and open interest are fixed on. */
export interface DemoChainAt {
  symbol: string;
  seed: number;
  /** Day number of the session (days since 1970-01-01). */
  day: number;
  /** The session's opening futures price: strikes are listed, and open interest set, around it for the whole day. */
  open: number;
  /** The futures price at t. */
  F: number;
  t: number;
  /** Expiry, epoch ms (0DTE: the session's close). */
  expiry: number;
}

/**
 * The demo market's option chain on a futures contract at time t: strikes every `spacing` points
 * around the day's open, priced by Black-76 on a smile at the futures price now, quoted a tick or 1%
 * either side of the price on the options' tick grid, and open interest that is a deterministic
 * function of (seed, symbol, day, strike): heaviest near the open, puts below and calls above, round
 * strikes crowded. The same inputs give the same chain.
 */
export function demoChainAt(at: DemoChainAt, o: DemoChainOptions = {}): DemoChain {
  const { symbol, seed, day, open, F, t, expiry } = at;
  const spacing = o.spacing ?? 25;
  const each = o.strikesEachSide ?? 40;
  const atm = o.atmVol ?? 0.15;
  const skew = o.skew ?? -0.8;
  const curvature = o.curvature ?? 2;
  const rate = o.rate ?? 0.05;
  const T = Math.max(expiry - t, 60_000) / YEAR_MS;
  const centre = Math.round(open / spacing) * spacing;
  const n = 2 * each + 1;
  const strikes = Float64Array.from({ length: n }, (_, i) => centre + (i - each) * spacing);
  const vol = strikes.map((K) => {
    const x = Math.log(K / F);
    return Math.max(0.05, atm + skew * x + curvature * x * x);
  });
  const quote = (price: number): [number, number] => {
    const tick = o.tick ?? (price < 5 ? 0.05 : 0.25);
    const half = Math.max(tick, 0.01 * price);
    const bid = Math.max(0, Math.floor((price - half) / tick) * tick);
    return [Number(bid.toFixed(2)), Number((Math.ceil((price + half) / tick) * tick).toFixed(2))];
  };
  const callBid = new Float64Array(n);
  const callAsk = new Float64Array(n);
  const putBid = new Float64Array(n);
  const putAsk = new Float64Array(n);
  const callOi = new Float64Array(n);
  const putOi = new Float64Array(n);
  const symbolHash = hashInts(...Array.from(symbol, (c) => c.charCodeAt(0)));
  strikes.forEach((K, i) => {
    [callBid[i], callAsk[i]] = quote(black76Price('call', F, K, T, rate, vol[i]!));
    [putBid[i], putAsk[i]] = quote(black76Price('put', F, K, T, rate, vol[i]!));
    // Open interest is the day's: a function of the strike and the day, not of the moment.
    const rng = new Rng(hashInts(seed, symbolHash, day, K * 4));
    const x = (K - centre) / (spacing * 8);
    const bell = 4000 * Math.exp(-x * x);
    const round = K % 100 === 0 ? 1.8 : 1;
    callOi[i] = Math.round(bell * round * (K >= centre ? 1.2 : 0.5) * (0.6 + 0.8 * rng.next()));
    putOi[i] = Math.round(bell * round * (K <= centre ? 1.5 : 0.4) * (0.6 + 0.8 * rng.next()));
  });
  return { t, expiry, F, rate, strikes, vol, callBid, callAsk, putBid, putAsk, callOi, putOi };
}
