import { describe, expect, it } from 'vitest';
import { indicatorPlots, parseIndicator } from './indicators';

const bars = (n: number) => {
  const f = (g: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => g(i));
  return { symbol: 'ES', timeframe: '1h' as const, t: f((i) => Date.UTC(2024, 0, 2) + i * 3_600_000), o: f((i) => 100 + Math.sin(i)), h: f((i) => 102 + Math.sin(i)), l: f((i) => 98 + Math.sin(i)), c: f((i) => 100 + Math.sin(i + 0.5)), v: f(() => 10) };
};

describe('chart indicators', () => {
  it('puts Bollinger bands and moving averages on the price pane and oscillators in panes of their own', () => {
    const plots = indicatorPlots(bars(100), ['bbands(20,2)', 'sma(10)', 'rsi(14)', 'macd(12,26,9)']);
    expect(plots.map((p) => [p.spec, p.pane, p.lines.map((l) => l.name)])).toEqual([
      ['bbands(20,2)', 'price', ['bbands_20_2_lower', 'bbands_20_2_middle', 'bbands_20_2_upper']],
      ['sma(10)', 'price', ['sma_10']],
      ['rsi(14)', 'own', ['rsi_14']],
      ['macd(12,26,9)', 'own', ['macd_12_26_9', 'macd_12_26_9_signal', 'macd_12_26_9_hist']],
    ]);
    // Warm-up values are left out: RSI(14) starts at the 15th bar.
    expect(plots[2]!.lines[0]!.points).toHaveLength(86);
    expect(plots[3]!.lines[2]!.histogram).toBe(true);
  });

  it('shows RSI and the stochastic on 0–100 with their guide levels, the stochastic scaled from its 0–1 fraction', () => {
    const b = bars(100);
    const [rsi, stoch, sma] = indicatorPlots(b, ['rsi(14)', 'stoch(14,3,3)', 'sma(10)']);
    expect(rsi!.scale).toEqual({ range: [0, 100], guides: [30, 50, 70], factor: 1 });
    expect(stoch!.scale).toEqual({ range: [0, 100], guides: [20, 80], factor: 100 });
    expect(sma!.scale).toBeUndefined();
    const k = stoch!.lines[0]!.points.map((p) => p.value);
    expect(Math.max(...k)).toBeGreaterThan(1);
    expect(k.every((v) => v >= 0 && v <= 100)).toBe(true);
  });

  it('explains a bad spec', () => {
    expect(() => parseIndicator('rsi(0)')).toThrow(/between 1 and 10000/);
    expect(() => parseIndicator('pair(NQ,20)')).toThrow(/partner symbol/);
  });

  it('anchors session features at the exchange sessions the bars came with', () => {
    const b = bars(6);
    // Two sessions: the second opens at the fourth bar (not at a UTC midnight).
    const day = Int32Array.from([10, 10, 10, 11, 11, 11]);
    const withSessions = { ...b, sessions: { day, sessionStart: Float64Array.from(day, (d, i) => (d === 10 ? b.t[0]! : b.t[3]!) + i * 0), monthEnd: new Uint8Array(6) } };
    const [vwap] = indicatorPlots(withSessions, ['vwap']);
    const tp = (i: number): number => (b.h[i]! + b.l[i]! + b.c[i]!) / 3;
    expect(vwap!.lines[0]!.points[3]!.value).toBeCloseTo(tp(3), 12);
    expect(vwap!.lines[0]!.points[2]!.value).toBeCloseTo((tp(0) + tp(1) + tp(2)) / 3, 12);
  });
});
