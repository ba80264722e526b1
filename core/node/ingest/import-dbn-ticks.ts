import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { eventTimeProblem, isoOf, levelOrderProblem, levelProblem } from '../../common/bar-gate';
import { decodeDbnBook, type DbnBook, type DbnMbo } from './dbn-book';
import { decodeDbnReference, type DbnColumn, type DbnReference } from './dbn-reference';
import { TICK_COLUMNS, writeTickBatch, type BookTable, type TickColumn } from '../lake/tick-store';
import { lakeSymbol, ymdOf } from './dbn';
import { dbnBookBatches, STREAM_BATCH } from './dbn-book-stream';
import type { Reject } from './reject-store';
import type { ImportFileResult, StoredTicks } from './import-result';
import { looksLikeOption, optionContracts, type OptionContract } from '../options/option-contracts';
import { optionTerms } from '../options/options-store';

/**
 * Imports a DBN file of an order-book or reference schema into its bronze table: quotes (MBP-1, TBBO,
 * BBO, CMBP-1, TCBBO, CBBO), book (MBP-10), orders (MBO), definitions, statistics, status and
 * imbalance. Every record passes the gate (times the lake can store, prices where sizes are shown,
 * book levels in order); the rest are written per symbol, records already stored counted as
 * duplicates. accepted + rejected + duplicates = the file's records.
 */

/** Schemas (from a file's metadata) this importer reads. */
export const TICK_SCHEMAS: ReadonlySet<string> = new Set(['mbp-1', 'tbbo', 'bbo-1s', 'bbo-1m', 'cmbp-1', 'tcbbo', 'cbbo-1s', 'cbbo-1m', 'mbp-10', 'mbo', 'definition', 'statistics', 'status', 'imbalance']);

const U64_MAX = 0xffffffffffffffffn;
const NS_PER_MS = 1_000_000n;

const msOf = (ns: bigint): number => Number(ns / NS_PER_MS);

type Ctx = { home: HomeLayout; catalog: Catalog; con: DuckDBConnection };

/** Rows grouped by symbol in file order. */
function bySymbol(n: number, symbolOf: (i: number) => string, problem: (i: number) => string | undefined, reject: (i: number, why: string) => void): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const why = problem(i);
    if (why) {
      reject(i, why);
      continue;
    }
    const s = symbolOf(i);
    const list = groups.get(s);
    if (list) list.push(i);
    else groups.set(s, [i]);
  }
  return groups;
}

/** Splits interleaved levels (`i * levels + k`) into a column per level. */
function levelColumns<T extends Float64Array | Uint32Array>(name: string, a: T, n: number, levels: number, make: (n: number) => T): TickColumn[] {
  return Array.from({ length: levels }, (_, k) => {
    const out = make(n);
    for (let i = 0; i < n; i++) out[i] = a[i * levels + k]!;
    return { name: `${name}_${String(k).padStart(2, '0')}`, values: out };
  });
}

function bookColumns(b: DbnBook, consolidated: boolean): { table: BookTable; columns: TickColumn[]; constants?: Record<string, string> } {
  const n = b.tsRecvNs.length;
  const head: TickColumn[] = [
    { name: 'ts_recv', values: b.tsRecvNs },
    { name: 'ts_event', values: b.tsEventNs },
    { name: 'publisher_id', values: b.publisherId },
    { name: 'instrument_id', values: b.instrumentId },
    { name: 'action', values: b.action },
    { name: 'side', values: b.side },
    { name: 'price', values: b.price },
    { name: 'size', values: b.size },
    { name: 'flags', values: b.flags },
  ];
  const bbo = b.schema.startsWith('bbo') || b.schema.startsWith('cbbo');
  const extra: TickColumn[] = [
    { name: 'depth', values: consolidated || bbo ? null : b.depth },
    { name: 'ts_in_delta', values: bbo ? null : b.tsInDelta },
    { name: 'sequence', values: consolidated ? null : b.sequence },
  ];
  if (b.levels === 10) {
    return {
      table: 'book',
      columns: [
        ...head,
        ...extra,
        ...levelColumns('bid_px', b.bidPx, n, 10, (m) => new Float64Array(m)),
        ...levelColumns('ask_px', b.askPx, n, 10, (m) => new Float64Array(m)),
        ...levelColumns('bid_sz', b.bidSz, n, 10, (m) => new Uint32Array(m)),
        ...levelColumns('ask_sz', b.askSz, n, 10, (m) => new Uint32Array(m)),
        ...levelColumns('bid_ct', b.bidCt, n, 10, (m) => new Uint32Array(m)),
        ...levelColumns('ask_ct', b.askCt, n, 10, (m) => new Uint32Array(m)),
      ],
    };
  }
  return {
    table: 'quotes',
    constants: { schema: b.schema },
    columns: [
      ...head.map((c) => (c.name === 'action' && bbo ? { name: 'action', values: null } : c)),
      ...extra,
      { name: 'bid_px', values: b.bidPx },
      { name: 'ask_px', values: b.askPx },
      { name: 'bid_sz', values: b.bidSz },
      { name: 'ask_sz', values: b.askSz },
      { name: 'bid_ct', values: consolidated ? null : b.bidCt },
      { name: 'ask_ct', values: consolidated ? null : b.askCt },
      { name: 'bid_pb', values: consolidated ? b.bidPb : null },
      { name: 'ask_pb', values: consolidated ? b.askPb : null },
    ],
  };
}

function mboColumns(m: DbnMbo): TickColumn[] {
  return [
    { name: 'ts_recv', values: m.tsRecvNs },
    { name: 'ts_event', values: m.tsEventNs },
    { name: 'publisher_id', values: m.publisherId },
    { name: 'instrument_id', values: m.instrumentId },
    { name: 'order_id', values: m.orderId },
    { name: 'action', values: m.action },
    { name: 'side', values: m.side },
    { name: 'price', values: m.price },
    { name: 'size', values: m.size },
    { name: 'flags', values: m.flags },
    { name: 'channel_id', values: m.channelId },
    { name: 'ts_in_delta', values: m.tsInDelta },
    { name: 'sequence', values: m.sequence },
  ];
}

const STAT_NAMES = ['', 'opening_price', 'indicative_opening_price', 'settlement_price', 'session_low_price', 'session_high_price', 'cleared_volume', 'lowest_offer', 'highest_bid', 'open_interest', 'fixing_price', 'close_price', 'net_change', 'vwap', 'volatility', 'delta', 'uncrossing_price', 'upper_price_limit', 'lower_price_limit', 'block_volume'];

/** Databento's "not given" value of an integer field: the type's maximum (u64 timestamps read as signed, so -1). */
function undefOf(col: DbnColumn): number | bigint | undefined {
  if (col instanceof BigUint64Array) return -1n;
  if (col instanceof BigInt64Array) return 0x7fffffffffffffffn;
  if (col instanceof Int32Array) return 0x7fffffff;
  if (col instanceof Uint32Array) return 0xffffffff;
  if (col instanceof Int16Array) return 0x7fff;
  if (col instanceof Uint16Array) return 0xffff;
  if (col instanceof Int8Array) return 0x7f;
  if (col instanceof Uint8Array) return 0xff;
  return undefined;
}

/** Fields whose maximum is a real value (ids, counts, codes), never "not given". */
const NO_SENTINEL = new Set(['publisher_id', 'instrument_id', 'raw_instrument_id', 'underlying_id', 'leg_instrument_id', 'leg_underlying_id', 'leg_count', 'leg_index', 'channel_id', 'stat_type', 'update_action', 'stat_flags', 'sequence', 'ts_in_delta', 'action', 'reason', 'trading_event', 'paired_qty', 'total_imbalance_qty', 'market_imbalance_qty', 'unpaired_qty', 'auction_status', 'freeze_status', 'num_extensions']);

/** The reference columns as the table stores them: characters as codes, statistics' names added, version-1 quantities widened. */
function referenceColumns(r: DbnReference): { table: BookTable; columns: TickColumn[] } {
  const table: BookTable = r.schema === 'definition' ? 'definitions' : r.schema;
  const columns: TickColumn[] = [];
  for (const [name, col] of Object.entries(r.columns)) {
    if (['trading_reference_price', 'trading_reference_date', 'md_security_trading_status', 'settl_price_type'].includes(name)) continue;
    if (Array.isArray(col)) {
      // The table's one-character columns are staged as character codes.
      const char = TICK_COLUMNS[table].some(([n, type]) => n === name && type === 'CHAR');
      columns.push({ name, values: char ? Uint8Array.from(col, (s) => (s === '' ? 0 : s.charCodeAt(0))) : col });
      continue;
    }
    if (name === 'quantity' && col instanceof Int32Array) {
      columns.push({ name, values: BigInt64Array.from(col, (q) => (q === 0x7fffffff ? 0x7fffffffffffffffn : BigInt(q))), undef: 0x7fffffffffffffffn });
      continue;
    }
    if (name === 'raw_instrument_id' && col instanceof Uint32Array) {
      columns.push({ name, values: BigUint64Array.from(col, (x) => BigInt(x)) });
      continue;
    }
    if (name === 'ts_event' || name === 'ts_recv') {
      columns.push({ name, values: col });
      continue;
    }
    columns.push({ name, values: col as TickColumn['values'], ...(NO_SENTINEL.has(name) ? {} : { undef: undefOf(col) }) });
  }
  if (r.schema === 'statistics') {
    const types = r.columns.stat_type as Uint16Array;
    columns.push({ name: 'stat_name', values: Array.from(types, (t) => STAT_NAMES[t] ?? `type_${t}`) });
  }
  return { table, columns };
}

/** Decoded records of one schema, ready to store. */
export type DecodedTicks = { kind: 'book'; book: DbnBook } | { kind: 'mbo'; mbo: DbnMbo } | { kind: 'reference'; records: DbnReference };


/**
 * Gates decoded records and writes what passes to their table, per symbol (`symbolFor` names an
 * instrument on a date; a name that is not a plain symbol is stored under the instrument id).
 */
export async function storeTicks(ctx: Ctx, d: DecodedTicks, symbolFor: (id: number, ymd: number) => string | undefined, source: string, runId: string, ownSince?: number): Promise<StoredTicks> {
  const now = Date.now();
  const rejects: Reject[] = [];
  let n: number;
  let recvNs: BigInt64Array | BigUint64Array;
  let eventNs: BigInt64Array | BigUint64Array;
  let ids: Uint32Array;
  let offsets: Float64Array;
  let spec: { table: BookTable; columns: TickColumn[]; constants?: Record<string, string> };
  let rowProblem: (i: number) => string | undefined = () => undefined;
  let rawSymbols: string[] | undefined;
  if (d.kind === 'reference') {
    const r = d.records;
    n = r.rows;
    recvNs = r.columns.ts_recv as BigUint64Array;
    eventNs = r.columns.ts_event as BigUint64Array;
    ids = r.columns.instrument_id as Uint32Array;
    offsets = r.offset;
    rawSymbols = r.schema === 'definition' ? (r.columns.raw_symbol as string[]) : undefined;
    if (r.schema === 'definition') rowProblem = (i) => (rawSymbols![i] === '' ? 'definition without a raw symbol' : undefined);
    spec = referenceColumns(r);
  } else if (d.kind === 'book') {
    const b = d.book;
    n = b.tsRecvNs.length;
    recvNs = b.tsRecvNs;
    eventNs = b.tsEventNs;
    ids = b.instrumentId;
    offsets = b.offset;
    const L = b.levels;
    rowProblem = (i) => {
      for (let k = 0; k < L; k++) {
        const j = i * L + k;
        const why = levelProblem(b.bidPx[j]!, b.bidSz[j]!, `bid level ${k}`) ?? levelProblem(b.askPx[j]!, b.askSz[j]!, `ask level ${k}`);
        if (why) return why;
      }
      return L > 1 ? (levelOrderProblem(b.bidPx, b.bidSz, i * L, L, 'bid') ?? levelOrderProblem(b.askPx, b.askSz, i * L, L, 'ask')) : undefined;
    };
    spec = bookColumns(b, b.bidPb.length > 0);
  } else {
    const m = d.mbo;
    n = m.tsRecvNs.length;
    recvNs = m.tsRecvNs;
    eventNs = m.tsEventNs;
    ids = m.instrumentId;
    offsets = m.offset;
    // An add or a modify places size at a price; a clear or a cancel of everything need not.
    rowProblem = (i) => (m.action[i] === 0x41 || m.action[i] === 0x4d ? levelProblem(m.price[i]!, m.size[i]!, `order ${m.orderId[i]}`) : undefined);
    spec = { table: 'orders', columns: mboColumns(m) };
  }
  const recvMs = new Float64Array(n);
  const eventMs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = BigInt.asUintN(64, recvNs[i]!);
    const e = BigInt.asUintN(64, eventNs[i]!);
    recvMs[i] = r === U64_MAX ? Number.NaN : msOf(r);
    eventMs[i] = e === U64_MAX ? Number.NaN : msOf(e);
  }
  // An option's quotes go to `options_quotes` and its statistics to its underlying's partition; its
  // definition is stored under the underlying too, not a folder per option.
  const options = spec.table === 'quotes' || spec.table === 'statistics' ? await optionContracts({ con: ctx.con, catalog: ctx.catalog, lake: ctx.home.lake }, ids) : undefined;
  const optionAt = (i: number): OptionContract | undefined => options?.(ids[i]!, recvMs[i]!);
  const rawAt = (i: number): string | undefined => symbolFor(ids[i]!, ymdOf(recvMs[i]!)) ?? rawSymbols?.[i];
  const definedOption = (i: number): string | undefined => {
    if (d.kind !== 'reference' || d.records.schema !== 'definition') return undefined;
    const cls = (d.records.columns.instrument_class as string[])[i];
    const underlying = (d.records.columns.underlying as string[])[i];
    return (cls === 'C' || cls === 'P') && underlying ? underlying : undefined;
  };
  const groups = bySymbol(
    n,
    (i) => {
      const option = optionAt(i);
      if (option) return `${spec.table === 'quotes' ? 'options_quotes' : spec.table}\t${lakeSymbol(option.underlying, ids[i]!)}`;
      return `${spec.table}\t${lakeSymbol(definedOption(i) ?? rawAt(i), ids[i]!)}`;
    },
    (i) =>
      eventTimeProblem(recvMs[i]!, eventMs[i]!, now) ??
      rowProblem(i) ??
      (options && !optionAt(i) && looksLikeOption(rawAt(i)) ? `option ${rawAt(i)!.trim()} (instrument ${ids[i]}) has no definition in the lake; import or backfill its definitions (schema definition) first, then this file again` : undefined),
    (i, why) => rejects.push({ line: i + 1, raw: JSON.stringify({ instrument_id: ids[i], ts_recv: Number.isNaN(recvMs[i]!) ? null : isoOf(recvMs[i]!), ts_event: Number.isNaN(eventMs[i]!) ? null : isoOf(eventMs[i]!) }), reason: why, offset: offsets[i]! }),
  );
  let accepted = 0;
  let duplicates = 0;
  const series: ImportFileResult['series'] = [];
  const whole = groups.size === 1 && rejects.length === 0;
  let terms: TickColumn[] | undefined;
  for (const [key, rows] of groups) {
    const [table, symbol] = key.split('\t') as [BookTable, string];
    if (table === 'options_quotes') terms ??= optionTerms(n, optionAt);
    const columns = table === 'options_quotes' ? [...spec.columns, ...terms!] : spec.columns;
    const w = await writeTickBatch(ctx, table, symbol, { rows: n, columns, ...(spec.constants ? { constants: spec.constants } : {}) }, whole ? null : Uint32Array.from(rows), source, runId, ownSince);
    accepted += w.accepted;
    duplicates += w.duplicates;
    series.push({ symbol, timeframe: 'tick', table, accepted: w.accepted });
  }
  if (accepted + rejects.length + duplicates !== n) throw new Error(`accounting does not add up (${accepted} + ${rejects.length} + ${duplicates} ≠ ${n}); this is a bug`);
  return { inputRows: n, accepted, duplicates, rejects, series };
}

/** Schemas imported as a stream, a batch of records at a time: the book layouts, whose files of a busy day run to gigabytes. */
export const STREAMED_SCHEMAS: ReadonlySet<string> = new Set(['mbp-1', 'tbbo', 'bbo-1s', 'bbo-1m', 'cmbp-1', 'tcbbo', 'cbbo-1s', 'cbbo-1m', 'mbp-10']);

/**
 * Stores a DBN file of book records batch by batch (`dbnBookBatches`), yielding what each batch did
 * with its rejects numbered through the file: memory holds one batch whatever the file's size. The
 * file's own earlier batches are not read back as possible duplicates. `name` is the file in errors.
 */
export async function* storeBookStream(ctx: Ctx, file: string, source: string, runId: string, name = file, batch = STREAM_BATCH): AsyncGenerator<StoredTicks> {
  const since = Date.now();
  for (const b of dbnBookBatches(file, batch, name)) {
    const r = await storeTicks(ctx, { kind: 'book', book: b.book }, b.symbolFor, source, runId, since);
    yield { ...r, rejects: r.rejects.map((x) => ({ ...x, line: x.line + b.first })) };
  }
}

/** Imports a DBN file of book records a batch at a time; the result is the whole file's, as the whole-file import gives it. */
export async function importDbnBookStream(ctx: Ctx, file: string, runId: string, batch = STREAM_BATCH): Promise<ImportFileResult & { rejects: Reject[] }> {
  const out = empty(file);
  const rejects: Reject[] = [];
  const series = new Map<string, ImportFileResult['series'][number]>();
  try {
    for await (const r of storeBookStream(ctx, file, 'import:dbn', runId, file, batch)) {
      out.inputRows += r.inputRows;
      out.accepted += r.accepted;
      out.duplicates += r.duplicates;
      rejects.push(...r.rejects);
      for (const s of r.series) {
        const key = `${s.symbol}|${s.table}`;
        const had = series.get(key);
        series.set(key, had ? { ...had, accepted: had.accepted + s.accepted } : s);
      }
    }
  } catch (e) {
    if (e instanceof Error && !e.message.startsWith(file)) e.message = `${file}: ${e.message}`;
    throw e;
  }
  return { ...out, rejected: rejects.length, series: [...series.values()], rejects };
}

/** Decodes DBN bytes of an order-book or reference schema. */
export function decodeTicks(bytes: Uint8Array, file: string, schema: string): { decoded: DecodedTicks | null; symbolFor: (id: number, ymd: number) => string | undefined } {
  if (schema === 'definition' || schema === 'statistics' || schema === 'status' || schema === 'imbalance') {
    const f = decodeDbnReference(bytes, file);
    return { decoded: f.records ? { kind: 'reference', records: f.records } : null, symbolFor: f.symbolFor };
  }
  const f = decodeDbnBook(bytes, file);
  return { decoded: f.book ? { kind: 'book', book: f.book } : f.mbo ? { kind: 'mbo', mbo: f.mbo } : null, symbolFor: f.symbolFor };
}

/** Imports a DBN file of an order-book or reference schema (`bytes` the file as read). */
export async function importDbnTicks(ctx: Ctx, bytes: Uint8Array, file: string, schema: string, runId: string): Promise<ImportFileResult & { rejects: Reject[] }> {
  const { decoded, symbolFor } = decodeTicks(bytes, file, schema);
  if (decoded === null) return empty(file);
  const r = await storeTicks(ctx, decoded, symbolFor, 'import:dbn', runId).catch((e: unknown) => {
    if (e instanceof Error) e.message = `${file}: ${e.message}`;
    throw e;
  });
  return { file: path.resolve(file), format: 'dbn', parser: 'builtin', inputRows: r.inputRows, accepted: r.accepted, rejected: r.rejects.length, duplicates: r.duplicates, series: r.series, rejects: r.rejects };
}

function empty(file: string): ImportFileResult & { rejects: Reject[] } {
  return { file: path.resolve(file), format: 'dbn', parser: 'builtin', inputRows: 0, accepted: 0, rejected: 0, duplicates: 0, series: [], rejects: [] };
}

