import { describe, expect, it } from 'vitest';
import { CME_GLOBEX, NYSE, XETRA } from '../common/instruments';
import { dayNumber, dayString, easterDay, holidaysOf, isTradingDay, sessionOf, sessionsBetween } from './calendar';

const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 16);
const open = (cal: typeof NYSE, date: string): [string, string] => {
  const s = sessionOf(cal, dayNumber(date));
  return [iso(s.start), iso(s.end)];
};

describe('exchange calendars (golden DST weeks)', () => {
  it('moves NYSE and Xetra opens in UTC on their own DST dates, including the weeks they disagree', () => {
    // Before any switch: New York is UTC-5, Frankfurt UTC+1.
    expect(open(NYSE, '2024-03-08')).toEqual(['2024-03-08T14:30', '2024-03-08T21:00']);
    expect(open(XETRA, '2024-03-08')).toEqual(['2024-03-08T08:00', '2024-03-08T16:30']);
    // US switched on 10 March, Europe not until 31 March: a four-hour gap for three weeks.
    expect(open(NYSE, '2024-03-11')).toEqual(['2024-03-11T13:30', '2024-03-11T20:00']);
    expect(open(XETRA, '2024-03-11')).toEqual(['2024-03-11T08:00', '2024-03-11T16:30']);
    expect(open(XETRA, '2024-04-02')).toEqual(['2024-04-02T07:00', '2024-04-02T15:30']);
    // Autumn: Europe falls back on 27 October, the US on 3 November.
    expect(open(XETRA, '2024-10-28')).toEqual(['2024-10-28T08:00', '2024-10-28T16:30']);
    expect(open(NYSE, '2024-10-28')).toEqual(['2024-10-28T13:30', '2024-10-28T20:00']);
    expect(open(NYSE, '2024-11-04')).toEqual(['2024-11-04T14:30', '2024-11-04T21:00']);
  });

  it('opens CME Globex on Sunday evening New York time, across the switch', () => {
    expect(open(CME_GLOBEX, '2024-03-11')).toEqual(['2024-03-10T22:00', '2024-03-11T21:00']);
    expect(open(CME_GLOBEX, '2024-03-08')).toEqual(['2024-03-07T23:00', '2024-03-08T22:00']);
    expect(open(CME_GLOBEX, '2024-11-04')).toEqual(['2024-11-03T23:00', '2024-11-04T22:00']);
  });

  it('knows the holidays: Easter-based, nth-weekday and observed ones', () => {
    expect(dayString(easterDay(2024))).toBe('2024-03-31');
    expect(dayString(easterDay(2025))).toBe('2025-04-20');
    const ny = [...holidaysOf(NYSE, 2024)].sort().map(dayString);
    expect(ny).toEqual(['2024-01-01', '2024-01-15', '2024-02-19', '2024-03-29', '2024-05-27', '2024-06-19', '2024-07-04', '2024-09-02', '2024-11-28', '2024-12-25']);
    // 2022: Christmas on Sunday is observed on Monday 26 December.
    expect(isTradingDay(NYSE, dayNumber('2022-12-26'))).toBe(false);
    expect(isTradingDay(NYSE, dayNumber('2021-06-18'))).toBe(true);
    const de = [...holidaysOf(XETRA, 2024)].sort().map(dayString);
    expect(de).toEqual(['2024-01-01', '2024-03-29', '2024-04-01', '2024-05-01', '2024-12-24', '2024-12-25', '2024-12-26', '2024-12-31']);
    expect(sessionsBetween(NYSE, dayNumber('2024-03-25'), dayNumber('2024-04-01')).map((s) => s.date)).toEqual(['2024-03-25', '2024-03-26', '2024-03-27', '2024-03-28', '2024-04-01']);
  });
});
