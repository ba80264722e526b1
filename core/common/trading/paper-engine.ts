/**
 * Paper trading's engine: bars arrive one at a time (from a replay or a live feed) and each goes
 * through the streaming feature kernels, the instrument's strategy, the risk gate and the
 * backtester's own broker (its fills, fees and slippage). The event-driven backtest and this are the
 * same engine, so a replay of a period gives the backtest's trades.
 */

import { createEngine } from '../backtest/engine';
import { type BookSnapshot, type Contract, type EngineConfig, type EngineResult, type Fill, type SymbolData, type WorkingOrder } from '../backtest/engine-types';
import { bySymbol, createStrategy, mlGated } from '../backtest/strategies';
import type { Strategy } from '../backtest/strategy';
import { parseFeatureList } from '../features/registry';
import type { FeatureBar } from '../features/types';
import { gate as riskGate, type GateLimits, type TradingState } from './risk';
import { TripMonitor, type TripLimits, type TripReadings } from './trips';

/** One instrument of a paper portfolio. */
export interface PaperInstrument {
  symbol: string;
  strategy: string;
  params: Readonly<Record<string, number>>;
  contract: Contract;
  /** Entries go through only where the instrument's model gives their side at least this probability (a model-gated instrument). */
  threshold?: number;
}

/** One closed bar with the calendar facts the kernels read. */
export type PaperBar = Pick<FeatureBar, 't' | 'o' | 'h' | 'l' | 'c' | 'v' | 'day' | 'sessionStart' | 'monthEnd'>;

/** An order the gate refused. */
export interface Denial {
  t: number;
  symbol: string;
  reason: string;
}

/** What a paper engine is built from, and whom it tells. */
export interface PaperEngineOptions {
  instruments: readonly PaperInstrument[];
  cfg: EngineConfig;
  /** Limits the risk gate applies to every order. */
  limits: GateLimits;
  /** Automatic trips watched after every bar time. */
  trips?: TripLimits;
  /** The trading state, read on every order (the killswitch may change it at any moment). */
  state: () => TradingState;
  /** Bars each symbol's arrays hold before they grow. */
  capacity?: number;
  /**
   * Recovery: the journaled decision on the n-th intent (null: it became an order; undefined: decide
   * now), so a resumed session remakes exactly the orders it made before, whatever the state is now.
   */
  decide?: (n: number) => string | null | undefined;
  /** The n-th intent became a working order. */
  onOrder?: (n: number, order: WorkingOrder, t: number) => void;
  /** The gate refused the n-th intent. */
  onDenial?: (n: number, denial: Denial) => void;
  onFill?: (fill: Fill) => void;
  /** An automatic trip fired; the session decides what to do (halt). */
  onTrip?: (reason: string, t: number) => void;
  /** Equity after every bar time. */
  onEquity?: (t: number, equity: number) => void;
}

/** A running paper engine. */
export interface PaperEngine {
  /** Symbol k's next bar has closed (with its model's probability, for a gated instrument). Bars of one symbol must come in increasing time. */
  bar(k: number, b: PaperBar, probability?: number): void;
  /**
   * Symbol k's bar from before the session (stored history): it warms the feature kernels and the
   * strategy, which sees it flat; nothing is ordered. All warm-up bars come before the first `bar`.
   */
  warm(k: number, b: PaperBar): void;
  /** The feed ended: records the last equity point and closes what is open at each symbol's last close. */
  finish(): void;
  /** Cancels every working order (a halt); returns them. */
  cancelAll(): WorkingOrder[];
  /** Closes every position at its last close. */
  flatten(reason: string): Fill[];
  snapshot(): BookSnapshot;
  result(): EngineResult;
  /** Bars fed so far (all symbols). */
  readonly bars: number;
  /** Records an error at feed time t (a bad bar, a failing strategy): it may trip the session. */
  error(t: number, what: string): void;
  /** Checks the stale-feed trip: `silentMs` since the last bar, bars every `intervalMs`. */
  checkStale(silentMs: number, intervalMs: number, now: number): void;
  /** The figures the trips watch, now. */
  readings(): TripReadings;
}

/** A symbol's growing data: the engine reads these arrays, which are swapped for longer ones as bars arrive. */
type Growing = SymbolData & { n: number; t: Float64Array; o: Float64Array; h: Float64Array; l: Float64Array; c: Float64Array; v: Float64Array; features: Map<string, Float64Array> };

function grow(a: Float64Array, size: number, fill = 0): Float64Array {
  const b = new Float64Array(size).fill(fill);
  b.set(a);
  return b;
}

/** Builds the engine for a portfolio's instruments. */
export function createPaperEngine(o: PaperEngineOptions): PaperEngine {
  const strategies = new Map<string, Strategy>(
    o.instruments.map((i) => {
      const inner = createStrategy(i.strategy.replace(/\+ml$/, ''), i.params);
      return [i.symbol, i.threshold !== undefined ? mlGated(inner, i.threshold) : inner];
    }),
  );
  const strategy = bySymbol(strategies);
  const specs = strategy.features.length ? parseFeatureList(strategy.features) : [];
  const kernels = o.instruments.map(() => specs.map((f) => ({ f, kernel: f.def.stream(f.params) })));
  const capacity = Math.max(16, o.capacity ?? 1024);
  const data: Growing[] = o.instruments.map((i) => {
    const features = new Map<string, Float64Array>();
    for (const f of specs) for (const name of f.outputs) features.set(name, new Float64Array(capacity).fill(Number.NaN));
    const col = (): Float64Array => new Float64Array(capacity);
    return { symbol: i.symbol, contract: i.contract, n: 0, t: col(), o: col(), h: col(), l: col(), c: col(), v: col(), features, ...(i.threshold !== undefined ? { probability: new Float64Array(capacity).fill(Number.NaN) } : {}) };
  });
  const trips = new TripMonitor(o.trips ?? {});
  const recentOrders: number[] = [];
  let now = 0;
  let day = 0;
  let intents = 0;
  let fed = 0;
  let pendingT = Number.NaN;
  const trip = (reason: string | null, t: number): void => {
    if (reason) o.onTrip?.(reason, t);
  };

  const engine = createEngine(strategy, data, o.cfg, {
    gate: (symbol, _intent, qty, price) => {
      const n = ++intents;
      const journaled = o.decide?.(n);
      if (journaled !== undefined) return journaled;
      const snap = engine.snapshot();
      while (recentOrders.length > 0 && recentOrders[0]! <= now - 1000) recentOrders.shift();
      const book = {
        positions: new Map(snap.positions.map((p) => [p.symbol, p.qty])),
        working: new Map(snap.working.map((w) => [String(w.id), { symbol: w.symbol, qty: w.qty }])),
        prices: new Map(snap.positions.map((p) => [p.symbol, p.last])),
        multipliers: new Map(data.map((d) => [d.symbol, d.contract.multiplier])),
        recentOrders,
      };
      const decision = riskGate(o.state(), { kind: 'submit', id: `intent-${n}`, symbol, qty, price }, book, o.limits, now);
      if (!decision.ok) {
        o.onDenial?.(n, { t: now, symbol, reason: decision.reason });
        return decision.reason;
      }
      recentOrders.push(now);
      return null;
    },
    onOrder: (order, t) => {
      o.onOrder?.(intents, order, t);
      trip(trips.order(t), t);
    },
    ...(o.onFill ? { onFill: o.onFill } : {}),
  });

  const mark = (t: number): void => {
    engine.mark(t);
    const equity = engine.equity();
    o.onEquity?.(t, equity);
    trip(trips.equity(day, equity), t);
  };

  const bar: FeatureBar = { t: 0, o: 0, h: 0, l: 0, c: 0, v: 0, day: 0, sessionStart: 0, monthEnd: false, partner: Number.NaN };
  const inOrder = (k: number, b: PaperBar): void => {
    const d = data[k]!;
    if (d.n > 0 && b.t <= d.t[d.n - 1]!) throw new RangeError(`${d.symbol}: a bar at ${new Date(b.t).toISOString()} arrived after one at ${new Date(d.t[d.n - 1]!).toISOString()}; bars must come in increasing time`);
  };
  /** Appends bar b to symbol k's arrays and runs its feature kernels on it; returns its index. */
  const append = (k: number, b: PaperBar, probability: number): number => {
    const d = data[k]!;
    if (d.n === d.t.length) {
      const size = d.t.length * 2;
      for (const key of ['t', 'o', 'h', 'l', 'c', 'v'] as const) d[key] = grow(d[key], size);
      for (const [name, col] of d.features) d.features.set(name, grow(col, size, Number.NaN));
      if (d.probability) d.probability = grow(d.probability, size, Number.NaN);
    }
    const i = d.n++;
    d.t[i] = b.t;
    d.o[i] = b.o;
    d.h[i] = b.h;
    d.l[i] = b.l;
    d.c[i] = b.c;
    d.v[i] = b.v;
    if (d.probability) d.probability[i] = probability;
    Object.assign(bar, b);
    for (const { f, kernel } of kernels[k]!) {
      const out = kernel.update(bar);
      for (let j = 0; j < f.outputs.length; j++) d.features.get(f.outputs[j]!)![i] = out[j]!;
    }
    return i;
  };
  return {
    bar(k, b, probability = Number.NaN) {
      inOrder(k, b);
      if (Number.isNaN(pendingT)) pendingT = b.t;
      else if (b.t > pendingT) {
        mark(pendingT);
        pendingT = b.t;
      }
      const i = append(k, b, probability);
      now = b.t;
      day = b.day;
      engine.step(k, i);
      fed++;
    },
    warm(k, b) {
      if (fed > 0) throw new RangeError(`${data[k]!.symbol}: a warm-up bar at ${new Date(b.t).toISOString()} came after trading started`);
      inOrder(k, b);
      engine.warm(k, append(k, b, Number.NaN));
    },
    finish() {
      const last = pendingT;
      if (!Number.isNaN(last)) mark(last);
      pendingT = Number.NaN;
      engine.finish(data.map((d) => d.n - 1));
      // As a backtest's last equity point, the last bar time's equity includes the closes at the end.
      if (!Number.isNaN(last)) o.onEquity?.(last, engine.equity());
    },
    cancelAll: () => engine.cancelAll(),
    flatten: (reason) => engine.flatten(reason),
    snapshot: () => engine.snapshot(),
    result: () => engine.result(),
    get bars() {
      return fed;
    },
    error(t, what) {
      trip(trips.error(t, what), t);
    },
    checkStale(silentMs, intervalMs, t) {
      trip(trips.stale(silentMs, intervalMs), t);
    },
    readings: () => trips.readings(engine.equity(), now),
  };
}
