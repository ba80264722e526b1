import { describe, expect, it } from 'vitest';
import { black76Price } from '../options/black76';
import { solveChain, type OptionState } from '../options/chain';
import { gexAround } from '../options/gex';
import { computeOptionFeatures, OptionFeatureStream, parseOptionFeature, type OptionEvents } from './option-features';

const DAY_MS = 86_400_000;
const MIN = 60_000;

/** Two sessions of a small 0DTE chain quoted each minute on a moving futures price, with open interest at each start. */
function events(): { e: OptionEvents; closes: Float64Array; days: Float64Array; anchors: Float64Array[] } {
  const rows: number[][] = [];
  const closes: number[] = [];
  const days: number[] = [];
  const anchors: number[][] = [[], [], [], []];
  for (const day of [20_000, 20_001]) {
    const open = day * DAY_MS + 13.5 * 3_600_000;
    const expiry = day * DAY_MS + 20 * 3_600_000;
    const strikes = Array.from({ length: 13 }, (_, i) => 5850 + 25 * i);
    strikes.forEach((_, i) => {
      rows.push([open - 600_000, 1, day * 100 + 2 * i, NaN, NaN, NaN, NaN, NaN, NaN, 500 + 37 * i]);
      rows.push([open - 600_000, 1, day * 100 + 2 * i + 1, NaN, NaN, NaN, NaN, NaN, NaN, 900 - 29 * i]);
    });
    for (let m = 0; m < 60; m++) {
      const t = open + m * MIN;
      const F = 6000 + 10 * Math.sin(m / 7) + (day - 20_000) * 30;
      const T = (expiry - t) / (365 * DAY_MS);
      strikes.forEach((K, i) => {
        for (const put of [0, 1]) {
          const p = black76Price(put ? 'put' : 'call', F, K, T, 0.05, 0.15 + 0.5 * Math.log(K / F) ** 2);
          // Every third strike skips a minute: some quotes age.
          if ((m + i) % 3 === 0 && m > 0) continue;
          rows.push([t + 250, 0, day * 100 + 2 * i + put, put ? 0x50 : 0x43, K, expiry, day, p > 0.05 ? p - 0.05 : NaN, p + 0.05, NaN]);
        }
      });
      if (m % 5 === 4) {
        closes.push(t + MIN);
        days.push(day);
        anchors[0]!.push(F);
        anchors[1]!.push(5990);
        anchors[2]!.push(m < 15 ? NaN : 6012.5);
        anchors[3]!.push(6100);
      }
    }
  }
  rows.sort((a, b) => a[0]! - b[0]! || b[1]! - a[1]!);
  const col = (k: number): Float64Array => Float64Array.from(rows, (r) => r[k]!);
  const e: OptionEvents = { t: col(0), kind: Uint8Array.from(rows, (r) => r[1]!), id: col(2), cls: col(3), strike: col(4), expiry: col(5), expiryDay: col(6), bid: col(7), ask: col(8), qty: col(9) };
  return { e, closes: Float64Array.from(closes), days: Float64Array.from(days), anchors: anchors.map((a) => Float64Array.from(a)) };
}

describe('gamma-exposure features', () => {
  it('names its outputs and refuses bad specs by name', () => {
    expect(parseOptionFeature('gex').outputs.slice(0, 6)).toEqual(['gex_net', 'gex_px_1_above', 'gex_px_1_below', 'gex_px_1_asym', 'gex_px_1_ratio', 'gex_px_2_above']);
    expect(parseOptionFeature('gex(2)').outputs).toHaveLength(1 + 4 * 4);
    expect(() => parseOptionFeature('gex(0)')).toThrow('option feature "gex(0)": strikes must be a whole number from 1 to 20, got "0"');
    expect(() => parseOptionFeature('gex(1.5)')).toThrow(/whole number/);
    expect(() => parseOptionFeature('vanna')).toThrow('unknown option feature "vanna" in "vanna"; option features: gex');
  });

  it('equals the chain solved directly at each close: GEX around each anchor from the latest quotes and open interest', () => {
    const { e, closes, days, anchors } = events();
    const f = computeOptionFeatures(e, closes, days, anchors, ['gex(1,2,3)'], { multiplier: 50 });
    let checked = 0;
    for (let c = 0; c < closes.length; c++) {
      const t = closes[c]!;
      const latest = new Map<number, OptionState & { expiry: number }>();
      const oi = new Map<number, number>();
      for (let i = 0; i < e.t.length && e.t[i]! <= t; i++) {
        if (Math.floor(e.id[i]! / 100) !== days[c]) continue;
        if (e.kind[i] === 1) oi.set(e.id[i]!, e.qty[i]!);
        else latest.set(e.id[i]!, { cls: e.cls[i]!, strike: e.strike[i]!, bid: e.bid[i]!, ask: e.ask[i]!, quotedAt: e.t[i]!, oi: NaN, expiry: e.expiry[i]! });
      }
      const states = [...latest].map(([id, s]) => ({ ...s, oi: oi.get(id) ?? NaN }));
      const chain = solveChain(states, t, { expiry: states[0]!.expiry, rate: 0.05, maxAgeMs: 120_000, multiplier: 50 });
      const gex = chain.gex.map((g) => g / 1e6);
      expect(f.get('gex_net')![c]).toBeCloseTo(gex.reduce((a, b) => a + b, 0), 9);
      for (const n of [1, 2, 3]) {
        const g = gexAround(chain.strikes, gex, anchors[0]![c]!, n);
        expect(f.get(`gex_px_${n}_above`)![c]).toBeCloseTo(g.above, 9);
        expect(f.get(`gex_px_${n}_below`)![c]).toBeCloseTo(g.below, 9);
        expect(f.get(`gex_sma_${n}_asym`)![c]).toBeCloseTo(gexAround(chain.strikes, gex, 6100, n).asymmetry, 12);
      }
      if (Number.isNaN(anchors[2]![c]!)) expect(f.get('gex_or_1_above')![c]).toBeNaN();
      checked++;
    }
    expect(checked).toBe(24);
    // The second session's chain is its own: the first session's options and open interest were dropped.
    expect(f.get('gex_net')![12]).not.toBeCloseTo(f.get('gex_net')![11]!, 3);
  });

  it('sums the chains of every expiry within the days to expiry asked, and only those', () => {
    const { e, closes, days, anchors } = events();
    // The second session's options (expiring a day later) quoted a day earlier too: the first session then lists two expiries.
    const t = e.t.map((x, i) => (Math.floor(e.id[i]! / 100) === 20_001 ? x - DAY_MS : x));
    const order = Array.from(e.t.keys()).sort((a, b) => t[a]! - t[b]! || e.kind[b]! - e.kind[a]!);
    const pick = <T extends Float64Array | Uint8Array>(a: T): T => (a instanceof Uint8Array ? Uint8Array.from(order, (i) => a[i]!) : Float64Array.from(order, (i) => a[i]!)) as T;
    const merged: OptionEvents = { t: pick(t), kind: pick(e.kind), id: pick(e.id), cls: pick(e.cls), strike: pick(e.strike), expiry: pick(e.expiry), expiryDay: pick(e.expiryDay), bid: pick(e.bid), ask: pick(e.ask), qty: pick(e.qty) };
    const c = 5; // a close of the first session
    const at = closes.slice(c, c + 1);
    const one = (dte: number): number => computeOptionFeatures(merged, at, days.slice(c, c + 1), anchors.map((a) => a.slice(c, c + 1)), ['gex(1)'], { multiplier: 50, dte }).get('gex_net')![0]!;
    // The later expiry, solved alone at the same moment from its own events.
    const later: OptionState[] = [];
    const oi = new Map<number, number>();
    const latest = new Map<number, OptionState>();
    for (let i = 0; i < merged.t.length && merged.t[i]! <= at[0]!; i++) {
      if (merged.expiryDay[i] !== 20_001 && merged.kind[i] === 0) continue;
      if (merged.kind[i] === 1) oi.set(merged.id[i]!, merged.qty[i]!);
      else latest.set(merged.id[i]!, { cls: merged.cls[i]!, strike: merged.strike[i]!, bid: merged.bid[i]!, ask: merged.ask[i]!, quotedAt: merged.t[i]!, oi: NaN });
    }
    for (const [id, st] of latest) later.push({ ...st, oi: oi.get(id) ?? NaN });
    const chain = solveChain(later, at[0]!, { expiry: 20_001 * DAY_MS + 20 * 3_600_000, rate: 0.05, maxAgeMs: 120_000, multiplier: 50 });
    const laterNet = chain.gex.reduce((a, b) => a + b, 0) / 1e6;
    expect(Math.abs(laterNet)).toBeGreaterThan(1);
    expect(one(1)).toBeCloseTo(one(0) + laterNet, 6);
  });

  it('gives what the batch gives when fed in pieces of any size, as a live feed would', () => {
    const { e, closes, days, anchors } = events();
    const batch = computeOptionFeatures(e, closes, days, anchors, ['gex(1,3)', 'gex(2)'], { multiplier: 50 });
    for (const seed of [1, 7, 31]) {
      const s = new OptionFeatureStream(['gex(1,3)', 'gex(2)'], { multiplier: 50 });
      let i = 0;
      let r = seed;
      for (let c = 0; c < closes.length; c++) {
        s.session(days[c]!);
        while (i < e.t.length && e.t[i]! <= closes[c]!) {
          r = (r * 1103515245 + 12345) % 2 ** 31;
          let j = Math.min(e.t.length, i + 1 + (r % 40));
          while (j > i + 1 && e.t[j - 1]! > closes[c]!) j--;
          s.events(e, i, j);
          i = j;
        }
        const v = s.close(closes[c]!, anchors.map((a) => a[c]!));
        s.outputs.forEach((name, o) => expect(Object.is(v[o], batch.get(name)![c]) || v[o] === batch.get(name)![c], `${name} at close ${c}`).toBe(true));
      }
    }
  });
});
