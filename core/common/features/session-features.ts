import { defineFeature, fmt, param } from './define';
import { MacdState } from './price-features';
import { RollingMean, RollingStd, trueRange, Wilder } from './primitives';

const NaN_ = Number.NaN;
const OPENING_RANGE_MS = 15 * 60_000;

export const vwap = defineFeature({
  name: 'vwap',
  description: 'Volume-weighted average price, anchored at each session open',
  unit: 'price',
  conventions: 'Σ(typical price × volume)/Σ volume since the session open, typical price = (high + low + close)/3; the typical price itself while the session has no volume.',
  params: [],
  constantTime: true,
  outputs: () => ['vwap'],
  warmup: () => 0,
  kernel: () => {
    let day = Number.MIN_SAFE_INTEGER;
    let pv = 0;
    let vol = 0;
    return {
      step(s, i, out) {
        if (s.day[i] !== day) {
          day = s.day[i]!;
          pv = 0;
          vol = 0;
        }
        const tp = (s.h[i]! + s.l[i]! + s.c[i]!) / 3;
        pv += tp * s.v[i]!;
        vol += s.v[i]!;
        out[0] = vol > 0 ? pv / vol : tp;
      },
    };
  },
});

const LEVELS = ['prev_high', 'prev_low', 'or_high', 'or_low', 'sess_high', 'sess_low', 'sma200', 'sma400'] as const;

export const levels = defineFeature({
  name: 'levels',
  description: 'Signed distance of the close to reference levels, in points and in ATR units',
  unit: 'price (the _atr columns: ATR(14) units)',
  conventions:
    'close − level for the prior session’s high and low, the opening range (first 15 minutes of the session, growing until it is complete), the session’s high and low so far, and SMA 200 and 400 of the close; _atr columns divide by ATR(14). Prior-session levels are undefined during the first session.',
  params: [],
  constantTime: true,
  outputs: () => LEVELS.flatMap((x) => [`levels_${x}`, `levels_${x}_atr`]),
  warmup: () => 399,
  kernel: () => {
    const atr = new Wilder(14);
    const sma200 = new RollingMean(200);
    const sma400 = new RollingMean(400);
    const lv = new Float64Array(LEVELS.length);
    let day = Number.MIN_SAFE_INTEGER;
    let prevClose = NaN_;
    let prevHigh = NaN_;
    let prevLow = NaN_;
    let sessHigh = NaN_;
    let sessLow = NaN_;
    let orHigh = NaN_;
    let orLow = NaN_;
    return {
      step(s, i, out) {
        const h = s.h[i]!;
        const l = s.l[i]!;
        const c = s.c[i]!;
        if (s.day[i] !== day) {
          if (day !== Number.MIN_SAFE_INTEGER) {
            prevHigh = sessHigh;
            prevLow = sessLow;
          }
          day = s.day[i]!;
          sessHigh = h;
          sessLow = l;
          orHigh = NaN_;
          orLow = NaN_;
        } else {
          if (h > sessHigh) sessHigh = h;
          if (l < sessLow) sessLow = l;
        }
        if (s.t[i]! < s.sessionStart[i]! + OPENING_RANGE_MS) {
          orHigh = Number.isNaN(orHigh) || h > orHigh ? h : orHigh;
          orLow = Number.isNaN(orLow) || l < orLow ? l : orLow;
        }
        const a = Number.isNaN(prevClose) ? NaN_ : atr.step(trueRange(h, l, prevClose));
        prevClose = c;
        lv[0] = prevHigh;
        lv[1] = prevLow;
        lv[2] = orHigh;
        lv[3] = orLow;
        lv[4] = sessHigh;
        lv[5] = sessLow;
        lv[6] = sma200.step(c);
        lv[7] = sma400.step(c);
        for (let k = 0; k < LEVELS.length; k++) {
          const d = c - lv[k]!;
          out[2 * k] = d;
          out[2 * k + 1] = d / a;
        }
      },
    };
  },
});

export const calendar = defineFeature({
  name: 'calendar',
  description: 'Calendar and session-clock features',
  unit: 'mixed (see columns)',
  conventions:
    'weekday of the trading date (0 = Monday … 6 = Sunday); month_end = 1 on the last trading day of the month; minutes since the session open; bars since the open (0 on the first bar); first15 = 1 during the first 15 minutes of the session.',
  params: [],
  constantTime: true,
  outputs: () => ['calendar_weekday', 'calendar_month_end', 'calendar_minutes_since_open', 'calendar_bars_since_open', 'calendar_first15'],
  warmup: () => 0,
  kernel: () => {
    let day = Number.MIN_SAFE_INTEGER;
    let bars = 0;
    return {
      step(s, i, out) {
        if (s.day[i] !== day) {
          day = s.day[i]!;
          bars = 0;
        } else bars++;
        const sinceOpen = s.t[i]! - s.sessionStart[i]!;
        // Day 0 (1970-01-01) was a Thursday.
        out[0] = (((day + 3) % 7) + 7) % 7;
        out[1] = s.monthEnd[i]!;
        out[2] = sinceOpen / 60_000;
        out[3] = bars;
        out[4] = sinceOpen < OPENING_RANGE_MS ? 1 : 0;
      },
    };
  },
});

export const macdday = defineFeature({
  name: 'macdday',
  description: 'Per-session summaries of the MACD(12,26,9) histogram so far',
  unit: 'price (cross counts: integers)',
  conventions: 'The MACD runs continuously across sessions; last, min and max of its histogram and the counts of its zero crossings up and down are reset at each session open (a crossing on the session’s first bar, from the previous session’s last value, counts).',
  params: [],
  constantTime: true,
  outputs: () => ['macdday_last', 'macdday_min', 'macdday_max', 'macdday_cross_up', 'macdday_cross_down'],
  warmup: () => 33,
  kernel: () => {
    const m = new MacdState(12, 26, 9);
    let day = Number.MIN_SAFE_INTEGER;
    let prevHist = NaN_;
    let lo = NaN_;
    let hi = NaN_;
    let up = 0;
    let down = 0;
    return {
      step(s, i, out) {
        m.step(s.c[i]!);
        const x = m.hist;
        if (s.day[i] !== day) {
          day = s.day[i]!;
          lo = NaN_;
          hi = NaN_;
          up = 0;
          down = 0;
        }
        if (!Number.isNaN(x)) {
          lo = Number.isNaN(lo) || x < lo ? x : lo;
          hi = Number.isNaN(hi) || x > hi ? x : hi;
          if (prevHist <= 0 && x > 0) up++;
          if (prevHist >= 0 && x < 0) down++;
        }
        prevHist = x;
        const ready = !Number.isNaN(lo);
        out[0] = x;
        out[1] = lo;
        out[2] = hi;
        out[3] = ready ? up : NaN_;
        out[4] = ready ? down : NaN_;
      },
    };
  },
});

export const pair = defineFeature({
  name: 'pair',
  description: 'Spread z-score, rolling correlation and beta against a partner symbol',
  unit: 'z-score, correlation, beta',
  conventions:
    'Spread = ln(close) − ln(partner close); z = (spread − its n-bar mean)/its n-bar population deviation. Correlation and beta (cov/var of the partner) of one-bar log returns over n bars. The partner close is the last one at or before each bar time.',
  params: [param('n', 60, 3, 10_000, 'window')],
  takesSymbol: true,
  constantTime: true,
  outputs: (p) => {
    const id = `pair_${p.symbol}_${fmt(p.nums[0]!)}`;
    return [`${id}_z`, `${id}_corr`, `${id}_beta`];
  },
  warmup: (p) => p.nums[0]!,
  kernel: (p) => {
    const n = p.nums[0]!;
    const spread = new RollingStd(n, 0);
    const mx = new RollingMean(n);
    const my = new RollingMean(n);
    const mxy = new RollingMean(n);
    const mxx = new RollingMean(n);
    const myy = new RollingMean(n);
    let pc = NaN_;
    let pp = NaN_;
    return {
      step(s, i, out) {
        const c = s.c[i]!;
        const q = s.partner![i]!;
        out.fill(NaN_);
        if (Number.isNaN(q)) return;
        const sp = Math.log(c) - Math.log(q);
        const sd = spread.step(sp);
        out[0] = sd === 0 ? 0 : (sp - spread.mean) / sd;
        if (!Number.isNaN(pc)) {
          const y = Math.log(c / pc);
          const x = Math.log(q / pp);
          const ex = mx.step(x);
          const ey = my.step(y);
          const exy = mxy.step(x * y);
          const exx = mxx.step(x * x);
          const eyy = myy.step(y * y);
          const cov = exy - ex * ey;
          const vx = exx - ex * ex;
          const vy = eyy - ey * ey;
          out[1] = vx > 0 && vy > 0 ? cov / Math.sqrt(vx * vy) : NaN_;
          out[2] = vx > 0 ? cov / vx : NaN_;
        }
        pc = c;
        pp = q;
      },
    };
  },
});
