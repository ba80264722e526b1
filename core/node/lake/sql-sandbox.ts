import path from 'node:path';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { DuckDBInstance, StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { ApiError } from '../../common/errors';
import { plainSqlError } from './sql-errors';
import type { SqlResult } from '../../common/lake/types';
import type { Catalog } from '../catalog';
import { sqlString } from './duck-columns';
import { emptyTickView, tickView, TICK_COLUMNS, type BookTable } from './tick-store';

/**
 * The SQL console's DuckDB: read-only by construction. Its instance reaches no file outside the lake
 * folder (`enable_external_access = false` with `allowed_directories`), installs and loads no
 * extension, spills nothing to disk, works within a memory limit, and its configuration is locked,
 * so no statement can change any of that. On top, a query must be one plain SELECT-like statement
 * (SELECT, WITH, VALUES, FROM, TABLE, DESCRIBE, SUMMARIZE, SHOW, PIVOT, or EXPLAIN of one of them, not
 * EXPLAIN ANALYZE), which keeps writes inside the lake folder out as well. Runs on the SQL console's
 * worker thread (workers/sql-worker.ts).
 */

/** Limits of the console. */
export interface SandboxLimits {
  /** DuckDB's memory_limit, e.g. '1GB'. */
  memory: string;
  /** DuckDB threads. */
  threads: number;
}

/** What one query asks. */
export interface SandboxQuery {
  query: string;
  /** Rows to return; one more is read to tell whether there were more. */
  limit: number;
  /** Stop the query after this long. */
  timeoutMs: number;
}

const EMPTY_BARS = `SELECT NULL::TIMESTAMP AS ts, NULL::DOUBLE AS open, NULL::DOUBLE AS high, NULL::DOUBLE AS low, NULL::DOUBLE AS close,
  NULL::DOUBLE AS volume, NULL::VARCHAR AS tf, NULL::VARCHAR AS symbol, NULL::VARCHAR AS month WHERE false`;
const EMPTY_TRADES = `SELECT NULL::TIMESTAMP_NS AS ts, NULL::TIMESTAMP_NS AS ts_recv, NULL::DOUBLE AS price, NULL::DOUBLE AS size, NULL::VARCHAR AS side, NULL::UINTEGER AS sequence,
  NULL::VARCHAR AS symbol, NULL::VARCHAR AS month, NULL::DATE AS date, NULL::INTEGER AS hour WHERE false`;
/** At most this much text goes back for one query; the rest is cut and `truncated` says so. */
const MAX_RESULT_CHARS = 64 << 20;
/** Longest cell text returned. */
const MAX_CELL_CHARS = 1 << 20;
const READ_ONLY = 'the SQL console is read-only: it runs one SELECT, WITH, VALUES, DESCRIBE, SUMMARIZE, SHOW or EXPLAIN statement';
const LEADING = new Set(['SELECT', 'WITH', 'VALUES', 'FROM', 'TABLE', 'DESCRIBE', 'DESC', 'SUMMARIZE', 'SHOW', 'PIVOT', 'UNPIVOT', '(']);

/** The statement's words after comments are removed, upper-cased; `(` counts as a word. */
function leadingWords(sql: string, n: number): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < sql.length && words.length < n) {
    const c = sql[i]!;
    if (/\s/.test(c)) i++;
    else if (sql.startsWith('--', i)) i = sql.indexOf('\n', i) < 0 ? sql.length : sql.indexOf('\n', i);
    else if (sql.startsWith('/*', i)) i = sql.indexOf('*/', i + 2) < 0 ? sql.length : sql.indexOf('*/', i + 2) + 2;
    else if (c === '(' || c === ')' || c === ',') {
      words.push(c);
      i++;
    } else {
      const m = /^[^\s(),]+/.exec(sql.slice(i, i + 256))!;
      words.push(m[0].toUpperCase());
      i += m[0].length;
    }
  }
  return words;
}

/** The statement an EXPLAIN explains (its options checked), or a refusal naming why. */
function explained(sql: string): string {
  const words = leadingWords(sql, 64);
  let at = 1;
  if (words[at] === '(') {
    // Options in parentheses: only FORMAT (text, json, html, graphviz) is allowed.
    const close = words.indexOf(')', at);
    const options = words.slice(at + 1, close < 0 ? undefined : close).filter((w) => w !== ',');
    if (close < 0 || options.some((w, i) => (i % 2 === 0 ? w !== 'FORMAT' : !/^[A-Z]+$/.test(w)))) throw new ApiError('invalid_argument', `${READ_ONLY}; EXPLAIN takes only the FORMAT option here`, 'query');
    at = close + 1;
  }
  if (words[at] === 'ANALYZE' || words[at] === 'ANALYSE') throw new ApiError('invalid_argument', `${READ_ONLY}; EXPLAIN ANALYZE runs the statement, so it is refused (use EXPLAIN)`, 'query');
  if (!LEADING.has(words[at] ?? '')) throw new ApiError('invalid_argument', `${READ_ONLY}; EXPLAIN ${words[at] ?? ''} is refused`, 'query');
  return sql;
}

function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') return v.length > MAX_CELL_CHARS ? `${v.slice(0, MAX_CELL_CHARS)}…` : v;
  if (v === null || typeof v !== 'object') return v;
  return String(v);
}

const sqlError = (e: Error): ApiError => new ApiError('invalid_argument', plainSqlError(e.message), 'query');

/** The sandboxed DuckDB of one home's lake; one connection per query, so each can be interrupted alone. */
export class SqlSandbox {
  private readonly running = new Map<string, { con: DuckDBConnection; why: 'cancelled' | 'timeout' | null }>();

  private constructor(
    private readonly db: DuckDBInstance,
    private readonly lakeRoot: string,
    private readonly catalog: Catalog,
    private readonly limits: SandboxLimits,
  ) {}

  /** Opens the sandbox: the instance is configured and locked before any query can reach it. */
  static async open(lakeRoot: string, catalog: Catalog, limits: SandboxLimits): Promise<SqlSandbox> {
    const lake = path.resolve(lakeRoot);
    const db = await DuckDBInstance.create(':memory:', {
      memory_limit: limits.memory,
      threads: String(limits.threads),
      temp_directory: '',
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      allow_community_extensions: 'false',
    });
    const con = await db.connect();
    try {
      await con.run(`SET allowed_directories = [${sqlString(lake + path.sep)}]`);
      await con.run('SET enable_external_access = false');
      await con.run('SET lock_configuration = true');
    } finally {
      con.closeSync();
    }
    return new SqlSandbox(db, lake, catalog, limits);
  }

  /** Runs one query; `id` lets `cancel` stop it. */
  async run(id: string, q: SandboxQuery): Promise<SqlResult> {
    const started = performance.now();
    const con = await this.db.connect();
    const entry = { con, why: null as 'cancelled' | 'timeout' | null };
    this.running.set(id, entry);
    const timer = setTimeout(() => {
      entry.why = 'timeout';
      con.interrupt();
    }, q.timeoutMs);
    try {
      const extracted = await con.extractStatements(q.query);
      if (extracted.count !== 1) throw new ApiError('invalid_argument', `write exactly one statement (got ${extracted.count})`, 'query');
      // An interrupt between statements does not reach the next one: look before each step.
      const halt = (): void => {
        if (entry.why !== null) throw new Error('interrupted');
      };
      await this.createViews(con, /\brejects\b/i.test(q.query), () => entry.why !== null);
      halt();
      const prepared = await this.prepare(con, q);
      halt();
      const reader = await prepared.streamAndReadUntil(q.limit + 1);
      const names = reader.columnNames();
      const types = reader.columnTypes().map((t) => t.toString());
      const rows: unknown[][] = [];
      let chars = 0;
      let truncated = false;
      for (const r of reader.getRowsJS()) {
        if (rows.length === q.limit || chars > MAX_RESULT_CHARS) {
          truncated = true;
          break;
        }
        const row = r.map(jsonValue);
        for (const x of row) chars += typeof x === 'string' ? x.length + 2 : 8;
        rows.push(row);
      }
      return { columns: names.map((name, i) => ({ name, type: types[i]! })), rows, truncated, elapsedMs: Math.round(performance.now() - started) };
    } catch (e) {
      throw this.explain(e, entry.why, q);
    } finally {
      clearTimeout(timer);
      this.running.delete(id);
      con.closeSync();
    }
  }

  /** Interrupts a running query; false when none runs under that id. */
  cancel(id: string): boolean {
    const r = this.running.get(id);
    if (!r) return false;
    r.why = 'cancelled';
    r.con.interrupt();
    return true;
  }

  close(): void {
    for (const id of [...this.running.keys()]) this.cancel(id);
    this.db.closeSync();
  }

  /** Checks the statement is read-only and prepares it, bounded by the limit where it can be wrapped. */
  private async prepare(con: DuckDBConnection, q: SandboxQuery): Promise<DuckDBPreparedStatement> {
    const first = leadingWords(q.query, 1)[0] ?? '';
    if (first === 'EXPLAIN') explained(q.query);
    else if (!LEADING.has(first)) throw new ApiError('invalid_argument', READ_ONLY, 'query');
    const prepared = await (await con.extractStatements(q.query)).prepare(0);
    if (prepared.statementType === StatementType.EXPLAIN && first === 'EXPLAIN') return prepared;
    if (prepared.statementType !== StatementType.SELECT || first === 'EXPLAIN') throw new ApiError('invalid_argument', READ_ONLY, 'query');
    // Wrapped in a LIMIT, DuckDB stops (or keeps only the top rows of a sort) at what is returned,
    // rather than computing everything and sending part of it.
    const body = q.query.replace(/;\s*$/, '');
    const wrapped = await (await con.extractStatements(`SELECT * FROM (\n${body}\n) AS console_query LIMIT ${q.limit + 1}`)).prepare(0).catch(() => null);
    return wrapped ?? prepared;
  }

  /** The console's views on this connection: bars, trades and the book and reference tables over the cataloged files, rejects when asked for. */
  private async createViews(con: DuckDBConnection, rejects: boolean, stopped: () => boolean): Promise<void> {
    const files = this.catalog.barFiles().filter((f) => f.timeframe !== ('tick' as never)).map((f) => sqlString(path.join(this.lakeRoot, f.path)));
    const tradeFiles = this.catalog.barFiles({ dataset: 'trades' }).map((f) => sqlString(path.join(this.lakeRoot, f.path)));
    await con.run(`CREATE OR REPLACE TEMP VIEW bars AS ${files.length ? `SELECT ts, open, high, low, close, volume, tf, symbol, month FROM read_parquet([${files.join(', ')}], hive_partitioning = true)` : EMPTY_BARS}`);
    await con.run(
      // Trades stored by month (before the date/hour layout) and by hour read alike: the folders give the symbol, the time the rest;
      // parts written before `ts_recv` was kept have it NULL.
      `CREATE OR REPLACE TEMP VIEW trades AS ${tradeFiles.length ? `SELECT * EXCLUDE (filename), regexp_extract(filename, '/symbol=([^/]+)/', 1) AS symbol, strftime(ts, '%Y-%m') AS month, ts::DATE AS date, hour(ts)::INTEGER AS hour FROM read_parquet([${tradeFiles.join(', ')}], hive_partitioning = false, union_by_name = true, filename = true)` : EMPTY_TRADES}`,
    );
    for (const table of Object.keys(TICK_COLUMNS) as BookTable[]) {
      const parts = this.catalog.barFiles({ dataset: table }).map((f) => sqlString(path.join(this.lakeRoot, f.path)));
      await con.run(`CREATE OR REPLACE TEMP VIEW ${table} AS ${parts.length ? tickView(table, parts) : emptyTickView(table)}`);
    }
    if (!rejects) return;
    await con.run('CREATE OR REPLACE TEMP TABLE rejects (run_id VARCHAR, file VARCHAR, line INTEGER, raw VARCHAR, reason VARCHAR, source VARCHAR, byte_offset BIGINT)');
    const appender = await con.createAppender('rejects');
    let n = 0;
    for (const r of this.catalog.db.prepare('SELECT run_id, file, line, raw, reason, source, byte_offset FROM rejects ORDER BY id').iterate() as Iterable<{ run_id: string; file: string; line: number; raw: string; reason: string; source: string; byte_offset: number | null }>) {
      appender.appendVarchar(r.run_id);
      appender.appendVarchar(r.file);
      appender.appendInteger(r.line);
      appender.appendVarchar(r.raw);
      appender.appendVarchar(r.reason);
      appender.appendVarchar(r.source);
      if (r.byte_offset === null) appender.appendNull();
      else appender.appendBigInt(BigInt(r.byte_offset));
      appender.endRow();
      // Lets a Stop or the time limit in while many rejects are copied.
      if (++n % 50_000 === 0) {
        await yieldToEvents();
        if (stopped()) break;
      }
    }
    appender.closeSync();
  }

  /** A DuckDB failure as the user should read it. */
  private explain(e: unknown, why: 'cancelled' | 'timeout' | null, q: SandboxQuery): unknown {
    if (e instanceof ApiError) return e;
    const message = (e as Error).message ?? String(e);
    if (why === 'cancelled') return new ApiError('conflict', 'the query was stopped before it finished', 'query');
    if (why === 'timeout' || /interrupt/i.test(message)) {
      return new ApiError('invalid_argument', `the query ran past its time limit of ${Math.round(q.timeoutMs / 1000)} s and was stopped; narrow it (a WHERE on symbol or ts) or give it longer (timeoutSeconds, --timeout)`, 'timeoutSeconds');
    }
    if (/out of memory/i.test(message)) {
      return new ApiError('invalid_argument', `the query needs more than the console's ${this.limits.memory} of memory (${message.split('\n')[0]}); filter or aggregate more, or add a LIMIT`, 'query');
    }
    if (/Permission Error/i.test(message)) {
      return new ApiError('invalid_argument', `the SQL console reads only the lake (${this.lakeRoot}) and its views bars, trades, quotes, book, orders, definitions, statistics, status, imbalance and rejects: ${message.split('\n')[0]}`, 'query');
    }
    return sqlError(e as Error);
  }
}
