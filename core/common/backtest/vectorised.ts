import { commissionOf, slippageOf, type CostModel } from './costs';
import { ruinOf } from './engine';
import { type Contract } from './engine-types';

/** An oscillator rule (ibs, rsi2): thresholds on one feature column, mirrored around `mirror` for shorts. */
export interface OscillatorRule {
  entryBelow: number;
  exitAbove: number;
  maxBars: number;
  allowShort: boolean;
  /** 1 for a fraction (IBS), 100 for a 0–100 scale (RSI). */
  mirror: number;
}

/** The rule of an oscillator strategy's resolved parameters (entry_below, exit_above, max_bars, allow_short) on a scale mirrored around `mirror`. */
export function oscillatorRule(params: Record<string, number>, mirror: number): OscillatorRule {
  return { entryBelow: params.entry_below!, exitAbove: params.exit_above!, maxBars: params.max_bars!, allowShort: params.allow_short === 1, mirror };
}

/** Notional traded by a run's trades (entry and exit fills) at `qty` contracts of `multiplier`. */
export function tradedNotionalOf(trades: VectorTrades, qty: number, multiplier: number): number {
  let notional = 0;
  for (let i = 0; i < trades.n; i++) notional += (trades.entryPrice[i]! + trades.exitPrice[i]!) * qty * multiplier;
  return notional;
}

/** What the vectorised engine needs of one symbol: bars and the rule's feature column. */
export interface VectorInput {
  t: Float64Array;
  o: Float64Array;
  h: Float64Array;
  l: Float64Array;
  c: Float64Array;
  /** The feature the rule reads, per bar. */
  x: Float64Array;
  contract: Contract;
}

/** Trades of a vectorised run, as columns. */
export interface VectorTrades {
  /** Trades found. */
  n: number;
  /** +1 long, −1 short. */
  dir: Int8Array;
  entryBar: Int32Array;
  exitBar: Int32Array;
  entryPrice: Float64Array;
  exitPrice: Float64Array;
  pnl: Float64Array;
  fees: Float64Array;
}

/** A vectorised run: its trades and equity after every bar. */
export interface VectorRun {
  trades: VectorTrades;
  equity: Float64Array;
  /** 1 where a position was open at the bar's close. */
  exposure: Float64Array;
}

/**
 * Precomputed per-bar slippage (per contract, in price), shared by every run over the same bars:
 * the parts of the cost model that depend only on the bar and the fill price.
 */
function slippage(inp: VectorInput, costs: CostModel, price: Float64Array): Float64Array {
  const s = new Float64Array(price.length);
  for (let i = 0; i < price.length; i++) s[i] = slippageOf(costs, inp.contract.tickSize, price[i]!, inp.h[i]!, inp.l[i]!);
  return s;
}

/** Fill prices and their slippage at each bar's open and close, computed once per symbol and cost model. */
export interface FillTable {
  openSlip: Float64Array;
  closeSlip: Float64Array;
}

/** The fill table of a symbol under a cost model. */
export function fillTable(inp: VectorInput, costs: CostModel): FillTable {
  return { openSlip: slippage(inp, costs, inp.o), closeSlip: slippage(inp, costs, inp.c) };
}

/**
 * The event-driven engine's result for an oscillator rule with market orders, fixed size and no
 * volume cap, in one pass over typed arrays: signals at each close, fills at the next open (or at
 * the close), the same costs, the same ruin rule, and an open position closed at the last close. A
 * test holds it to the event-driven engine trade for trade. Sweeps pass `into` to reuse the equity and
 * exposure arrays. Alone, the run is its own account and checks for ruin after every bar; as one of
 * several symbols on shared capital it is told when that account was ruined (`ruinAt`, +∞ for never):
 * it closes at its last bar up to then and trades no more.
 */
export function runOscillator(inp: VectorInput, rule: OscillatorRule, costs: CostModel, table: FillTable, qty: number, capital: number, fillAt: 'next_open' | 'close', into?: { equity: Float64Array; exposure: Float64Array }, ruinAt?: number): VectorRun {
  const n = inp.t.length;
  const m = inp.contract.multiplier;
  const { o, c, x } = inp;
  const cap = Math.max(4, n >> 2);
  let dir = new Int8Array(cap);
  let entryBar = new Int32Array(cap);
  let exitBar = new Int32Array(cap);
  let entryPrice = new Float64Array(cap);
  let exitPrice = new Float64Array(cap);
  let pnl = new Float64Array(cap);
  let fees = new Float64Array(cap);
  let count = 0;
  const equity = into?.equity ?? new Float64Array(n);
  const exposure = into?.exposure ?? new Float64Array(n);
  const fee = (price: number): number => commissionOf(costs, qty, Math.abs(qty * price * m));
  const shortEntry = rule.mirror - rule.entryBelow;
  const shortExit = rule.mirror - rule.exitAbove;
  let cash = capital;
  let pos = 0;
  let held = 0;
  let price0 = 0;
  let fee0 = 0;
  let bar0 = 0;
  // A decision waiting for the next open: +1/−1 enter, 2 exit, 0 none.
  let pending = 0;
  let pendingSignal = 0;
  const grow = (): void => {
    const k = dir.length * 2;
    const g = <T extends Int8Array | Int32Array | Float64Array>(a: T, make: (k: number) => T): T => {
      const b = make(k);
      b.set(a);
      return b;
    };
    dir = g(dir, (k) => new Int8Array(k));
    entryBar = g(entryBar, (k) => new Int32Array(k));
    exitBar = g(exitBar, (k) => new Int32Array(k));
    entryPrice = g(entryPrice, (k) => new Float64Array(k));
    exitPrice = g(exitPrice, (k) => new Float64Array(k));
    pnl = g(pnl, (k) => new Float64Array(k));
    fees = g(fees, (k) => new Float64Array(k));
  };
  const open = (d: number, price: number, signal: number): void => {
    pos = d;
    price0 = price;
    fee0 = fee(price);
    cash -= fee0;
    held = 0;
    bar0 = signal;
  };
  const close = (price: number, at: number): void => {
    const f = fee(price);
    const p = (price - price0) * qty * m * pos;
    cash += p - f;
    if (count === dir.length) grow();
    dir[count] = pos;
    entryBar[count] = bar0;
    exitBar[count] = at;
    entryPrice[count] = price0;
    exitPrice[count] = price;
    pnl[count] = p;
    fees[count] = fee0 + f;
    count++;
    pos = 0;
    held = 0;
  };
  const maintenance = qty * (inp.contract.maintenanceMargin ?? 0);
  let ruined = false;
  for (let i = 0; i < n; i++) {
    if (ruined || (ruinAt !== undefined && inp.t[i]! > ruinAt)) {
      ruined = true;
      equity[i] = cash;
      exposure[i] = 0;
      continue;
    }
    if (pending !== 0) {
      const s = table.openSlip[i]!;
      if (pending === 2) close(o[i]! - pos * s, i);
      else open(pending, o[i]! + pending * s, pendingSignal);
      pending = 0;
    }
    if (pos !== 0) held++;
    const v = x[i]!;
    let act = 0;
    if (v === v) {
      if (pos > 0) act = v > rule.exitAbove || held >= rule.maxBars ? 2 : 0;
      else if (pos < 0) act = v < shortExit || held >= rule.maxBars ? 2 : 0;
      else if (v < rule.entryBelow) act = 1;
      else if (rule.allowShort && v > shortEntry) act = -1;
    }
    if (act !== 0) {
      if (fillAt === 'close') {
        const s = table.closeSlip[i]!;
        if (act === 2) close(c[i]! - pos * s, i);
        else open(act, c[i]! + act * s, i);
      } else {
        pending = act;
        pendingSignal = i;
      }
    }
    equity[i] = cash + (pos !== 0 ? (c[i]! - price0) * qty * m * pos : 0);
    exposure[i] = pos !== 0 ? 1 : 0;
    ruined = ruinAt === undefined ? ruinOf(equity[i]!, pos !== 0 ? maintenance : 0) !== null : inp.t[i]! <= ruinAt && (i + 1 === n || inp.t[i + 1]! > ruinAt);
    if (ruined) {
      if (pos !== 0) close(c[i]! - pos * table.closeSlip[i]!, i);
      pending = 0;
      equity[i] = cash;
      exposure[i] = 0;
    }
  }
  if (pos !== 0 && n > 0) {
    close(c[n - 1]! - pos * table.closeSlip[n - 1]!, n - 1);
    equity[n - 1] = cash;
  }
  const cut = <T extends Int8Array | Int32Array | Float64Array>(a: T): T => a.slice(0, count) as T;
  return { trades: { n: count, dir: cut(dir), entryBar: cut(entryBar), exitBar: cut(exitBar), entryPrice: cut(entryPrice), exitPrice: cut(exitPrice), pnl: cut(pnl), fees: cut(fees) }, equity, exposure };
}
