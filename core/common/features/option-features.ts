import { solveChain, type OptionState } from '../options/chain';
import { gexAround } from '../options/gex';

/**
 * Features of the options on a futures symbol, read at candle closes: dealer gamma exposure (GEX)
 * around the price and around the nearest key level of each kind, from the session's 0DTE chain on
 * the front contract. One kernel consumes option events (quotes and open interest) in time order and
 * answers at closes; the batch build and a streaming feed drive the same kernel, which is what makes
 * them agree.
 */

/** Option events as the kernel reads them: columnar, in time order. */
export interface OptionEvents {
  /** Receive time, epoch ms. */
  t: Float64Array;
  /** 0 a quote (bid, ask), 1 open interest (qty). */
  kind: Uint8Array;
  id: Float64Array;
  /** 0x43 call, 0x50 put. */
  cls: Float64Array;
  strike: Float64Array;
  /** Expiry, epoch ms, and its trading date as a day number (New York). */
  expiry: Float64Array;
  expiryDay: Float64Array;
  bid: Float64Array;
  ask: Float64Array;
  qty: Float64Array;
}

/** Where GEX is measured: the close, and the nearest pre-market, opening-range and SMA level (`keylevels`). */
export const GEX_ANCHORS = ['px', 'pm', 'or', 'sma'] as const;

/** How chains are solved for the features. */
export interface OptionFeatureSettings {
  /** Contract multiplier (50 for ES). */
  multiplier: number;
  /** Risk-free rate (default 0.05). */
  rate?: number;
  /** Oldest quote used, ms (default 120 s). */
  maxAgeMs?: number;
  /** Days to expiry included (default 0: the session's own expiry). */
  dte?: number;
}

/** The one option feature's definition, for the registry listing. */
export const GEX_FEATURE = {
  name: 'gex',
  description: 'Dealer gamma exposure of the 0DTE chain around the close and the nearest key levels, within ±n listed strikes',
  conventions:
    'From the session\'s options on its front futures contract (the roll table), expiring that day: each option\'s latest NBBO mid (at most 120 s old) solved for implied volatility by Black-76 at the put–call-parity forward (rate 0.05), each strike\'s gamma at its out-of-the-money side\'s volatility (calls at and above the forward, puts below; the other side where that one has none) × open interest (the latest published, statistics type 9) × multiplier × F² × 1%, calls counted positive and puts negative (customers buy puts and sell calls, dealers hold the other side), in $M per 1% move. gex_net sums every strike. For each anchor (px: the close; pm, or, sma: close − kl_<kind>_near, the nearest level of the kind) and each n: _above sums the n strikes at or above the anchor, _below the n strikes under it, _asym (above − below)/(|above| + |below|), _ratio above/below. NaN where the session has no solvable chain, or the anchor is undefined.',
  params: [{ name: 'strikes', default: 1, min: 1, max: 20, description: 'strikes each side of the anchor (any number of values, e.g. gex(1,2,3))' }],
} as const;

/** One parsed option feature spec. */
export interface OptionFeatureInstance {
  spec: string;
  nums: number[];
  outputs: string[];
}

/** Parses `gex` or `gex(1,2,3)`; errors name the spec. */
export function parseOptionFeature(spec: string): OptionFeatureInstance {
  const m = /^\s*([a-z][a-z0-9_]*)\s*(?:\((.*)\))?\s*$/i.exec(spec);
  if (!m) throw new Error(`option feature "${spec}": write it as gex or gex(1,2,3)`);
  if (m[1]!.toLowerCase() !== 'gex') throw new Error(`unknown option feature "${m[1]}" in "${spec}"; option features: gex`);
  const args = m[2] === undefined || m[2].trim() === '' ? ['1', '2', '3'] : m[2].split(',').map((a) => a.trim());
  const p = GEX_FEATURE.params[0];
  const nums = args.map((a) => {
    const x = a === '' ? Number.NaN : Number(a);
    if (!Number.isInteger(x) || x < p.min || x > p.max) throw new Error(`option feature "${spec}": strikes must be a whole number from ${p.min} to ${p.max}, got "${a}"`);
    return x;
  });
  const outputs = ['gex_net', ...GEX_ANCHORS.flatMap((a) => nums.flatMap((n) => ['above', 'below', 'asym', 'ratio'].map((k) => `gex_${a}_${n}_${k}`)))];
  return { spec: `gex(${nums.join(',')})`, nums, outputs };
}

/** Streaming: feed option events as they arrive and ask for the features at each close. */
export class OptionFeatureStream {
  readonly outputs: string[];
  private readonly nums: number[];
  private readonly options = new Map<number, OptionState & { expiry: number; expiryDay: number }>();
  private readonly oi = new Map<number, number>();
  private day = Number.NaN;

  constructor(
    specs: readonly string[],
    private readonly settings: OptionFeatureSettings,
  ) {
    const parsed = specs.map(parseOptionFeature);
    this.nums = [...new Set(parsed.flatMap((p) => p.nums))].sort((a, b) => a - b);
    this.outputs = parseOptionFeature(`gex(${this.nums.join(',')})`).outputs;
  }

  /** Starts a session (its trading day): the previous session's quotes and open interest are dropped. */
  session(day: number): void {
    if (day === this.day) return;
    this.day = day;
    this.options.clear();
    this.oi.clear();
  }

  /** Consumes events `from`…`to`. */
  events(e: OptionEvents, from = 0, to = e.t.length): void {
    for (let i = from; i < to; i++) {
      const id = e.id[i]!;
      if (e.kind[i] === 1) {
        this.oi.set(id, e.qty[i]!);
        continue;
      }
      this.options.set(id, { cls: e.cls[i]!, strike: e.strike[i]!, bid: e.bid[i]!, ask: e.ask[i]!, quotedAt: e.t[i]!, oi: Number.NaN, expiry: e.expiry[i]!, expiryDay: e.expiryDay[i]! });
    }
  }

  /** The features at a close at t (no event after t may have been fed), at anchors (prices; NaN where undefined) in GEX_ANCHORS order. */
  close(t: number, anchors: ArrayLike<number>): Float64Array {
    const out = new Float64Array(this.outputs.length).fill(Number.NaN);
    const dte = this.settings.dte ?? 0;
    const byExpiry = new Map<number, OptionState[]>();
    for (const [id, o] of this.options) {
      const days = o.expiryDay - this.day;
      if (days < 0 || days > dte || o.expiry <= t) continue;
      const list = byExpiry.get(o.expiry) ?? [];
      list.push({ cls: o.cls, strike: o.strike, bid: o.bid, ask: o.ask, quotedAt: o.quotedAt, oi: this.oi.get(id) ?? Number.NaN });
      byExpiry.set(o.expiry, list);
    }
    const total = new Map<number, number>();
    let solved = false;
    for (const [expiry, list] of byExpiry) {
      const c = solveChain(list, t, { expiry, rate: this.settings.rate ?? 0.05, maxAgeMs: this.settings.maxAgeMs ?? 120_000, multiplier: this.settings.multiplier });
      if (Number.isNaN(c.F)) continue;
      solved = true;
      c.strikes.forEach((k, i) => total.set(k, (total.get(k) ?? 0) + c.gex[i]! / 1e6));
    }
    if (!solved) return out;
    const strikes = Float64Array.from(total.keys()).sort();
    const gex = strikes.map((k) => total.get(k)!);
    out[0] = gex.reduce((a, b) => a + b, 0);
    let o = 1;
    GEX_ANCHORS.forEach((_, a) => {
      for (const n of this.nums) {
        const level = anchors[a]!;
        if (Number.isFinite(level)) {
          const g = gexAround(strikes, gex, level, n);
          out[o] = g.above;
          out[o + 1] = g.below;
          out[o + 2] = g.asymmetry;
          out[o + 3] = g.ratio;
        }
        o += 4;
      }
    });
    return out;
  }
}

/**
 * Batch: the features at each close (ascending) from stored events, with each close's session day and
 * anchors (`anchors[a][c]`). Drives the same kernel a streaming feed does.
 */
export function computeOptionFeatures(e: OptionEvents, closes: Float64Array, days: Float64Array, anchors: readonly Float64Array[], specs: readonly string[], settings: OptionFeatureSettings): Map<string, Float64Array> {
  const stream = new OptionFeatureStream(specs, settings);
  const cols = stream.outputs.map(() => new Float64Array(closes.length));
  let i = 0;
  for (let c = 0; c < closes.length; c++) {
    stream.session(days[c]!);
    // Events of earlier sessions than this close's were fed before the session changed.
    for (; i < e.t.length && e.t[i]! <= closes[c]!; i++) stream.events(e, i, i + 1);
    const v = stream.close(closes[c]!, anchors.map((a) => a[c]!));
    for (let o = 0; o < v.length; o++) cols[o]![c] = v[o]!;
  }
  return new Map(stream.outputs.map((name, o) => [name, cols[o]!]));
}
