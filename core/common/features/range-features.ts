import { defineFeature, fmt, n0, param } from './define';
import { History, RollingExtreme, RollingStd, trueRange, Wilder } from './primitives';

const NaN_ = Number.NaN;

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
