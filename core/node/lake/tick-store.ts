import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { DuckDBDataChunk, BIGINT, DOUBLE, INTEGER, SMALLINT, TINYINT, UBIGINT, UINTEGER, USMALLINT, UTINYINT, VARCHAR, type DuckDBConnection, type DuckDBType } from '@duckdb/node-api';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { partitionKey, type TickTable } from '../../common/tick-tables';
import { sqlIdent, sqlString } from './duck-columns';
import { publishFile } from './publish';

/**
 * The bronze tables of book and reference events: zstd Parquet under
 * `bronze/<table>/symbol=/date=/hour=` (UTC hours of `ts_recv`, the time Databento orders a feed by),
 * with `ts_recv` and `ts_event` in nanoseconds. Writes are append-only: a batch is staged in DuckDB,
 * rows already stored (the same values in every column) are dropped, the rest is written a part file
 * per hour, each published atomically and then cataloged.
 */

/** Column types of the tables; CHAR is one character, stored as VARCHAR. */
export type TickType = 'TIMESTAMP_NS' | 'DOUBLE' | 'BIGINT' | 'UBIGINT' | 'INTEGER' | 'UINTEGER' | 'SMALLINT' | 'USMALLINT' | 'TINYINT' | 'UTINYINT' | 'VARCHAR' | 'CHAR';

type Numbers = Float64Array | BigInt64Array | BigUint64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;

/**
 * A column of a batch. `values` null writes NULL throughout; `undef` is the value that means "not
 * given" (Databento's sentinels), written as NULL. TIMESTAMP_NS takes ns as BigInt64Array, CHAR a
 * character code (0 for none) as Uint8Array, DOUBLE NaN as NULL.
 */
export interface TickColumn {
  name: string;
  values: Numbers | string[] | null;
  undef?: number | bigint;
}

const LEVELS = 10;
const pad = (k: number): string => String(k).padStart(2, '0');
const HEAD: [string, TickType][] = [
  ['ts_recv', 'TIMESTAMP_NS'],
  ['ts_event', 'TIMESTAMP_NS'],
  ['publisher_id', 'USMALLINT'],
  ['instrument_id', 'UINTEGER'],
];

/** The terms an option row carries (from its definition). */
const OPTION_TERMS: [string, TickType][] = [['raw_symbol', 'VARCHAR'], ['instrument_class', 'CHAR'], ['strike_price', 'DOUBLE'], ['expiration', 'TIMESTAMP_NS']];

/** The columns of each table, in order. */
export const TICK_COLUMNS: Record<Exclude<TickTable, 'trades'>, [string, TickType][]> = {
  quotes: [
    ...HEAD,
    ['schema', 'VARCHAR'], ['action', 'CHAR'], ['side', 'CHAR'], ['price', 'DOUBLE'], ['size', 'UINTEGER'], ['flags', 'UTINYINT'], ['depth', 'UTINYINT'],
    ['ts_in_delta', 'INTEGER'], ['sequence', 'UINTEGER'], ['bid_px', 'DOUBLE'], ['ask_px', 'DOUBLE'], ['bid_sz', 'UINTEGER'], ['ask_sz', 'UINTEGER'],
    ['bid_ct', 'UINTEGER'], ['ask_ct', 'UINTEGER'], ['bid_pb', 'USMALLINT'], ['ask_pb', 'USMALLINT'],
  ],
  book: [
    ...HEAD,
    ['action', 'CHAR'], ['side', 'CHAR'], ['price', 'DOUBLE'], ['size', 'UINTEGER'], ['flags', 'UTINYINT'], ['depth', 'UTINYINT'], ['ts_in_delta', 'INTEGER'], ['sequence', 'UINTEGER'],
    ...(['bid_px', 'ask_px'] as const).flatMap((c) => Array.from({ length: LEVELS }, (_, k): [string, TickType] => [`${c}_${pad(k)}`, 'DOUBLE'])),
    ...(['bid_sz', 'ask_sz', 'bid_ct', 'ask_ct'] as const).flatMap((c) => Array.from({ length: LEVELS }, (_, k): [string, TickType] => [`${c}_${pad(k)}`, 'UINTEGER'])),
  ],
  // The 1 Hz snapshots of `book` (book-snapshots.ts): ts_recv is the end of the second.
  book_1s: [
    ...HEAD,
    ['updates', 'UINTEGER'], ['age_ms', 'DOUBLE'],
    ...(['bid_px', 'ask_px'] as const).flatMap((c) => Array.from({ length: LEVELS }, (_, k): [string, TickType] => [`${c}_${pad(k)}`, 'DOUBLE'])),
    ...(['bid_sz', 'ask_sz', 'bid_ct', 'ask_ct'] as const).flatMap((c) => Array.from({ length: LEVELS }, (_, k): [string, TickType] => [`${c}_${pad(k)}`, 'UINTEGER'])),
  ],
  orders: [...HEAD, ['order_id', 'UBIGINT'], ['action', 'CHAR'], ['side', 'CHAR'], ['price', 'DOUBLE'], ['size', 'UINTEGER'], ['flags', 'UTINYINT'], ['channel_id', 'UTINYINT'], ['ts_in_delta', 'INTEGER'], ['sequence', 'UINTEGER']],
  definitions: [
    ...HEAD,
    ['raw_symbol', 'VARCHAR'], ['instrument_class', 'CHAR'], ['security_update_action', 'CHAR'], ['expiration', 'TIMESTAMP_NS'], ['activation', 'TIMESTAMP_NS'],
    ['strike_price', 'DOUBLE'], ['strike_price_currency', 'VARCHAR'], ['underlying', 'VARCHAR'], ['underlying_id', 'UINTEGER'], ['min_price_increment', 'DOUBLE'],
    ['display_factor', 'DOUBLE'], ['unit_of_measure_qty', 'DOUBLE'], ['unit_of_measure', 'VARCHAR'], ['contract_multiplier', 'INTEGER'], ['min_price_increment_amount', 'DOUBLE'],
    ['price_ratio', 'DOUBLE'], ['high_limit_price', 'DOUBLE'], ['low_limit_price', 'DOUBLE'], ['max_price_variation', 'DOUBLE'], ['currency', 'VARCHAR'],
    ['settl_currency', 'VARCHAR'], ['exchange', 'VARCHAR'], ['asset', 'VARCHAR'], ['cfi', 'VARCHAR'], ['security_type', 'VARCHAR'], ['secsubtype', 'VARCHAR'],
    ['group', 'VARCHAR'], ['raw_instrument_id', 'UBIGINT'], ['market_depth', 'INTEGER'], ['market_depth_implied', 'INTEGER'], ['market_segment_id', 'UINTEGER'],
    ['min_lot_size', 'INTEGER'], ['min_lot_size_block', 'INTEGER'], ['min_lot_size_round_lot', 'INTEGER'], ['min_trade_vol', 'UINTEGER'], ['max_trade_vol', 'UINTEGER'],
    ['maturity_year', 'USMALLINT'], ['maturity_month', 'UTINYINT'], ['maturity_day', 'UTINYINT'], ['maturity_week', 'UTINYINT'], ['match_algorithm', 'CHAR'],
    ['user_defined_instrument', 'CHAR'], ['channel_id', 'USMALLINT'], ['appl_id', 'SMALLINT'], ['inst_attrib_value', 'INTEGER'], ['decay_quantity', 'INTEGER'],
    ['decay_start_date', 'USMALLINT'], ['original_contract_size', 'INTEGER'], ['main_fraction', 'UTINYINT'], ['sub_fraction', 'UTINYINT'], ['price_display_format', 'UTINYINT'],
    ['underlying_product', 'UTINYINT'], ['contract_multiplier_unit', 'TINYINT'], ['flow_schedule_type', 'TINYINT'], ['tick_rule', 'UTINYINT'],
    ['leg_count', 'USMALLINT'], ['leg_index', 'USMALLINT'], ['leg_instrument_id', 'UINTEGER'], ['leg_raw_symbol', 'VARCHAR'], ['leg_instrument_class', 'CHAR'], ['leg_side', 'CHAR'],
    ['leg_price', 'DOUBLE'], ['leg_delta', 'DOUBLE'], ['leg_ratio_price_numerator', 'INTEGER'], ['leg_ratio_price_denominator', 'INTEGER'], ['leg_ratio_qty_numerator', 'INTEGER'],
    ['leg_ratio_qty_denominator', 'INTEGER'], ['leg_underlying_id', 'UINTEGER'],
  ],
  statistics: [
    ...HEAD,
    ['stat_type', 'USMALLINT'], ['stat_name', 'VARCHAR'], ['price', 'DOUBLE'], ['quantity', 'BIGINT'], ['ts_ref', 'TIMESTAMP_NS'], ['update_action', 'UTINYINT'],
    ['stat_flags', 'UTINYINT'], ['sequence', 'UINTEGER'], ['ts_in_delta', 'INTEGER'], ['channel_id', 'USMALLINT'],
  ],
  // Options on a contract (the partition's `underlying=`), each row carrying the terms of its
  // option from the definition in force: call or put, strike, expiration.
  options_trades: [
    ...HEAD,
    ...OPTION_TERMS,
    ['action', 'CHAR'], ['side', 'CHAR'], ['price', 'DOUBLE'], ['size', 'UINTEGER'], ['flags', 'UTINYINT'], ['depth', 'UTINYINT'], ['ts_in_delta', 'INTEGER'], ['sequence', 'UINTEGER'],
  ],
  options_quotes: [
    ...HEAD,
    ...OPTION_TERMS,
    ['schema', 'VARCHAR'], ['action', 'CHAR'], ['side', 'CHAR'], ['price', 'DOUBLE'], ['size', 'UINTEGER'], ['flags', 'UTINYINT'], ['depth', 'UTINYINT'],
    ['ts_in_delta', 'INTEGER'], ['sequence', 'UINTEGER'], ['bid_px', 'DOUBLE'], ['ask_px', 'DOUBLE'], ['bid_sz', 'UINTEGER'], ['ask_sz', 'UINTEGER'],
    ['bid_ct', 'UINTEGER'], ['ask_ct', 'UINTEGER'], ['bid_pb', 'USMALLINT'], ['ask_pb', 'USMALLINT'],
  ],
  status: [...HEAD, ['action', 'USMALLINT'], ['reason', 'USMALLINT'], ['trading_event', 'USMALLINT'], ['is_trading', 'CHAR'], ['is_quoting', 'CHAR'], ['is_short_sell_restricted', 'CHAR']],
  imbalance: [
    ...HEAD,
    ['ref_price', 'DOUBLE'], ['auction_time', 'TIMESTAMP_NS'], ['cont_book_clr_price', 'DOUBLE'], ['auct_interest_clr_price', 'DOUBLE'], ['ssr_filling_price', 'DOUBLE'],
    ['ind_match_price', 'DOUBLE'], ['upper_collar', 'DOUBLE'], ['lower_collar', 'DOUBLE'], ['paired_qty', 'UINTEGER'], ['total_imbalance_qty', 'UINTEGER'],
    ['market_imbalance_qty', 'UINTEGER'], ['unpaired_qty', 'UINTEGER'], ['auction_type', 'CHAR'], ['side', 'CHAR'], ['auction_status', 'UTINYINT'],
    ['freeze_status', 'UTINYINT'], ['num_extensions', 'UTINYINT'], ['unpaired_side', 'CHAR'], ['significant_imbalance', 'CHAR'],
  ],
};

/** The tables this store writes (trades have their own month-partitioned store). */
export type BookTable = keyof typeof TICK_COLUMNS;

const STAGED: Record<TickType, DuckDBType> = {
  TIMESTAMP_NS: BIGINT, DOUBLE, BIGINT, UBIGINT, INTEGER, UINTEGER, SMALLINT, USMALLINT, TINYINT, UTINYINT, VARCHAR, CHAR: UTINYINT,
};

/** The SQL that turns a staged column into its stored form. */
function projection(name: string, type: TickType, col: TickColumn | undefined): string {
  const c = sqlIdent(name);
  if (col === undefined || col.values === null) return `NULL::${type === 'CHAR' || type === 'VARCHAR' ? 'VARCHAR' : type} AS ${c}`;
  const undef = col.undef === undefined ? null : String(col.undef);
  switch (type) {
    case 'TIMESTAMP_NS':
      return `CASE WHEN ${c} ${undef === null ? 'IS NULL' : `= ${undef}`} THEN NULL ELSE make_timestamp_ns(${c}) END AS ${c}`;
    case 'DOUBLE':
      return `CASE WHEN isnan(${c}) THEN NULL ELSE ${c} END AS ${c}`;
    case 'CHAR':
      return `CASE WHEN ${c} = 0 THEN NULL ELSE chr(${c}) END AS ${c}`;
    case 'VARCHAR':
      return `NULLIF(${c}, '') AS ${c}`;
    default:
      return undef === null ? c : `NULLIF(${c}, ${undef}) AS ${c}`;
  }
}

/** Appends a batch's staged columns, a data chunk of 2,048 rows at a time, bulk-copying typed arrays where the vector shares their layout. */
async function stage(con: DuckDBConnection, table: string, cols: { spec: [string, TickType]; col: TickColumn }[], rows: number, keep: Uint32Array | null): Promise<void> {
  const types = cols.map((c) => STAGED[c.spec[1]]);
  await con.run(`CREATE TEMP TABLE ${table} (${cols.map((c, i) => `${sqlIdent(c.spec[0])} ${types[i]!.toString()}`).join(', ')})`);
  const appender = await con.createAppender(table);
  const chunk = DuckDBDataChunk.create(types, 2048);
  const n = keep ? keep.length : rows;
  for (let s = 0; s < n; s += 2048) {
    const m = Math.min(2048, n - s);
    if (chunk.rowCount !== m) chunk.rowCount = m;
    cols.forEach(({ spec, col }, c) => {
      const vec = chunk.getColumnVector(c);
      const values = col.values!;
      const items = (vec as unknown as { items?: unknown }).items;
      const bulk = keep === null && items !== undefined && items !== null && (items as object).constructor === values.constructor && (items as Numbers).length === m;
      if (bulk) (items as Numbers).set((values as Numbers).subarray(s, s + m) as never);
      else if (spec[1] === 'TIMESTAMP_NS' && values instanceof BigUint64Array) {
        for (let i = 0; i < m; i++) vec.setItem(i, BigInt.asIntN(64, values[keep ? keep[s + i]! : s + i]!) as never);
      } else for (let i = 0; i < m; i++) vec.setItem(i, values[keep ? keep[s + i]! : s + i]! as never);
      vec.flush();
    });
    appender.appendDataChunk(chunk);
  }
  appender.closeSync();
}

/** What writing a batch did. */
export interface TickWriteResult {
  /** Rows written. */
  accepted: number;
  /** Rows dropped because the lake already held them. */
  duplicates: number;
  /** Part files published. */
  files: number;
}

/**
 * Writes the rows of one symbol (for the options tables, one underlying contract) to a table (`keep`: the row numbers the gate let through, in order, or
 * null for all). Columns the batch does not give are NULL; a column the table does not have is refused.
 * A row already stored is a duplicate, except against the parts this run wrote since `ownSince` (the
 * earlier batches of a file read in batches).
 */
export async function writeTickBatch(
  ctx: { con: DuckDBConnection; home: HomeLayout; catalog: Catalog },
  table: BookTable,
  symbol: string,
  batch: { rows: number; columns: TickColumn[]; constants?: Record<string, string> },
  keep: Uint32Array | null,
  source: string,
  ingestRun: string,
  ownSince?: number,
): Promise<TickWriteResult> {
  const spec = TICK_COLUMNS[table];
  const byName = new Map(batch.columns.map((c) => [c.name, c]));
  for (const name of [...byName.keys(), ...Object.keys(batch.constants ?? {})]) if (!spec.some(([s]) => s === name)) throw new Error(`table ${table} has no column ${name}; this is a bug`);
  const staged = spec.filter(([name]) => byName.get(name)?.values != null).map((s) => ({ spec: s, col: byName.get(s[0])! }));
  const id = randomUUID().replaceAll('-', '');
  const raw = `tick_raw_${id}`;
  const fresh = `tick_new_${id}`;
  try {
    await stage(ctx.con, raw, staged, batch.rows, keep);
    const select = spec
      .map(([name, type]) => (batch.constants?.[name] !== undefined ? `${sqlString(batch.constants[name]!)}::VARCHAR AS ${sqlIdent(name)}` : projection(name, type, byName.get(name))))
      .join(', ');
    await ctx.con.run(`CREATE TEMP TABLE ${fresh} AS SELECT ${select} FROM ${raw}`);
    const total = Number((await ctx.con.runAndReadAll(`SELECT count(*) FROM ${fresh}`)).getRowsJS()[0]![0]);
    // Only the hours this batch touches can hold its duplicates; a streamed file's own earlier batches
    // (this run's parts since `ownSince`) cannot, and are not read again.
    const hours = (await ctx.con.runAndReadAll(`SELECT DISTINCT strftime(ts_recv, '/date=%Y-%m-%d/hour=%H/') FROM ${fresh}`)).getRowsJS().map((r) => String(r[0]));
    const stored = ctx.catalog
      .barFiles({ dataset: table, symbol })
      .filter((f) => hours.some((h) => f.path.includes(h)) && !(ownSince !== undefined && f.ingestRun === ingestRun && f.createdAt >= ownSince))
      .map((f) => sqlString(path.join(ctx.home.lake, f.path)));
    if (stored.length) {
      const names = spec.map(([n]) => sqlIdent(n)).join(', ');
      await ctx.con.run(`CREATE OR REPLACE TEMP TABLE ${fresh} AS SELECT * FROM ${fresh} EXCEPT ALL SELECT ${names} FROM read_parquet([${stored.join(', ')}], hive_partitioning = false, union_by_name = true)`);
    }
    const accepted = Number((await ctx.con.runAndReadAll(`SELECT count(*) FROM ${fresh}`)).getRowsJS()[0]![0]);
    if (accepted === 0) return { accepted, duplicates: total, files: 0 };
    const files = await publishTickRows(ctx, table, symbol, fresh, `bronze/${table}/${partitionKey(table)}=${symbol}`, source, ingestRun);
    return { accepted, duplicates: total - accepted, files };
  } finally {
    await ctx.con.run(`DROP TABLE IF EXISTS ${raw}; DROP TABLE IF EXISTS ${fresh}`);
  }
}

/**
 * Writes the rows of a relation (a table name or a parenthesised SELECT with the table's columns) as
 * zstd Parquet a part per UTC hour of `ts_recv` under `dir/date=/hour=`, each published atomically and
 * cataloged as the table's; returns the part files written. Trades, stamped with their event time,
 * are cut by `ts` and ordered by `ts, sequence` (`time`).
 */
export async function publishTickRows(
  ctx: { con: DuckDBConnection; home: HomeLayout; catalog: Catalog },
  table: TickTable,
  symbol: string,
  relation: string,
  dir: string,
  source: string,
  ingestRun: string | null,
  time: { column: string; order: string } = { column: 'ts_recv', order: 'ts_recv, ts_event' },
): Promise<number> {
  const outDir = path.join(ctx.home.tmp, `tick-${randomUUID()}`);
  const ts = time.column;
  try {
    await ctx.con.run(
      `COPY (SELECT *, strftime(${ts}, '%Y-%m-%d') AS date, strftime(${ts}, '%H') AS hour FROM ${relation} ORDER BY ${time.order})
       TO ${sqlString(outDir)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (date, hour), FILENAME_PATTERN 'part-{uuid}')`,
    );
    if (!fs.existsSync(outDir)) return 0;
    const parts = (
      await ctx.con.runAndReadAll(
        `SELECT filename, count(*)::BIGINT, epoch_ms(min(${ts}))::BIGINT, epoch_ms(max(${ts}))::BIGINT FROM read_parquet(${sqlString(path.join(outDir, '*', '*', '*.parquet'))}, filename = true, hive_partitioning = false) GROUP BY filename`,
      )
    ).getRowsJS() as [string, bigint, bigint, bigint][];
    const now = Date.now();
    for (const [file, rows, first, last] of parts) {
      const [dateDir, hourDir] = path.relative(outDir, file).split(path.sep) as [string, string];
      const partId = randomUUID();
      const dest = `${dir}/${dateDir}/${hourDir}/part-${partId}.parquet`;
      const bytes = publishFile(file, path.join(ctx.home.lake, dest));
      ctx.catalog.insertBarFile({ id: partId, timeframe: 'tick' as never, symbol, month: dateDir.slice(5, 12), path: dest, rows: Number(rows), bytes, firstTs: Number(first), lastTs: Number(last), source, ingestRun, createdAt: now }, table);
    }
    return parts.length;
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

/** The SELECT a console view runs over a table's part files (SQL string literals): its columns, then symbol (or underlying), date and hour from the folders. */
export function tickView(table: BookTable, parts: string[]): string {
  return `SELECT * FROM read_parquet([${parts.join(', ')}], hive_partitioning = true, union_by_name = true, hive_types = {'${partitionKey(table)}': VARCHAR, 'date': DATE, 'hour': INTEGER})`;
}

/** The SELECT a console view runs over a table with no files yet: its columns and no rows. */
export function emptyTickView(table: BookTable): string {
  const cols = TICK_COLUMNS[table].map(([name, type]) => `NULL::${type === 'CHAR' ? 'VARCHAR' : type} AS ${sqlIdent(name)}`);
  return `SELECT ${cols.join(', ')}, NULL::VARCHAR AS ${partitionKey(table)}, NULL::DATE AS date, NULL::INTEGER AS hour WHERE false`;
}
