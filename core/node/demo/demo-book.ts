import { DEMO_INSTRUMENTS } from '../../common/instruments';
import type { Session } from '../calendar';
import { allocBook, BOOK_LAYOUTS, type DbnBook } from '../ingest/dbn-book';
import { generateSession } from './demo-market';
import { hashInts, Rng } from './rng';

/**
 * The demo market's order book: a ten-level MBP-10 stream for a session, consistent with the demo's
 * one-minute bars. Each minute trades at its open, visits its high and low a tick at a time, and ends
 * on its close; trades hit the best bid or lift the best ask and consume that level's depth (a level
 * traded away or cancelled moves the book), and orders join and leave the other levels between
 * trades. Trade sizes in a minute add up to the bar's volume whenever that volume covers one contract
 * for each price the bar must trade at (open, extremes, close). Deterministic in (seed, symbol, day).
 */

const LEVELS = 10;
const A = 0x41;
const B = 0x42;
const C = 0x43;
const T = 0x54;
const LAST = 128;

/** Options of the synthetic book. */
export interface DemoBookOptions {
  /** Orders joining or leaving levels per minute, besides those trades cause (default 40). */
  updatesPerMinute?: number;
  /** Publisher id written on every record (default 1, GLBX.MDP3). */
  publisherId?: number;
}

/** The instrument id the demo book gives a symbol. */
export function demoInstrumentId(symbol: string): number {
  const i = DEMO_INSTRUMENTS.findIndex((x) => x.symbol === symbol);
  if (i < 0) throw new Error(`the demo source has no symbol ${symbol}; it offers ${DEMO_INSTRUMENTS.map((x) => x.symbol).join(', ')}`);
  return 9000 + i;
}

/** Growable record columns (typed, doubling): the event, and the book after it (prices in ticks). */
class Recorder {
  n = 0;
  /** action, side, price (ticks), size, depth, flags per record. */
  head = new Int32Array(6 * 1024);
  /** Per level: bid price, ask price, bid size, ask size, bid orders, ask orders. */
  levels = new Int32Array(6 * LEVELS * 1024);

  push(action: number, side: number, px: number, size: number, depth: number, flags: number, book: Book): void {
    if ((this.n + 1) * 6 > this.head.length) {
      const head = new Int32Array(this.head.length * 2);
      head.set(this.head);
      this.head = head;
      const levels = new Int32Array(this.levels.length * 2);
      levels.set(this.levels);
      this.levels = levels;
    }
    const h = this.n * 6;
    this.head[h] = action;
    this.head[h + 1] = side;
    this.head[h + 2] = px;
    this.head[h + 3] = size;
    this.head[h + 4] = depth;
    this.head[h + 5] = flags;
    for (let k = 0, at = this.n * 6 * LEVELS; k < LEVELS; k++, at += 6) {
      this.levels[at] = book.bid - k;
      this.levels[at + 1] = book.ask + k;
      this.levels[at + 2] = book.bidSz[k]!;
      this.levels[at + 3] = book.askSz[k]!;
      this.levels[at + 4] = book.bidCt[k]!;
      this.levels[at + 5] = book.askCt[k]!;
    }
    this.n++;
  }
}

/** Ten levels a side around a one-tick spread (prices in ticks). */
interface Book {
  bid: number;
  ask: number;
  bidSz: number[];
  askSz: number[];
  bidCt: number[];
  askCt: number[];
}

/**
 * A session of the demo symbol's book as MBP-10 records, in time order (`opts` tunes the activity).
 * `from` and `to` (epoch ms) keep the minutes in [from, to).
 */
export function generateBookSession(symbol: string, seed: number, session: Session, opts: DemoBookOptions = {}, from = -Infinity, to = Infinity): DbnBook {
  const spec = DEMO_INSTRUMENTS.find((x) => x.symbol === symbol);
  const instrumentId = demoInstrumentId(symbol);
  const inv = Math.round(1 / spec!.tickSize);
  const bars = generateSession(symbol, seed, session);
  const rng = new Rng(hashInts(seed, 31, instrumentId, session.day));
  const updates = opts.updatesPerMinute ?? 40;
  const rec = new Recorder();
  let minuteOf = new Int32Array(1024);
  const depthAt = (k: number): number => 8 + 6 * k + Math.floor(rng.next() * (10 + 4 * k));
  const countOf = (size: number): number => Math.max(1, Math.round(size / (1.5 + rng.next() * 2)));
  const first = bars.t.length ? Math.round(bars.o[0]! * inv) : 0;
  const book: Book = { bid: first, ask: first + 1, bidSz: [], askSz: [], bidCt: [], askCt: [] };
  for (let k = 0; k < LEVELS; k++) {
    book.bidSz.push(depthAt(k));
    book.askSz.push(depthAt(k));
    book.bidCt.push(countOf(book.bidSz[k]!));
    book.askCt.push(countOf(book.askSz[k]!));
  }

  // Book moves: a level traded away or pulled shifts its side; the other side closes the spread.
  const dropAsk = (): void => {
    book.askSz.shift();
    book.askCt.shift();
    book.ask++;
    const s = depthAt(LEVELS - 1);
    book.askSz.push(s);
    book.askCt.push(countOf(s));
  };
  const dropBid = (): void => {
    book.bidSz.shift();
    book.bidCt.shift();
    book.bid--;
    const s = depthAt(LEVELS - 1);
    book.bidSz.push(s);
    book.bidCt.push(countOf(s));
  };
  const closeSpread = (): void => {
    while (book.ask - book.bid > 1) {
      if (rng.next() < 0.5) {
        book.bid++;
        book.bidSz.unshift(1 + Math.floor(rng.next() * 6));
        book.bidCt.unshift(1);
        book.bidSz.pop();
        book.bidCt.pop();
        rec.push(A, B, book.bid, book.bidSz[0]!, 0, LAST, book);
      } else {
        book.ask--;
        book.askSz.unshift(1 + Math.floor(rng.next() * 6));
        book.askCt.unshift(1);
        book.askSz.pop();
        book.askCt.pop();
        rec.push(A, A, book.ask, book.askSz[0]!, 0, LAST, book);
      }
    }
  };
  /** Moves the book until `p` is the best bid or the best ask, pulling the levels in the way. */
  const reach = (p: number): void => {
    while (book.ask < p) {
      rec.push(C, A, book.ask, book.askSz[0]!, 0, LAST, (dropAsk(), book));
      closeSpread();
    }
    while (book.bid > p) {
      rec.push(C, B, book.bid, book.bidSz[0]!, 0, LAST, (dropBid(), book));
      closeSpread();
    }
  };
  /** A trade of `q` at `p` (a best price), then the level it consumed. */
  const trade = (p: number, q: number): void => {
    reach(p);
    const atAsk = p === book.ask;
    const sz = atAsk ? book.askSz : book.bidSz;
    const ct = atAsk ? book.askCt : book.bidCt;
    // Depth shown is replenished first when the trade is larger (an iceberg refilling).
    if (sz[0]! < q) {
      const add = q - sz[0]!;
      sz[0] = q;
      ct[0] = Math.min(q, ct[0]! + 1);
      rec.push(A, atAsk ? A : B, p, add, 0, LAST, book);
    }
    rec.push(T, atAsk ? B : A, p, q, 0, 0, book);
    sz[0] = sz[0]! - q;
    if (sz[0] === 0) {
      rec.push(C, atAsk ? A : B, p, q, 0, LAST, (atAsk ? dropAsk() : dropBid(), book));
      closeSpread();
    } else {
      ct[0] = Math.max(1, Math.min(ct[0]!, sz[0]!));
      rec.push(C, atAsk ? A : B, p, q, 0, LAST, book);
    }
  };
  /** An order joining or leaving a level other than where the next trade is. */
  const churn = (): void => {
    const bidSide = rng.next() < 0.5;
    const k = Math.min(LEVELS - 1, Math.floor(rng.next() * rng.next() * LEVELS));
    const sz = bidSide ? book.bidSz : book.askSz;
    const ct = bidSide ? book.bidCt : book.askCt;
    const q = 1 + Math.floor(rng.next() * 8);
    const px = bidSide ? book.bid - k : book.ask + k;
    if (rng.next() < 0.55 || sz[k]! <= q) {
      sz[k] = sz[k]! + q;
      ct[k] = ct[k]! + 1;
      rec.push(A, bidSide ? B : A, px, q, k, LAST, book);
    } else {
      sz[k] = sz[k]! - q;
      ct[k] = Math.max(1, Math.min(ct[k]! - 1, sz[k]!));
      rec.push(C, bidSide ? B : A, px, q, k, LAST, book);
    }
  };

  for (let m = 0; m < bars.t.length; m++) {
    const start = rec.n;
    const o = Math.round(bars.o[m]! * inv);
    const h = Math.round(bars.h[m]! * inv);
    const l = Math.round(bars.l[m]! * inv);
    const c = Math.round(bars.c[m]! * inv);
    // Down to the low first on an up bar, up to the high first on a down bar: the bar ends from its far side.
    const turns = c >= o ? [o, l, h, c] : [o, h, l, c];
    const path: number[] = [o];
    for (let t = 1; t < turns.length; t++) for (let p = path[path.length - 1]!; p !== turns[t]; ) path.push((p += Math.sign(turns[t]! - p)));
    // One trade at every anchor (open, extremes, close); the volume left goes to the steps between.
    const anchor = path.map((p, i) => i === 0 || i === path.length - 1 || ((p === h || p === l) && path.indexOf(p) === i));
    const anchors = anchor.filter(Boolean).length;
    let free = Math.max(0, bars.v[m]! - anchors);
    for (let i = 0; i < path.length; i++) {
      for (let u = Math.floor((rng.next() * 2 * updates) / path.length + rng.next()); u > 0; u--) churn();
      if (!anchor[i] && (free === 0 || rng.next() < 0.3)) {
        reach(path[i]!);
        continue;
      }
      // The close takes what is left; other trades a random share of it (at least one contract off an anchor).
      const share = i === path.length - 1 ? free : Math.min(free, Math.floor(rng.next() * rng.next() * (free / (path.length - i)) * 3));
      const extra = anchor[i] ? share : Math.max(1, share);
      free -= extra;
      trade(path[i]!, (anchor[i] ? 1 : 0) + extra);
    }
    if (rec.n > minuteOf.length) {
      const grown = new Int32Array(Math.max(rec.n, minuteOf.length * 2));
      grown.set(minuteOf);
      minuteOf = grown;
    }
    minuteOf.fill(m, start, rec.n);
  }

  // Times: each minute's events at sorted uniform instants within it; received 10–300 µs later.
  const n = rec.n;
  const keep = new Uint8Array(n);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const t = bars.t[minuteOf[i]!]!;
    if (t >= from && t < to) {
      keep[i] = 1;
      kept++;
    }
  }
  const out = allocBook('mbp-10', BOOK_LAYOUTS[0x0a]!, kept);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) times[i] = rng.next();
  let seq = 1_000_000 + (hashInts(seed, instrumentId, session.day) % 1_000_000);
  for (let i = 0, j = 0; i < n; ) {
    const m = minuteOf[i]!;
    let e = i;
    while (e < n && minuteOf[e] === m) e++;
    const slice = times.subarray(i, e).sort();
    for (let r = i; r < e; r++, seq++) {
      if (!keep[r]) continue;
      const ns = BigInt(bars.t[m]!) * 1_000_000n + BigInt(Math.floor(slice[r - i]! * 59_999_000_000));
      out.tsEventNs[j] = ns;
      // Received in order, as a gateway hands records on.
      const recv = ns + BigInt(10_000 + Math.floor(rng.next() * 290_000));
      out.tsRecvNs[j] = j > 0 && recv <= out.tsRecvNs[j - 1]! ? out.tsRecvNs[j - 1]! + 1n : recv;
      out.tsMs[j] = Number(ns / 1_000_000n);
      out.instrumentId[j] = instrumentId;
      out.publisherId[j] = opts.publisherId ?? 1;
      const h = r * 6;
      out.action[j] = rec.head[h]!;
      out.side[j] = rec.head[h + 1]!;
      out.price[j] = rec.head[h + 2]! / inv;
      out.size[j] = rec.head[h + 3]!;
      out.depth[j] = rec.head[h + 4]!;
      out.flags[j] = rec.head[h + 5]!;
      out.tsInDelta[j] = 5_000 + Math.floor(rng.next() * 20_000);
      out.sequence[j] = seq;
      for (let k = 0; k < LEVELS; k++) {
        const at = (r * LEVELS + k) * 6;
        const q = j * LEVELS + k;
        out.bidPx[q] = rec.levels[at]! / inv;
        out.askPx[q] = rec.levels[at + 1]! / inv;
        out.bidSz[q] = rec.levels[at + 2]!;
        out.askSz[q] = rec.levels[at + 3]!;
        out.bidCt[q] = rec.levels[at + 4]!;
        out.askCt[q] = rec.levels[at + 5]!;
      }
      j++;
    }
    i = e;
  }
  return out;
}
