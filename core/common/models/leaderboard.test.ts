import { describe, expect, it } from 'vitest';
import { compileScore, DEFAULT_SCORE } from './leaderboard';

describe('leaderboard score formulas', () => {
  it('evaluates the default and custom formulas, missing metrics counting as 0', () => {
    expect(compileScore(DEFAULT_SCORE)({ balanced_accuracy: 0.6, sharpe: 1.5 })).toBeCloseTo(0.24 + 0.3, 12);
    expect(compileScore(DEFAULT_SCORE)({ balanced_accuracy: 0.6, sharpe: 9 })).toBeCloseTo(0.24 + 0.6, 12);
    expect(compileScore(DEFAULT_SCORE)({ balanced_accuracy: 0.5 })).toBeCloseTo(0.2, 12);
    expect(compileScore('(auc - 0.5) * 2 + -abs(log_loss) / 10 + max(1, 2, 3)')({ auc: 0.7, log_loss: 0.6 })).toBeCloseTo(0.4 - 0.06 + 3, 12);
  });

  it('names what is wrong with a bad formula and never runs code', () => {
    expect(() => compileScore('0.4 * balanced_acc')).toThrow(/unknown name "balanced_acc"/);
    expect(() => compileScore('process.exit(1)')).toThrow(/cannot read it|unknown name/);
    expect(() => compileScore('auc +')).toThrow(/expected more/);
    expect(() => compileScore('auc auc')).toThrow(/unexpected "auc"/);
    expect(() => compileScore('')).toThrow(/empty/);
  });
});
