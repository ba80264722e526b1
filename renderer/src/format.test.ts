import { describe, expect, it } from 'vitest';
import { parsePercent, toPercentText } from './format';

describe('percent fields', () => {
  it('take 20 or 20% for 20 % and show a stored fraction back in percent', () => {
    expect(parsePercent('20', 'Drawdown (%)')).toBe(0.2);
    expect(parsePercent(' 12.5 % ', 'Drawdown (%)')).toBe(0.125);
    expect(parsePercent('0.2', 'Drawdown (%)')).toBeCloseTo(0.002, 12);
    expect(toPercentText(0.25)).toBe('25');
    expect(toPercentText(0.001)).toBe('0.1');
  });

  it('say what they want when the text is not a percentage in range', () => {
    for (const bad of ['', 'abc', '0', '-5', '200', '20%%', '1e2']) expect(() => parsePercent(bad, 'Drawdown (%)')).toThrow(/^Drawdown \(%\): a percentage above 0 and at most 100, such as 20 for 20 %/);
    expect(parsePercent('150', 'Target volatility (% a year)', 1000)).toBe(1.5);
  });
});
