import { inflateCap, TooLargeError, zstdCapped } from '../untrusted-files';
import { symbolSchema } from '../../common/schemas';

/**
 * Databento Binary Encoding (DBN) decoder for the OHLCV and trades schemas, versions 1–3, written
 * from the published format: a metadata header ("DBN" + version, little-endian fields, fixed-length
 * C strings, symbology mappings) followed by records whose header gives their length in 4-byte words.
 * Prices are fixed-point integers scaled by 1e9.
 */

/** A symbol mapping interval: from `startDate` (inclusive) to `endDate` (exclusive), YYYYMMDD. */
export interface DbnMappingInterval {
  startDate: number;
  endDate: number;
  symbol: string;
}

/** The metadata header of a DBN file. */
export interface DbnMetadata {
  version: number;
  dataset: string;
  /** Schema name (`ohlcv-1m`, `trades`, …), or null for mixed streams. */
  schema: string | null;
  /** Query start, UNIX ns. */
  start: bigint;
  /** Query end, UNIX ns, or null. */
  end: bigint | null;
  stypeIn: number | null;
  stypeOut: number;
  tsOut: boolean;
  symbols: string[];
  partial: string[];
  notFound: string[];
  mappings: { rawSymbol: string; intervals: DbnMappingInterval[] }[];
}

/** Decoded OHLCV bars, columnar. Prices are in currency units (fixed-point / 1e9). */
export interface DbnOhlcv {
  /** Bar interval from the record type. */
  interval: '1s' | '1m' | '1h' | '1d';
  instrumentId: Uint32Array;
  /** ts_event in UNIX ns, exact. */
  tsNs: BigInt64Array;
  /** ts_event in epoch ms (floor). */
  tsMs: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** Byte offset of each record in the decompressed file. */
  offset: Float64Array;
}

/** Decoded trades (MBP-0), columnar. */
export interface DbnTrades {
  instrumentId: Uint32Array;
  /** The venue's event time, ns. */
  tsNs: BigInt64Array;
  /** When Databento received the trade, ns. */
  tsRecvNs: BigInt64Array;
  tsMs: Float64Array;
  price: Float64Array;
  size: Float64Array;
  /** Aggressor side: `A` ask, `B` bid, `N` none. */
  side: string[];
  /** Venue message sequence number. */
  sequence: Float64Array;
  publisherId: Uint16Array;
  /** Action (`T` trade) and flags, as the record gives them. */
  action: Uint8Array;
  flags: Uint8Array;
  depth: Uint8Array;
  /** ts_recv − the venue's sending time, ns. */
  tsInDelta: Int32Array;
  /** Byte offset of each record in the decompressed file. */
  offset: Float64Array;
}

/** A decoded DBN file. */
export interface DbnFile {
  metadata: DbnMetadata;
  ohlcv: DbnOhlcv | null;
  trades: DbnTrades | null;
  /** The raw symbol for an instrument id on a date (YYYYMMDD), from the metadata's mappings. */
  symbolFor(instrumentId: number, yyyymmdd: number): string | undefined;
}

/** A DBN file that cannot be decoded; the message names the file and the byte offset. */
export class DbnError extends Error {
  constructor(file: string, offset: number, what: string) {
    super(`${file}: ${what} (at byte ${offset}); is it a complete DBN file?`);
    this.name = 'DbnError';
  }
}

/** Schema names by their id in the metadata header. */
export const SCHEMAS = ['mbo', 'mbp-1', 'mbp-10', 'tbbo', 'trades', 'ohlcv-1s', 'ohlcv-1m', 'ohlcv-1h', 'ohlcv-1d', 'definition', 'statistics', 'status', 'imbalance', 'ohlcv-eod', 'cmbp-1', 'cbbo-1s', 'cbbo-1m', 'tcbbo', 'bbo-1s', 'bbo-1m'];
const OHLCV_RTYPES: Record<number, DbnOhlcv['interval']> = { 0x20: '1s', 0x21: '1m', 0x22: '1h', 0x23: '1d' };
const RTYPE_TRADES = 0x00;
const RTYPE_OHLCV_DEPRECATED = 0x11;
const UNDEF_PRICE_HI = 0x7fffffff;
const ZSTD_MAGIC = 0xfd2fb528;
/** Longest symbol field the decoder accepts (Databento writes 22 in version 1 and 71 since). */
const MAX_SYMBOL_LEN = 1024;

/** Reads a UNIX-ns u64 split in two 32-bit words as epoch ms, exactly (no 2^53 rounding). */
export function nsToMs(lo: number, hi: number): number {
  // hi·2^32 = hi·4294·1e6 + hi·967296, and hi·967296 + lo stays far below 2^53.
  return hi * 4294 + Math.floor((hi * 967296 + lo) / 1e6);
}

/** A signed 64-bit fixed-point price (lo, hi words) scaled by 1e9; NaN for the undefined price. */
export function price(lo: number, hi: number): number {
  if (hi === UNDEF_PRICE_HI && lo === 0xffffffff) return Number.NaN;
  return (hi * 4294967296 + lo) / 1e9;
}

class Reader {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
    public at = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number, what: string): void {
    if (this.at + n > this.bytes.length) throw new DbnError(this.file, this.at, `truncated ${what}`);
  }
  u8(): number {
    this.need(1, 'header');
    return this.view.getUint8(this.at++);
  }
  u16(): number {
    this.need(2, 'header');
    const v = this.view.getUint16(this.at, true);
    this.at += 2;
    return v;
  }
  u32(): number {
    this.need(4, 'header');
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  u64(): bigint {
    this.need(8, 'header');
    const v = this.view.getBigUint64(this.at, true);
    this.at += 8;
    return v;
  }
  cstr(len: number): string {
    this.need(len, 'header string');
    const raw = this.bytes.subarray(this.at, this.at + len);
    this.at += len;
    const end = raw.indexOf(0);
    return new TextDecoder().decode(end < 0 ? raw : raw.subarray(0, end));
  }
}

function readMetadata(r: Reader): { metadata: DbnMetadata; end: number } {
  r.need(8, 'metadata');
  const magic = new TextDecoder().decode(r.bytes.subarray(0, 3));
  if (magic !== 'DBN') throw new DbnError(r.file, 0, 'no DBN signature');
  r.at = 3;
  const version = r.u8();
  if (version < 1 || version > 3) throw new DbnError(r.file, 3, `unsupported DBN version ${version} (Quantdesk reads versions 1–3)`);
  const length = r.u32();
  const end = 8 + length;
  if (end > r.bytes.length) throw new DbnError(r.file, 4, 'truncated metadata');
  const dataset = r.cstr(16);
  const schemaId = r.u16();
  const start = r.u64();
  const endNs = r.u64();
  r.u64(); // limit
  if (version === 1) r.u64(); // record_count, dropped after version 1
  const stypeIn = r.u8();
  const stypeOut = r.u8();
  const tsOut = r.u8() === 1;
  let symbolLen = 22;
  if (version >= 2) symbolLen = r.u16();
  if (symbolLen < 1 || symbolLen > MAX_SYMBOL_LEN) throw new DbnError(r.file, r.at - 2, `symbol length ${symbolLen} is outside 1–${MAX_SYMBOL_LEN}`);
  // The fixed part is 100 bytes after the length field, padded with reserved bytes.
  r.at = 8 + 100;
  const schemaDefinitionLength = r.u32();
  if (schemaDefinitionLength > end - r.at) throw new DbnError(r.file, r.at - 4, `schema definition of ${schemaDefinitionLength} bytes overruns the metadata`);
  r.at += schemaDefinitionLength;
  // Every count is checked against the bytes left in the metadata before anything is allocated for it.
  const count = (each: number, what: string): number => {
    const at = r.at;
    const n = r.u32();
    if (n * each > end - r.at) throw new DbnError(r.file, at, `declares ${n} ${what}, more than its ${end - r.at} remaining metadata bytes hold`);
    return n;
  };
  const list = (what: string): string[] => {
    const out: string[] = [];
    for (let i = count(symbolLen, what); i > 0; i--) out.push(r.cstr(symbolLen));
    return out;
  };
  const symbols = list('symbols');
  const partial = list('partial symbols');
  const notFound = list('symbols not found');
  const mappings: DbnMetadata['mappings'] = [];
  for (let m = count(symbolLen + 4, 'symbol mappings'); m > 0; m--) {
    const rawSymbol = r.cstr(symbolLen);
    const intervals: DbnMappingInterval[] = [];
    for (let i = count(8 + symbolLen, 'mapping intervals'); i > 0; i--) intervals.push({ startDate: r.u32(), endDate: r.u32(), symbol: r.cstr(symbolLen) });
    mappings.push({ rawSymbol, intervals });
  }
  if (r.at > end) throw new DbnError(r.file, r.at, 'metadata overruns its declared length');
  const U64_MAX = 0xffffffffffffffffn;
  return {
    metadata: {
      version,
      dataset,
      schema: schemaId === 0xffff ? null : (SCHEMAS[schemaId] ?? `unknown(${schemaId})`),
      start,
      end: endNs === U64_MAX ? null : endNs,
      stypeIn: stypeIn === 0xff ? null : stypeIn,
      stypeOut,
      tsOut,
      symbols,
      partial,
      notFound,
      mappings,
    },
    end,
  };
}

/**
 * A DBN file's metadata and the bytes of its records (plain or zstd-compressed input, inflated at most
 * to `inflateLimit` bytes); `bodyStart` is where the records begin in the decompressed file.
 */
export function openDbn(input: Uint8Array, file: string, inflateLimit = inflateCap()): { metadata: DbnMetadata; body: Uint8Array; bodyStart: number } {
  let bytes = input;
  if (bytes.length >= 4 && new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) === ZSTD_MAGIC) {
    try {
      bytes = zstdCapped(bytes, file, inflateLimit);
    } catch (e) {
      if (e instanceof TooLargeError) throw e;
      throw new DbnError(file, 0, (e as Error).message.replace(`${file}: `, ''));
    }
  }
  if (bytes.length === 0) throw new DbnError(file, 0, 'empty file');
  const r = new Reader(bytes, file);
  const { metadata, end } = readMetadata(r);
  return { metadata, body: bytes.subarray(end), bodyStart: end };
}

/** Decodes a DBN file (plain or zstd-compressed, inflated at most to `inflateLimit` bytes) into metadata and columnar records. */
export function decodeDbn(input: Uint8Array, file: string, inflateLimit = inflateCap()): DbnFile {
  const { metadata, body, bodyStart: end } = openDbn(input, file, inflateLimit);
  // Records are read in place through a DataView: no copy, and no alignment needed.
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);

  // First pass: count and validate records; second: fill columns.
  let nOhlcv = 0;
  let nTrades = 0;
  let interval: DbnOhlcv['interval'] | undefined;
  const deprecatedInterval = metadata.schema?.startsWith('ohlcv-') ? (metadata.schema.slice(6) as DbnOhlcv['interval']) : undefined;
  for (let at = 0; at < body.length; ) {
    const len = body[at]! * 4;
    const rtype = body[at + 1]!;
    if (len < 16 || at + len > body.length) throw new DbnError(file, end + at, `truncated or malformed record of ${len} bytes`);
    if (rtype === RTYPE_TRADES) nTrades++;
    else if (OHLCV_RTYPES[rtype] !== undefined || rtype === RTYPE_OHLCV_DEPRECATED) {
      const iv = OHLCV_RTYPES[rtype] ?? deprecatedInterval;
      if (iv === undefined) throw new DbnError(file, end + at, 'OHLCV record with no interval in its type or the schema');
      if (interval !== undefined && interval !== iv) throw new DbnError(file, end + at, `mixes OHLCV intervals ${interval} and ${iv}`);
      interval = iv;
      nOhlcv++;
    } else throw new DbnError(file, end + at, `unsupported record type 0x${rtype.toString(16)}; Quantdesk imports the OHLCV and trades schemas`);
    at += len;
  }
  // Exact nanosecond times (a BigInt each) and record offsets are read again from the body on first
  // use: most imports never ask, and fresh memory is what decoding spends its time on.
  let extras: { tsNs: BigInt64Array; offset: Float64Array } | undefined;
  const ohlcvExtras = (): { tsNs: BigInt64Array; offset: Float64Array } => (extras ??= ohlcvTimesAndOffsets(body, end, nOhlcv));
  const ohlcv: DbnOhlcv | null =
    interval === undefined
      ? metadata.schema?.startsWith('ohlcv-') && OHLCV_INTERVALS.has(metadata.schema.slice(6))
        ? emptyOhlcv(metadata.schema.slice(6) as DbnOhlcv['interval'])
        : null
      : {
          interval,
          instrumentId: new Uint32Array(nOhlcv),
          get tsNs() {
            return ohlcvExtras().tsNs;
          },
          tsMs: new Float64Array(nOhlcv),
          open: new Float64Array(nOhlcv),
          high: new Float64Array(nOhlcv),
          low: new Float64Array(nOhlcv),
          close: new Float64Array(nOhlcv),
          volume: new Float64Array(nOhlcv),
          get offset() {
            return ohlcvExtras().offset;
          },
        };
  const trades: DbnTrades | null =
    nTrades > 0 || metadata.schema === 'trades'
      ? { instrumentId: new Uint32Array(nTrades), tsNs: new BigInt64Array(nTrades), tsRecvNs: new BigInt64Array(nTrades), tsMs: new Float64Array(nTrades), price: new Float64Array(nTrades), size: new Float64Array(nTrades), side: new Array<string>(nTrades), sequence: new Float64Array(nTrades), publisherId: new Uint16Array(nTrades), action: new Uint8Array(nTrades), flags: new Uint8Array(nTrades), depth: new Uint8Array(nTrades), tsInDelta: new Int32Array(nTrades), offset: new Float64Array(nTrades) }
      : null;
  let o = 0;
  let t = 0;
  // Columns in locals: the hot loop then indexes plain typed arrays, not object properties.
  const empty = new Float64Array(0);
  const oId = ohlcv?.instrumentId ?? new Uint32Array(0);
  const oMs = ohlcv?.tsMs ?? empty;
  const oOpen = ohlcv?.open ?? empty;
  const oHigh = ohlcv?.high ?? empty;
  const oLow = ohlcv?.low ?? empty;
  const oClose = ohlcv?.close ?? empty;
  const oVol = ohlcv?.volume ?? empty;
  if (ohlcv && !trades && LITTLE_ENDIAN) {
    fillOhlcvWords(body, { id: oId, ms: oMs, open: oOpen, high: oHigh, low: oLow, close: oClose, volume: oVol });
    return { metadata, ohlcv, trades, symbolFor: symbolResolver(metadata) };
  }
  for (let at = 0; at < body.length; ) {
    const len = body[at]! * 4;
    const rtype = body[at + 1]!;
    const tsLo = dv.getUint32(at + 8, true);
    const tsHi = dv.getUint32(at + 12, true);
    if (rtype === RTYPE_TRADES && trades) {
      trades.instrumentId[t] = dv.getUint32(at + 4, true);
      trades.tsNs[t] = (BigInt(tsHi) << 32n) | BigInt(tsLo);
      trades.tsRecvNs[t] = dv.getBigInt64(at + 32, true);
      trades.tsMs[t] = nsToMs(tsLo, tsHi);
      trades.price[t] = price(dv.getUint32(at + 16, true), dv.getInt32(at + 20, true));
      trades.size[t] = dv.getUint32(at + 24, true);
      trades.side[t] = String.fromCharCode(body[at + 29]!);
      trades.sequence[t] = dv.getUint32(at + 44, true);
      trades.publisherId[t] = dv.getUint16(at + 2, true);
      trades.action[t] = body[at + 28]!;
      trades.flags[t] = body[at + 30]!;
      trades.depth[t] = body[at + 31]!;
      trades.tsInDelta[t] = dv.getInt32(at + 40, true);
      trades.offset[t] = end + at;
      t++;
    } else if (ohlcv) {
      oId[o] = dv.getUint32(at + 4, true);
      oMs[o] = nsToMs(tsLo, tsHi);
      oOpen[o] = price(dv.getUint32(at + 16, true), dv.getInt32(at + 20, true));
      oHigh[o] = price(dv.getUint32(at + 24, true), dv.getInt32(at + 28, true));
      oLow[o] = price(dv.getUint32(at + 32, true), dv.getInt32(at + 36, true));
      oClose[o] = price(dv.getUint32(at + 40, true), dv.getInt32(at + 44, true));
      oVol[o] = dv.getUint32(at + 52, true) * 4294967296 + dv.getUint32(at + 48, true);
      o++;
    }
    at += len;
  }
  return { metadata, ohlcv, trades, symbolFor: symbolResolver(metadata) };
}

/** Whether this machine stores numbers little-endian, as DBN does: records can then be read through word views. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * The OHLCV columns from a body of checked OHLCV records (lengths are multiples of 4 bytes), read
 * through 32-bit views of its words instead of a DataView call per field: the decoder's hot loop.
 * A body not aligned to 4 bytes in its buffer is copied once to one that is.
 */
function fillOhlcvWords(body: Uint8Array, c: { id: Uint32Array; ms: Float64Array; open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array; volume: Float64Array }): void {
  // new Uint8Array(view) copies (a Buffer's slice() would not).
  const aligned = body.byteOffset % 4 === 0 ? body : new Uint8Array(body);
  const u = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >>> 2);
  const s = new Int32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >>> 2);
  const { id, ms, open, high, low, close, volume } = c;
  const px = (w: number): number => {
    const l = u[w]!;
    const h = s[w + 1]!;
    return h === UNDEF_PRICE_HI && l === 0xffffffff ? Number.NaN : (h * 4294967296 + l) / 1e9;
  };
  for (let w = 0, o = 0, words = u.length; w < words; o++) {
    const tsLo = u[w + 2]!;
    const tsHi = u[w + 3]!;
    id[o] = u[w + 1]!;
    ms[o] = tsHi * 4294 + Math.floor((tsHi * 967296 + tsLo) / 1e6);
    open[o] = px(w + 4);
    high[o] = px(w + 6);
    low[o] = px(w + 8);
    close[o] = px(w + 10);
    volume[o] = u[w + 13]! * 4294967296 + u[w + 12]!;
    // The record's length, in 4-byte words, is its first byte.
    w += aligned[w * 4]!;
  }
}

/** The exact event times and file offsets of a body's OHLCV records, in order (`n` of them). */
function ohlcvTimesAndOffsets(body: Uint8Array, bodyStart: number, n: number): { tsNs: BigInt64Array; offset: Float64Array } {
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const tsNs = new BigInt64Array(n);
  const offset = new Float64Array(n);
  for (let at = 0, o = 0; at < body.length; at += body[at]! * 4) {
    if (body[at + 1] === RTYPE_TRADES) continue;
    tsNs[o] = dv.getBigInt64(at + 8, true);
    offset[o++] = bodyStart + at;
  }
  return { tsNs, offset };
}

/**
 * Checks a body of records of one type and counts them: each record's type must have a layout
 * (`layoutOf` returns one, or a sentence saying why not), all records one type, each exactly its
 * layout's length (plus 8 with ts_out) and whole. `label` names a record type in errors.
 */
export function scanRecords<L extends { bytes: number }>(
  body: Uint8Array,
  bodyStart: number,
  file: string,
  tsOut: boolean,
  layoutOf: (rtype: number) => L | string,
  label: (rtype: number) => string,
): { rtype: number; layout: L; n: number } | null {
  const extra = tsOut ? 8 : 0;
  let found: { rtype: number; layout: L; n: number } | null = null;
  for (let at = 0; at < body.length; ) {
    if (at + 16 > body.length) throw new DbnError(file, bodyStart + at, `truncated record header (${body.length - at} bytes left of 16)`);
    const len = body[at]! * 4;
    const rt = body[at + 1]!;
    if (found !== null && rt !== found.rtype) throw new DbnError(file, bodyStart + at, `mixes record types 0x${found.rtype.toString(16)} and 0x${rt.toString(16)}`);
    if (found === null) {
      const l = layoutOf(rt);
      if (typeof l === 'string') throw new DbnError(file, bodyStart + at, l);
      found = { rtype: rt, layout: l, n: 0 };
    }
    if (len !== found.layout.bytes + extra) throw new DbnError(file, bodyStart + at, `${label(rt)} is ${len} bytes long where its layout has ${found.layout.bytes + extra}`);
    if (at + len > body.length) throw new DbnError(file, bodyStart + at, `truncated record: ${body.length - at} of its ${len} bytes are there`);
    found.n++;
    at += len;
  }
  return found;
}

/** YYYYMMDD of an instant (UTC), as DBN symbol mappings date their intervals; 0 for a time that is none. */
export function ymdOf(ms: number): number {
  if (!Number.isFinite(ms)) return 0;
  const d = new Date(ms);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** The lake's name for an instrument: its raw symbol where that is a plain symbol, else its numeric id (a name a file could give becomes a folder, so it must be safe as one). */
export function lakeSymbol(raw: string | undefined, instrumentId: number): string {
  return raw !== undefined && symbolSchema.safeParse(raw).success ? raw : `ID${instrumentId}`;
}

/** The raw symbol for an instrument id on a date (YYYYMMDD), from a file's symbol mappings. */
export function symbolResolver(metadata: DbnMetadata): (instrumentId: number, yyyymmdd: number) => string | undefined {
  const byId = new Map<string, { rawSymbol: string; startDate: number; endDate: number }[]>();
  for (const m of metadata.mappings) {
    for (const iv of m.intervals) {
      const list = byId.get(iv.symbol) ?? [];
      list.push({ rawSymbol: m.rawSymbol, startDate: iv.startDate, endDate: iv.endDate });
      byId.set(iv.symbol, list);
    }
  }
  return (instrumentId, yyyymmdd) => {
    const list = byId.get(String(instrumentId));
    return list?.find((x) => yyyymmdd >= x.startDate && yyyymmdd < x.endDate)?.rawSymbol ?? (list?.length === 1 ? list[0]!.rawSymbol : undefined);
  };
}

const OHLCV_INTERVALS = new Set(['1s', '1m', '1h', '1d']);

function emptyOhlcv(interval: DbnOhlcv['interval']): DbnOhlcv {
  const f = (): Float64Array => new Float64Array(0);
  return { interval, instrumentId: new Uint32Array(0), tsNs: new BigInt64Array(0), tsMs: f(), open: f(), high: f(), low: f(), close: f(), volume: f(), offset: f() };
}
