import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { JobInfo, JobProgress, JobStatus } from '../common/jobs/types';
import type { Timeframe } from '../common/timeframes';
import type { TickTable } from '../common/tick-tables';

/** A published Parquet part file as the catalog records it. */
export interface BarFileRow {
  id: string;
  timeframe: Timeframe;
  symbol: string;
  month: string;
  /** Path relative to the lake root. */
  path: string;
  rows: number;
  bytes: number;
  firstTs: number;
  lastTs: number;
  source: string;
  ingestRun: string | null;
  createdAt: number;
}

/** Applies the numbered `NNN-name.sql` migrations in a folder that the database has not seen yet. */
export function migrate(db: Database.Database, dir: string): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  const files = fs.readdirSync(dir).filter((f) => /^\d{3}-.*\.sql$/.test(f)).sort();
  let applied = 0;
  for (const f of files) {
    const version = Number(f.slice(0, 3));
    if (version <= current) continue;
    const sql = fs.readFileSync(path.join(dir, f), 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    })();
    applied++;
  }
  const latest = files.length ? Number(files[files.length - 1]!.slice(0, 3)) : 0;
  if (current > latest) throw new Error(`catalog is at schema ${current} but this app knows only ${latest}; upgrade Quantdesk`);
  return applied;
}

function rowToJob(r: Record<string, unknown>): JobInfo {
  const parse = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : null);
  return {
    id: r.id as string,
    kind: r.kind as string,
    request: parse(r.request),
    status: r.status as JobStatus,
    createdAt: r.created_at as number,
    startedAt: (r.started_at as number | null) ?? null,
    endedAt: (r.ended_at as number | null) ?? null,
    progress: parse(r.progress) as JobProgress | null,
    summary: (r.summary as string | null) ?? null,
    error: (r.error as string | null) ?? null,
    failedOnInput: r.failed_on_input === 1,
    result: parse(r.result),
  };
}

/** The catalog database: settings, published files, ingest runs and jobs. */
export class Catalog {
  readonly db: Database.Database;

  /** `nativeBinding` points at a better-sqlite3 addon built for another runtime's ABI (Electron's). */
  constructor(file: string, migrations: string, opts: { readonly?: boolean; nativeBinding?: string } = {}) {
    this.db = new Database(file, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false, nativeBinding: opts.nativeBinding });
    this.db.pragma('busy_timeout = 10000');
    if (!opts.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      migrate(this.db, migrations);
    }
  }

  close(): void {
    this.db.close();
  }

  getSetting(key: string): string | undefined {
    const r = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return r?.value;
  }

  setSetting(key: string, value: string): void {
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }

  /** Records an ingest run (an import, a backfill, a live appender, retention) as it starts. */
  startIngestRun(r: { id: string; jobId: string | null; source: string; request: unknown; startedAt: number; status: 'running' | 'succeeded'; files?: string[] }): void {
    this.db
      .prepare('INSERT INTO ingest_runs (id, job_id, source, request, started_at, status, files) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(r.id, r.jobId, r.source, JSON.stringify(r.request), r.startedAt, r.status, r.files ? JSON.stringify(r.files) : null);
  }

  /** Records how an ingest run ended, with the rows it counted (a run that failed before counting keeps none). */
  endIngestRun(id: string, end: { at: number; status: 'succeeded' | 'failed' | 'cancelled'; rows?: { new: number; duplicate: number; rejected: number; input: number } }): void {
    const r = end.rows;
    this.db
      .prepare('UPDATE ingest_runs SET ended_at = ?, status = ?, new_rows = coalesce(?, new_rows), dup_rows = coalesce(?, dup_rows), rejected_rows = coalesce(?, rejected_rows), input_rows = coalesce(?, input_rows) WHERE id = ?')
      .run(end.at, end.status, r?.new ?? null, r?.duplicate ?? null, r?.rejected ?? null, r?.input ?? null, id);
  }

  insertBarFile(f: BarFileRow, dataset: 'bars' | 'continuous' | TickTable = 'bars'): void {
    this.db
      .prepare(
        `INSERT INTO bar_files (id, dataset, timeframe, symbol, month, path, rows, bytes, first_ts, last_ts, source, ingest_run, created_at)
         VALUES (@id, @dataset, @timeframe, @symbol, @month, @path, @rows, @bytes, @firstTs, @lastTs, @source, @ingestRun, @createdAt)`,
      )
      .run({ ...f, dataset });
  }

  /** Part files of a series, optionally only the months that overlap [fromTs, toTs]. */
  barFiles(q: { timeframe?: string; symbol?: string; fromTs?: number; toTs?: number; month?: string; dataset?: string } = {}): BarFileRow[] {
    const conditions: [keyof typeof q, string][] = [
      ['dataset', 'dataset = @dataset'],
      ['timeframe', 'timeframe = @timeframe'],
      ['symbol', 'symbol = @symbol'],
      ['month', 'month = @month'],
      ['fromTs', 'last_ts >= @fromTs'],
      ['toTs', 'first_ts <= @toTs'],
    ];
    const where: string[] = [];
    const args: Record<string, unknown> = {};
    for (const [key, sql] of conditions) {
      if (q[key] === undefined) continue;
      where.push(sql);
      args[key] = q[key];
    }
    const sql = `SELECT id, timeframe, symbol, month, path, rows, bytes, first_ts AS firstTs, last_ts AS lastTs, source,
                 ingest_run AS ingestRun, created_at AS createdAt FROM bar_files
                 ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY symbol, timeframe, month, first_ts`;
    return this.db.prepare(sql).all(args) as BarFileRow[];
  }

  /** Calendar id chosen for a symbol, if any. */
  symbolCalendar(symbol: string): string | undefined {
    return (this.db.prepare('SELECT calendar FROM symbols WHERE symbol = ?').get(symbol) as { calendar: string } | undefined)?.calendar;
  }

  /** Chooses the calendar of a symbol. */
  setSymbolCalendar(symbol: string, calendar: string): void {
    this.db.prepare('INSERT INTO symbols (symbol, calendar) VALUES (?, ?) ON CONFLICT(symbol) DO UPDATE SET calendar = excluded.calendar').run(symbol, calendar);
  }

  /** Records a root's front contract per session (YYYY-MM-DD), replacing what `source` recorded before for those dates. */
  setFrontContracts(root: string, source: string, sessions: readonly { date: string; contract: string }[]): void {
    const put = this.db.prepare('INSERT INTO front_contracts (root, date, contract, source) VALUES (?, ?, ?, ?) ON CONFLICT(root, date) DO UPDATE SET contract = excluded.contract, source = excluded.source');
    this.db.transaction(() => {
      for (const s of sessions) put.run(root, s.date, s.contract, source);
    })();
  }

  /** A root's front contract by session date, as last recorded. */
  frontContracts(root: string): Map<string, string> {
    const rows = this.db.prepare('SELECT date, contract FROM front_contracts WHERE root = ? ORDER BY date').all(root) as { date: string; contract: string }[];
    return new Map(rows.map((r) => [r.date, r.contract]));
  }

  /** Timeframes stored for a symbol. */
  storedTimeframes(symbol: string): string[] {
    // Bars only: the tables of market events (trades, book, …) have no timeframe to read bars at.
    return (this.db.prepare("SELECT DISTINCT timeframe FROM bar_files WHERE symbol = ? AND dataset IN ('bars', 'continuous')").all(symbol) as { timeframe: string }[]).map((r) => r.timeframe);
  }

  /** Every cataloged lake path, relative to the lake root. */
  allPaths(): Set<string> {
    return new Set((this.db.prepare('SELECT path FROM bar_files').all() as { path: string }[]).map((r) => r.path));
  }

  insertJob(j: { id: string; kind: string; request: unknown; createdAt: number; resumedFrom?: string }): void {
    this.db
      .prepare('INSERT INTO jobs (id, kind, request, status, created_at, resumed_from) VALUES (?, ?, ?, ?, ?, ?)')
      .run(j.id, j.kind, JSON.stringify(j.request), 'queued', j.createdAt, j.resumedFrom ?? null);
  }

  updateJob(id: string, patch: Partial<Pick<JobInfo, 'status' | 'startedAt' | 'endedAt' | 'progress' | 'summary' | 'error' | 'failedOnInput' | 'result'>>): void {
    const cols: string[] = [];
    const args: Record<string, unknown> = { id };
    const map: Record<string, string> = { status: 'status', startedAt: 'started_at', endedAt: 'ended_at', progress: 'progress', summary: 'summary', error: 'error', failedOnInput: 'failed_on_input', result: 'result' };
    for (const [k, v] of Object.entries(patch)) {
      const col = map[k];
      if (col === undefined) continue;
      cols.push(`${col} = @${k}`);
      args[k] = k === 'progress' || k === 'result' ? (v === null ? null : JSON.stringify(v)) : typeof v === 'boolean' ? Number(v) : v;
    }
    if (cols.length) this.db.prepare(`UPDATE jobs SET ${cols.join(', ')} WHERE id = @id`).run(args);
  }

  getJob(id: string): JobInfo | undefined {
    const r = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    return r ? rowToJob(r) : undefined;
  }

  listJobs(opts: { all?: boolean; limit?: number } = {}): JobInfo[] {
    const sql = opts.all
      ? 'SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC'
      : `SELECT * FROM jobs WHERE status IN ('queued','running','interrupted') OR created_at > ? ORDER BY created_at DESC, rowid DESC LIMIT ${opts.limit ?? 50}`;
    const rows = (opts.all ? this.db.prepare(sql).all() : this.db.prepare(sql).all(Date.now() - 7 * 86_400_000)) as Record<string, unknown>[];
    return rows.map(rowToJob);
  }

  /** Marks jobs left queued or running by a previous process as interrupted; returns how many. */
  markInterrupted(now: number): number {
    return this.db
      .prepare(`UPDATE jobs SET status = 'interrupted', ended_at = ?, error = 'the app stopped while this job ran; resume it to finish' WHERE status IN ('queued','running')`)
      .run(now).changes;
  }
}
