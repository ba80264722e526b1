import { DateTime } from 'luxon';
import { black76Price } from '../../common/options/black76';
import { frontByRoll, optionUnderlying } from '../../common/options/expiries';
import { findInstrument } from '../../common/instruments';
import type { Session } from '../calendar';
import { allocBook, BOOK_LAYOUTS, type DbnBook } from '../ingest/dbn-book';
import type { DbnTrades } from '../ingest/dbn';
import type { DbnReference } from '../ingest/dbn-reference';
import { generateSession } from './demo-market';
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

/** A session of the demo market's 0DTE options, as Databento's schemas carry them, ready for the lake's gate. */
export interface DemoOptionSession {
  /** The quarterly contract the day's options are written on (the nearest expiring on or after the day). */
  underlying: string;
  /** The contract the demo's futures trade as front that session (the customary roll). */
  front: string;
  /** One definition per option, received at the session's start. */
  definitions: DbnReference;
  /** Open interest per option (statistics type 9), received a second after the definitions. */
  openInterest: DbnReference;
  /** Consolidated best bid and offer each minute of regular hours (cbbo-1m). */
  quotes: DbnBook;
  /** Trades at the bid or the ask near the money. */
  trades: DbnTrades;
}

const NS = 1_000_000n;
const RTH_OPEN = 9 * 60 + 30;
const RTH_CLOSE = 16 * 60;
/** The demo's option instrument ids: a block per day (reused after 200 days, as Databento reuses ids after an expiry). */
const demoOptionId = (day: number, strikeIndex: number, put: boolean): number => 30_000_000 + (day % 200) * 1000 + strikeIndex * 2 + (put ? 1 : 0);

/**
 * The demo market's options on a futures symbol for one session: calls and puts expiring at 16:00
 * New York that day, listed around the regular-hours open and priced each minute from the demo's own
 * futures bars by `demoChainAt`; the minutes in [from, to) only, or null where none of regular
 * hours is. Deterministic in (seed, symbol, day).
 */
export function generateOptionSession(symbol: string, seed: number, session: Session, opts: DemoChainOptions = {}, from = -Infinity, to = Infinity): DemoOptionSession | null {
  const root = symbol;
  const bars = generateSession(symbol, seed, session);
  const ny = (ms: number): number => {
    const d = DateTime.fromMillis(ms, { zone: 'America/New_York' });
    return d.hour * 60 + d.minute;
  };
  const rth: number[] = [];
  for (let i = 0; i < bars.t.length; i++) if (ny(bars.t[i]!) >= RTH_OPEN && ny(bars.t[i]!) < RTH_CLOSE && bars.t[i]! >= from && bars.t[i]! < to) rth.push(i);
  if (rth.length === 0) return null;
  const expiry = DateTime.fromISO(session.date, { zone: 'America/New_York' }).set({ hour: 16 }).toMillis();
  const underlying = optionUnderlying(root, session.day).symbol;
  const front = frontByRoll(root, session.day).symbol;
  // The listing and open interest are the day's: fixed on the regular-hours open, whatever part of the day is asked for.
  const first930 = Array.from(bars.t).findIndex((t) => ny(t) >= RTH_OPEN && ny(t) < RTH_CLOSE);
  const open = bars.o[first930 >= 0 ? first930 : rth[0]!]!;
  const o = { strikesEachSide: 30, ...opts };
  const first = demoChainAt({ symbol, seed, day: session.day, open, F: open, t: session.start, expiry }, o);
  const m = first.strikes.length;
  const ids = Uint32Array.from({ length: 2 * m }, (_, j) => demoOptionId(session.day, j >> 1, (j & 1) === 1));
  const mmdd = session.date.slice(5, 7) + session.date.slice(8, 10);
  const rawOf = (j: number): string => `${underlying}-${mmdd} ${j & 1 ? 'P' : 'C'}${first.strikes[j >> 1]}`;
  const defNs = BigInt(session.start) * NS;

  const definitions: DbnReference = {
    schema: 'definition',
    rows: 2 * m,
    columns: {
      publisher_id: new Uint16Array(2 * m).fill(1),
      instrument_id: ids,
      ts_event: new BigUint64Array(2 * m).fill(defNs),
      ts_recv: new BigUint64Array(2 * m).fill(defNs),
      raw_symbol: Array.from(ids, (_, j) => rawOf(j)),
      instrument_class: Array.from(ids, (_, j) => (j & 1 ? 'P' : 'C')),
      strike_price: Float64Array.from(ids, (_, j) => first.strikes[j >> 1]!),
      expiration: new BigUint64Array(2 * m).fill(BigInt(expiry) * NS),
      underlying: new Array<string>(2 * m).fill(underlying),
      asset: new Array<string>(2 * m).fill(root),
      security_type: new Array<string>(2 * m).fill('OOF'),
      exchange: new Array<string>(2 * m).fill('XCME'),
      currency: new Array<string>(2 * m).fill('USD'),
      min_price_increment: new Float64Array(2 * m).fill(0.05),
      unit_of_measure_qty: new Float64Array(2 * m).fill(findInstrument(root)?.multiplier ?? 50),
    },
    offset: new Float64Array(2 * m),
  };
  const oiNs = defNs + 1000n * NS;
  const openInterest: DbnReference = {
    schema: 'statistics',
    rows: 2 * m,
    columns: {
      publisher_id: new Uint16Array(2 * m).fill(1),
      instrument_id: ids,
      ts_event: new BigUint64Array(2 * m).fill(oiNs),
      ts_recv: new BigUint64Array(2 * m).fill(oiNs),
      ts_ref: new BigUint64Array(2 * m).fill(0xffffffffffffffffn),
      price: new Float64Array(2 * m).fill(Number.NaN),
      quantity: BigInt64Array.from(ids, (_, j) => BigInt((j & 1 ? first.putOi : first.callOi)[j >> 1]!)),
      sequence: Uint32Array.from(ids, (_, j) => j + 1),
      stat_type: new Uint16Array(2 * m).fill(9),
      update_action: new Uint8Array(2 * m).fill(1),
      stat_flags: new Uint8Array(2 * m),
    },
    offset: new Float64Array(2 * m),
  };

  const quotes = allocBook('cbbo-1m', BOOK_LAYOUTS[0xc1]!, rth.length * 2 * m);
  const rng = new Rng(hashInts(seed, 57, session.day));
  const trade = { ts: [] as number[], id: [] as number[], px: [] as number[], size: [] as number[], side: [] as number[] };
  let q = 0;
  for (const i of rth) {
    const end = bars.t[i]! + 60_000;
    const chain = demoChainAt({ symbol, seed, day: session.day, open, F: bars.c[i]!, t: end, expiry }, o);
    // A few trades a minute near the money, at the bid (seller) or the ask (buyer).
    const atm = Math.round((bars.c[i]! - chain.strikes[0]!) / (chain.strikes[1]! - chain.strikes[0]!));
    for (let k = Math.floor(rng.next() * 4); k > 0; k--) {
      const s = Math.min(m - 1, Math.max(0, atm + Math.floor(rng.next() * 9) - 4));
      const put = rng.next() < 0.5;
      const buy = rng.next() < 0.5;
      const px = (put ? (buy ? chain.putAsk : chain.putBid) : buy ? chain.callAsk : chain.callBid)[s]!;
      if (px <= 0) continue;
      trade.ts.push(bars.t[i]! + Math.floor(rng.next() * 59_000) + 500);
      trade.id.push(ids[2 * s + (put ? 1 : 0)]!);
      trade.px.push(px);
      trade.size.push(1 + Math.floor(rng.next() * 20));
      trade.side.push(buy ? 0x41 : 0x42);
    }
    for (let j = 0; j < 2 * m; j++, q++) {
      const s = j >> 1;
      const put = (j & 1) === 1;
      quotes.instrumentId[q] = ids[j]!;
      quotes.publisherId[q] = 1;
      quotes.tsRecvNs[q] = BigInt(end) * NS;
      quotes.tsEventNs[q] = BigInt(end - 1) * NS;
      quotes.tsMs[q] = end - 1;
      quotes.price[q] = Number.NaN;
      quotes.side[q] = 0x4e;
      // A zero bid is no bid: the side is empty, as a feed shows it.
      const bid = (put ? chain.putBid : chain.callBid)[s]!;
      quotes.bidPx[q] = bid > 0 ? bid : Number.NaN;
      quotes.askPx[q] = (put ? chain.putAsk : chain.callAsk)[s]!;
      quotes.bidSz[q] = bid > 0 ? 5 + ((q * 7) % 40) : 0;
      quotes.askSz[q] = 5 + ((q * 11) % 40);
      quotes.bidPb[q] = 1;
      quotes.askPb[q] = 1;
    }
  }
  // Trades in time order, as a feed delivers them.
  const order = trade.ts.map((_, k) => k).sort((a, b) => trade.ts[a]! - trade.ts[b]!);
  const n = order.length;
  const trades: DbnTrades = {
    instrumentId: Uint32Array.from(order, (k) => trade.id[k]!),
    tsNs: BigInt64Array.from(order, (k) => BigInt(trade.ts[k]!) * NS),
    tsRecvNs: BigInt64Array.from(order, (k) => BigInt(trade.ts[k]!) * NS + 250_000n),
    tsMs: Float64Array.from(order, (k) => trade.ts[k]!),
    price: Float64Array.from(order, (k) => trade.px[k]!),
    size: Float64Array.from(order, (k) => trade.size[k]!),
    side: Array.from(order, (k) => String.fromCharCode(trade.side[k]!)),
    sequence: Float64Array.from(order, (_, k) => k + 1),
    publisherId: new Uint16Array(n).fill(1),
    action: new Uint8Array(n).fill(0x54),
    flags: new Uint8Array(n).fill(128),
    depth: new Uint8Array(n),
    tsInDelta: new Int32Array(n),
    offset: new Float64Array(n),
  };
  return { underlying, front, definitions, openInterest, quotes, trades };
}
