import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeFeatures, FEATURES, FeatureSpecError, parseFeatureList, parseFeatureSpec, type FeatureInstance } from './registry';
import { metaLabels, parseLabelSpec } from './labels';
import { utcDaySeries } from './series';
import type { FeatureSeries } from './types';

/** A random-walk series with sessions of `perDay` minute bars, and a correlated partner. */
function randomSeries(seed: number, n: number, perDay = 390): FeatureSeries {
  let x = seed || 1;
  const rnd = (): number => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return ((x >>> 0) % 1_000_000) / 1_000_000;
  };
  const cols = { t: new Float64Array(n), o: new Float64Array(n), h: new Float64Array(n), l: new Float64Array(n), c: new Float64Array(n), v: new Float64Array(n) };
  const partner = new Float64Array(n);
  let p = 4000;
  let q = 15000;
  for (let i = 0; i < n; i++) {
    const day = Math.floor(i / perDay);
    cols.t[i] = Date.UTC(2024, 0, 2 + day, 14, 30) + (i % perDay) * 60_000;
    const r = (rnd() - 0.5) * 0.004;
    const o = p;
    p = Math.round(p * (1 + r) * 4) / 4;
    q *= 1 + r * 1.2 + (rnd() - 0.5) * 0.001;
    cols.o[i] = o;
    cols.c[i] = p;
    cols.h[i] = Math.max(o, p) + Math.round(rnd() * 3) / 4;
    cols.l[i] = Math.min(o, p) - Math.round(rnd() * 3) / 4;
    cols.v[i] = Math.floor(rnd() * 50) * 10;
    partner[i] = q;
  }
  const s = utcDaySeries(cols);
  // Sessions open at 14:30 UTC in this series.
  for (let i = 0; i < n; i++) s.sessionStart[i] = s.day[i]! * 86_400_000 + 14.5 * 3_600_000;
  return { ...s, partner };
}

function readCsvSeries(file: string): FeatureSeries {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  const head = lines[0]!.toLowerCase().replaceAll('"', '').split(',');
  const col = (name: string): number => head.indexOf(name);
  const n = lines.length - 1;
  const cols = { t: new Float64Array(n), o: new Float64Array(n), h: new Float64Array(n), l: new Float64Array(n), c: new Float64Array(n), v: new Float64Array(n) };
  lines.slice(1).forEach((line, i) => {
    const f = line.replaceAll('"', '').split(',');
    cols.t[i] = Date.parse(`${f[col('time')]}T00:00:00Z`);
    cols.o[i] = Number(f[col('open')]);
    cols.h[i] = Number(f[col('high')]);
    cols.l[i] = Number(f[col('low')]);
    cols.c[i] = Number(f[col('close')]);
    cols.v[i] = Number(f[col('volume')]);
  });
  return utcDaySeries(cols);
}

/** Runs a feature's streaming kernel bar by bar over a series. */
function streamed(f: FeatureInstance, s: FeatureSeries): Float64Array[] {
  const k = f.def.stream(f.params);
  const cols = f.outputs.map(() => new Float64Array(s.t.length));
  for (let i = 0; i < s.t.length; i++) {
    const out = k.update({ t: s.t[i]!, o: s.o[i]!, h: s.h[i]!, l: s.l[i]!, c: s.c[i]!, v: s.v[i]!, day: s.day[i]!, sessionStart: s.sessionStart[i]!, monthEnd: s.monthEnd[i] === 1, partner: s.partner?.[i] ?? Number.NaN });
    cols.forEach((c, j) => (c[i] = out[j]!));
  }
  return cols;
}

function expectAgree(a: Float64Array, b: Float64Array, label: string): void {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) throw new Error(`${label}: bar ${i}: ${x} vs ${y}`);
      continue;
    }
    if (Math.abs(x - y) > 1e-12 * Math.max(1, Math.abs(x), Math.abs(y))) throw new Error(`${label}: bar ${i}: ${x} vs ${y}`);
  }
}

const ALL_SPECS = ['ibs', 'std(10)', 'rsi(2)', 'rsi(14)', 'atr(14)', 'tr', 'sma(20)', 'ema(12)', 'macd(12,26,9)', 'bbands(20,2)', 'adx(14)', 'roc(10)', 'stoch(14,3,3)', 'channel(20)', 'obv', 'vwap', 'volpct(20)', 'hvol(20)', 'ret(5)', 'logret(1)', 'kin', 'levels', 'keylevels', 'keylevels(600,930,30,20)', 'calendar', 'pair(NQ,30)', 'window(8)', 'macdday'];

describe('feature registry', () => {
  it('lists every feature with parameters, outputs and conventions', () => {
    expect([...FEATURES.keys()].sort()).toEqual(['adx', 'atr', 'bbands', 'calendar', 'channel', 'ema', 'hvol', 'ibs', 'keylevels', 'kin', 'levels', 'logret', 'macd', 'macdday', 'obv', 'pair', 'ret', 'roc', 'rsi', 'sma', 'std', 'stoch', 'tr', 'volpct', 'vwap', 'window']);
    for (const f of FEATURES.values()) {
      expect(f.description.length, f.name).toBeGreaterThan(5);
      expect(f.conventions.length, f.name).toBeGreaterThan(10);
    }
    expect(parseFeatureSpec('macd(12,26,9)').outputs).toEqual(['macd_12_26_9', 'macd_12_26_9_signal', 'macd_12_26_9_hist']);
    expect(parseFeatureSpec('bbands(20,2)').outputs).toEqual(['bbands_20_2_lower', 'bbands_20_2_middle', 'bbands_20_2_upper', 'bbands_20_2_pctb', 'bbands_20_2_width']);
    expect(parseFeatureSpec('stoch(14,3,3)').outputs).toEqual(['stoch_14_3_3_k', 'stoch_14_3_3_d']);
    expect(parseFeatureSpec('channel(3)').outputs).toEqual(['channel_high_3', 'channel_low_3']);
    expect(parseFeatureSpec('adx(14)').outputs).toEqual(['adx_14', 'adx_14_plus_di', 'adx_14_minus_di']);
    expect(parseFeatureSpec('kin').outputs).toHaveLength(15);
    expect(parseFeatureSpec('rsi').spec).toBe('rsi');
    expect(parseFeatureSpec('pair(nq,20)').outputs).toEqual(['pair_NQ_20_z', 'pair_NQ_20_corr', 'pair_NQ_20_beta']);
    expect(parseFeatureSpec('window(4)').outputs).toEqual(['window_4_0', 'window_4_1', 'window_4_2', 'window_4_3']);
  });

  it('refuses unknown features and bad parameters with the spec named', () => {
    const bad: [string, RegExp][] = [
      ['foo', /unknown feature "foo".*known features: ibs/],
      ['rsi(0)', /rsi\(0\).*n must be between 1 and 10000, got 0/],
      ['rsi(abc)', /rsi\(abc\).*n must be a number, got "abc"/],
      ['rsi(2.5)', /whole number/],
      ['ibs(3)', /ibs takes no parameters/],
      ['macd(26,12,9)', /fast span must be shorter/],
      ['pair(20)', /partner symbol/],
      ['rsi(14', /write it as name/],
    ];
    for (const [spec, re] of bad) expect(() => parseFeatureSpec(spec), spec).toThrow(re);
    expect(() => parseFeatureList('ibs,,rsi(2)')).toThrow(FeatureSpecError);
    expect(() => parseFeatureList('rsi(14),rsi(14)')).toThrow(/produced twice/);
    expect(parseFeatureList('ibs, rsi(2), macd(12,26,9)').map((f) => f.spec)).toEqual(['ibs', 'rsi(2)', 'macd(12,26,9)']);
  });

  it('streaming and batch kernels agree on random series, for random parameters', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 50, max: 1500 }), fc.integer({ min: 2, max: 40 }), (seed, n, period) => {
        const s = randomSeries(seed, n, 97);
        for (const spec of [...ALL_SPECS, `rsi(${period})`, `atr(${period})`, `ema(${period})`, `sma(${period})`, `bbands(${period},1.5)`, `hvol(${period})`, `stoch(${period},2,1)`, `kin(1,${period})`]) {
          const f = parseFeatureSpec(spec);
          const batch = f.def.batch(s, f.params);
          const stream = streamed(f, s);
          f.outputs.forEach((name, j) => expectAgree(batch[j]!, stream[j]!, `${spec} ${name} (seed ${seed})`));
        }
      }),
      { numRuns: 15 },
    );
  });

  it('streaming and batch kernels agree on real data (msft.csv) and values stay finite after warm-up', () => {
    const shared = process.env.QUANTDESK_SHARED_DATA ?? path.resolve(__dirname, '../../../../shared/data');
    const s = readCsvSeries(path.join(shared, 'real', 'msft.csv'));
    for (const spec of ALL_SPECS.filter((x) => !x.startsWith('pair'))) {
      const f = parseFeatureSpec(spec);
      const batch = f.def.batch(s, f.params);
      const stream = streamed(f, s);
      f.outputs.forEach((name, j) => {
        expectAgree(batch[j]!, stream[j]!, `${spec} ${name}`);
        if (f.warmup < s.t.length && !/prev_|levels/.test(name)) expect(Number.isFinite(batch[j]![s.t.length - 1]!), `${name} at the last bar`).toBe(true);
      });
    }
  });

  it('computes textbook values by hand', () => {
    // StockCharts' RSI example closes; the first RSI(14) by hand: gains 3.34/14, losses 1.40/14.
    const closes = [44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.1, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28, 46.0];
    const f64 = (a: number[]): Float64Array => Float64Array.from(a);
    const s = utcDaySeries({ t: f64(closes.map((_, i) => i * 86_400_000)), o: f64(closes), h: f64(closes.map((c) => c + 0.5)), l: f64(closes.map((c) => c - 0.5)), c: f64(closes), v: f64(closes.map((_, i) => 100 + i)) });
    const got = computeFeatures(s, parseFeatureList('rsi(14),sma(3),ema(3),ibs,roc(2),obv,tr,atr(3)'));
    const avgGain = 3.34 / 14;
    const avgLoss = 1.4 / 14;
    expect(got.get('rsi_14')![13]).toBeNaN();
    expect(got.get('rsi_14')![14]).toBeCloseTo(100 - 100 / (1 + avgGain / avgLoss), 10);
    // Next bar: change −0.28, Wilder smoothing of both averages.
    const g2 = (avgGain * 13) / 14;
    const l2 = (avgLoss * 13 + 0.28) / 14;
    expect(got.get('rsi_14')![15]).toBeCloseTo(100 - 100 / (1 + g2 / l2), 10);
    expect(got.get('sma_3')![2]).toBeCloseTo((44.34 + 44.09 + 44.15) / 3, 12);
    const seed = (44.34 + 44.09 + 44.15) / 3;
    expect(got.get('ema_3')![3]).toBeCloseTo(seed + 0.5 * (43.61 - seed), 12);
    expect(got.get('ibs')![0]).toBeCloseTo(0.5, 12);
    expect(got.get('roc_2')![2]).toBeCloseTo(44.15 / 44.34 - 1, 12);
    expect(Array.from(got.get('obv')!.subarray(0, 4))).toEqual([100, -1, 101, -2]);
    expect(got.get('tr')![0]).toBeNaN();
    expect(got.get('tr')![1]).toBeCloseTo(44.59 - 43.59, 12);
    expect(got.get('atr_3')![3]).toBeCloseTo((1 + 1 + 1.04) / 3, 12);
    expect(got.get('atr_3')![4]).toBeCloseTo((((1 + 1 + 1.04) / 3) * 2 + 1.22) / 3, 12);
  });

  it('computes Bollinger bands with the population deviation, volume percentiles, VWAP per session and calendar fields', () => {
    const f64 = (a: number[]): Float64Array => Float64Array.from(a);
    const c = [10, 11, 12, 13, 14];
    const t = [Date.UTC(2024, 0, 31, 23, 50), Date.UTC(2024, 0, 31, 23, 55), Date.UTC(2024, 1, 1, 0, 0), Date.UTC(2024, 1, 1, 0, 5), Date.UTC(2024, 1, 1, 0, 20)];
    const s = utcDaySeries({ t: f64(t), o: f64(c), h: f64(c.map((x) => x + 1)), l: f64(c.map((x) => x - 1)), c: f64(c), v: f64([5, 1, 5, 3, 5]) });
    const got = computeFeatures(s, parseFeatureList('bbands(3,2),volpct(3),vwap,calendar,std(3)'));
    const sd = Math.sqrt(2 / 3);
    expect(got.get('std_3')![2]).toBeCloseTo(sd, 14);
    expect(got.get('bbands_3_2_middle')![2]).toBeCloseTo(11, 12);
    expect(got.get('bbands_3_2_upper')![2]).toBeCloseTo(11 + 2 * sd, 12);
    expect(got.get('bbands_3_2_pctb')![2]).toBeCloseTo((12 - (11 - 2 * sd)) / (4 * sd), 12);
    expect(got.get('volpct_3')![2]).toBeCloseTo((1 + 2 / 2) / 3, 12);
    expect(got.get('volpct_3')![4]).toBeCloseTo((1 + 2 / 2) / 3, 12);
    // A new UTC day starts at bar 2: VWAP restarts there.
    expect(got.get('vwap')![1]).toBeCloseTo((10 * 5 + 11 * 1) / 6, 12);
    expect(got.get('vwap')![2]).toBeCloseTo(12, 12);
    expect(Array.from(got.get('calendar_weekday')!)).toEqual([2, 2, 3, 3, 3]);
    expect(Array.from(got.get('calendar_month_end')!)).toEqual([1, 1, 0, 0, 0]);
    expect(Array.from(got.get('calendar_bars_since_open')!)).toEqual([0, 1, 0, 1, 2]);
    expect(Array.from(got.get('calendar_first15')!)).toEqual([0, 0, 1, 1, 0]);
    expect(got.get('calendar_minutes_since_open')![4]).toBe(20);
  });
});

describe('labels', () => {
  const f64 = (a: number[]): Float64Array => Float64Array.from(a);
  const closes = [100, 101, 100.5, 100.5, 103, 99];
  const s = utcDaySeries({ t: f64(closes.map((_, i) => i * 60_000)), o: f64(closes), h: f64(closes.map((c) => c + 0.2)), l: f64(closes.map((c) => c - 0.2)), c: f64(closes), v: f64(closes.map(() => 1)) });
  const label = (spec: string): Float64Array[] => {
    const l = parseLabelSpec(spec);
    return l.def.compute(s, l.params);
  };

  it('marks next-bar direction, three classes around a band and the next log return', () => {
    expect(Array.from(label('b1')[0]!)).toEqual([1, 0, 0, 1, 0, Number.NaN]);
    expect(Array.from(label('t3(0.004)')[0]!)).toEqual([1, -1, 0, 1, -1, Number.NaN]);
    expect(label('r')[0]![0]).toBeCloseTo(Math.log(1.01), 14);
    expect(parseLabelSpec('t3').outputs).toEqual(['label_t3_0.002']);
  });

  it('finds which triple barrier is touched first, when, and the excursion', () => {
    const [outcome, bars, exc] = label('tb(0.02,0.01,3)');
    // From 100: upper 102 is reached by bar 4's high (103.2) — 4 bars away, beyond the horizon of 3.
    expect(outcome![0]).toBe(0);
    expect(bars![0]).toBe(3);
    expect(exc![0]).toBeCloseTo(100.5 / 100 - 1, 14);
    // From 100.5 (bar 2): upper 102.51 is hit at bar 4 (high 103.2), 2 bars on.
    expect([outcome![2], bars![2]]).toEqual([1, 2]);
    expect(exc![2]).toBeCloseTo(0.02, 14);
    expect(outcome![3]).toBe(Number.NaN);
    expect(() => parseLabelSpec('tb(0.01,0.01,0)')).toThrow(/horizon must be at least 1/);
    expect(() => parseLabelSpec('tb(a)')).toThrow(/up must be a non-negative number/);
    expect(() => parseLabelSpec('zz')).toThrow(/unknown label "zz"/);
  });

  it('triple barrier in points: the barrier touched first, the bars and minutes to it, the move in points, and a 0/1 label for a classifier', () => {
    const [outcome, bars, minutes, points, up] = label('tbp(1,1,3)');
    // From 100: the upper barrier 101 is reached by the next bar's high (101.2).
    expect([outcome![0], bars![0], minutes![0], points![0]]).toEqual([1, 1, 1, 1]);
    // From 101: 102 only at bar 4's high (103.2), three bars on; from 100.5: 101.5 at the same bar, two on.
    expect([outcome![1], bars![1], minutes![1], points![1]]).toEqual([1, 3, 3, 1]);
    expect([outcome![2], bars![2], minutes![2]]).toEqual([1, 2, 2]);
    expect(outcome![3]).toBeNaN();
    // Down 0.5 with a horizon of 1: from 103, bar 5's low (98.8) touches 102.5 first.
    const [o2, , , p2, up2] = label('tbp(10,0.5,1)');
    expect([o2![4], p2![4]]).toEqual([-1, -0.5]);
    // Up is 1 only where the upper barrier came first: a loss and a timeout are both 0, an unknown outcome stays empty.
    expect(Array.from(up!)).toEqual(Array.from(outcome!, (o) => (Number.isNaN(o) ? Number.NaN : o === 1 ? 1 : 0)));
    expect([up2![4], up![0], up![3]]).toEqual([0, 1, Number.NaN]);
  });

  it('turns trades into meta-labels at their entry bars', () => {
    expect(Array.from(metaLabels(4, [{ entryIndex: 1, pnl: 5 }, { entryIndex: 2, pnl: -1 }]))).toEqual([Number.NaN, 1, 0, Number.NaN]);
    expect(() => metaLabels(2, [{ entryIndex: 3, pnl: 1 }])).toThrow(/outside the 2 bars/);
  });
});

describe('hand-computed values of the other features', () => {
  const f64 = (a: number[]): Float64Array => Float64Array.from(a);
  const make = (c: number[], h = c.map((x) => x + 1), l = c.map((x) => x - 1), day = c.map(() => 0)) => {
    const s = utcDaySeries({ t: f64(c.map((_, i) => i * 60_000)), o: f64(c), h: f64(h), l: f64(l), c: f64(c), v: f64(c.map(() => 1)) });
    s.day.set(day);
    return s;
  };

  it('stochastic %K and %D, kinematics and the normalised return window', () => {
    const s = make([10, 12, 11, 13, 15], [11, 13, 12, 14, 16], [9, 11, 10, 12, 14]);
    const got = computeFeatures(s, parseFeatureList('stoch(3,2,1),kin(1,2),window(2)'));
    // Bar 2: highest high 13, lowest low 9 over 3 bars: (11 − 9)/(13 − 9).
    expect(got.get('stoch_3_2_1_k')![2]).toBeCloseTo(0.5, 14);
    expect(got.get('stoch_3_2_1_k')![3]).toBeCloseTo((13 - 10) / (14 - 10), 14);
    expect(got.get('stoch_3_2_1_d')![3]).toBeCloseTo((0.5 + 0.75) / 2, 14);
    expect(got.get('kin_vel_2')![4]).toBeCloseTo((15 - 11) / 2, 14);
    expect(got.get('kin_acc_1')![4]).toBeCloseTo(2 - 2, 14);
    expect(got.get('kin_acc_1')![3]).toBeCloseTo(2 - -1, 14);
    expect(got.get('kin_jerk_1')![3]).toBeCloseTo(3 - (-1 - 2), 14);
    const r1 = Math.log(13 / 11);
    const r2 = Math.log(15 / 13);
    const sd = Math.abs(r1 - r2) / Math.SQRT2;
    expect(got.get('window_2_0')![4]).toBeCloseTo(r1 / sd, 12);
    expect(got.get('window_2_1')![4]).toBeCloseTo(r2 / sd, 12);
  });

  it('channel: highest high and lowest low of the n bars before each bar, excluding it', () => {
    const s = make([10, 12, 11, 13, 15], [11, 13, 12, 14, 16], [9, 11, 10, 12, 14]);
    const got = computeFeatures(s, parseFeatureList('channel(2)'));
    expect(Array.from(got.get('channel_high_2')!)).toEqual([Number.NaN, Number.NaN, 13, 13, 14]);
    expect(Array.from(got.get('channel_low_2')!)).toEqual([Number.NaN, Number.NaN, 9, 10, 10]);
  });

  it('levels against the prior session and the opening range, and per-session MACD summaries', () => {
    const c = [100, 104, 102, 101, 103];
    const s = make(c, undefined, undefined, [0, 0, 1, 1, 1]);
    s.sessionStart.set([0, 0, 120_000, 120_000, 120_000]);
    const got = computeFeatures(s, parseFeatureList('levels'));
    // Session 0 spans highs 101, 105 and lows 99, 103; bar 3 closes at 101.
    expect(got.get('levels_prev_high')![3]).toBe(101 - 105);
    expect(got.get('levels_prev_low')![3]).toBe(101 - 99);
    expect(got.get('levels_prev_high')![1]).toBeNaN();
    expect(got.get('levels_sess_high')![3]).toBe(101 - 103);
    expect(got.get('levels_or_high')![4]).toBe(103 - 104);
    const m = make(Array.from({ length: 80 }, (_, i) => 100 + 5 * Math.sin(i / 4)), undefined, undefined, Array.from({ length: 80 }, (_, i) => (i < 50 ? 0 : 1)));
    const md = computeFeatures(m, parseFeatureList('macdday,macd(12,26,9)'));
    const hist = md.get('macd_12_26_9_hist')!;
    expect(md.get('macdday_last')![60]).toBe(hist[60]);
    expect(md.get('macdday_min')![52]).toBe(Math.min(hist[50]!, hist[51]!, hist[52]!));
    let ups = 0;
    // A cross on the session's first bar counts: the histogram changed sign at that bar.
    for (let i = 50; i <= 79; i++) if (hist[i - 1]! <= 0 && hist[i]! > 0) ups++;
    expect(md.get('macdday_cross_up')![79]).toBe(ups);
  });

  it('pair statistics: a partner moving in proportion has correlation 1 and beta 1, spread z of a constant ratio 0', () => {
    const c = [100, 101, 99, 102, 103, 101, 104];
    const s = { ...make(c), partner: f64(c.map((x) => x * 2)) };
    const got = computeFeatures(s, parseFeatureList('pair(NQ,3)'));
    expect(got.get('pair_NQ_3_corr')![6]).toBeCloseTo(1, 10);
    expect(got.get('pair_NQ_3_beta')![6]).toBeCloseTo(1, 10);
    expect(got.get('pair_NQ_3_z')![6]).toBe(0);
  });
});
