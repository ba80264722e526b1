import { DateTime } from 'luxon';
import { BookFeatureStream, type BookSeries } from '../../common/features/book-features';
import type { FeatureBar, FeatureSeries, StreamingKernel } from '../../common/features/types';
import type { SessionCalendar } from '../../common/instruments';
import type { PaperBar } from '../../common/trading/paper-engine';
import { bookSeriesOf, type DbnBook } from '../ingest/dbn-book';
import type { FeatureSet } from '../features/feature-sets';

/** Book events of one symbol waiting for the close they belong to. */
class PendingBook {
  private chunks: BookSeries[] = [];

  add(b: DbnBook, rows: number[]): void {
    this.chunks.push(bookSeriesOf(b, rows));
  }

  /** Feeds the stream every event at or before `t`, keeping the rest. */
  feedUpTo(stream: BookFeatureStream, t: number): void {
    while (this.chunks.length) {
      const c = this.chunks[0]!;
      let j = 0;
      while (j < c.t.length && c.t[j]! <= t) j++;
      stream.events(c, 0, j);
      if (j < c.t.length) {
        this.chunks[0] = slice(c, j);
        return;
      }
      this.chunks.shift();
    }
  }
}

function slice(s: BookSeries, from: number): BookSeries {
  const at = from * s.levels;
  return { t: s.t.subarray(from), action: s.action.subarray(from), side: s.side.subarray(from), price: s.price.subarray(from), size: s.size.subarray(from), depth: s.depth.subarray(from), levels: s.levels, bidPx: s.bidPx.subarray(at), askPx: s.askPx.subarray(at), bidSz: s.bidSz.subarray(at), askSz: s.askSz.subarray(at) };
}

/** One evaluation: a bar's features, at its close. */
export interface LiveFeatureRow {
  symbol: string;
  /** The bar's open, epoch ms. */
  t: number;
  /** Its close, epoch ms: the book features are read at it. */
  close: number;
  values: Record<string, number | null>;
}

/**
 * A feature set evaluated live at every bar close of a paper session: its bar features by the same
 * streaming kernels as the model gate (warmed on the stored bars before the session), its book
 * features by the same kernels a build drives, fed the feed's book up to each close. Rows outside the
 * set's evaluation hours are computed (the kernels need every bar) but not returned.
 */
export class LiveFeatureEvaluator {
  private readonly kernels: (StreamingKernel[] | null)[];
  private readonly books: (BookFeatureStream | null)[];
  private readonly pending: PendingBook[];
  private readonly index: Map<string, number>;
  private readonly fb: FeatureBar = { t: 0, o: 0, h: 0, l: 0, c: 0, v: 0, day: 0, sessionStart: 0, monthEnd: false, partner: Number.NaN };

  constructor(
    private readonly set: FeatureSet,
    private readonly symbols: readonly string[],
    private readonly barMs: number,
    private readonly calendars: readonly (SessionCalendar | undefined)[],
  ) {
    this.index = new Map(symbols.map((s, k) => [s, k]));
    const wanted = (k: number): boolean => set.symbols.includes(symbols[k]!);
    this.kernels = symbols.map((_, k) => (wanted(k) ? set.features.map((f) => f.def.stream(f.params)) : null));
    this.books = symbols.map((_, k) => (wanted(k) && set.book.length ? new BookFeatureStream(set.book.map((b) => b.spec)) : null));
    this.pending = symbols.map(() => new PendingBook());
  }

  /** Warms symbol k's bar kernels on its first `n` stored bars (with their sessions) before the session. */
  warm(k: number, b: Pick<FeatureSeries, 't' | 'o' | 'h' | 'l' | 'c' | 'v'>, s: Pick<FeatureSeries, 'day' | 'sessionStart' | 'monthEnd'>, n: number): void {
    if (!this.kernels[k]) return;
    for (let i = 0; i < n; i++) {
      this.load({ t: b.t[i]!, o: b.o[i]!, h: b.h[i]!, l: b.l[i]!, c: b.c[i]!, v: b.v[i]!, day: s.day[i]!, sessionStart: s.sessionStart[i]!, monthEnd: s.monthEnd[i] === 1 });
      for (const kernel of this.kernels[k]!) kernel.update(this.fb);
    }
  }

  /** Takes a batch of the feed's book (rows 0…n, symbol by row). */
  book(b: DbnBook, n: number, symbolOf: (i: number) => string | undefined): void {
    const rows = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const k = this.index.get(symbolOf(i) ?? '');
      if (k === undefined || !this.books[k]) continue;
      rows.set(k, [...(rows.get(k) ?? []), i]);
    }
    for (const [k, r] of rows) this.pending[k]!.add(b, r);
  }

  /** Symbol k's features for a bar just closed, or null when the set does not evaluate it. */
  bar(k: number, bar: PaperBar): LiveFeatureRow | null {
    const kernels = this.kernels[k];
    if (!kernels) return null;
    this.load(bar);
    const values: Record<string, number | null> = {};
    const put = (name: string, v: number): void => {
      values[name] = Number.isFinite(v) ? v : null;
    };
    this.set.features.forEach((f, j) => {
      const out = kernels[j]!.update(this.fb);
      f.outputs.forEach((name, o) => put(name, out[o]!));
    });
    const close = bar.t + this.barMs;
    const book = this.books[k];
    if (book) {
      this.pending[k]!.feedUpTo(book, close);
      const out = book.close(close);
      book.outputs.forEach((name, o) => put(name, out[o]!));
    }
    if (!this.evaluated(k, bar.t)) return null;
    return { symbol: this.symbols[k]!, t: bar.t, close, values };
  }

  private evaluated(k: number, t: number): boolean {
    const w = this.set.evaluate;
    const cal = this.calendars[k];
    if (!w || !cal) return true;
    const local = DateTime.fromMillis(t, { zone: cal.tz });
    const hhmm = `${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`;
    return hhmm >= w.from && hhmm < w.to;
  }

  private load(b: Omit<FeatureBar, 'partner'>): void {
    Object.assign(this.fb, b);
  }
}
