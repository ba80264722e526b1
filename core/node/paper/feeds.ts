import { inTimeOrder } from '../../common/backtest/engine';
import type { Timeframe } from '../../common/timeframes';
import type { PaperBar } from '../../common/trading/paper-engine';
import type { WorkerContext } from '../jobs/worker-context';
import { replayInputs, type ReplayInput } from './replay';

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
 * Stored bars of the symbols from `from` to `to`, merged in time order (each with its calendar
 * facts), starting after the first `skip` (those a resumed session already fed).
 */
export async function replayFeed(ctx: WorkerContext, symbols: readonly string[], timeframe: Timeframe, from: string, to: string, skip: number): Promise<Feed & { inputs: ReplayInput[] }> {
  const inputs = await replayInputs(ctx, symbols, timeframe, from, to);
  const order: number[] = [];
  inTimeOrder(
    inputs.map((x) => x.bars.t),
    (k, i) => order.push(k, i),
    () => undefined,
  );
  let at = skip * 2;
  let back: FeedBar | null = null;
  return {
    inputs,
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
