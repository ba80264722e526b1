import { defineFeature, fmt, param, type Kernel } from './define';
import { Ema, History, RollingExtreme, RollingMean, RollingStd, trueRange, Wilder } from './primitives';
import type { FeatureDef, FeatureParams } from './types';

const n0 = (p: FeatureParams): number => p.nums[0]!;
const NaN_ = Number.NaN;

export const ibs = defineFeature({
  name: 'ibs',
  description: 'Internal bar strength: where the close sits in the bar’s range',
  unit: 'fraction (0–1)',
  conventions: '(close − low) / (high − low); 0.5 when high = low.',
  params: [],
  constantTime: true,
  outputs: () => ['ibs'],
  warmup: () => 0,
  kernel: (): Kernel => ({
    step(s, i, out) {
      const r = s.h[i]! - s.l[i]!;
      out[0] = r === 0 ? 0.5 : (s.c[i]! - s.l[i]!) / r;
    },
  }),
});

function returnFeature(name: string, description: string, log: boolean, conventions: string): FeatureDef {
  return defineFeature({
    name,
    description,
    unit: log ? 'log return' : 'fraction (0.01 = 1%)',
    conventions,
    params: [param('n', 1, 1, 10_000, 'bars back')],
    constantTime: true,
    outputs: (p) => [`${name}_${fmt(n0(p))}`],
    warmup: n0,
    kernel: (p) => {
      const closes = new History(n0(p) + 1);
      return {
        step(s, i, out) {
          closes.push(s.c[i]!);
          const back = closes.ago(n0(p));
          out[0] = log ? Math.log(s.c[i]! / back) : s.c[i]! / back - 1;
        },
      };
    },
  });
}

export const ret = returnFeature('ret', 'Simple return over n bars', false, 'close / close n bars ago − 1.');
export const logret = returnFeature('logret', 'Log return over n bars', true, 'ln(close / close n bars ago).');
export const roc = returnFeature('roc', 'Rate of change over n bars, as a fraction', false, 'close / close n bars ago − 1; a fraction (0.01 = 1%), not percent.');

export const sma = defineFeature({
  name: 'sma',
  description: 'Simple moving average of the close',
  unit: 'price',
  conventions: 'Mean of the last n closes; first value on bar n−1.',
  params: [param('n', 20, 1, 10_000, 'bars averaged')],
  constantTime: true,
  outputs: (p) => [`sma_${fmt(n0(p))}`],
  warmup: (p) => n0(p) - 1,
  kernel: (p) => {
    const m = new RollingMean(n0(p));
    return { step: (s, i, out) => void (out[0] = m.step(s.c[i]!)) };
  },
});

export const ema = defineFeature({
  name: 'ema',
  description: 'Exponential moving average of the close',
  unit: 'price',
  conventions: 'alpha = 2/(n+1), seeded with the SMA of the first n closes (TA-Lib); first value on bar n−1.',
  params: [param('n', 20, 1, 10_000, 'span')],
  constantTime: true,
  outputs: (p) => [`ema_${fmt(n0(p))}`],
  warmup: (p) => n0(p) - 1,
  kernel: (p) => {
    const e = new Ema(n0(p));
    return { step: (s, i, out) => void (out[0] = e.step(s.c[i]!)) };
  },
});

export const std = defineFeature({
  name: 'std',
  description: 'Rolling standard deviation of the close',
  unit: 'price',
  conventions: 'Population standard deviation (divisor n) of the last n closes, as Bollinger bands use it; first value on bar n−1.',
  params: [param('n', 20, 2, 10_000, 'window')],
  constantTime: true,
  outputs: (p) => [`std_${fmt(n0(p))}`],
  warmup: (p) => n0(p) - 1,
  kernel: (p) => {
    const sd = new RollingStd(n0(p), 0);
    return { step: (s, i, out) => void (out[0] = sd.step(s.c[i]!)) };
  },
});

export const tr = defineFeature({
  name: 'tr',
  description: 'True range',
  unit: 'price',
  conventions: 'max(high, previous close) − min(low, previous close); undefined on the first bar (TA-Lib TRANGE).',
  params: [],
  constantTime: true,
  outputs: () => ['tr'],
  warmup: () => 1,
  kernel: () => {
    let prev = NaN_;
    return {
      step(s, i, out) {
        out[0] = Number.isNaN(prev) ? NaN_ : trueRange(s.h[i]!, s.l[i]!, prev);
        prev = s.c[i]!;
      },
    };
  },
});

export const atr = defineFeature({
  name: 'atr',
  description: 'Average true range, Wilder smoothing',
  unit: 'price',
  conventions: 'True range from bar 1; the first ATR (bar n) is the mean of n true ranges, then (ATR×(n−1) + TR)/n (Wilder, TA-Lib).',
  params: [param('n', 14, 1, 10_000, 'smoothing period')],
  constantTime: true,
  outputs: (p) => [`atr_${fmt(n0(p))}`],
  warmup: n0,
  kernel: (p) => {
    const w = new Wilder(n0(p));
    let prev = NaN_;
    let started = false;
    return {
      step(s, i, out) {
        const h = s.h[i]!;
        const l = s.l[i]!;
        if (started) out[0] = w.step(trueRange(h, l, prev));
        else {
          out[0] = NaN_;
          started = true;
        }
        prev = s.c[i]!;
      },
    };
  },
});

export const rsi = defineFeature({
  name: 'rsi',
  description: 'Relative strength index, Wilder smoothing',
  unit: '0–100',
  conventions: 'Average gain and loss are Wilder-smoothed close changes, seeded by the mean of the first n changes; first value on bar n. 100 when there are no losses, 50 when the price did not move.',
  params: [param('n', 14, 1, 10_000, 'smoothing period')],
  constantTime: true,
  outputs: (p) => [`rsi_${fmt(n0(p))}`],
  warmup: n0,
  kernel: (p) => {
    const gain = new Wilder(n0(p));
    const loss = new Wilder(n0(p));
    let prev = NaN_;
    return {
      step(s, i, out) {
        const c = s.c[i]!;
        if (Number.isNaN(prev)) out[0] = NaN_;
        else {
          const d = c - prev;
          const g = gain.step(d > 0 ? d : 0);
          const l = loss.step(d < 0 ? -d : 0);
          out[0] = l === 0 ? (g === 0 ? 50 : 100) : 100 - 100 / (1 + g / l);
        }
        prev = c;
      },
    };
  },
});

/** MACD line, signal and histogram of the close, stepped one bar at a time. */
export class MacdState {
  private readonly fast: Ema;
  private readonly slow: Ema;
  private readonly signal: Ema;
  /** Outputs of the last step: MACD line, signal, histogram. */
  macd = NaN_;
  sig = NaN_;
  hist = NaN_;

  constructor(f: number, s: number, g: number) {
    this.fast = new Ema(f);
    this.slow = new Ema(s);
    this.signal = new Ema(g);
  }

  step(close: number): void {
    const f = this.fast.step(close);
    const s = this.slow.step(close);
    this.macd = f - s;
    this.sig = this.signal.step(this.macd);
    this.hist = this.macd - this.sig;
  }
}

export const macd = defineFeature({
  name: 'macd',
  description: 'Moving average convergence divergence: line, signal and histogram',
  unit: 'price',
  conventions: 'EMA(fast) − EMA(slow) of the close, each seeded by its SMA; signal is the EMA(signal) of the line seeded by its first values; histogram = line − signal.',
  params: [param('fast', 12, 1, 1000, 'fast EMA span'), param('slow', 26, 2, 1000, 'slow EMA span'), param('signal', 9, 1, 1000, 'signal EMA span')],
  constantTime: true,
  outputs: (p) => {
    const id = `macd_${p.nums.map(fmt).join('_')}`;
    return [id, `${id}_signal`, `${id}_hist`];
  },
  warmup: (p) => p.nums[1]! - 1 + p.nums[2]! - 1,
  kernel: (p) => {
    const m = new MacdState(p.nums[0]!, p.nums[1]!, p.nums[2]!);
    return {
      step(s, i, out) {
        m.step(s.c[i]!);
        out[0] = m.macd;
        out[1] = m.sig;
        out[2] = m.hist;
      },
    };
  },
});

export const bbands = defineFeature({
  name: 'bbands',
  description: 'Bollinger bands: lower, middle, upper, %b and width',
  unit: 'price (pctb and width: fractions)',
  conventions: 'Middle = SMA(n); bands = middle ± k × population standard deviation of the last n closes; pctb = (close − lower)/(upper − lower), 0.5 when the bands touch; width = (upper − lower)/middle.',
  params: [param('n', 20, 2, 10_000, 'window'), param('k', 2, 0, 10, 'deviations', false)],
  constantTime: true,
  outputs: (p) => {
    const id = `bbands_${fmt(p.nums[0]!)}_${fmt(p.nums[1]!)}`;
    return ['lower', 'middle', 'upper', 'pctb', 'width'].map((x) => `${id}_${x}`);
  },
  warmup: (p) => n0(p) - 1,
  kernel: (p) => {
    const sd = new RollingStd(n0(p), 0);
    const k = p.nums[1]!;
    return {
      step(s, i, out) {
        const c = s.c[i]!;
        const d = sd.step(c);
        if (Number.isNaN(d)) {
          out.fill(NaN_);
          return;
        }
        const mid = sd.mean;
        const lower = mid - k * d;
        const upper = mid + k * d;
        out[0] = lower;
        out[1] = mid;
        out[2] = upper;
        out[3] = upper === lower ? 0.5 : (c - lower) / (upper - lower);
        out[4] = (upper - lower) / mid;
      },
    };
  },
});

export const adx = defineFeature({
  name: 'adx',
  description: 'Average directional index with the +DI and −DI lines (Wilder)',
  unit: '0–100',
  conventions: '+DM/−DM and true range from bar 1, Wilder running sums seeded by the sum of the first n; DI = 100 × DM sum / TR sum; DX = 100 × |+DI − −DI| / (+DI + −DI); ADX = Wilder average of DX, first on bar 2n−1.',
  params: [param('n', 14, 1, 1000, 'smoothing period')],
  constantTime: true,
  outputs: (p) => [`adx_${fmt(n0(p))}`, `adx_${fmt(n0(p))}_plus_di`, `adx_${fmt(n0(p))}_minus_di`],
  warmup: (p) => 2 * n0(p) - 1,
  kernel: (p) => {
    const n = n0(p);
    let ph = NaN_;
    let pl = NaN_;
    let pc = NaN_;
    let seen = 0;
    let sTr = 0;
    let sPlus = 0;
    let sMinus = 0;
    const adxAvg = new Wilder(n);
    return {
      step(s, i, out) {
        const h = s.h[i]!;
        const l = s.l[i]!;
        out.fill(NaN_);
        if (!Number.isNaN(pc)) {
          const up = h - ph;
          const down = pl - l;
          const plus = up > down && up > 0 ? up : 0;
          const minus = down > up && down > 0 ? down : 0;
          const t = trueRange(h, l, pc);
          seen++;
          if (seen <= n) {
            sTr += t;
            sPlus += plus;
            sMinus += minus;
          } else {
            sTr = sTr - sTr / n + t;
            sPlus = sPlus - sPlus / n + plus;
            sMinus = sMinus - sMinus / n + minus;
          }
          if (seen >= n) {
            const pdi = sTr === 0 ? 0 : (100 * sPlus) / sTr;
            const mdi = sTr === 0 ? 0 : (100 * sMinus) / sTr;
            const dx = pdi + mdi === 0 ? 0 : (100 * Math.abs(pdi - mdi)) / (pdi + mdi);
            out[0] = adxAvg.step(dx);
            out[1] = pdi;
            out[2] = mdi;
          }
        }
        ph = h;
        pl = l;
        pc = s.c[i]!;
      },
    };
  },
});

export const channel = defineFeature({
  name: 'channel',
  description: 'Donchian channel of the bars before this one: highest high and lowest low',
  unit: 'price',
  conventions: 'Over the n bars before the current one (the current bar is not included, so a close can break out of it); first value on bar n.',
  params: [param('n', 20, 1, 10_000, 'bars in the channel')],
  constantTime: true,
  outputs: (p) => [`channel_high_${fmt(n0(p))}`, `channel_low_${fmt(n0(p))}`],
  warmup: n0,
  kernel: (p) => {
    const hh = new RollingExtreme(n0(p), true);
    const ll = new RollingExtreme(n0(p), false);
    let hi = NaN_;
    let lo = NaN_;
    return {
      step(s, i, out) {
        out[0] = hi;
        out[1] = lo;
        hi = hh.step(s.h[i]!);
        lo = ll.step(s.l[i]!);
      },
    };
  },
});

export const stoch = defineFeature({
  name: 'stoch',
  description: 'Stochastic oscillator %K and %D, as fractions',
  unit: 'fraction (0–1)',
  conventions: 'Fast %K = (close − lowest low of k bars)/(highest high − lowest low), 0.5 when flat; %K = SMA(s) of fast %K (s = 1: fast); %D = SMA(d) of %K.',
  params: [param('k', 14, 1, 1000, 'look-back of the range'), param('d', 3, 1, 100, '%D average'), param('s', 3, 1, 100, '%K smoothing')],
  constantTime: true,
  outputs: (p) => {
    const id = `stoch_${p.nums.map(fmt).join('_')}`;
    return [`${id}_k`, `${id}_d`];
  },
  warmup: (p) => p.nums[0]! - 1 + p.nums[2]! - 1 + p.nums[1]! - 1,
  kernel: (p) => {
    const hh = new RollingExtreme(p.nums[0]!, true);
    const ll = new RollingExtreme(p.nums[0]!, false);
    const kAvg = new RollingMean(p.nums[2]!);
    const dAvg = new RollingMean(p.nums[1]!);
    return {
      step(s, i, out) {
        const hi = hh.step(s.h[i]!);
        const lo = ll.step(s.l[i]!);
        out[0] = NaN_;
        out[1] = NaN_;
        if (Number.isNaN(hi)) return;
        const fast = hi === lo ? 0.5 : (s.c[i]! - lo) / (hi - lo);
        const k = kAvg.step(fast);
        if (Number.isNaN(k)) return;
        out[0] = k;
        out[1] = dAvg.step(k);
      },
    };
  },
});

export const obv = defineFeature({
  name: 'obv',
  description: 'On-balance volume',
  unit: 'volume',
  conventions: 'Starts at the first bar’s volume (TA-Lib); adds the volume on up closes, subtracts it on down closes.',
  params: [],
  constantTime: true,
  outputs: () => ['obv'],
  warmup: () => 0,
  kernel: () => {
    let total = NaN_;
    let prev = NaN_;
    return {
      step(s, i, out) {
        const c = s.c[i]!;
        if (Number.isNaN(total)) total = s.v[i]!;
        else if (c > prev) total += s.v[i]!;
        else if (c < prev) total -= s.v[i]!;
        prev = c;
        out[0] = total;
      },
    };
  },
});

export const volpct = defineFeature({
  name: 'volpct',
  description: 'Percentile of the current volume among the last n volumes',
  unit: 'fraction (0–1)',
  conventions: '(count of the last n volumes, current included, below the current + half the count equal to it) / n.',
  params: [param('n', 20, 1, 10_000, 'window')],
  constantTime: false,
  outputs: (p) => [`volpct_${fmt(n0(p))}`],
  warmup: (p) => n0(p) - 1,
  kernel: (p) => {
    const n = n0(p);
    const vols = new History(n);
    return {
      step(s, i, out) {
        const v = s.v[i]!;
        vols.push(v);
        if (vols.count < n) {
          out[0] = NaN_;
          return;
        }
        let below = 0;
        let equal = 0;
        for (let k = 0; k < n; k++) {
          const x = vols.ago(k);
          if (x < v) below++;
          else if (x === v) equal++;
        }
        out[0] = (below + equal / 2) / n;
      },
    };
  },
});

export const hvol = defineFeature({
  name: 'hvol',
  description: 'Historical volatility: annualised standard deviation of log returns',
  unit: 'annualised fraction',
  conventions: 'Sample standard deviation (n − 1) of the last n one-bar log returns × √252; first value on bar n.',
  params: [param('n', 20, 2, 10_000, 'returns in the window')],
  constantTime: true,
  outputs: (p) => [`hvol_${fmt(n0(p))}`],
  warmup: n0,
  kernel: (p) => {
    const sd = new RollingStd(n0(p), 1);
    const ann = Math.sqrt(252);
    let prev = NaN_;
    return {
      step(s, i, out) {
        const c = s.c[i]!;
        out[0] = Number.isNaN(prev) ? NaN_ : sd.step(Math.log(c / prev)) * ann;
        prev = c;
      },
    };
  },
});

export const kin = defineFeature({
  name: 'kin',
  description: 'Kinematics of price: velocity, acceleration and jerk over several windows',
  unit: 'price per bar (per bar², per bar³)',
  conventions: 'For each window w: velocity = (close − close w bars ago)/w; acceleration = (velocity − velocity w bars ago)/w; jerk likewise from acceleration.',
  params: [param('w', 1, 1, 1000, 'a window, in bars (any number of them; default 1,3,5,10,20)')],
  variadic: true,
  constantTime: true,
  outputs: (p) => p.nums.flatMap((w) => [`kin_vel_${fmt(w)}`, `kin_acc_${fmt(w)}`, `kin_jerk_${fmt(w)}`]),
  warmup: (p) => 3 * Math.max(...p.nums),
  kernel: (p) => {
    const parts = p.nums.map((w) => ({ w, c: new History(w + 1), vel: new History(w + 1), acc: new History(w + 1) }));
    return {
      step(s, i, out) {
        let j = 0;
        for (const k of parts) {
          k.c.push(s.c[i]!);
          const v = (k.c.ago(0) - k.c.ago(k.w)) / k.w;
          k.vel.push(v);
          const a = (k.vel.ago(0) - k.vel.ago(k.w)) / k.w;
          k.acc.push(a);
          out[j++] = v;
          out[j++] = a;
          out[j++] = (k.acc.ago(0) - k.acc.ago(k.w)) / k.w;
        }
      },
    };
  },
});

export const window = defineFeature({
  name: 'window',
  description: 'The last n one-bar log returns, each divided by their standard deviation',
  unit: 'standard deviations',
  conventions: 'Columns _0 (oldest) to _n−1 (newest); the deviation is the sample deviation of the same n returns; all zero when they are.',
  params: [param('n', 32, 2, 512, 'returns in the window')],
  constantTime: false,
  outputs: (p) => Array.from({ length: n0(p) }, (_, j) => `window_${fmt(n0(p))}_${j}`),
  warmup: n0,
  kernel: (p) => {
    const n = n0(p);
    const rets = new History(n);
    let prev = NaN_;
    return {
      step(s, i, out) {
        const c = s.c[i]!;
        if (!Number.isNaN(prev)) rets.push(Math.log(c / prev));
        prev = c;
        if (rets.count < n) {
          out.fill(NaN_);
          return;
        }
        let mean = 0;
        for (let k = 0; k < n; k++) mean += rets.ago(k);
        mean /= n;
        let ss = 0;
        for (let k = 0; k < n; k++) ss += (rets.ago(k) - mean) ** 2;
        const sd = Math.sqrt(ss / (n - 1));
        for (let j = 0; j < n; j++) out[j] = sd === 0 ? 0 : rets.ago(n - 1 - j) / sd;
      },
    };
  },
});
