import { defineFeature, fmt, n0, param, type Kernel } from './define';
import { Ema, History, RollingMean, RollingStd } from './primitives';
import type { FeatureDef } from './types';

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
