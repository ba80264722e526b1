import type { OhlcvBar } from '../../common/trading/bar-aggregator';
import type { WorkerContext } from '../jobs/worker-context';
import { BarWriter, monthOf, type PartToWrite } from '../lake/bar-store';

/** How many minutes, or how long since the oldest unwritten one, before a batch is written. */
const BATCH_BARS = 2000;
const BATCH_MS = 5 * 60_000;

/**
 * Appends the minutes a live feed brings to bronze, so the lake keeps growing while a session trades:
 * gathered in memory and written in batches, each as new part files published atomically and
 * cataloged in one transaction (readers see a whole batch or none of it). Minutes the lake already
 * holds are skipped, so a reconnect that repeats some, or a feed over stored history, adds nothing twice.
 */
export class LiveBronze {
  private readonly pending: OhlcvBar[][];
  private oldest: number | null = null;
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  /** Minutes written so far. */
  written = 0;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly symbols: readonly string[],
    private readonly source: string,
    private readonly now: () => number = Date.now,
  ) {
    this.pending = symbols.map(() => []);
  }

  /** Takes symbol k's minute; starts writing a batch when one is due. */
  add(k: number, m: OhlcvBar): void {
    this.pending[k]!.push(m);
    this.oldest ??= this.now();
    const count = this.pending.reduce((a, p) => a + p.length, 0);
    if (count >= BATCH_BARS || this.now() - this.oldest >= BATCH_MS) this.flush();
  }

  /** Writes what is gathered (after any batch still being written). */
  flush(): Promise<void> {
    const batch = this.pending.map((p, k) => ({ k, bars: p.splice(0) })).filter((x) => x.bars.length > 0);
    this.oldest = null;
    if (batch.length === 0) return this.writing;
    this.writing = this.writing.then(() => this.write(batch)).catch((e: unknown) => {
      this.failure = e as Error;
    });
    return this.writing;
  }

  /** Writes what is left and says whether any batch failed. */
  async close(): Promise<void> {
    await this.flush();
    if (this.failure) throw new Error(`appending live bars to the lake failed: ${this.failure.message}`);
  }

  private async write(batch: { k: number; bars: OhlcvBar[] }[]): Promise<void> {
    const writer = new BarWriter(this.ctx.home, this.ctx.catalog, this.ctx.con);
    const parts: PartToWrite[] = [];
    for (const { k, bars } of batch) {
      const symbol = this.symbols[k]!;
      bars.sort((a, b) => a.t - b.t);
      const stored = new Set(await writer.existingTimes('1m', symbol, bars[0]!.t, bars[bars.length - 1]!.t + 1));
      const fresh = bars.filter((b, i) => !stored.has(b.t) && (i === 0 || b.t !== bars[i - 1]!.t));
      const byMonth = new Map<string, OhlcvBar[]>();
      for (const b of fresh) {
        const month = monthOf(b.t);
        const list = byMonth.get(month);
        if (list) list.push(b);
        else byMonth.set(month, [b]);
      }
      for (const [month, xs] of byMonth) {
        const col = (f: (b: OhlcvBar) => number): Float64Array => Float64Array.from(xs, f);
        parts.push({ timeframe: '1m', symbol, month, source: this.source, ingestRun: null, bars: { t: col((b) => b.t), o: col((b) => b.o), h: col((b) => b.h), l: col((b) => b.l), c: col((b) => b.c), v: col((b) => b.v) } });
      }
    }
    if (parts.length === 0) return;
    await writer.writeParts(parts);
    this.written += parts.reduce((a, p) => a + p.bars.t.length, 0);
  }
}
