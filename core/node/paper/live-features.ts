import type { FeatureBar, FeatureSeries, StreamingKernel } from '../../common/features/types';
import type { SessionCalendar } from '../../common/instruments';
import type { PaperBar } from '../../common/trading/paper-engine';
import type { DbnBook } from '../ingest/dbn-book';
import { evaluationWindow } from '../features/evaluation-window';
import type { FeatureSet } from '../features/feature-sets';
import { LiveBookInputs } from './book-inputs';

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
  private readonly books: (LiveBookInputs | null)[];
  /** Per symbol, whether a bar opening at t is evaluated (null: every bar). */
  private readonly evaluated: (((t: number) => boolean) | null)[];
  private readonly index: Map<string, number>;
  private readonly fb: FeatureBar = { t: 0, o: 0, h: 0, l: 0, c: 0, v: 0, day: 0, sessionStart: 0, monthEnd: false, partner: Number.NaN };

  constructor(
    private readonly set: FeatureSet,
    private readonly symbols: readonly string[],
    private readonly barMs: number,
    calendars: readonly (SessionCalendar | undefined)[],
  ) {
    this.index = new Map(symbols.map((s, k) => [s, k]));
    const wanted = (k: number): boolean => set.symbols.includes(symbols[k]!);
    this.kernels = symbols.map((_, k) => (wanted(k) ? set.features.map((f) => f.def.stream(f.params)) : null));
    this.books = symbols.map((_, k) => (wanted(k) && set.book.length ? new LiveBookInputs(set.book.map((b) => b.spec)) : null));
    this.evaluated = symbols.map((_, k) => (wanted(k) && set.evaluate ? evaluationWindow(set.evaluate, calendars[k], set.name) : null));
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
    for (const [k, r] of rows) this.books[k]!.add(b, r);
  }

  /**
   * Symbol k's features for a bar just closed, or null when the set does not evaluate it. A resumed
   * session's journaled bars (`journaled`) go to the bar kernels only: their rows are journaled already.
   */
  bar(k: number, bar: PaperBar, journaled = false): LiveFeatureRow | null {
    const kernels = this.kernels[k];
    if (!kernels) return null;
    this.load(bar);
    if (journaled) {
      for (const kernel of kernels) kernel.update(this.fb);
      return null;
    }
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
      const out = book.at(close);
      book.outputs.forEach((name, o) => put(name, out[o]!));
    }
    if (this.evaluated[k] && !this.evaluated[k](bar.t)) return null;
    return { symbol: this.symbols[k]!, t: bar.t, close, values };
  }

  private load(b: Omit<FeatureBar, 'partner'>): void {
    Object.assign(this.fb, b);
  }
}
