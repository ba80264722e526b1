import { randomUUID } from 'node:crypto';
import type { OhlcvBar } from '../../common/trading/bar-aggregator';
import { isoOf, liveMinuteProblem, rowFields } from '../../common/bar-gate';
import type { WorkerContext } from '../jobs/worker-context';
import { BarWriter, type PartToWrite } from '../lake/bar-store';
import { gatedParts } from '../ingest/gated-parts';
import { storeRejects } from '../ingest/reject-store';

/** How many minutes, or how long since the oldest unwritten one, before a batch is written. */
const BATCH_BARS = 2000;
const BATCH_MS = 5 * 60_000;

/**
 * Appends the minutes a live feed brings to bronze, so the lake keeps growing while a session trades:
 * gathered in memory and written in batches, each as new part files published atomically and
 * cataloged in one transaction (readers see a whole batch or none of it). Every minute passes the bar
 * gate: minutes the lake already holds are skipped, so a reconnect that repeats some adds nothing
 * twice, and a minute from another year, off the minute grid or with impossible prices is refused into
 * the rejects of the session's ingest run.
 */
export class LiveBronze {
  /** Minutes gathered per symbol, each with its number in the order received (1-based). */
  private readonly pending: { m: OhlcvBar; n: number }[][];
  private oldest: number | null = null;
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  /** Minutes written so far. */
  written = 0;
  /** Minutes the gate refused so far. */
  rejected = 0;
  /** The ingest run the appended minutes and their rejects belong to. */
  readonly runId = randomUUID();
  /** Minutes the lake already held (a reconnect's repeats). */
  duplicates = 0;
  private received = 0;

  constructor(
    private readonly ctx: WorkerContext,
    private readonly symbols: readonly string[],
    private readonly source: string,
    private readonly now: () => number = Date.now,
    private readonly maxAgeMs?: number,
  ) {
    this.pending = symbols.map(() => []);
    ctx.catalog.startIngestRun({ id: this.runId, jobId: null, source, request: { live: source, symbols }, startedAt: now(), status: 'running' });
  }

  /** Takes symbol k's minute; starts writing a batch when one is due. */
  add(k: number, m: OhlcvBar): void {
    this.pending[k]!.push({ m, n: ++this.received });
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
    this.ctx.catalog.endIngestRun(this.runId, { at: this.now(), status: this.failure ? 'failed' : 'succeeded', rows: { new: this.written, duplicate: this.duplicates, rejected: this.rejected, input: this.received } });
    if (this.failure) throw new Error(`appending live bars to the lake failed: ${this.failure.message}`);
  }

  private async write(batch: { k: number; bars: { m: OhlcvBar; n: number }[] }[]): Promise<void> {
    const writer = new BarWriter(this.ctx.home, this.ctx.catalog, this.ctx.con);
    const parts: PartToWrite[] = [];
    const now = this.now();
    for (const { k, bars: got } of batch) {
      const symbol = this.symbols[k]!;
      const bars = got.map((x) => x.m);
      const cols = { t: Float64Array.from(bars, (b) => b.t), o: Float64Array.from(bars, (b) => b.o), h: Float64Array.from(bars, (b) => b.h), l: Float64Array.from(bars, (b) => b.l), c: Float64Array.from(bars, (b) => b.c), v: Float64Array.from(bars, (b) => b.v) };
      const rows = Uint32Array.from(bars, (_, i) => i);
      const gated = await gatedParts(writer, cols, { symbol, timeframe: '1m', rows }, { now, where: (i) => `minute ${got[i]!.n} received (${symbol} ${isoOf(bars[i]!.t)})`, source: this.source, ingestRun: this.runId, rowCheck: (i) => liveMinuteProblem(bars[i]!, now, this.maxAgeMs) });
      storeRejects(this.ctx.catalog, this.runId, `${this.source} ${symbol}`, this.source, gated.outcome.rejects.map((r) => ({ line: got[r.row]!.n, raw: rowFields(cols, r.row), reason: r.reason })));
      this.duplicates += gated.outcome.duplicates;
      this.rejected += gated.outcome.rejects.length;
      parts.push(...gated.parts);
    }
    if (parts.length === 0) return;
    await writer.writeParts(parts);
    this.written += parts.reduce((a, p) => a + p.bars.t.length, 0);
  }
}
