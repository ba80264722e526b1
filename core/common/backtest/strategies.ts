import type { ParamSpec } from '../features/types';
import type { OrderIntent, PositionView, Strategy, StrategyBar } from './strategy';

/** A parameter of a built-in strategy: described as feature parameters are. */
export type StrategyParam = ParamSpec;

/** A built-in strategy: its parameters and how to make one. */
export interface StrategyDef {
  /** Name, e.g. `ibs`. */
  name: string;
  /** One line on what it trades. */
  description: string;
  /** Its parameters. */
  params: StrategyParam[];
  /** A strategy with these (complete, validated) parameters. */
  create(p: Readonly<Record<string, number>>): Strategy;
}

/** A strategy's parameters were wrong: says which and why. */
export class StrategyConfigError extends Error {
  override name = 'StrategyConfigError';
}

const param = (name: string, def: number, min: number, max: number, description: string, integer = false): StrategyParam => ({ name, default: def, min, max, integer, description });
const SHORT = param('allow_short', 0, 0, 1, '1: also take the mirrored short trades', true);
const MAX_BARS = param('max_bars', 10, 1, 100_000, 'exit after this many bars held', true);

const exit = (bar: StrategyBar, reason: string): OrderIntent[] => [{ symbol: bar.symbol, action: 'exit', side: 'long', reason }];
const entry = (bar: StrategyBar, side: 'long' | 'short', reason: string): OrderIntent[] => [{ symbol: bar.symbol, action: 'entry', side, reason }];

/** What an oscillator strategy reads: a feature, its column, and the scale its shorts mirror around (1 for a fraction, 100 for a 0–100 scale). */
export interface OscillatorSpec {
  feature: string;
  column: string;
  mirror: number;
}

/** The oscillator strategies (the ones the vectorised engine also runs), by name. */
export const OSCILLATORS: Readonly<Record<string, OscillatorSpec>> = {
  ibs: { feature: 'ibs', column: 'ibs', mirror: 1 },
  rsi2: { feature: 'rsi(2)', column: 'rsi_2', mirror: 100 },
};

/**
 * A mean-reversion oscillator strategy: long when the column is below `entry_below`, out when above
 * `exit_above` or after `max_bars` bars; shorts (when allowed) mirror it around the spec's `mirror`.
 */
function oscillator(name: string, { feature, column, mirror }: OscillatorSpec, p: Readonly<Record<string, number>>): Strategy {
  const below = p.entry_below!;
  const above = p.exit_above!;
  const maxBars = p.max_bars!;
  const short = p.allow_short === 1;
  return {
    name,
    features: [feature],
    onBar(bar: StrategyBar, pos: PositionView): OrderIntent[] {
      if (pos.pending) return [];
      const x = bar.features.get(column)!;
      if (Number.isNaN(x)) return [];
      if (pos.qty > 0) {
        if (x > above) return exit(bar, `${column} ${x.toFixed(3)} > ${above}`);
        if (pos.barsHeld >= maxBars) return exit(bar, `held ${pos.barsHeld} bars`);
        return [];
      }
      if (pos.qty < 0) {
        if (x < mirror - above) return exit(bar, `${column} ${x.toFixed(3)} < ${mirror - above}`);
        if (pos.barsHeld >= maxBars) return exit(bar, `held ${pos.barsHeld} bars`);
        return [];
      }
      if (x < below) return entry(bar, 'long', `${column} ${x.toFixed(3)} < ${below}`);
      if (short && x > mirror - below) return entry(bar, 'short', `${column} ${x.toFixed(3)} > ${mirror - below}`);
      return [];
    },
  };
}

export const IBS: StrategyDef = {
  name: 'ibs',
  description: 'Internal bar strength mean reversion: buy a weak close, sell a strong one or after max_bars',
  params: [param('entry_below', 0.2, 0, 1, 'enter long when IBS is below this'), param('exit_above', 0.8, 0, 1, 'exit when IBS is above this'), MAX_BARS, SHORT],
  create: (p) => oscillator('ibs', OSCILLATORS.ibs!, p),
};

export const RSI2: StrategyDef = {
  name: 'rsi2',
  description: 'RSI(2) mean reversion: buy when RSI(2) is low, sell when it is high or after max_bars',
  params: [param('entry_below', 10, 0, 100, 'enter long when RSI(2) is below this'), param('exit_above', 70, 0, 100, 'exit when RSI(2) is above this'), MAX_BARS, SHORT],
  create: (p) => oscillator('rsi2', OSCILLATORS.rsi2!, p),
};

export const MACD_CROSS: StrategyDef = {
  name: 'macd_cross',
  description: 'MACD line crossing its signal line: long on a cross up, out (or short) on a cross down',
  params: [param('fast', 12, 1, 1000, 'fast EMA span', true), param('slow', 26, 2, 1000, 'slow EMA span', true), param('signal', 9, 1, 1000, 'signal EMA span', true), SHORT],
  create(p) {
    const id = `macd_${p.fast}_${p.slow}_${p.signal}`;
    const short = p.allow_short === 1;
    const last = new Map<string, number>();
    return {
      name: 'macd_cross',
      features: [`macd(${p.fast},${p.slow},${p.signal})`],
      onBar(bar, pos) {
        const hist = bar.features.get(`${id}_hist`)!;
        const prev = last.get(bar.symbol) ?? Number.NaN;
        last.set(bar.symbol, hist);
        if (pos.pending || Number.isNaN(hist) || Number.isNaN(prev)) return [];
        const up = prev <= 0 && hist > 0;
        const down = prev >= 0 && hist < 0;
        if (pos.qty > 0 && down) return exit(bar, 'MACD crossed below its signal');
        if (pos.qty < 0 && up) return exit(bar, 'MACD crossed above its signal');
        if (pos.qty === 0 && up) return entry(bar, 'long', 'MACD crossed above its signal');
        if (pos.qty === 0 && down && short) return entry(bar, 'short', 'MACD crossed below its signal');
        return [];
      },
    };
  },
};

export const BREAKOUT: StrategyDef = {
  name: 'breakout',
  description: 'Channel breakout: long on a close above the n-bar high, out on a close below the m-bar low',
  params: [param('n', 20, 1, 10_000, 'bars in the entry channel', true), param('m', 10, 1, 10_000, 'bars in the exit channel', true), SHORT],
  create(p) {
    const short = p.allow_short === 1;
    return {
      name: 'breakout',
      features: p.n === p.m ? [`channel(${p.n})`] : [`channel(${p.n})`, `channel(${p.m})`],
      onBar(bar, pos) {
        if (pos.pending) return [];
        const hiN = bar.features.get(`channel_high_${p.n}`)!;
        const loN = bar.features.get(`channel_low_${p.n}`)!;
        const hiM = bar.features.get(`channel_high_${p.m}`)!;
        const loM = bar.features.get(`channel_low_${p.m}`)!;
        if (pos.qty > 0) return bar.c < loM ? exit(bar, `close below the ${p.m}-bar low`) : [];
        if (pos.qty < 0) return bar.c > hiM ? exit(bar, `close above the ${p.m}-bar high`) : [];
        if (bar.c > hiN) return entry(bar, 'long', `close above the ${p.n}-bar high`);
        if (short && bar.c < loN) return entry(bar, 'short', `close below the ${p.n}-bar low`);
        return [];
      },
    };
  },
};

/** Every built-in strategy, by name. */
export const STRATEGIES: ReadonlyMap<string, StrategyDef> = new Map([IBS, RSI2, MACD_CROSS, BREAKOUT].map((d) => [d.name, d]));

/** Complete, checked parameters for a strategy: defaults filled in; unknown names and values out of range refused with the name. */
export function resolveParams(def: StrategyDef, given: Readonly<Record<string, unknown>> = {}): Record<string, number> {
  const known = new Set(def.params.map((q) => q.name));
  for (const k of Object.keys(given)) if (!known.has(k)) throw new StrategyConfigError(`strategy ${def.name}: unknown parameter "${k}"; it takes ${def.params.map((q) => q.name).join(', ')}`);
  const out: Record<string, number> = {};
  for (const q of def.params) {
    const v = given[q.name] ?? q.default;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new StrategyConfigError(`strategy ${def.name}: parameter ${q.name} must be a number, got ${JSON.stringify(v)}`);
    if (v < q.min || v > q.max) throw new StrategyConfigError(`strategy ${def.name}: parameter ${q.name} = ${v} is outside ${q.min}–${q.max} (${q.description})`);
    if (q.integer && !Number.isInteger(v)) throw new StrategyConfigError(`strategy ${def.name}: parameter ${q.name} must be a whole number, got ${v}`);
    out[q.name] = v;
  }
  return out;
}

/** A built-in strategy by name with checked parameters; an unknown name is refused with the list. */
export function createStrategy(name: string, given: Readonly<Record<string, unknown>> = {}): Strategy {
  const def = STRATEGIES.get(name);
  if (!def) throw new StrategyConfigError(`unknown strategy "${name}"; built in: ${[...STRATEGIES.keys()].join(', ')}`);
  return def.create(resolveParams(def, given));
}

/**
 * The ML-gated form of a strategy: an entry goes through only when the model's probability at the
 * signal bar is at least `threshold` (for a short entry, when 1 − probability is); exits are untouched.
 */
export function mlGated(inner: Strategy, threshold: number): Strategy {
  return {
    name: `${inner.name}+ml`,
    features: inner.features,
    onBar(bar, pos) {
      return inner.onBar(bar, pos).filter((o) => {
        if (o.action !== 'entry') return true;
        const p = o.side === 'long' ? bar.probability : 1 - bar.probability;
        return p >= threshold;
      });
    },
  };
}

/**
 * Several instruments' strategies as one, for a portfolio backtest on shared capital: each bar goes
 * to the strategy of its symbol (a symbol without one does nothing), and the features are all of theirs.
 */
export function bySymbol(strategies: ReadonlyMap<string, Strategy>): Strategy {
  return {
    name: 'portfolio',
    features: [...new Set([...strategies.values()].flatMap((s) => s.features))],
    onBar: (bar, pos) => strategies.get(bar.symbol)?.onBar(bar, pos) ?? [],
  };
}
