import { inTimeOrder } from '../../common/backtest/bar-walk';
import type { PaperBar } from '../../common/trading/paper-engine';
import type { ReplayInput } from './replay';

/** The next bar of symbol k. */
export interface FeedBar {
  k: number;
  bar: PaperBar;
}

/** Where a session's bars come from, one at a time. */
export interface Feed {
  /** The next bar; null when the feed has ended; undefined when none arrived yet (a live feed waits a moment, then says so). */
  next(): Promise<FeedBar | null | undefined>;
  /** Puts a bar back, to come again from the next `next`. */
  unread(b: FeedBar): void;
  close(): void;
}

/**
 * The replay bars of `inputs` (those after each one's warm-up), merged in time order with their
 * calendar facts, starting after the first `skip` (those a resumed session already fed).
 */
export function replayFeed(inputs: readonly ReplayInput[], skip: number): Feed {
  const order: number[] = [];
  inTimeOrder(
    inputs.map((x) => x.bars.t.subarray(x.warm)),
    (k, j) => order.push(k, j + inputs[k]!.warm),
    () => undefined,
  );
  let at = skip * 2;
  let back: FeedBar | null = null;
  return {
    async next() {
      if (back) {
        const b = back;
        back = null;
        return b;
      }
      if (at >= order.length) return null;
      const k = order[at]!;
      const i = order[at + 1]!;
      at += 2;
      const { bars: b, sessions: s } = inputs[k]!;
      return { k, bar: { t: b.t[i]!, o: b.o[i]!, h: b.h[i]!, l: b.l[i]!, c: b.c[i]!, v: b.v[i]!, day: s.day[i]!, sessionStart: s.sessionStart[i]!, monthEnd: s.monthEnd[i] === 1 } };
    },
    unread(b) {
      back = b;
    },
    close() {},
  };
}
