/**
 * Columns of recent queries over lake files, the least recently used dropped first beyond a byte budget.
 * Only queries that read immutable lake files by path belong here: a published file is never rewritten
 * (each write publishes a new part under a new name), so one SQL text over the same paths always reads
 * the same rows, and a write or a deletion changes the paths a later query names.
 * The arrays handed out are shared between callers: read them, never write them.
 */
export class ColumnCache {
  private readonly entries = new Map<string, Float64Array[]>();
  private held = 0;

  /** @param maxBytes the most bytes of columns kept; a result larger than this is not kept */
  constructor(private readonly maxBytes: number) {}

  /** Bytes of columns held now. */
  get bytes(): number {
    return this.held;
  }

  /** The columns stored for this SQL text, now the most recently used; undefined when absent. */
  get(sql: string): Float64Array[] | undefined {
    const hit = this.entries.get(sql);
    if (hit === undefined) return undefined;
    this.entries.delete(sql);
    this.entries.set(sql, hit);
    return hit;
  }

  /** Keeps the columns of this SQL text, dropping the least recently used until the budget holds. */
  set(sql: string, columns: Float64Array[]): void {
    const size = columns.reduce((n, c) => n + c.byteLength, 0);
    this.drop(sql);
    if (size > this.maxBytes) return;
    this.entries.set(sql, columns);
    this.held += size;
    for (const oldest of this.entries.keys()) {
      if (this.held <= this.maxBytes) break;
      this.drop(oldest);
    }
  }

  private drop(sql: string): void {
    const old = this.entries.get(sql);
    if (old === undefined) return;
    this.entries.delete(sql);
    this.held -= old.reduce((n, c) => n + c.byteLength, 0);
  }
}
