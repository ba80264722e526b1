import type { OrderIntent, OrderType, PositionView, Strategy, StrategyBar } from './strategy';
import { commissionOf, slippageOf } from './costs';
import type { EngineConfig, SymbolData, Trade, EngineResult, Fill, WorkingOrder, EngineHooks, Engine } from './engine-types';
import { copyBar, inTimeOrder } from './bar-walk';

/** A working order. */
interface Working {
  /** Sequence number within the run. */
  id: number;
  intent: OrderIntent;
  type: OrderType;
  /** Contracts still to fill (exits: resolved at fill time from the position). */
  remaining: number;
  /** +1 buy, −1 sell. */
  dir: number;
  /** A stop-limit whose stop has been touched acts as a plain limit. */
  triggered: boolean;
}

/** A symbol's state during a run. */
interface Book {
  data: SymbolData;
  /** Reused bar object handed to the strategy. */
  bar: StrategyBar & { features: Map<string, number> };
  qty: number;
  avg: number;
  barsHeld: number;
  working: Working | null;
  open: { side: 'long' | 'short'; entryTime: number; entryNotional: number; entryQty: number; exitNotional: number; exitQty: number; fees: number; slippage: number; pnl: number; mae: number; mfe: number; entryReason: string; signalBar: number; maxQty: number } | null;
  /** Signal bar of the working entry. */
  signalBar: number;
}

const EPS = 1e-9;

/** Why an account with this equity, holding positions of this maintenance margin, is ruined (the exit reason of what it held), or null while it is not. */
export function ruinOf(equity: number, maintenance: number): string | null {
  if (equity <= 0) return 'ruined: account equity fell to zero';
  return maintenance > 0 && equity < maintenance ? `ruined: margin call, equity ${equity.toFixed(2)} under the maintenance margin ${maintenance.toFixed(2)}` : null;
}

/** Volatility-targeted positions stop at this multiple of equity in notional unless the sizing says otherwise. */
export const DEFAULT_MAX_LEVERAGE = 2;

/**
 * The event-driven backtester: merges every symbol's bars in time order; at each bar it first fills
 * that symbol's working order against the bar (market at the open; limit and stop checked against the
 * bar's range; stop-limit: a touched stop turns into the limit), then marks the position, then asks
 * the strategy for orders at the close. Fees and slippage come from `costs`; entries are sized by
 * `sizing`; positions still open at the end are closed at the last close (exit reason `end of data`).
 * Cash moves only by realised P&L and fees, so capital + Σ trade P&L − Σ fees = final equity.
 * Bars before `tradeFrom` only warm the strategy (its features are computed over them, it sees them
 * flat, its orders are dropped): a run from D is at D exactly where a longer run flat at D would be.
 */
export function runBacktest(strategy: Strategy, symbols: SymbolData[], cfg: EngineConfig, tradeFrom = Number.NEGATIVE_INFINITY): EngineResult {
  const engine = createEngine(strategy, symbols, cfg);
  inTimeOrder(
    symbols.map((d) => d.t),
    (k, i) => (symbols[k]!.t[i]! < tradeFrom ? engine.warm(k, i) : engine.step(k, i)),
    (t) => {
      if (t >= tradeFrom) engine.mark(t);
    },
  );
  engine.finish(symbols.map((d) => d.t.length - 1));
  return engine.result();
}

/**
 * The event-driven engine over symbols whose arrays hold at least the bars stepped so far (a backtest
 * passes whole series; paper trading fills them as bars arrive, and may swap in longer arrays). The
 * hooks' gate, when given, sees every intent before it becomes an order and may refuse it with a
 * reason (counted in `denied`).
 */
export function createEngine(strategy: Strategy, symbols: SymbolData[], cfg: EngineConfig, hooks: EngineHooks = {}): Engine {
  const { gate, onOrder, onFill } = hooks;
  const books = symbols.map<Book>((data) => ({
    data,
    bar: { symbol: data.symbol, t: 0, o: 0, h: 0, l: 0, c: 0, v: 0, features: new Map(), probability: Number.NaN },
    qty: 0,
    avg: 0,
    barsHeld: 0,
    working: null,
    open: null,
    signalBar: -1,
  }));
  const trades: Trade[] = [];
  let cash = cfg.capital;
  let ruinedAt: number | null = null;
  let skippedForMaxPositions = 0;
  let skippedForSize = 0;
  const denied: EngineResult['denied'] = [];
  let orders = 0;
  let tradedNotional = 0;
  const eqT: number[] = [];
  const eqV: number[] = [];
  const eqX: number[] = [];
  const lastClose = new Float64Array(books.length).fill(Number.NaN);
  const lastIndex = new Int32Array(books.length).fill(-1);
  /** Where flatten gathers the fills it makes. */
  let collecting: Fill[] | null = null;

  const equity = (): number => {
    let e = cash;
    books.forEach((b, k) => {
      if (b.qty !== 0) e += b.qty * b.data.contract.multiplier * (lastClose[k]! - b.avg);
    });
    return e;
  };
  const busy = (): number => books.reduce((a, b) => a + (b.qty !== 0 || (b.working !== null && b.working.intent.action === 'entry') ? 1 : 0), 0);

  /** Applies a fill of `qty` contracts (signed by dir) at `price` (slippage `slip` per contract already in it). */
  const fill = (b: Book, dir: number, qty: number, price: number, slip: number, t: number, reason: string): void => {
    const m = b.data.contract.multiplier;
    const notional = Math.abs(qty * price * m);
    const fee = commissionOf(cfg.costs, qty, notional);
    tradedNotional += notional;
    cash -= fee;
    if (onFill || collecting) {
      const f: Fill = { symbol: b.data.symbol, t, qty: dir * qty, price, fee, reason };
      onFill?.(f);
      collecting?.push(f);
    }
    if (b.qty === 0) {
      b.open = { side: dir > 0 ? 'long' : 'short', entryTime: t, entryNotional: 0, entryQty: 0, exitNotional: 0, exitQty: 0, fees: 0, slippage: 0, pnl: 0, mae: 0, mfe: 0, entryReason: reason, signalBar: b.signalBar, maxQty: 0 };
      b.barsHeld = 0;
    }
    const o = b.open!;
    o.fees += fee;
    o.slippage += slip * qty * m;
    if (b.qty === 0 || Math.sign(b.qty) === dir) {
      b.avg = (b.avg * Math.abs(b.qty) + price * qty) / (Math.abs(b.qty) + qty);
      b.qty += dir * qty;
      o.entryNotional += price * qty;
      o.entryQty += qty;
      o.maxQty = Math.max(o.maxQty, Math.abs(b.qty));
    } else {
      const realised = (price - b.avg) * qty * m * -dir;
      cash += realised;
      o.pnl += realised;
      o.exitNotional += price * qty;
      o.exitQty += qty;
      b.qty += dir * qty;
      if (Math.abs(b.qty) < EPS) {
        b.qty = 0;
        trades.push({
          symbol: b.data.symbol,
          side: o.side,
          entryTime: o.entryTime,
          entryPrice: o.entryNotional / o.entryQty,
          exitTime: t,
          exitPrice: o.exitNotional / o.exitQty,
          qty: o.maxQty,
          fees: o.fees,
          slippage: o.slippage,
          pnl: o.pnl,
          barsHeld: b.barsHeld,
          mae: o.mae,
          mfe: o.mfe,
          entryReason: o.entryReason,
          exitReason: reason,
          signalBar: o.signalBar,
        });
        b.open = null;
        b.avg = 0;
        b.barsHeld = 0;
      }
    }
  };

  const barSlippage = (b: Book, i: number, price: number): number => slippageOf(cfg.costs, b.data.contract.tickSize, price, b.data.h[i]!, b.data.l[i]!);
  const capped = (b: Book, i: number, qty: number): number => (cfg.costs.participation > 0 ? Math.min(qty, Math.floor(cfg.costs.participation * b.data.v[i]!)) : qty);

  /** Fills the working order at `price` (plus slippage `slip` against it) on bar i, as much as participation lets through; drops it once done. */
  const fillWorking = (b: Book, i: number, price: number, slip: number): void => {
    const w = b.working!;
    const qty = capped(b, i, w.intent.action === 'exit' ? Math.abs(b.qty) : w.remaining);
    if (qty <= 0) return;
    fill(b, w.dir, qty, price + w.dir * slip, slip, b.data.t[i]!, w.intent.reason);
    w.remaining -= qty;
    if (w.intent.action === 'exit' ? b.qty === 0 : w.remaining <= EPS) b.working = null;
  };

  /** Tries the symbol's working order against bar i. */
  const work = (b: Book, i: number): void => {
    const w = b.working;
    if (!w) return;
    const d = b.data;
    const [o, h, l] = [d.o[i]!, d.h[i]!, d.l[i]!];
    let price = Number.NaN;
    let slipped = false;
    if (w.type === 'market') {
      price = o;
      slipped = true;
    } else if (w.type === 'limit' || (w.type === 'stop_limit' && w.triggered)) {
      const lim = w.intent.limit!;
      if (w.dir > 0 ? o <= lim : o >= lim) price = o;
      else if (w.dir > 0 ? l <= lim : h >= lim) price = lim;
    } else {
      const stop = w.intent.stop!;
      const touched = w.dir > 0 ? h >= stop : l <= stop;
      if (touched) {
        const at = w.dir > 0 ? Math.max(o, stop) : Math.min(o, stop);
        if (w.type === 'stop') {
          price = at;
          slipped = true;
        } else {
          w.triggered = true;
          const lim = w.intent.limit!;
          if (w.dir > 0 ? at <= lim : at >= lim) price = at;
        }
      }
    }
    if (Number.isNaN(price)) {
      // Limit and stop orders live for one bar; a touched stop-limit stays as its limit.
      if (w.type !== 'market' && !(w.type === 'stop_limit' && w.triggered)) b.working = null;
      return;
    }
    fillWorking(b, i, price, slipped ? barSlippage(b, i, price) : 0);
  };

  /** Contracts for an entry at the signal bar i of book b (0: skip). */
  const size = (b: Book, i: number, side: 'long' | 'short'): number => {
    const d = b.data;
    const unit = d.c[i]! * d.contract.multiplier;
    const s = cfg.sizing;
    if (s.kind === 'fixed') return s.contracts;
    if (s.kind === 'notional') return Math.floor(s.amount / unit);
    if (s.kind === 'volatility') {
      if (i < s.lookback) return 0;
      let sum = 0;
      let sq = 0;
      for (let j = i - s.lookback + 1; j <= i; j++) {
        const r = Math.log(d.c[j]! / d.c[j - 1]!);
        sum += r;
        sq += r * r;
      }
      const mean = sum / s.lookback;
      const vol = Math.sqrt(Math.max(0, sq / s.lookback - mean * mean) * cfg.barsPerYear);
      // A quiet market must not make a position unbounded: notional stops at equity × maxLeverage.
      const e = equity();
      return vol > 0 ? Math.floor(Math.min((e * s.target) / vol, e * (s.maxLeverage ?? DEFAULT_MAX_LEVERAGE)) / unit) : 0;
    }
    const p = side === 'long' ? b.bar.probability : 1 - b.bar.probability;
    const f = Math.min(s.cap, p - (1 - p) / s.payoff);
    return Number.isFinite(f) && f > 0 ? Math.floor((equity() * f) / unit) : 0;
  };

  const workingOrder = (b: Book): WorkingOrder => {
    const w = b.working!;
    const { limit, stop, action, reason } = w.intent;
    return { symbol: b.data.symbol, id: w.id, action, type: w.type, qty: w.dir * (action === 'exit' ? Math.abs(b.qty) : w.remaining), ...(limit !== undefined ? { limit } : {}), ...(stop !== undefined ? { stop } : {}), reason };
  };

  /** Closes book b at its last close, as a market order on that bar would. */
  const closeAtLast = (b: Book, k: number, reason: string): void => {
    const d = b.data;
    const i = lastIndex[k]!;
    const dir = -Math.sign(b.qty);
    const slip = barSlippage(b, i, d.c[i]!);
    fill(b, dir, Math.abs(b.qty), d.c[i]! + dir * slip, slip, d.t[i]!, reason);
  };

  const place = (b: Book, i: number, intent: OrderIntent): void => {
    // A ruined account places nothing more: there is no capital left to trade.
    if (b.working || ruinedAt !== null) return;
    const type = intent.type ?? 'market';
    let dir: number;
    let qty: number;
    if (intent.action === 'exit') {
      if (b.qty === 0) return;
      dir = -Math.sign(b.qty);
      qty = Math.abs(b.qty);
    } else {
      if (b.qty !== 0) return;
      if (cfg.maxPositions > 0 && busy() >= cfg.maxPositions) {
        skippedForMaxPositions++;
        return;
      }
      qty = size(b, i, intent.side);
      if (!(qty > 0)) {
        skippedForSize++;
        return;
      }
      dir = intent.side === 'long' ? 1 : -1;
      b.signalBar = i;
    }
    const refused = gate?.(b.data.symbol, intent, dir * qty, b.data.c[i]!, b.qty);
    if (refused) {
      denied.push({ t: b.data.t[i]!, symbol: b.data.symbol, intent, reason: refused });
      return;
    }
    orders++;
    b.working = { id: orders, intent, type, remaining: qty, dir, triggered: false };
    onOrder?.(workingOrder(b), b.data.t[i]!);
    if (type === 'market' && cfg.fillAt === 'close') fillWorking(b, i, b.data.c[i]!, barSlippage(b, i, b.data.c[i]!));
  };

  /** Hands bar i of book b to the strategy (features and probability at that bar) with the position view. */
  const decide = (b: Book, i: number, view: PositionView): OrderIntent[] => {
    const d = b.data;
    const bar = b.bar;
    copyBar(bar, d, i);
    bar.probability = d.probability ? d.probability[i]! : Number.NaN;
    for (const [name, col] of d.features) bar.features.set(name, col[i]!);
    return strategy.onBar(bar, view);
  };
  const FLAT: PositionView = Object.freeze({ qty: 0, barsHeld: 0, pending: false });

  return {
    warm(k, i) {
      decide(books[k]!, i, FLAT);
    },
    step(k, i) {
      const b = books[k]!;
      const d = b.data;
      work(b, i);
      lastClose[k] = d.c[i]!;
      lastIndex[k] = i;
      if (b.qty !== 0) {
        b.barsHeld++;
        const o = b.open!;
        const m = d.contract.multiplier * Math.abs(b.qty);
        const [worst, best] = b.qty > 0 ? [d.l[i]! - b.avg, d.h[i]! - b.avg] : [b.avg - d.h[i]!, b.avg - d.l[i]!];
        o.mae = Math.min(o.mae, worst * m);
        o.mfe = Math.max(o.mfe, best * m);
      }
      const view: PositionView = { qty: b.qty, barsHeld: b.barsHeld, pending: b.working !== null };
      for (const intent of decide(b, i, view)) if (intent.symbol === d.symbol) place(b, i, intent);
    },
    mark(t) {
      const ruin = ruinedAt === null ? ruinOf(equity(), books.reduce((a, b) => a + Math.abs(b.qty) * (b.data.contract.maintenanceMargin ?? 0), 0)) : null;
      if (ruin !== null) {
        // Ruin: the account is gone (or its broker calls the margin). Everything open is closed at the last close and working orders are dropped.
        ruinedAt = t;
        for (const b of books) b.working = null;
        books.forEach((b, k) => {
          if (b.qty !== 0 && lastIndex[k]! >= 0) closeAtLast(b, k, ruin);
        });
      }
      eqT.push(t);
      eqV.push(equity());
      eqX.push(books.some((b) => b.qty !== 0) ? 1 : 0);
    },
    finish(last) {
      books.forEach((b, k) => {
        if (b.qty === 0 || last[k]! < 0) return;
        lastIndex[k] = last[k]!;
        closeAtLast(b, k, 'end of data');
      });
      if (eqV.length > 0) eqV[eqV.length - 1] = equity();
    },
    cancelAll() {
      const cancelled: WorkingOrder[] = [];
      for (const b of books) {
        if (!b.working) continue;
        cancelled.push(workingOrder(b));
        b.working = null;
      }
      return cancelled;
    },
    flatten(reason) {
      const fills: Fill[] = [];
      collecting = fills;
      try {
        books.forEach((b, k) => {
          if (b.qty !== 0 && lastIndex[k]! >= 0) closeAtLast(b, k, reason);
        });
      } finally {
        collecting = null;
      }
      return fills;
    },
    snapshot() {
      return {
        cash,
        equity: equity(),
        positions: books.flatMap((b, k) => (b.qty === 0 ? [] : [{ symbol: b.data.symbol, qty: b.qty, avgPrice: b.avg, last: lastClose[k]!, unrealised: b.qty * b.data.contract.multiplier * (lastClose[k]! - b.avg), multiplier: b.data.contract.multiplier }])),
        working: books.flatMap((b) => (b.working ? [workingOrder(b)] : [])),
      };
    },
    equity,
    result: () => ({ trades, equity: { t: Float64Array.from(eqT), value: Float64Array.from(eqV), exposure: Float64Array.from(eqX) }, skippedForMaxPositions, skippedForSize, denied, orders, tradedNotional, ruinedAt }),
  };
}
