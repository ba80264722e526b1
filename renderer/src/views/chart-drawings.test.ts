import { describe, expect, it } from 'vitest';
import { describeDrawing, isDrawingsBySymbol, MAX_DRAWINGS, trendPoints } from './chart-drawings';

describe('chart drawings kept per symbol', () => {
  it('accepts well-formed drawings and refuses anything else from storage', () => {
    expect(isDrawingsBySymbol({ ES: [{ kind: 'h', price: 5100.25 }, { kind: 'trend', a: { time: 1, price: 2 }, b: { time: 3, price: 4 } }] })).toBe(true);
    for (const bad of [null, [], 'x', { ES: [{ kind: 'h', price: 'high' }] }, { ES: [{ kind: 'h', price: Number.NaN }] }, { ES: [{ kind: 'circle' }] }, { ES: [{ kind: 'trend', a: { time: 1, price: 2 } }] }, { ES: Array(MAX_DRAWINGS + 1).fill({ kind: 'h', price: 1 }) }, { ['x'.repeat(65)]: [] }])
      expect(isDrawingsBySymbol(bad)).toBe(false);
  });

  it('orders a trend line by time and drops one drawn on a single bar', () => {
    expect(trendPoints({ kind: 'trend', a: { time: 20, price: 5 }, b: { time: 10, price: 7 } })).toEqual([
      { time: 10, value: 7 },
      { time: 20, value: 5 },
    ]);
    expect(trendPoints({ kind: 'trend', a: { time: 10, price: 5 }, b: { time: 10, price: 7 } })).toBeNull();
  });

  it('describes each drawing for its chip', () => {
    const price = (p: number): string => p.toFixed(2);
    const day = (s: number): string => new Date(s * 1000).toISOString().slice(0, 10);
    expect(describeDrawing({ kind: 'h', price: 5100.25 }, price, day)).toBe('— 5100.25');
    expect(describeDrawing({ kind: 'trend', a: { time: 86_400, price: 1 }, b: { time: 172_800, price: 2 } }, price, day)).toBe('╱ 1970-01-02 1.00 → 1970-01-03 2.00');
  });
});
