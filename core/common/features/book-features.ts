/**
 * Features of the order book, read at candle closes: order-flow imbalance, top-of-book shape, trade
 * signs and depth near the price. Windows are in seconds of event time (not bar counts), ending at
 * each close. One kernel per feature consumes book events in time order and answers at closes; the
 * batch path (a build over stored events) and the streaming path (a paper session fed live) drive the
 * same kernel, which is what makes them agree.
 */

/** Book events as the features read them: columnar, in time order; levels of event `i` at `i * levels + k`. */
export interface BookSeries {
  /** Receive time, epoch ms (fractional: sub-millisecond precision kept). */
  t: Float64Array;
  /** Action as a character code: A add, C cancel, M modify, T trade, F fill, R clear. */
  action: Uint8Array;
  /** Side as a character code: for a trade the aggressor (B buyer, A seller), otherwise the book side. */
  side: Uint8Array;
  price: Float64Array;
  size: Float64Array;
  /** Level the event changed (0 = best). */
  depth: Uint8Array;
  /** Levels per event (1 or 10). */
  levels: number;
  bidPx: Float64Array;
  askPx: Float64Array;
  bidSz: Float64Array;
  askSz: Float64Array;
}

/** A book feature's kernel: `event(s, i)` consumes event i of a series (and only it); `close(t, out)` writes the outputs for a close at t. */
export interface BookKernel {
  event(s: BookSeries, i: number): void;
  close(t: number, out: Float64Array): void;
}

/** A numeric parameter of a book feature. */
export interface BookParam {
  name: string;
  default: number;
  min: number;
  max: number;
  description: string;
}

/** The single definition of a book feature. */
export interface BookFeatureDef {
  /** Name as written in specs, e.g. `ofi`. */
  name: string;
  description: string;
  /** How the values are defined, for a user comparing with another tool. */
  conventions: string;
  params: BookParam[];
  /** Whether any number of values of the one parameter may be given (windows, e.g. `ofi(30,60)`). */
  variadic?: boolean;
  outputs(nums: number[]): string[];
  kernel(nums: number[]): BookKernel;
}

const A = 0x41;
const B = 0x42;
const T = 0x54;
const F = 0x46;
const NaN_ = Number.NaN;

/** Events of a trailing time window: times and values in growable ring buffers. */
class TimeWindow {
  private t = new Float64Array(64);
  private v = new Float64Array(64);
  private head = 0;
  size = 0;

  push(t: number, v: number): void {
    if (this.size === this.t.length) this.grow();
    const at = (this.head + this.size) % this.t.length;
    this.t[at] = t;
    this.v[at] = v;
    this.size++;
  }

  /** Drops events at or before `from` (the window is (from, t]). */
  expire(from: number): void {
    while (this.size > 0 && this.t[this.head]! <= from) {
      this.head = (this.head + 1) % this.t.length;
      this.size--;
    }
  }

  /** The k-th event still in the window, oldest first. */
  time(k: number): number {
    return this.t[(this.head + k) % this.t.length]!;
  }

  value(k: number): number {
    return this.v[(this.head + k) % this.t.length]!;
  }

  private grow(): void {
    const t = new Float64Array(this.t.length * 2);
    const v = new Float64Array(this.t.length * 2);
    for (let k = 0; k < this.size; k++) {
      t[k] = this.time(k);
      v[k] = this.value(k);
    }
    this.t = t;
    this.v = v;
    this.head = 0;
  }
}

/**
 * Order-flow imbalance of one event (Cont, Kukanov and Stoikov, 2014), from the best bid and ask
 * before and after it: bid-side flow counts size added at a bid that holds or rises and size removed
 * from a bid that holds or falls; ask-side flow the mirror, with the opposite sign.
 */
export function ofiEvent(pb0: number, qb0: number, pa0: number, qa0: number, pb: number, qb: number, pa: number, qa: number): number {
  return (pb >= pb0 ? qb : 0) - (pb <= pb0 ? qb0 : 0) - (pa <= pa0 ? qa : 0) + (pa >= pa0 ? qa0 : 0);
}

/** The best bid and ask (price, size) before each event, kept by a kernel. */
class Top {
  pb = NaN_;
  qb = NaN_;
  pa = NaN_;
  qa = NaN_;
  /** Reads event i's best levels, returning its order-flow imbalance against the previous ones (0 for the first). */
  step(s: BookSeries, i: number): number {
    const j = i * s.levels;
    const pb = s.bidPx[j]!;
    const qb = s.bidSz[j]!;
    const pa = s.askPx[j]!;
    const qa = s.askSz[j]!;
    const e = Number.isNaN(this.pb) || Number.isNaN(pb) || Number.isNaN(pa) ? 0 : ofiEvent(this.pb, this.qb, this.pa, this.qa, pb, qb, pa, qa);
    this.pb = pb;
    this.qb = qb;
    this.pa = pa;
    this.qa = qa;
    return e;
  }
}

const secondsParam = (d: number): BookParam => ({ name: 'seconds', default: d, min: 1, max: 3600, description: 'window length in seconds, ending at the close' });

/** `ofi(30,60,120,300)`: order-flow imbalance integrated over each window, with its slope, variance and peak. */
export const ofi: BookFeatureDef = {
  name: 'ofi',
  description: 'Order-flow imbalance (Cont, Kukanov and Stoikov) integrated over trailing windows of seconds, with its slope, variance and peak',
  conventions:
    'Per event e = 1{Pb ≥ Pb′}·qb − 1{Pb ≤ Pb′}·qb′ − 1{Pa ≤ Pa′}·qa + 1{Pa ≥ Pa′}·qa′ from the best bid and ask after (P, q) and before (P′, q′) it. ofi_W sums e over events in (close − W s, close]; _slope is the least-squares slope of the cumulative sum against time (per second); _var the population variance of e; _peak the largest |cumulative sum| within the window. NaN where the window holds no event.',
  params: [secondsParam(60)],
  variadic: true,
  outputs: (w) => w.flatMap((s) => [`ofi_${s}`, `ofi_${s}_slope`, `ofi_${s}_var`, `ofi_${s}_peak`]),
  kernel(windows) {
    const top = new Top();
    const longest = Math.max(...windows) * 1000;
    const win = new TimeWindow();
    return {
      event(s, i) {
        win.push(s.t[i]!, top.step(s, i));
        win.expire(s.t[i]! - longest);
      },
      close(t, out) {
        win.expire(t - longest);
        windows.forEach((w, k) => {
          const from = t - w * 1000;
          let n = 0;
          let sum = 0;
          let sq = 0;
          let peak = 0;
          let st = 0;
          let stt = 0;
          let sc = 0;
          let stc = 0;
          for (let j = 0; j < win.size; j++) {
            const tj = win.time(j);
            if (tj <= from || tj > t) continue;
            const e = win.value(j);
            n++;
            sum += e;
            sq += e * e;
            if (Math.abs(sum) > peak) peak = Math.abs(sum);
            const x = (tj - from) / 1000;
            st += x;
            stt += x * x;
            sc += sum;
            stc += x * sum;
          }
          const den = n * stt - st * st;
          out[4 * k] = n ? sum : NaN_;
          out[4 * k + 1] = n > 1 && den > 0 ? (n * stc - st * sc) / den : NaN_;
          out[4 * k + 2] = n ? sq / n - (sum / n) * (sum / n) : NaN_;
          out[4 * k + 3] = n ? peak : NaN_;
        });
      },
    };
  },
};

/** `micro`: the top of book at the close: spread, microprice against the mid, and size imbalance. */
export const micro: BookFeatureDef = {
  name: 'micro',
  description: 'Top of book at the close: spread, microprice minus mid, and bid/ask size imbalance',
  conventions: 'From the last event at or before the close: spread = ask − bid; microprice = (bid·ask size + ask·bid size) / (bid size + ask size), reported as microprice − mid; imbalance = (bid size − ask size) / (bid size + ask size), in −1…1.',
  params: [],
  outputs: () => ['micro_spread', 'micro_dev', 'micro_imbalance'],
  kernel() {
    let pb = NaN_;
    let qb = NaN_;
    let pa = NaN_;
    let qa = NaN_;
    return {
      event(s, i) {
        const j = i * s.levels;
        pb = s.bidPx[j]!;
        qb = s.bidSz[j]!;
        pa = s.askPx[j]!;
        qa = s.askSz[j]!;
      },
      close(_t, out) {
        const q = qb + qa;
        out[0] = pa - pb;
        out[1] = q > 0 ? (pb * qa + pa * qb) / q - (pb + pa) / 2 : NaN_;
        out[2] = q > 0 ? (qb - qa) / q : NaN_;
      },
    };
  },
};

/** `tradeimb(60)`: signed traded volume over the window as a share of all traded volume. */
export const tradeimb: BookFeatureDef = {
  name: 'tradeimb',
  description: 'Trade-sign imbalance: buyer- minus seller-initiated volume over all traded volume in trailing windows of seconds',
  conventions: 'Trades (action T) by aggressor side (B buyer, A seller) in (close − W s, close]; (buy − sell) / (buy + sell) in −1…1; NaN where no trade.',
  params: [secondsParam(60)],
  variadic: true,
  outputs: (w) => w.map((s) => `tradeimb_${s}`),
  kernel(windows) {
    const longest = Math.max(...windows) * 1000;
    const win = new TimeWindow();
    return {
      event(s, i) {
        if (s.action[i] === T && (s.side[i] === B || s.side[i] === A)) win.push(s.t[i]!, s.side[i] === B ? s.size[i]! : -s.size[i]!);
        win.expire(s.t[i]! - longest);
      },
      close(t, out) {
        win.expire(t - longest);
        windows.forEach((w, k) => {
          let net = 0;
          let all = 0;
          for (let j = 0; j < win.size; j++) {
            if (win.time(j) <= t - w * 1000 || win.time(j) > t) continue;
            net += win.value(j);
            all += Math.abs(win.value(j));
          }
          out[k] = all > 0 ? net / all : NaN_;
        });
      },
    };
  },
};

/** Sizes within `ticks` of the mid on each side of event i's book. */
function depthNear(s: BookSeries, i: number, ticks: number, tick: number): [number, number] {
  const j = i * s.levels;
  const mid = (s.bidPx[j]! + s.askPx[j]!) / 2;
  const reach = ticks * tick + 1e-9 * tick;
  let bid = 0;
  let ask = 0;
  for (let k = 0; k < s.levels; k++) {
    if (mid - s.bidPx[j + k]! <= reach) bid += s.bidSz[j + k]!;
    if (s.askPx[j + k]! - mid <= reach) ask += s.askSz[j + k]!;
  }
  return [bid, ask];
}

const CHANGES = [60, 180, 300];

/** `depth(4,0.25)`: resting size within N ticks of the mid, its change over 1, 3 and 5 minutes, and absorption. */
export const depth: BookFeatureDef = {
  name: 'depth',
  description: 'Book depth within N ticks of the mid at the close, its change over 1, 3 and 5 minutes, and absorption (depth taken by trades against depth added at the best levels) over 5 minutes',
  conventions:
    'depth = bid + ask size at levels within N·tick of the mid; depth_imbalance = (bid − ask) / depth; depth_chg_S = depth now − depth after the last event at or before close − S s (NaN before the first); depth_absorb = traded size / (traded size + size added at level 0) over (close − 300 s, close].',
  params: [
    { name: 'ticks', default: 4, min: 1, max: 50, description: 'how far from the mid, in ticks' },
    { name: 'tick', default: 0.25, min: 1e-9, max: 1e6, description: 'the instrument’s tick size' },
  ],
  outputs: () => ['depth', 'depth_imbalance', ...CHANGES.map((c) => `depth_chg_${c}`), 'depth_absorb'],
  kernel([ticks, tick]) {
    const history = new TimeWindow();
    const traded = new TimeWindow();
    const added = new TimeWindow();
    let bid = NaN_;
    let ask = NaN_;
    return {
      event(s, i) {
        [bid, ask] = depthNear(s, i, ticks!, tick!);
        const t = s.t[i]!;
        history.push(t, bid + ask);
        if (s.action[i] === T || s.action[i] === F) traded.push(t, s.size[i]!);
        else if (s.action[i] === A && s.depth[i] === 0) added.push(t, s.size[i]!);
        // History keeps one event older than the longest change, which is the depth at its start.
        while (history.size > 1 && history.time(1) <= t - CHANGES[CHANGES.length - 1]! * 1000) history.expire(history.time(0));
        traded.expire(t - 300_000);
        added.expire(t - 300_000);
      },
      close(t, out) {
        const now = bid + ask;
        out[0] = now;
        out[1] = now > 0 ? (bid - ask) / now : NaN_;
        CHANGES.forEach((c, k) => {
          let then = NaN_;
          for (let j = 0; j < history.size && history.time(j) <= t - c * 1000; j++) then = history.value(j);
          out[2 + k] = now - then;
        });
        let tr = 0;
        let ad = 0;
        for (let j = 0; j < traded.size; j++) if (traded.time(j) > t - 300_000 && traded.time(j) <= t) tr += traded.value(j);
        for (let j = 0; j < added.size; j++) if (added.time(j) > t - 300_000 && added.time(j) <= t) ad += added.value(j);
        out[5] = tr + ad > 0 ? tr / (tr + ad) : NaN_;
      },
    };
  },
};

/** Every book feature, by name. */
export const BOOK_FEATURES: ReadonlyMap<string, BookFeatureDef> = new Map([ofi, micro, tradeimb, depth].map((f) => [f.name, f]));

/** One parsed book feature spec. */
export interface BookFeatureInstance {
  spec: string;
  def: BookFeatureDef;
  nums: number[];
  outputs: string[];
}

/** Parses `ofi(30,60)`, `micro`, `tradeimb(60)` or `depth(4,0.25)`, applying defaults and bounds; errors name the spec. */
export function parseBookFeature(spec: string): BookFeatureInstance {
  const m = /^\s*([a-z][a-z0-9_]*)\s*(?:\((.*)\))?\s*$/i.exec(spec);
  if (!m) throw new Error(`book feature "${spec}": write it as name or name(param,…), e.g. ofi(30,60)`);
  const def = BOOK_FEATURES.get(m[1]!.toLowerCase());
  if (!def) throw new Error(`unknown book feature "${m[1]}" in "${spec}"; book features: ${[...BOOK_FEATURES.keys()].join(', ')}`);
  const args = m[2] === undefined || m[2].trim() === '' ? [] : m[2].split(',').map((a) => a.trim());
  if (!def.variadic && args.length > def.params.length) throw new Error(`book feature "${spec}": ${def.name} takes at most ${def.params.length} parameters (${def.params.map((p) => p.name).join(', ') || 'none'})`);
  const raw = def.variadic ? (args.length ? args : [String(def.params[0]!.default)]) : def.params.map((p, i) => args[i] ?? String(p.default));
  const nums = raw.map((r, i) => {
    const p = def.params[def.variadic ? 0 : i]!;
    const x = r === '' ? NaN_ : Number(r);
    if (!Number.isFinite(x) || x < p.min || x > p.max) throw new Error(`book feature "${spec}": ${p.name} must be a number from ${p.min} to ${p.max}, got "${r}"`);
    return x;
  });
  return { spec: `${def.name}${nums.length ? `(${nums.join(',')})` : ''}`, def, nums, outputs: def.outputs(nums) };
}

/**
 * Batch: the features at each close time (ascending), from stored events. Events at a close's instant
 * count for it. Drives the same kernels a streaming session feeds.
 */
export function computeBookFeatures(s: BookSeries, closes: Float64Array, specs: readonly string[]): Map<string, Float64Array> {
  const parsed = specs.map(parseBookFeature);
  const kernels = parsed.map((p) => p.def.kernel(p.nums));
  const scratch = parsed.map((p) => new Float64Array(p.outputs.length));
  const cols = parsed.map((p) => p.outputs.map(() => new Float64Array(closes.length)));
  let i = 0;
  for (let c = 0; c < closes.length; c++) {
    const t = closes[c]!;
    for (; i < s.t.length && s.t[i]! <= t; i++) for (const k of kernels) k.event(s, i);
    kernels.forEach((k, f) => {
      k.close(t, scratch[f]!);
      for (let o = 0; o < scratch[f]!.length; o++) cols[f]![o]![c] = scratch[f]![o]!;
    });
  }
  const out = new Map<string, Float64Array>();
  parsed.forEach((p, f) => p.outputs.forEach((name, o) => out.set(name, cols[f]![o]!)));
  return out;
}

/** Streaming: feed events as they arrive and ask for the features at each close. */
export class BookFeatureStream {
  private readonly parsed: BookFeatureInstance[];
  private readonly kernels: BookKernel[];
  private readonly scratch: Float64Array[];

  constructor(specs: readonly string[]) {
    this.parsed = specs.map(parseBookFeature);
    this.kernels = this.parsed.map((p) => p.def.kernel(p.nums));
    this.scratch = this.parsed.map((p) => new Float64Array(p.outputs.length));
  }

  /** Output names, in the order `close` returns them. */
  get outputs(): string[] {
    return this.parsed.flatMap((p) => p.outputs);
  }

  /** Consumes events `from`…`to` of a batch of live events. */
  events(s: BookSeries, from = 0, to = s.t.length): void {
    for (let i = from; i < to; i++) for (const k of this.kernels) k.event(s, i);
  }

  /** The features for a close at t (no event after t may have been fed). */
  close(t: number): Float64Array {
    const out = new Float64Array(this.outputs.length);
    let at = 0;
    this.kernels.forEach((k, f) => {
      k.close(t, this.scratch[f]!);
      out.set(this.scratch[f]!, at);
      at += this.scratch[f]!.length;
    });
    return out;
  }
}
