import { defineFeature, fmt, n0, param } from './define';
import { Ema, RollingExtreme, RollingMean, trueRange, Wilder } from './primitives';

const NaN_ = Number.NaN;

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
