import { describe, expect, it } from 'vitest';
import { demoSession, generateSession } from './demo-market';
import { generateBookSession } from './demo-book';

const T = 0x54;

describe('the demo order book', () => {
  const session = demoSession('ES', '2024-03-05');
  const book = generateBookSession('ES', 1, session);
  const bars = generateSession('ES', 1, session);
  const n = book.tsRecvNs.length;

  it('is a ten-level book whose spread is one tick but for the moment a level is pulled, bids falling and asks rising, every level with size and orders', () => {
    expect(n).toBeGreaterThan(50_000);
    // Checked record by record; the first few problems are reported.
    const problems: string[] = [];
    const check = (ok: boolean, what: () => string): void => {
      if (!ok && problems.length < 5) problems.push(what());
    };
    let wide = 0;
    for (let i = 0; i < n; i++) {
      const at = i * 10;
      const spread = book.askPx[at]! - book.bidPx[at]!;
      check(spread === 0.25 || spread === 0.5, () => `record ${i}: spread ${spread}`);
      if (spread === 0.5) {
        wide++;
        check(book.askPx[at + 10]! - book.bidPx[at + 10]! === 0.25, () => `record ${i + 1}: a wide spread stays wide`);
      }
      for (let k = 0; k < 10; k++) {
        const j = at + k;
        if (k > 0) check(book.bidPx[j] === book.bidPx[j - 1]! - 0.25 && book.askPx[j] === book.askPx[j - 1]! + 0.25, () => `record ${i}: level ${k} not a tick beyond level ${k - 1}`);
        check(book.bidSz[j]! > 0 && book.askSz[j]! > 0, () => `record ${i}: level ${k} without size`);
        check(book.bidCt[j]! >= 1 && book.bidCt[j]! <= book.bidSz[j]! && book.askCt[j]! >= 1 && book.askCt[j]! <= book.askSz[j]!, () => `record ${i}: level ${k} orders outside 1…size`);
      }
      if (i > 0) check(book.tsEventNs[i]! >= book.tsEventNs[i - 1]! && book.tsRecvNs[i]! > book.tsRecvNs[i - 1]!, () => `record ${i}: time goes back`);
      check(book.tsRecvNs[i]! > book.tsEventNs[i]!, () => `record ${i}: received before the event`);
    }
    expect(problems).toEqual([]);
    expect(wide / n).toBeLessThan(0.2);
  });

  it('trades each minute at its open, high, low and close, with the minute’s volume', () => {
    const byMinute = new Map<number, { prices: number[]; volume: number }>();
    for (let i = 0; i < n; i++) {
      if (book.action[i] !== T) continue;
      const m = Math.floor(book.tsMs[i]! / 60_000) * 60_000;
      const x = byMinute.get(m) ?? { prices: [], volume: 0 };
      x.prices.push(book.price[i]!);
      x.volume += book.size[i]!;
      byMinute.set(m, x);
    }
    let exactVolume = 0;
    for (let m = 0; m < bars.t.length; m++) {
      const x = byMinute.get(bars.t[m]!)!;
      expect([x.prices[0], Math.max(...x.prices), Math.min(...x.prices), x.prices.at(-1)]).toEqual([bars.o[m], bars.h[m], bars.l[m], bars.c[m]]);
      // Volume is exact unless the bar has fewer contracts than prices it must trade at.
      if (x.volume === bars.v[m]) exactVolume++;
      else expect(bars.v[m]).toBeLessThan(4);
    }
    expect(exactVolume / bars.t.length).toBeGreaterThan(0.99);
  });

  it('lets trades consume the depth they hit: the next record takes the traded size off that level, or removes it', () => {
    let trades = 0;
    for (let i = 0; i + 1 < n; i++) {
      if (book.action[i] !== T) continue;
      trades++;
      const atAsk = book.side[i] === 0x42;
      const px = (atAsk ? book.askPx : book.bidPx)[i * 10]!;
      const sz = (atAsk ? book.askSz : book.bidSz)[i * 10]!;
      expect(book.price[i]).toBe(px);
      expect(book.size[i]).toBeLessThanOrEqual(sz);
      const next = i + 1;
      expect([book.action[next], book.side[next], book.size[next], book.depth[next]]).toEqual([0x43, atAsk ? 0x41 : 0x42, book.size[i], 0]);
      const after = (atAsk ? book.askPx : book.bidPx)[next * 10]!;
      if (book.size[i] === sz) expect(after).not.toBe(px);
      else expect((atAsk ? book.askSz : book.bidSz)[next * 10]).toBe(sz - book.size[i]!);
    }
    expect(trades).toBeGreaterThan(1000);
  });

  it('is the same every time it is asked for, and a window keeps only its minutes', () => {
    const same = (a: ArrayBufferView, b: ArrayBufferView): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    const again = generateBookSession('ES', 1, session);
    for (const k of ['tsEventNs', 'tsRecvNs', 'price', 'size', 'action', 'side', 'bidPx', 'askSz', 'bidCt', 'sequence'] as const) expect(same(again[k], book[k]), k).toBe(true);
    const from = bars.t[600]!;
    const part = generateBookSession('ES', 1, session, {}, from, from + 120_000);
    const inWindow = Array.from(book.tsMs).filter((t) => t >= from && t < from + 120_000).length;
    expect(part.tsMs.every((t) => t >= from && t < from + 120_000)).toBe(true);
    expect(part.tsRecvNs.length).toBe(inWindow);
    const at = Array.from(book.tsMs).findIndex((t) => t >= from);
    expect(same(part.askPx.subarray(0, 100), book.askPx.subarray(at * 10, at * 10 + 100))).toBe(true);
  });
});
