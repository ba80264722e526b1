import { MacdState } from './oscillator-features';
import { trueRange, Wilder } from './primitives';
import { FeatureSpecError, splitSpecs } from './registry';
import type { FeatureSeries } from './types';

/**
 * Labels look forward, so they exist only in batch form: they are targets for training and
 * evaluation, never inputs to a live decision.
 */
export interface LabelDef {
  /** Name as written in specs, e.g. `tb`. */
  name: string;
  /** One line on what it marks. */
  description: string;
  /** Parameter names with defaults, in order. */
  params: { name: string; default: number | string }[];
  /** Output column names. */
  outputs(p: (number | string)[]): string[];
  /** Computes the label columns (NaN where the future is not known). */
  compute(s: FeatureSeries, p: (number | string)[]): Float64Array[];
}

const NaN_ = Number.NaN;
const id = (name: string, p: (number | string)[]): string => ['label', name, ...p.map(String)].join('_');

const b1: LabelDef = {
  name: 'b1',
  description: 'Next-bar direction: 1 when the next close is higher, else 0',
  params: [],
  outputs: () => ['label_b1'],
  compute(s) {
    const n = s.c.length;
    const out = new Float64Array(n).fill(NaN_);
    for (let i = 0; i + 1 < n; i++) out[i] = s.c[i + 1]! > s.c[i]! ? 1 : 0;
    return [out];
  },
};

const t3: LabelDef = {
  name: 't3',
  description: 'Three classes around a band: +1 when the next return exceeds +band, −1 below −band, else 0',
  params: [{ name: 'band', default: 0.002 }],
  outputs: (p) => [id('t3', p)],
  compute(s, p) {
    const band = p[0] as number;
    const n = s.c.length;
    const out = new Float64Array(n).fill(NaN_);
    for (let i = 0; i + 1 < n; i++) {
      const r = s.c[i + 1]! / s.c[i]! - 1;
      out[i] = r > band ? 1 : r < -band ? -1 : 0;
    }
    return [out];
  },
};

const r: LabelDef = {
  name: 'r',
  description: 'Next-bar log return',
  params: [],
  outputs: () => ['label_r'],
  compute(s) {
    const n = s.c.length;
    const out = new Float64Array(n).fill(NaN_);
    for (let i = 0; i + 1 < n; i++) out[i] = Math.log(s.c[i + 1]! / s.c[i]!);
    return [out];
  },
};

/**
 * Triple-barrier outcomes from each bar's close, given each bar's barriers: 1 when the upper is
 * touched first within `horizon` bars, −1 the lower, 0 neither; the bars it took; and the move to the
 * barrier touched (or to the close at the horizon) as `move(to, from)`.
 */
function tripleBarrier(s: FeatureSeries, horizon: number, barriers: (i: number) => [number, number], move: (to: number, from: number) => number): [Float64Array, Float64Array, Float64Array] {
  const n = s.c.length;
  const outcome = new Float64Array(n).fill(NaN_);
  const bars = new Float64Array(n).fill(NaN_);
  const exc = new Float64Array(n).fill(NaN_);
  for (let i = 0; i + horizon < n; i++) {
    const c = s.c[i]!;
    const [upper, lower] = barriers(i);
    if (Number.isNaN(upper) || Number.isNaN(lower)) continue;
    outcome[i] = 0;
    bars[i] = horizon;
    exc[i] = move(s.c[i + horizon]!, c);
    for (let j = 1; j <= horizon; j++) {
      // Both barriers inside one bar: the order within the bar is unknown, so the loss is assumed.
      if (s.l[i + j]! <= lower) {
        outcome[i] = -1;
        bars[i] = j;
        exc[i] = move(lower, c);
        break;
      }
      if (s.h[i + j]! >= upper) {
        outcome[i] = 1;
        bars[i] = j;
        exc[i] = move(upper, c);
        break;
      }
    }
  }
  return [outcome, bars, exc];
}

/**
 * Triple barrier from each bar's close: upper and lower barriers and a horizon in bars. With `atr` 0
 * the barriers are fractions of the close; with `atr` n they are multiples of ATR(n) at the bar.
 */
const tb: LabelDef = {
  name: 'tb',
  description: 'Triple barrier: which of the upper, lower or time barrier is touched first, when, and the signed excursion',
  params: [
    { name: 'up', default: 0.01 },
    { name: 'down', default: 0.01 },
    { name: 'horizon', default: 20 },
    { name: 'atr', default: 0 },
  ],
  outputs: (p) => ['outcome', 'bars', 'excursion'].map((x) => `${id('tb', p)}_${x}`),
  compute(s, p) {
    const [up, down, horizon, atrN] = p as number[];
    const n = s.c.length;
    const atr = new Float64Array(n).fill(NaN_);
    if (atrN! > 0) {
      const w = new Wilder(atrN!);
      for (let i = 1; i < n; i++) atr[i] = w.step(trueRange(s.h[i]!, s.l[i]!, s.c[i - 1]!));
    }
    const barriers = (i: number): [number, number] => {
      const c = s.c[i]!;
      return atrN! > 0 ? [c + up! * atr[i]!, c - down! * atr[i]!] : [c * (1 + up!), c * (1 - down!)];
    };
    return tripleBarrier(s, horizon!, barriers, (to, from) => to / from - 1);
  },
};

/**
 * Triple barrier in points: `up` and `down` price points from each bar's close (e.g. ±75 on ES), a
 * horizon in bars; the outcome, the bars and minutes to the touch, the move in points, and `up`: 1
 * when the upper barrier is touched first, else 0 (the 0/1 label a classifier is trained on).
 */
const tbp: LabelDef = {
  name: 'tbp',
  description: 'Triple barrier in price points: which barrier is touched first, after how many bars and minutes, the move in points, and whether the upper one was first (1/0)',
  params: [
    { name: 'up', default: 75 },
    { name: 'down', default: 75 },
    { name: 'horizon', default: 60 },
  ],
  outputs: (p) => ['outcome', 'bars', 'minutes', 'points', 'up'].map((x) => `${id('tbp', p)}_${x}`),
  compute(s, p) {
    const [up, down, horizon] = p as number[];
    const [outcome, bars, points] = tripleBarrier(s, horizon!, (i) => [s.c[i]! + up!, s.c[i]! - down!], (to, from) => to - from);
    // Time to the touch from the bar's close: the touching bar's close less this bar's.
    const minutes = bars.map((b, i) => (Number.isNaN(b) ? NaN_ : (s.t[i + b]! - s.t[i]!) / 60_000));
    const hit = outcome.map((o) => (Number.isNaN(o) ? NaN_ : o === 1 ? 1 : 0));
    return [outcome, bars, minutes, points, hit];
  },
};

const event: LabelDef = {
  name: 'event',
  description: 'Event label: at each MACD(12,26,9) up-cross, 1 when the close reaches +target within the window, else 0; empty elsewhere',
  params: [
    { name: 'kind', default: 'macd_cross' },
    { name: 'target', default: 0.005 },
    { name: 'window', default: 20 },
  ],
  outputs: (p) => [id('event', p)],
  compute(s, p) {
    const target = p[1] as number;
    const window = p[2] as number;
    const n = s.c.length;
    const out = new Float64Array(n).fill(NaN_);
    const m = new MacdState(12, 26, 9);
    let prev = NaN_;
    for (let i = 0; i < n; i++) {
      m.step(s.c[i]!);
      const h = m.hist;
      if (prev <= 0 && h > 0 && i + window < n) {
        let hit = 0;
        for (let j = 1; j <= window && !hit; j++) if (s.h[i + j]! >= s.c[i]! * (1 + target)) hit = 1;
        out[i] = hit;
      }
      prev = h;
    }
    return [out];
  },
};

/** Every label, by name. */
export const LABELS: ReadonlyMap<string, LabelDef> = new Map([b1, t3, r, tb, tbp, event].map((l) => [l.name, l]));

/** A parsed label spec. */
export interface LabelInstance {
  spec: string;
  def: LabelDef;
  params: (number | string)[];
  outputs: string[];
}

/** Parses `b1`, `t3(0.002)`, `tb(0.01,0.01,20)`, `tb(2,1,20,14)` (ATR-scaled) or `event(macd_cross,0.005,20)`. */
export function parseLabelSpec(spec: string): LabelInstance {
  const m = /^\s*([a-z][a-z0-9_]*)\s*(?:\((.*)\))?\s*$/i.exec(spec);
  if (!m) throw new FeatureSpecError(`label "${spec}": write it as name or name(param,…), e.g. t3(0.002)`);
  const def = LABELS.get(m[1]!.toLowerCase());
  if (!def) throw new FeatureSpecError(`unknown label "${m[1]}" in "${spec}"; known labels: ${[...LABELS.keys()].join(', ')}`);
  const args = m[2] === undefined || m[2].trim() === '' ? [] : m[2].split(',').map((a) => a.trim());
  if (args.length > def.params.length) throw new FeatureSpecError(`label "${spec}": ${def.name} takes at most ${def.params.length} parameters (${def.params.map((p) => p.name).join(', ')})`);
  const params = def.params.map((p, i) => {
    const raw = args[i];
    if (raw === undefined) return p.default;
    if (typeof p.default === 'string') {
      if (raw !== p.default) throw new FeatureSpecError(`label "${spec}": ${p.name} must be ${p.default}, got "${raw}"`);
      return raw;
    }
    const x = Number(raw);
    if (raw === '' || !Number.isFinite(x) || x < 0) throw new FeatureSpecError(`label "${spec}": ${p.name} must be a non-negative number, got "${raw}"`);
    if ((p.name === 'horizon' || p.name === 'window' || p.name === 'atr') && !Number.isInteger(x)) throw new FeatureSpecError(`label "${spec}": ${p.name} must be a whole number of bars, got ${raw}`);
    return x;
  });
  if (def.name === 'tb' && (params[2] as number) < 1) throw new FeatureSpecError(`label "${spec}": horizon must be at least 1 bar`);
  return { spec: spec.trim(), def, params, outputs: def.outputs(params) };
}

/** Parses a comma-separated list of label specs. */
export function parseLabelList(list: string | string[]): LabelInstance[] {
  return (typeof list === 'string' ? splitSpecs(list) : list).map(parseLabelSpec);
}

/** A closed trade of a strategy, by bar index: what meta-labels are made from. */
export interface LabelledTrade {
  /** Bar index at which the trade was entered. */
  entryIndex: number;
  /** Net profit of the trade after costs. */
  pnl: number;
}

/** Meta-labels: 1 at each trade's entry bar when the trade made money, 0 when it did not, empty elsewhere. */
export function metaLabels(bars: number, trades: readonly LabelledTrade[]): Float64Array {
  const out = new Float64Array(bars).fill(NaN_);
  for (const t of trades) {
    if (t.entryIndex < 0 || t.entryIndex >= bars) throw new RangeError(`trade entry bar ${t.entryIndex} is outside the ${bars} bars`);
    out[t.entryIndex] = t.pnl > 0 ? 1 : 0;
  }
  return out;
}
