import fs from 'node:fs';
import path from 'node:path';
import type { Catalog } from '../catalog';

/**
 * How long a part file outlives its catalog row. A reader lists a series' files from the catalog and
 * DuckDB opens them later, file by file as its scan reaches them; a file deleted in between fails
 * that reader with "Cannot open file". Readers that listed before the catalog change are done well
 * within this time, and later readers no longer see the file.
 */
export const RETIRE_GRACE_MS = 5 * 60_000;

/** Removes folders left empty under `root` on the way up from `dir`. */
export function pruneEmptyParents(root: string, dir: string): void {
  for (let d = dir; d.startsWith(root + path.sep) && d !== root; d = path.dirname(d)) {
    if (!fs.existsSync(d) || fs.readdirSync(d).length > 0) return;
    fs.rmdirSync(d);
  }
}

/**
 * Records part files whose catalog rows are gone (lake-relative paths) for deletion after a grace
 * ({@link RETIRE_GRACE_MS} by default), so a query that listed them a moment earlier still reads
 * them. Any thread that writes the lake may retire; the main process sweeps ({@link sweepRetired}).
 */
export function retireLakeFiles(catalog: Catalog, rels: readonly string[], now = Date.now()): void {
  const add = catalog.db.prepare('INSERT INTO retired_files (path, retired_at) VALUES (?, ?) ON CONFLICT(path) DO UPDATE SET retired_at = excluded.retired_at');
  catalog.db.transaction(() => rels.forEach((rel) => add.run(rel, now)))();
}

/**
 * Deletes the files retired at or before `before` (every one without it, as at a start, when no
 * query of an earlier process is left) and the folders they leave empty; returns how many.
 */
export function sweepRetired(lake: string, catalog: Catalog, before?: number): number {
  const due = (before === undefined ? catalog.db.prepare('SELECT path FROM retired_files').all() : catalog.db.prepare('SELECT path FROM retired_files WHERE retired_at <= ?').all(before)) as { path: string }[];
  const done = catalog.db.prepare('DELETE FROM retired_files WHERE path = ?');
  for (const { path: rel } of due) {
    const abs = path.resolve(lake, rel);
    // Only the lake's own files: a path that leads out of it is dropped from the table untouched.
    if (abs.startsWith(lake + path.sep)) {
      fs.rmSync(abs, { force: true });
      pruneEmptyParents(lake, path.dirname(abs));
    }
    done.run(rel);
  }
  return due.length;
}

/** Deletes a lake's retired files once their grace has passed, in the process that writes the lake. */
export interface RetiredSweeper {
  /** Deletes what is due now (after a job or a deletion, so a short grace is kept to the letter). */
  sweep(): void;
  /** Stops the timer and deletes every retired file: the process's own queries are over. */
  stop(): void;
}

/** Starts sweeping on a timer (at most every 30 s; it never keeps the process alive). */
export function startRetiredSweeper(lake: string, catalog: Catalog, graceMs = RETIRE_GRACE_MS): RetiredSweeper {
  const sweep = (): void => void sweepRetired(lake, catalog, Date.now() - graceMs);
  const timer = setInterval(sweep, Math.min(Math.max(graceMs, 1000), 30_000));
  timer.unref();
  return {
    sweep,
    stop: () => {
      clearInterval(timer);
      sweepRetired(lake, catalog);
    },
  };
}
