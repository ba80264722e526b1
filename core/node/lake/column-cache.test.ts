import { describe, expect, it } from 'vitest';
import { ColumnCache } from './column-cache';

const cols = (n: number, v = 1): Float64Array[] => [new Float64Array(n).fill(v), new Float64Array(n).fill(v)];

describe('the column cache', () => {
  it('hands back what it keeps and drops the least recently used beyond its byte budget', () => {
    const cache = new ColumnCache(3 * 16 * 8);
    const a = cols(8, 1);
    cache.set('a', a);
    cache.set('b', cols(8, 2));
    cache.set('c', cols(8, 3));
    expect(cache.bytes).toBe(3 * 16 * 8);
    expect(cache.get('a')).toBe(a);
    // 'a' was used last, so 'b' is the one that goes.
    cache.set('d', cols(8, 4));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBe(a);
    expect(cache.get('c')![0]![0]).toBe(3);
    expect(cache.bytes).toBe(3 * 16 * 8);
  });

  it('replaces an entry under the same SQL and keeps nothing larger than its budget', () => {
    const cache = new ColumnCache(256);
    cache.set('q', cols(4, 1));
    cache.set('q', cols(8, 2));
    expect(cache.get('q')![0]!.length).toBe(8);
    expect(cache.bytes).toBe(128);
    cache.set('huge', cols(100));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('q')).toBeDefined();
    cache.set('q', cols(100));
    expect(cache.get('q')).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });
});
