import { describe, expect, it } from 'vitest';
import { demoSession, generateRange, generateSession } from './demo-market';
import { DEMO_INSTRUMENTS } from '../../common/instruments';

const ms = (s: string): number => Date.parse(s);

function logReturns(c: Float64Array): number[] {
  const r: number[] = [];
  for (let i = 1; i < c.length; i++) r.push(Math.log(c[i]! / c[i - 1]!));
  return r;
}

function corr(a: number[], b: number[]): number {
  const n = Math.min(a.length, b.length);
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('demo market', () => {
  it('gives a minute the same bar whatever range asked for it', () => {
    const wide = generateRange('ES', 42, ms('2024-03-01T00:00:00Z'), ms('2024-03-15T00:00:00Z'));
    const narrow = generateRange('ES', 42, ms('2024-03-11T13:00:00Z'), ms('2024-03-11T15:00:00Z'));
    expect(narrow.t.length).toBe(120);
    const at = wide.t.indexOf(narrow.t[0]!);
    expect(at).toBeGreaterThan(0);
    for (const k of ['t', 'o', 'h', 'l', 'c', 'v'] as const) expect(Array.from(wide[k].subarray(at, at + 120))).toEqual(Array.from(narrow[k]));
  });

  it('changes with the seed', () => {
    const a = generateRange('NQ', 1, ms('2024-01-02T00:00:00Z'), ms('2024-01-03T00:00:00Z'));
    const b = generateRange('NQ', 2, ms('2024-01-02T00:00:00Z'), ms('2024-01-03T00:00:00Z'));
    expect(Array.from(a.c)).not.toEqual(Array.from(b.c));
  });

  it('keeps OHLC consistent and prices on the tick for every symbol', () => {
    for (const inst of DEMO_INSTRUMENTS) {
      const b = generateRange(inst.symbol, 7, ms('2024-06-03T00:00:00Z'), ms('2024-06-08T00:00:00Z'));
      expect(b.t.length).toBeGreaterThan(4000);
      const inv = Math.round(1 / inst.tickSize);
      for (let i = 0; i < b.t.length; i++) {
        expect(b.l[i]!).toBeLessThanOrEqual(Math.min(b.o[i]!, b.c[i]!));
        expect(b.h[i]!).toBeGreaterThanOrEqual(Math.max(b.o[i]!, b.c[i]!));
        for (const p of [b.o[i]!, b.h[i]!, b.l[i]!, b.c[i]!]) expect(Math.abs(p * inv - Math.round(p * inv))).toBeLessThan(1e-6);
        expect(b.v[i]!).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('trades 23 hours a day with a maintenance break and no weekend bars, in New York time across DST', () => {
    // 2024-03-10 is the US switch to daylight time: Monday's session opens Sunday 18:00 EDT = 22:00 UTC.
    const monday = demoSession('ES', '2024-03-11');
    expect(new Date(monday.start).toISOString()).toBe('2024-03-10T22:00:00.000Z');
    const friday = demoSession('ES', '2024-03-08');
    expect(new Date(friday.start).toISOString()).toBe('2024-03-07T23:00:00.000Z');
    const week = generateRange('ES', 42, ms('2024-03-04T00:00:00Z'), ms('2024-03-12T00:00:00Z'));
    for (let i = 0; i < week.t.length; i++) {
      const d = new Date(week.t[i]!);
      const dow = d.getUTCDay();
      expect(dow === 6 || (dow === 0 && d.getUTCHours() < 22)).toBe(false);
    }
    const s = generateSession('ES', 42, friday);
    expect(s.t.length).toBe(23 * 60);
  });

  it('correlates equity indices strongly and commodities weakly', () => {
    const from = ms('2023-01-01T00:00:00Z');
    const to = ms('2023-04-01T00:00:00Z');
    const r = Object.fromEntries(['ES', 'NQ', 'CL'].map((s) => [s, logReturns(generateRange(s, 42, from, to).c)]));
    expect(corr(r.ES!, r.NQ!)).toBeGreaterThan(0.6);
    expect(Math.abs(corr(r.ES!, r.CL!))).toBeLessThan(0.45);
  });

  it('has more volume at the regular-hours open than overnight', () => {
    const s = generateSession('ES', 42, demoSession('ES', '2024-05-15'));
    // 09:30 New York (EDT) is 13:30 UTC; 02:00 New York is 06:00 UTC.
    const at = (iso: string): number => s.v[s.t.indexOf(ms(iso))]!;
    let open = 0;
    let night = 0;
    for (let m = 0; m < 10; m++) {
      open += at(`2024-05-15T13:3${m}:00Z`);
      night += at(`2024-05-15T06:0${m}:00Z`);
    }
    expect(open).toBeGreaterThan(3 * night);
  });
});
