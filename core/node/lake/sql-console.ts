import { Worker } from 'node:worker_threads';
import { ApiError, type ApiErrorData } from '../../common/errors';
import type { SqlResult } from '../../common/lake/types';
import { workerLimits } from '../worker-limits';
import type { SandboxLimits, SandboxQuery } from './sql-sandbox';

/** What the SQL worker starts with. */
export interface SqlWorkerData {
  lake: string;
  catalog: string;
  migrations: string;
  sqliteBinding?: string;
  limits: SandboxLimits;
}

/** A message to the SQL worker. */
export type SqlWorkerRequest = { type: 'query'; id: string; query: SandboxQuery } | { type: 'cancel'; id: string };

/** The SQL worker's answer to one query. */
export type SqlWorkerReply = { id: string; ok: true; value: SqlResult } | { id: string; ok: false; error: ApiErrorData };

/** The console's default limits: memory and threads of its DuckDB, and how long a query may run. */
export const SQL_DEFAULTS = { memory: '1GB', threads: 2, timeoutSeconds: 60 } as const;
/** How long past its time limit a query may take to stop before its worker is ended. */
const GRACE_MS = 5000;

interface Pending {
  resolve: (r: SqlResult) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout;
}

let nextId = 0;

/**
 * The SQL console as the services see it: queries run in a sandboxed DuckDB on a worker thread of
 * their own (sql-sandbox.ts), so neither a query nor its result's conversion holds up the main
 * thread, and a query that runs out of memory ends the worker, not the app. Every query has a time
 * limit; a Stop (`cancel`) or a caller that goes away (`signal`) interrupts DuckDB. A worker that
 * does not stop a query within a grace period after its limit is ended and started again.
 */
export class SqlConsole {
  private worker: Worker | null = null;
  private readonly pending = new Map<string, Pending>();
  /** Client query ids to worker ids, for cancels. */
  private readonly byClientId = new Map<string, string>();

  constructor(private readonly o: { workerFile: string } & Omit<SqlWorkerData, 'limits'> & { limits?: Partial<SandboxLimits> }) {}

  /** Runs one query. `queryId` names it for `cancel`; an aborted `signal` (the caller left) stops it too. */
  run(q: { query: string; limit: number; timeoutSeconds: number; queryId?: string }, signal?: AbortSignal): Promise<SqlResult> {
    if (signal?.aborted) return Promise.reject(new ApiError('conflict', 'the caller went away before the query started', 'query'));
    const id = `q${++nextId}`;
    const worker = this.ensureWorker();
    const timeoutMs = q.timeoutSeconds * 1000;
    return new Promise<SqlResult>((resolve, reject) => {
      const timer = setTimeout(() => this.restart(`the query did not stop within ${GRACE_MS / 1000} s of its time limit (${q.timeoutSeconds} s), so the console's worker was restarted`), timeoutMs + GRACE_MS);
      const onAbort = (): void => worker.postMessage({ type: 'cancel', id } satisfies SqlWorkerRequest);
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (q.queryId !== undefined && this.byClientId.get(q.queryId) === id) this.byClientId.delete(q.queryId);
      };
      this.pending.set(id, {
        timer,
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      if (q.queryId !== undefined) this.byClientId.set(q.queryId, id);
      worker.postMessage({ type: 'query', id, query: { query: q.query, limit: q.limit, timeoutMs } } satisfies SqlWorkerRequest);
    });
  }

  /** Stops the query a client named `queryId`; false when none of that name runs. */
  cancel(queryId: string): boolean {
    const id = this.byClientId.get(queryId);
    if (id === undefined || !this.worker) return false;
    this.worker.postMessage({ type: 'cancel', id } satisfies SqlWorkerRequest);
    return true;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.failAll(new ApiError('unavailable', 'the app is shutting down', 'query'));
    await w?.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const data: SqlWorkerData = { lake: this.o.lake, catalog: this.o.catalog, migrations: this.o.migrations, ...(this.o.sqliteBinding ? { sqliteBinding: this.o.sqliteBinding } : {}), limits: { ...SQL_DEFAULTS, ...this.o.limits } };
    const w = new Worker(this.o.workerFile, { workerData: data, resourceLimits: workerLimits() });
    w.unref();
    w.on('message', (m: SqlWorkerReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(ApiError.fromData(m.error));
    });
    const gone = (why: string): void => {
      if (this.worker !== w) return;
      this.worker = null;
      this.failAll(new ApiError('unavailable', `the SQL console's worker stopped (${why}); run the query again`, 'query'));
    };
    w.on('error', (e: NodeJS.ErrnoException) => gone(e.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'the query needed more memory than the console may use; filter or aggregate more' : e.message));
    w.on('exit', (code) => gone(`exit code ${code}`));
    this.worker = w;
    return w;
  }

  private restart(why: string): void {
    const w = this.worker;
    this.worker = null;
    this.failAll(new ApiError('invalid_argument', why, 'timeoutSeconds'));
    void w?.terminate();
  }

  private failAll(e: ApiError): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(e);
    }
  }
}
