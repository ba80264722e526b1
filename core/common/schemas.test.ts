import { describe, expect, it } from 'vitest';
import { backfillRequestSchema, barsGetSchema } from './lake/schemas';
import { parseUtc } from './schemas';

describe('argument schemas', () => {
  it('parses dates and date-times as UTC and refuses impossible dates', () => {
    expect(parseUtc('2024-03-01')).toBe(Date.UTC(2024, 2, 1));
    expect(parseUtc('2024-03-01T14:30:00Z')).toBe(Date.UTC(2024, 2, 1, 14, 30));
    expect(parseUtc('2024-03-01T14:30')).toBe(Date.UTC(2024, 2, 1, 14, 30));
    expect(parseUtc('2024-03-01T09:30:00-05:00')).toBe(Date.UTC(2024, 2, 1, 14, 30));
    expect(parseUtc('2024-02-30')).toBeNaN();
    expect(parseUtc('yesterday')).toBeNaN();
  });

  it('names the failing field of a backfill request', () => {
    const base = { kind: 'backfill', source: 'demo', symbols: ['ES'], timeframe: '1m', from: '2024-01-01', to: '2024-02-01' };
    expect(backfillRequestSchema.safeParse(base).success).toBe(true);
    const path = (over: object): string => {
      const r = backfillRequestSchema.safeParse({ ...base, ...over });
      return r.success ? '' : r.error.issues[0]!.path.join('.');
    };
    expect(path({ symbols: [] })).toBe('symbols');
    expect(path({ symbols: ['ES', 'bad symbol'] })).toBe('symbols.1');
    expect(path({ timeframe: '5m' })).toBe('timeframe');
    expect(path({ from: '1990-01-01' })).toBe('from');
    expect(path({ from: '2024-03-01' })).toBe('from');
    expect(path({ extra: 1 })).toBe('');
    expect(backfillRequestSchema.safeParse({ ...base, extra: 1 }).success).toBe(false);
  });

  it('bounds bars.get arguments', () => {
    expect(barsGetSchema.safeParse({ symbol: 'ES', timeframe: '1h', limit: 0 }).success).toBe(false);
    expect(barsGetSchema.safeParse({ symbol: 'ES', timeframe: '1h', from: '2024-02-01', to: '2024-01-01' }).success).toBe(false);
    expect(barsGetSchema.safeParse({ symbol: 'ES', timeframe: '1h', from: '2024-01-01T10:00:00Z' }).success).toBe(true);
  });
});
