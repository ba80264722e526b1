import { describe, expect, it } from 'vitest';
import { frontByRoll, optionUnderlying, thirdFriday } from './expiries';

const day = (s: string): number => Date.parse(`${s}T00:00:00Z`) / 86_400_000;

describe('quarterly contracts, their expiries and the roll', () => {
  it('finds the third Friday of a month (CME expiry dates of ES contracts)', () => {
    // ESZ4 expired 2024-12-20, ESH5 2025-03-21, ESM5 2025-06-20, ESZ6 2026-12-18; a month starting on a Friday: 2026-05-01.
    expect(thirdFriday(2024, 12)).toBe(day('2024-12-20'));
    expect(thirdFriday(2025, 3)).toBe(day('2025-03-21'));
    expect(thirdFriday(2025, 6)).toBe(day('2025-06-20'));
    expect(thirdFriday(2026, 12)).toBe(day('2026-12-18'));
    expect(thirdFriday(2026, 5)).toBe(day('2026-05-15'));
  });

  it("puts a roll week's 0DTE options on the expiring contract while the futures trade the next", () => {
    // December 2026: ESZ6 expires Friday the 18th; the futures roll to ESH7 eight days before.
    expect(optionUnderlying('ES', day('2026-12-09'))).toEqual({ symbol: 'ESZ6', expiryDay: day('2026-12-18') });
    expect(frontByRoll('ES', day('2026-12-09'))).toEqual({ symbol: 'ESZ6', expiryDay: day('2026-12-18') });
    expect(frontByRoll('ES', day('2026-12-10'))).toEqual({ symbol: 'ESH7', expiryDay: day('2027-03-19') });
    expect(optionUnderlying('ES', day('2026-12-14')).symbol).toBe('ESZ6');
    expect(optionUnderlying('ES', day('2026-12-18')).symbol).toBe('ESZ6');
    expect(optionUnderlying('ES', day('2026-12-21')).symbol).toBe('ESH7');
    // Across a year end and a decade digit.
    expect(frontByRoll('NQ', day('2029-12-31')).symbol).toBe('NQH0');
  });
});
