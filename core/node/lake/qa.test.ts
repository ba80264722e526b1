import { describe, expect, it } from 'vitest';
import { CME_GLOBEX } from '../../common/instruments';
import { demoSession, filterColumns, generateSession } from '../demo/demo-market';
import { qaReport } from './qa';

describe('QA report', () => {
  it('counts holes inside sessions as gaps, never the maintenance break or the weekend', () => {
    const thu = generateSession('ES', 1, demoSession('ES', '2024-05-16'));
    const fri = generateSession('ES', 1, demoSession('ES', '2024-05-17'));
    const mon = generateSession('ES', 1, demoSession('ES', '2024-05-20'));
    const cat = (k: 't' | 'o' | 'h' | 'l' | 'c' | 'v'): Float64Array => Float64Array.from([...thu[k], ...fri[k], ...mon[k]]);
    const all = { t: cat('t'), o: cat('o'), h: cat('h'), l: cat('l'), c: cat('c'), v: cat('v') };
    const clean = qaReport({ symbol: 'ES', timeframe: '1m', ...all }, '1m', CME_GLOBEX);
    expect(clean.gaps.count).toBe(0);
    // Drop 3 minutes in Friday's session (14:00–14:02 UTC).
    const holeStart = Date.UTC(2024, 4, 17, 14, 0);
    const holed = filterColumns(all, (i) => all.t[i]! < holeStart || all.t[i]! >= holeStart + 3 * 60_000);
    const r = qaReport({ symbol: 'ES', timeframe: '1m', ...holed }, '1m', CME_GLOBEX);
    expect(r.gaps).toMatchObject({ count: 1, missingBars: 3 });
    expect(r.gaps.examples[0]).toEqual({ after: '2024-05-17T13:59:00.000Z', before: '2024-05-17T14:03:00.000Z', missing: 3 });
    expect(r.spikes.count).toBe(0);
  });
});
