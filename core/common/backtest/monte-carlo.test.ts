import { describe, expect, it } from 'vitest';
import { monteCarlo } from './monte-carlo';

const input = (net: number[], daily: number[] = [0.01, -0.005], capital = 100_000) => ({ tradeNet: Float64Array.from(net), dailyReturns: Float64Array.from(daily), capital, years: 1 });

describe('Monte Carlo of a run', () => {
  it('reshuffling trades keeps every final equity and changes only the path', () => {
    const net = [500, -300, 1200, -800, 250, -100, 900, -650];
    const r = monteCarlo(input(net), { method: 'reshuffle', n: 500, seed: 7 });
    const final = 100_000 + net.reduce((a, b) => a + b, 0);
    expect(r.finalEquity).toEqual({ p5: final, p25: final, p50: final, p75: final, p95: final });
    expect(r.maxDrawdown.p95).toBeGreaterThan(r.maxDrawdown.p5);
    expect(r.probabilityOfRuin).toBe(0);
    expect(r.fan.step[r.fan.step.length - 1]).toBe(net.length);
    expect(r.fan.p50[r.fan.p50.length - 1]).toBe(final);
  });

  it('is reproducible from its seed, and another seed draws other paths', () => {
    const net = Array.from({ length: 60 }, (_, i) => ((i * 7919) % 23) * 100 - 1000);
    const a = monteCarlo(input(net), { method: 'resample', n: 300, seed: 1 });
    expect(monteCarlo(input(net), { method: 'resample', n: 300, seed: 1 })).toEqual(a);
    expect(Array.from(monteCarlo(input(net), { method: 'resample', n: 300, seed: 2 }).finals)).not.toEqual(Array.from(a.finals));
  });

  it('counts ruin: a path that loses the whole capital stays at zero', () => {
    // Loss first: 1,000 − 1,500 is ruin; gain first: 3,000 − 1,500 survives. Half the orders ruin.
    const r = monteCarlo(input([-1500, 2000], [0], 1000), { method: 'reshuffle', n: 2000, seed: 3 });
    expect(r.probabilityOfRuin).toBeGreaterThan(0.45);
    expect(r.probabilityOfRuin).toBeLessThan(0.55);
    expect(r.finalEquity.p5).toBe(0);
    expect(r.finalEquity.p95).toBe(1500);
    expect(r.maxDrawdown.p95).toBe(1);
  });

  it('block-bootstraps daily returns; constant returns give one path', () => {
    const daily = new Array(250).fill(0.001);
    const r = monteCarlo(input([1], daily), { method: 'block', n: 100, seed: 9, block: 10 });
    expect(r.block).toBe(10);
    expect(r.finalEquity.p5).toBeCloseTo(100_000 * 1.001 ** 250, 6);
    expect(r.finalEquity.p95).toBeCloseTo(r.finalEquity.p5, 9);
    expect(() => monteCarlo(input([]), { method: 'reshuffle', n: 10, seed: 1 })).toThrow(/no trades to resample/);
  });
});
