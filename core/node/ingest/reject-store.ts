import type { Catalog } from '../catalog';

/** Longest raw text kept per reject: a pathological line is stored cut, with an ellipsis. */
const MAX_RAW = 2000;

/** A row that was not stored, with where it came from and why. */
export interface Reject {
  /** 1-based line (text files) or record / row number (binary files, vendor answers, feeds). */
  line: number;
  /** The line as it was, or the row's fields as JSON where the source has no text. */
  raw: string;
  reason: string;
  /** Byte offset of the record in the (decompressed) file, for binary formats. */
  offset?: number;
}

/**
 * Stores the rejects of one input of an ingest run in one transaction. `file` is the file's path or,
 * for vendors and feeds, what was asked for; `source` the entry path (`import:csv`, `polygon`, `live:host`).
 */
export function storeRejects(catalog: Catalog, runId: string, file: string, source: string, rejects: readonly Reject[]): void {
  if (rejects.length === 0) return;
  const insert = catalog.db.prepare('INSERT INTO rejects (run_id, file, line, raw, reason, source, byte_offset) VALUES (?, ?, ?, ?, ?, ?, ?)');
  catalog.db.transaction(() => {
    for (const x of rejects) insert.run(runId, file, x.line, x.raw.length > MAX_RAW ? `${x.raw.slice(0, MAX_RAW)}…` : x.raw, x.reason, source, x.offset ?? null);
  })();
}
