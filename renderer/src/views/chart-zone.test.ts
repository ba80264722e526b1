import { describe, expect, it } from 'vitest';
import { crosshairTime, isZone, tickLabel } from './chart-zone';

describe('chart times in a chosen zone', () => {
  it('shows intraday instants in the zone with its short name, across a DST change', () => {
    expect(crosshairTime(Date.UTC(2024, 2, 8, 14, 30), 'America/New_York', false)).toBe('2024-03-08 09:30 EST');
    expect(crosshairTime(Date.UTC(2024, 2, 11, 13, 30), 'America/New_York', false)).toBe('2024-03-11 09:30 EDT');
    expect(crosshairTime(Date.UTC(2024, 2, 11, 13, 30), 'UTC', false)).toBe('2024-03-11 13:30 UTC');
  });

  it('keeps daily bars as their session date whatever the zone', () => {
    expect(crosshairTime(Date.UTC(2024, 2, 11), 'America/New_York', true)).toBe('2024-03-11');
    expect(tickLabel(Date.UTC(2024, 2, 11), 2, 'Asia/Tokyo', true)).toBe('03-11');
  });

  it('labels ticks by kind: year, month, day, clock', () => {
    const ms = Date.UTC(2024, 0, 31, 23, 30);
    expect([0, 1, 2, 3].map((k) => tickLabel(ms, k, 'Europe/Berlin', false))).toEqual(['2024', '2024-02', '02-01', '00:30']);
  });

  it('accepts only zones the browser knows from storage', () => {
    expect(isZone('Europe/Zurich')).toBe(true);
    expect(isZone('Mars/Olympus')).toBe(false);
    expect(isZone(42)).toBe(false);
    expect(isZone('x'.repeat(100))).toBe(false);
  });
});
