import { defineFeature, fmt, param } from './define';
import { MacdState } from './oscillator-features';
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

const KEY_LEVELS = ['pm_high', 'pm_low', 'or_high', 'or_low', 'sma200', 'sma400'] as const;
const KEY_KINDS = ['pm', 'or', 'sma'] as const;

/**
 * The key levels of an index-futures session, as a desk trading them watches them: the pre-market
 * high and low, the opening range, and SMA 200 and 400 of the bars; signed distances to each, and to
 * the nearest level of each kind. Times are minutes after the session open, so that on CME Globex
 * (open 18:00 New York) the defaults are 04:00 and 09:30 New York whatever the season.
 */
export const keylevels = defineFeature({
  name: 'keylevels',
  description: 'Signed distance of the close to the pre-market high and low, the opening range and SMA 200/400, in points, ATR units and percent, and to the nearest level of each kind',
  unit: 'points (the _atr columns: ATR units; _pct: percent of the level)',
  conventions:
    'Pre-market: bars opening from pm_start to rth_open minutes after the session open (600 and 930: 04:00–09:30 New York on CME Globex), high and low so far; opening range: bars opening in the first or_minutes of regular hours, growing until complete; SMA 200 and 400 of the close. Each level: close − level (points), ÷ ATR(atr), ÷ level × 100. kl_<kind>_near is the signed distance to whichever level of the kind (pm, or, sma) is nearer. Levels of a session are undefined before their window opens.',
  params: [
    param('pm_start', 600, 0, 1440, 'pre-market start, minutes after the session open'),
    param('rth_open', 930, 0, 1440, 'regular-hours open, minutes after the session open'),
    param('or_minutes', 15, 1, 240, 'opening-range length in minutes'),
    param('atr', 14, 1, 1000, 'ATR period for the _atr columns'),
  ],
  constantTime: true,
  outputs: () => [...KEY_LEVELS.flatMap((x) => [`kl_${x}`, `kl_${x}_atr`, `kl_${x}_pct`]), ...KEY_KINDS.flatMap((k) => [`kl_${k}_near`, `kl_${k}_near_atr`])],
  warmup: (p) => Math.max(399, p.nums[3]!),
  kernel: (p) => {
    const [pmStart, rthOpen, orMinutes, atrN] = p.nums as [number, number, number, number];
    const atr = new Wilder(atrN);
    const sma200 = new RollingMean(200);
    const sma400 = new RollingMean(400);
    const lv = new Float64Array(KEY_LEVELS.length);
    let day = Number.MIN_SAFE_INTEGER;
    let prevClose = NaN_;
    return {
      step(s, i, out) {
        const h = s.h[i]!;
        const l = s.l[i]!;
        const c = s.c[i]!;
        if (s.day[i] !== day) {
          day = s.day[i]!;
          lv.fill(NaN_, 0, 4);
        }
        const minute = (s.t[i]! - s.sessionStart[i]!) / 60_000;
        if (minute >= pmStart && minute < rthOpen) {
          lv[0] = Number.isNaN(lv[0]!) || h > lv[0]! ? h : lv[0]!;
          lv[1] = Number.isNaN(lv[1]!) || l < lv[1]! ? l : lv[1]!;
        }
        if (minute >= rthOpen && minute < rthOpen + orMinutes) {
          lv[2] = Number.isNaN(lv[2]!) || h > lv[2]! ? h : lv[2]!;
          lv[3] = Number.isNaN(lv[3]!) || l < lv[3]! ? l : lv[3]!;
        }
        lv[4] = sma200.step(c);
        lv[5] = sma400.step(c);
        const a = Number.isNaN(prevClose) ? NaN_ : atr.step(trueRange(h, l, prevClose));
        prevClose = c;
        for (let k = 0; k < KEY_LEVELS.length; k++) {
          const d = c - lv[k]!;
          out[3 * k] = d;
          out[3 * k + 1] = d / a;
          out[3 * k + 2] = (d / lv[k]!) * 100;
        }
        for (let k = 0; k < KEY_KINDS.length; k++) {
          const d1 = c - lv[2 * k]!;
          const d2 = c - lv[2 * k + 1]!;
          const near = Number.isNaN(d1) ? d2 : Number.isNaN(d2) ? d1 : Math.abs(d1) <= Math.abs(d2) ? d1 : d2;
          out[3 * KEY_LEVELS.length + 2 * k] = near;
          out[3 * KEY_LEVELS.length + 2 * k + 1] = near / a;
        }
      },
    };
  },
});
