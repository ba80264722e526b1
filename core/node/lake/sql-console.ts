import path from 'node:path';
import { StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { ApiError } from '../../common/errors';
import type { SqlResult } from '../../common/types';
import type { Catalog } from '../catalog';
import { sqlString } from './duck-columns';

const EMPTY_BARS = `SELECT NULL::TIMESTAMP AS ts, NULL::DOUBLE AS open, NULL::DOUBLE AS high, NULL::DOUBLE AS low, NULL::DOUBLE AS close,
  NULL::DOUBLE AS volume, NULL::VARCHAR AS tf, NULL::VARCHAR AS symbol, NULL::VARCHAR AS month WHERE false`;
const EMPTY_TRADES = `SELECT NULL::TIMESTAMP_NS AS ts, NULL::DOUBLE AS price, NULL::DOUBLE AS size, NULL::VARCHAR AS side, NULL::UINTEGER AS sequence,
  NULL::VARCHAR AS symbol, NULL::VARCHAR AS month WHERE false`;

function jsonValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (v instanceof Date) return v.toISOString();
  if (v === null || typeof v !== 'object') return v;
  return String(v);
}

/**
 * Runs one read-only query over the lake: views `bars` (every bronze bar file, with tf, symbol and
 * month columns), `trades` and `rejects`. Only SELECT-like statements are accepted.
 */
export async function runLakeSql(con: DuckDBConnection, catalog: Catalog, lakeRoot: string, query: string, limit: number): Promise<SqlResult> {
  const started = performance.now();
  const extracted = await con.extractStatements(query).catch((e: Error) => {
    throw new ApiError('invalid_argument', `SQL error: ${e.message}`, 'query');
  });
  if (extracted.count !== 1) throw new ApiError('invalid_argument', `write exactly one statement (got ${extracted.count})`, 'query');
  const files = catalog.barFiles().filter((f) => f.timeframe !== ('tick' as never)).map((f) => sqlString(path.join(lakeRoot, f.path)));
  const tradeFiles = catalog.barFiles({ dataset: 'trades' }).map((f) => sqlString(path.join(lakeRoot, f.path)));
  await con.run(`CREATE OR REPLACE TEMP VIEW bars AS ${files.length ? `SELECT ts, open, high, low, close, volume, tf, symbol, month FROM read_parquet([${files.join(', ')}], hive_partitioning = true)` : EMPTY_BARS}`);
  await con.run(
    `CREATE OR REPLACE TEMP VIEW trades AS ${tradeFiles.length ? `SELECT ts, price, size, side, sequence, symbol, month FROM read_parquet([${tradeFiles.join(', ')}], hive_partitioning = true)` : EMPTY_TRADES}`,
  );
  if (/\brejects\b/i.test(query)) {
    await con.run('CREATE OR REPLACE TEMP TABLE rejects (run_id VARCHAR, file VARCHAR, line INTEGER, raw VARCHAR, reason VARCHAR)');
    const appender = await con.createAppender('rejects');
    for (const r of catalog.db.prepare('SELECT run_id, file, line, raw, reason FROM rejects ORDER BY id').iterate() as Iterable<{ run_id: string; file: string; line: number; raw: string; reason: string }>) {
      appender.appendVarchar(r.run_id);
      appender.appendVarchar(r.file);
      appender.appendInteger(r.line);
      appender.appendVarchar(r.raw);
      appender.appendVarchar(r.reason);
      appender.endRow();
    }
    appender.closeSync();
  }
  const prepared = await (await con.extractStatements(query)).prepare(0).catch((e: Error) => {
    throw new ApiError('invalid_argument', `SQL error: ${e.message.split('\n')[0]}`, 'query');
  });
  if (prepared.statementType !== StatementType.SELECT && prepared.statementType !== StatementType.EXPLAIN) {
    throw new ApiError('invalid_argument', 'the SQL console is read-only: only SELECT (and EXPLAIN) statements run here', 'query');
  }
  const reader = await prepared.runAndReadUntil(limit + 1).catch((e: Error) => {
    throw new ApiError('invalid_argument', `SQL error: ${e.message.split('\n')[0]}`, 'query');
  });
  const names = reader.columnNames();
  const types = reader.columnTypes().map((t) => t.toString());
  const rows = reader.getRowsJS().map((r) => r.map(jsonValue));
  const truncated = rows.length > limit;
  return { columns: names.map((name, i) => ({ name, type: types[i]! })), rows: truncated ? rows.slice(0, limit) : rows, truncated, elapsedMs: Math.round(performance.now() - started) };
}
