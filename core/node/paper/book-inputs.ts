import type { DuckDBConnection } from '@duckdb/node-api';
import { BookFeatureStream, parseBookFeature, type BookSeries } from '../../common/features/book-features';
import type { Catalog } from '../catalog';
import { bookFeatureColumns } from '../features/book-build';
import { bookSeriesOf, type DbnBook } from '../ingest/dbn-book';

/** Book features at a bar's close, for a model or a live evaluation: where the book comes from is the implementation's business. */
export interface BookInputs {
  /** Output names, in the order `at` gives them. */
  readonly outputs: readonly string[];
  /** The features at a close (epoch ms); closes come in ascending order. */
  at(close: number): ArrayLike<number>;
}

/**
 * Book features from a live feed: the feed's events wait until the close they belong to, then go
 * through the same kernels a build drives (BookFeatureStream).
 */
export class LiveBookInputs implements BookInputs {
  private readonly stream: BookFeatureStream;
  private chunks: BookSeries[] = [];

  constructor(specs: readonly string[]) {
    this.stream = new BookFeatureStream(specs);
  }

  get outputs(): string[] {
    return this.stream.outputs;
  }

  /** Takes rows of a batch of the feed's book (this symbol's). */
  add(b: DbnBook, rows: number[]): void {
    this.chunks.push(bookSeriesOf(b, rows));
  }

  at(close: number): Float64Array {
    this.feedUpTo(close);
    return this.stream.close(close);
  }

  /** Feeds the stream every event at or before `t`, keeping the rest. */
  private feedUpTo(t: number): void {
    while (this.chunks.length) {
      const c = this.chunks[0]!;
      let j = 0;
      while (j < c.t.length && c.t[j]! <= t) j++;
      this.stream.events(c, 0, j);
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

/**
 * Features computed beforehand for known closes (a replay or a backtest, whose bars are all known),
 * as a build's reader gives them: a close not asked for gives NaN.
 */
export class StoredInputs implements BookInputs {
  readonly outputs: readonly string[];
  private readonly byClose: Map<number, number>;
  private readonly columns: Float64Array[];

  /** `columns`: each output's value at each of `closes` (ascending). */
  constructor(closes: Float64Array, columns: Map<string, Float64Array>) {
    this.outputs = [...columns.keys()];
    this.byClose = new Map(Array.from(closes, (c, i) => [c, i]));
    this.columns = [...columns.values()];
  }

  at(close: number): Float64Array {
    const i = this.byClose.get(close);
    return Float64Array.from(this.columns, (c) => (i === undefined ? Number.NaN : c[i]!));
  }
}

/** Book features from the lake's stored book at `closes` (ascending), as a build of `setName` computes them. */
export async function storedBookInputs(ctx: { con: DuckDBConnection; catalog: Catalog; lake: string }, symbol: string, closes: Float64Array, specs: readonly string[], setName: string): Promise<StoredInputs> {
  return new StoredInputs(closes, await bookFeatureColumns(ctx, symbol, closes, specs.map(parseBookFeature), setName));
}
