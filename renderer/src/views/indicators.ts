import { computeFeatures, parseFeatureSpec, type FeatureInstance } from '../../../core/common/features/registry';
import { utcDaySeries } from '../../../core/common/features/series';
import type { Bars } from '../../../core/common/bars';

/** Features drawn on the price pane (they are prices); everything else gets a pane of its own. */
const PRICE_OVERLAYS = new Set(['sma', 'ema', 'bbands', 'vwap']);
/** Columns of price overlays that are not prices (Bollinger %b and width). */
const NOT_PRICES = /_(pctb|width)$/;

/** One drawable line of an indicator. */
export interface IndicatorLine {
  name: string;
  /** Histogram instead of a line (MACD histogram). */
  histogram: boolean;
  points: { time: number; value: number }[];
}

/** An indicator as the chart draws it. */
export interface IndicatorPlot {
  spec: string;
  pane: 'price' | 'own';
  lines: IndicatorLine[];
  /** Oscillators on their usual fixed scale, with the guide levels traders read them by. */
  scale?: OscillatorScale;
}

/** How an oscillator is shown: its fixed range, guide levels, and the factor from the feature's unit to the display's. */
export interface OscillatorScale {
  range: [number, number];
  guides: number[];
  factor: number;
}

/** RSI 30/70 with its midline; the stochastic (a 0–1 fraction in the registry) shown 0–100 with 20/80; ADX's 25 trend threshold. */
const OSCILLATORS: Record<string, OscillatorScale> = {
  rsi: { range: [0, 100], guides: [30, 50, 70], factor: 1 },
  stoch: { range: [0, 100], guides: [20, 80], factor: 100 },
  adx: { range: [0, 100], guides: [25], factor: 1 },
};

/** Parses a spec typed by the user; the error message says what is wrong with it. */
export function parseIndicator(spec: string): FeatureInstance {
  const f = parseFeatureSpec(spec);
  if (f.def.takesSymbol) throw new Error(`${f.spec} needs a partner symbol's bars; build it in a feature set instead`);
  return f;
}

/**
 * Computes indicators over the loaded bars with the registry's batch kernels (the code builds and
 * paper trading use), one plot per spec, skipping warm-up values. Session features (VWAP, levels,
 * calendar) use the exchange sessions the bars came with, else UTC days.
 */
export function indicatorPlots(bars: Bars, specs: string[]): IndicatorPlot[] {
  if (bars.t.length === 0 || specs.length === 0) return [];
  const series = bars.sessions ? { ...bars, ...bars.sessions } : utcDaySeries(bars);
  return specs.map((spec) => {
    const f = parseIndicator(spec);
    const values = computeFeatures(series, [f]);
    const overlay = PRICE_OVERLAYS.has(f.def.name);
    const scale = OSCILLATORS[f.def.name];
    const factor = scale?.factor ?? 1;
    const lines: IndicatorLine[] = [];
    for (const [name, col] of values) {
      if (overlay && NOT_PRICES.test(name)) continue;
      const points: IndicatorLine['points'] = [];
      for (let i = 0; i < col.length; i++) if (Number.isFinite(col[i]!)) points.push({ time: bars.t[i]! / 1000, value: col[i]! * factor });
      lines.push({ name, histogram: name.endsWith('_hist'), points });
    }
    return { spec: f.spec, pane: overlay ? 'price' : 'own', lines, ...(scale ? { scale } : {}) };
  });
}
