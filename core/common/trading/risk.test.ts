import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changeState, gate, StateChangeError, stricterLimits, type GateBook, type OrderAction, type TradingState } from './risk';

const SYMBOLS = ['ES', 'NQ', 'CL'];

type Op =
  | { op: 'submit'; symbol: string; qty: number }
  | { op: 'modify'; pick: number; qty: number }
  | { op: 'cancel'; pick: number }
  | { op: 'halt' | 'reduce' | 'resume' | 'restart' | 'bar' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('submit' as const), symbol: fc.constantFrom(...SYMBOLS), qty: fc.integer({ min: -5, max: 5 }).filter((q) => q !== 0) }),
  fc.record({ op: fc.constant('modify' as const), pick: fc.nat(), qty: fc.integer({ min: -5, max: 5 }).filter((q) => q !== 0) }),
  fc.record({ op: fc.constant('cancel' as const), pick: fc.nat() }),
  fc.record({ op: fc.constantFrom('halt' as const, 'reduce' as const, 'resume' as const, 'restart' as const, 'bar' as const) }),
);

/** Net of position and working orders per symbol. */
const exposure = (b: { positions: Map<string, number>; working: Map<string, { symbol: string; qty: number }> }, s: string): number =>
  (b.positions.get(s) ?? 0) + [...b.working.values()].filter((w) => w.symbol === s).reduce((a, w) => a + w.qty, 0);

describe('risk gate and trading state', () => {
  it('after a halt only cancels reach the broker, and in reducing no order increases exposure, over any sequence with restarts', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        let state: TradingState = 'active';
        let book = { positions: new Map<string, number>(), working: new Map<string, { symbol: string; qty: number }>() };
        let next = 0;
        const reached: { state: TradingState; action: OrderAction; before: number; after: number }[] = [];
        const send = (action: OrderAction): void => {
          const view: GateBook = { positions: book.positions, working: book.working, prices: new Map(SYMBOLS.map((s) => [s, 100])), recentOrders: [] };
          if (!gate(state, action, view, {}, 0).ok) return;
          const symbol = action.kind === 'cancel' ? book.working.get(action.id)?.symbol : action.symbol;
          const before = symbol ? exposure(book, symbol) : 0;
          if (action.kind === 'submit') book.working.set(action.id, { symbol: action.symbol, qty: action.qty });
          else if (action.kind === 'modify') book.working.set(action.id, { symbol: action.symbol, qty: action.qty });
          else book.working.delete(action.id);
          reached.push({ state, action, before, after: symbol ? exposure(book, symbol) : 0 });
        };
        for (const o of ops) {
          const ids = [...book.working.keys()];
          if (o.op === 'submit') send({ kind: 'submit', id: `o${next++}`, symbol: o.symbol, qty: o.qty, price: 100 });
          else if (o.op === 'modify' && ids.length) {
            const id = ids[o.pick % ids.length]!;
            send({ kind: 'modify', id, symbol: book.working.get(id)!.symbol, qty: o.qty, price: 100 });
          } else if (o.op === 'cancel' && ids.length) send({ kind: 'cancel', id: ids[o.pick % ids.length]! });
          else if (o.op === 'halt') {
            state = changeState(state, 'halted', 'api', 'test halt', 0).to;
            // Halting cancels every working order.
            for (const id of [...book.working.keys()]) send({ kind: 'cancel', id });
          } else if (o.op === 'reduce') state = changeState(state, 'reducing', 'ui', 'test reduce', 0).to;
          else if (o.op === 'resume') state = changeState(state, 'active', 'cli', 'test resume', 0).to;
          else if (o.op === 'restart') {
            // The state and the book survive a restart exactly (as the journal restores them).
            const saved = JSON.stringify({ state, positions: [...book.positions], working: [...book.working] });
            const back = JSON.parse(saved) as { state: TradingState; positions: [string, number][]; working: [string, { symbol: string; qty: number }][] };
            state = back.state;
            book = { positions: new Map(back.positions), working: new Map(back.working) };
          } else if (o.op === 'bar') {
            for (const w of book.working.values()) book.positions.set(w.symbol, (book.positions.get(w.symbol) ?? 0) + w.qty);
            book.working.clear();
          }
        }
        for (const r of reached) {
          if (r.state === 'halted') expect(r.action.kind).toBe('cancel');
          // In reducing a new order shrinks the exposure; a modify never grows it; neither crosses zero.
          if (r.state === 'reducing' && r.action.kind === 'submit') expect(Math.abs(r.after)).toBeLessThan(Math.abs(r.before));
          if (r.state === 'reducing' && r.action.kind === 'modify') expect(Math.abs(r.after)).toBeLessThanOrEqual(Math.abs(r.before));
          if (r.state === 'reducing' && r.action.kind !== 'cancel') expect(Math.sign(r.after) * Math.sign(r.before)).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('applies each limit with its reason', () => {
    const book: GateBook = { positions: new Map([['ES', 2]]), working: new Map([['a', { symbol: 'NQ', qty: 1 }]]), prices: new Map([['ES', 5000], ['NQ', 20000]]), multipliers: new Map([['ES', 50], ['NQ', 20]]), recentOrders: [900, 950, 990] };
    const submit = (symbol: string, qty: number, price: number): OrderAction => ({ kind: 'submit', id: 'x', symbol, qty, price });
    expect(gate('active', submit('ES', 1, 5000), book, { maxPosition: 2 }, 1000)).toEqual({ ok: false, reason: 'ES would reach 3 contracts, beyond the limit of 2' });
    expect(gate('active', submit('ES', -1, 5000), book, { maxPosition: 2 }, 1000)).toEqual({ ok: true });
    expect(gate('active', submit('ES', 1, 5000), book, { maxOrderNotional: 200_000 }, 1000)).toEqual({ ok: false, reason: 'order notional 250000.00 exceeds the limit of 200000' });
    // 3 × 5000 × 50 + 1 × 20000 × 20 = 1,150,000.
    expect(gate('active', submit('ES', 1, 5000), book, { maxGrossExposure: 1_000_000 }, 1000)).toEqual({ ok: false, reason: 'gross exposure would reach 1150000.00, beyond the limit of 1000000' });
    expect(gate('active', submit('CL', 1, 70), book, { maxConcurrentPositions: 2 }, 1000)).toEqual({ ok: false, reason: '2 symbols already hold positions or orders; the limit is 2' });
    expect(gate('active', submit('ES', 1, 5000), book, { maxConcurrentPositions: 2 }, 1000)).toEqual({ ok: true });
    expect(gate('active', submit('ES', 1, 5000), book, { maxOrdersPerSecond: 3 }, 1000)).toEqual({ ok: false, reason: '3 orders in the last second; the limit is 3' });
    expect(gate('active', submit('ES', 1, 5000), book, { maxOrdersPerSecond: 3 }, 1950)).toEqual({ ok: true });
    expect(gate('halted', { kind: 'cancel', id: 'a' }, book, {}, 0)).toEqual({ ok: true });
    expect(gate('halted', submit('ES', -1, 5000), book, {}, 0)).toEqual({ ok: false, reason: 'trading is halted: only cancels are accepted (submit ES refused)' });
    expect(gate('reducing', submit('ES', -3, 5000), book, {}, 0)).toEqual({ ok: false, reason: 'trading is reducing: submit ES -3 would not reduce the position (2 → -1)' });
    expect(gate('reducing', submit('ES', -2, 5000), book, {}, 0)).toEqual({ ok: true });
  });

  it('audits every state change with a reason, and only a person re-arms a halted session', () => {
    expect(changeState('active', 'halted', 'auto', ' daily loss limit ', 5)).toEqual({ at: 5, from: 'active', to: 'halted', source: 'auto', reason: 'daily loss limit' });
    expect(() => changeState('active', 'halted', 'ui', ' ', 5)).toThrow(StateChangeError);
    expect(() => changeState('halted', 'active', 'auto', 'feed is back', 5)).toThrow(/cannot re-arm/);
    expect(changeState('halted', 'reducing', 'menu', 'flatten slowly', 6).to).toBe('reducing');
  });
});

describe('stricterLimits', () => {
  it('keeps the lower of each limit and every limit either side sets', () => {
    expect(stricterLimits({ maxDrawdown: 0.2, dailyLoss: 5000 }, { maxDrawdown: 0.1, maxPosition: 3 })).toEqual({ maxDrawdown: 0.1, dailyLoss: 5000, maxPosition: 3 });
    expect(stricterLimits({ staleBars: 2 }, { staleBars: 5 })).toEqual({ staleBars: 2 });
    expect(stricterLimits({}, {})).toEqual({});
  });
});
