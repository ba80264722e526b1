import { randomUUID } from 'node:crypto';
import { allocBook, BOOK_LAYOUTS, type DbnBook } from '../ingest/dbn-book';
import { storeTicks } from '../ingest/import-dbn-ticks';
import { storeRejects } from '../ingest/reject-store';
import type { WorkerContext } from '../jobs/worker-context';

const FLUSH_ROWS = 50_000;
const FLUSH_MS = 60_000;
const LEVELS = 10;

/**
 * Appends a live feed's MBP-10 records to the lake's `book` table through the same gate as an import:
 * rows are copied out of the feed's reused batches, and written every 50,000 rows or minute (one
 * write at a time), and what is left when the session ends.
 */
export class LiveBookBronze {
  private rows: DbnBook = allocBook('mbp-10', BOOK_LAYOUTS[0x0a]!, 1024);
  private n = 0;
  private readonly names = new Map<number, string>();
  private oldest: number | null = null;
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  /** The ingest run the appended records and their rejects belong to. */
  readonly runId = randomUUID();
  written = 0;
  duplicates = 0;
  rejected = 0;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly source: string,
    private readonly now: () => number = Date.now,
  ) {
    ctx.catalog.startIngestRun({ id: this.runId, jobId: null, source, request: { live: source, schema: 'mbp-10' }, startedAt: now(), status: 'running' });
  }

  /** Takes rows 0…n of a feed batch (copied: the feed reuses it). */
  add(b: DbnBook, n: number, symbolOf: (i: number) => string | undefined): void {
    if (this.n + n > this.rows.tsRecvNs.length) this.grow(this.n + n);
    const r = this.rows;
    for (let i = 0; i < n; i++) {
      const j = this.n + i;
      const symbol = symbolOf(i);
      if (symbol !== undefined) this.names.set(b.instrumentId[i]!, symbol);
      for (const k of ['instrumentId', 'publisherId', 'tsEventNs', 'tsRecvNs', 'tsMs', 'price', 'size', 'action', 'side', 'flags', 'depth', 'tsInDelta', 'sequence'] as const) (r[k] as unknown as number[])[j] = (b[k] as unknown as number[])[i]!;
      for (const k of ['bidPx', 'askPx', 'bidSz', 'askSz', 'bidCt', 'askCt'] as const) r[k].set(b[k].subarray(i * LEVELS, (i + 1) * LEVELS) as never, j * LEVELS);
    }
    this.n += n;
    this.oldest ??= this.now();
    if (this.n >= FLUSH_ROWS || this.now() - this.oldest >= FLUSH_MS) void this.flush();
  }

  /** Writes what is gathered, after any write still running. */
  flush(): Promise<void> {
    if (this.n === 0) return this.writing;
    const batch = this.take();
    this.writing = this.writing
      .then(async () => {
        const s = await storeTicks(this.ctx, { kind: 'book', book: batch }, (id) => this.names.get(id), this.source, this.runId);
        storeRejects(this.ctx.catalog, this.runId, `${this.source} mbp-10`, this.source, s.rejects);
        this.written += s.accepted;
        this.duplicates += s.duplicates;
        this.rejected += s.rejects.length;
      })
      .catch((e: unknown) => {
        this.failure = e as Error;
      });
    return this.writing;
  }

  /** Writes what is left and says whether any write failed. */
  async close(): Promise<void> {
    await this.flush();
    this.ctx.catalog.endIngestRun(this.runId, { at: this.now(), status: this.failure ? 'failed' : 'succeeded', rows: { new: this.written, duplicate: this.duplicates, rejected: this.rejected, input: this.written + this.duplicates + this.rejected } });
    if (this.failure) throw new Error(`appending the live book to the lake failed: ${this.failure.message}`);
  }

  /** The gathered rows as a book of their own; the buffer starts again. */
  private take(): DbnBook {
    const out = allocBook('mbp-10', BOOK_LAYOUTS[0x0a]!, this.n);
    for (const k of Object.keys(out) as (keyof DbnBook)[]) {
      const col = out[k];
      if (ArrayBuffer.isView(col)) (col as Uint8Array).set((this.rows[k] as Uint8Array).subarray(0, (col as Uint8Array).length));
    }
    this.n = 0;
    this.oldest = null;
    return out;
  }

  private grow(min: number): void {
    const next = allocBook('mbp-10', BOOK_LAYOUTS[0x0a]!, Math.max(min, this.rows.tsRecvNs.length * 2));
    for (const k of Object.keys(next) as (keyof DbnBook)[]) {
      const col = next[k];
      if (ArrayBuffer.isView(col) && (this.rows[k] as Uint8Array).length) (col as Uint8Array).set(this.rows[k] as Uint8Array);
    }
    this.rows = next;
  }
}
