import { inflateCap } from '../untrusted-files';
import type { BookSeries } from '../../common/features/book-features';
import { nsToMs, openDbn, price, scanRecords, symbolResolver, type DbnMetadata } from './dbn';

/**
 * DBN decoder for the order-book schemas, from Databento's record layouts (little-endian, after the
 * 16-byte record header of length, rtype, publisher and instrument ids and ts_event):
 * - MBP-1 and TBBO (rtype 0x01, 80 bytes) and MBP-10 (0x0A, 368 bytes): price i64, size u32, action,
 *   side, flags, depth (u8 each), ts_recv u64, ts_in_delta i32, sequence u32, then 1 or 10 levels of
 *   bid_px i64, ask_px i64, bid_sz, ask_sz, bid_ct, ask_ct (u32 each; 32 bytes a level);
 * - BBO-1s/1m (0xC3/0xC4, 80 bytes): the same places, with no action, depth or ts_in_delta;
 * - the consolidated CMBP-1 and TCBBO (0xB1/0xC2, 80 bytes) and CBBO-1s/1m (0xC0/0xC1, 80 bytes): the
 *   same places with no depth or sequence (CBBO: no action or ts_in_delta either), and a level of
 *   bid_px, ask_px, bid_sz, ask_sz, then the publisher of the best bid and of the best ask (u16 at 24
 *   and 28 of the level) where other books have order counts;
 * - MBO (0xA0, 56 bytes): order_id u64, price i64, size u32, flags, channel_id, action, side (u8 each),
 *   ts_recv u64, ts_in_delta i32, sequence u32.
 * The layouts are the same in versions 1–3. A file written with ts_out carries 8 more bytes a record
 * (the gateway's send time), which are skipped.
 */

/** Book records by price level, columnar; level `k` of record `i` is at `i * levels + k`. */
export interface DbnBook {
  schema: 'mbp-1' | 'tbbo' | 'mbp-10' | 'bbo-1s' | 'bbo-1m' | 'cmbp-1' | 'tcbbo' | 'cbbo-1s' | 'cbbo-1m';
  /** Levels per record: 1 or 10. */
  levels: number;
  instrumentId: Uint32Array;
  publisherId: Uint16Array;
  /** ts_event in UNIX ns, exact. */
  tsEventNs: BigInt64Array;
  /** ts_recv in UNIX ns, exact (for BBO, the end of the interval). */
  tsRecvNs: BigInt64Array;
  /** ts_event in epoch ms (floor). */
  tsMs: Float64Array;
  /** Price of the event (for BBO, of the last trade); NaN where undefined. */
  price: Float64Array;
  size: Uint32Array;
  /** Action as a character code (A add, C cancel, M modify, R clear, T trade); 0 for BBO. */
  action: Uint8Array;
  /** Side as a character code (A ask, B bid, N none). */
  side: Uint8Array;
  flags: Uint8Array;
  /** Depth of the level that changed; 0 for BBO and the consolidated schemas. */
  depth: Uint8Array;
  /** 0 for BBO and CBBO. */
  tsInDelta: Int32Array;
  /** 0 for the consolidated schemas, which carry none. */
  sequence: Uint32Array;
  bidPx: Float64Array;
  askPx: Float64Array;
  bidSz: Uint32Array;
  askSz: Uint32Array;
  /** Orders at the level; 0 for the consolidated schemas. */
  bidCt: Uint32Array;
  askCt: Uint32Array;
  /** Publisher of the best bid and ask, consolidated schemas only (empty otherwise). */
  bidPb: Uint16Array;
  askPb: Uint16Array;
  /** Byte offset of each record in the decompressed file. */
  offset: Float64Array;
}

/** Market-by-order events, columnar. */
export interface DbnMbo {
  instrumentId: Uint32Array;
  publisherId: Uint16Array;
  tsEventNs: BigInt64Array;
  tsRecvNs: BigInt64Array;
  tsMs: Float64Array;
  orderId: BigUint64Array;
  price: Float64Array;
  size: Uint32Array;
  flags: Uint8Array;
  channelId: Uint8Array;
  /** Action as a character code (A add, C cancel, M modify, R clear, T trade, F fill, N none). */
  action: Uint8Array;
  side: Uint8Array;
  tsInDelta: Int32Array;
  sequence: Uint32Array;
  offset: Float64Array;
}

/** A decoded DBN file of one order-book schema. */
export interface DbnBookFile {
  metadata: DbnMetadata;
  book: DbnBook | null;
  mbo: DbnMbo | null;
  /** The raw symbol for an instrument id on a date (YYYYMMDD). */
  symbolFor(instrumentId: number, yyyymmdd: number): string | undefined;
}

/** Which header places a layout fills: `action`, `depth`, `ts_in_delta` and `sequence`; consolidated levels carry publishers, not counts. */
export interface Layout {
  bytes: number;
  levels: number;
  schema: (meta: string | null) => DbnBook['schema'] | 'mbo';
  action: boolean;
  depth: boolean;
  tsInDelta: boolean;
  sequence: boolean;
  consolidated: boolean;
}
const BOOK = { action: true, depth: true, tsInDelta: true, sequence: true, consolidated: false };
const BBO = { action: false, depth: false, tsInDelta: false, sequence: true, consolidated: false };
const CMBP = { action: true, depth: false, tsInDelta: true, sequence: false, consolidated: true };
const CBBO = { action: false, depth: false, tsInDelta: false, sequence: false, consolidated: true };
const LAYOUTS: Record<number, Layout> = {
  0x01: { bytes: 80, levels: 1, schema: (m) => (m === 'tbbo' ? 'tbbo' : 'mbp-1'), ...BOOK },
  0x0a: { bytes: 368, levels: 10, schema: () => 'mbp-10', ...BOOK },
  0xc3: { bytes: 80, levels: 1, schema: () => 'bbo-1s', ...BBO },
  0xc4: { bytes: 80, levels: 1, schema: () => 'bbo-1m', ...BBO },
  0xb1: { bytes: 80, levels: 1, schema: () => 'cmbp-1', ...CMBP },
  0xc2: { bytes: 80, levels: 1, schema: () => 'tcbbo', ...CMBP },
  0xc0: { bytes: 80, levels: 1, schema: () => 'cbbo-1s', ...CBBO },
  0xc1: { bytes: 80, levels: 1, schema: () => 'cbbo-1m', ...CBBO },
  0xa0: { bytes: 56, levels: 0, schema: () => 'mbo', ...BOOK },
};
/** The layout of each record type the order-book decoder reads. */
export const BOOK_LAYOUTS: Readonly<Record<number, Layout>> = LAYOUTS;

/** Decodes a DBN file of MBP-1, TBBO, MBP-10, BBO, CMBP-1, TCBBO, CBBO or MBO records; any other record type, or a mix, is refused by name. */
export function decodeDbnBook(input: Uint8Array, file: string, inflateLimit = inflateCap()): DbnBookFile {
  const { metadata, body, bodyStart } = openDbn(input, file, inflateLimit);
  const tsOut = metadata.tsOut ? 8 : 0;
  const found = scanRecords(
    body,
    bodyStart,
    file,
    metadata.tsOut,
    (rt) => LAYOUTS[rt] ?? `unsupported record type 0x${rt.toString(16)}; the order-book decoder reads MBP-1, TBBO, MBP-10, BBO, CMBP-1, TCBBO, CBBO and MBO`,
    (rt) => `record of type 0x${rt.toString(16)}`,
  );
  const symbolFor = symbolResolver(metadata);
  if (found === null) return { metadata, book: null, mbo: null, symbolFor };
  const { layout, n } = found;
  const schema = layout.schema(metadata.schema);
  if (schema === 'mbo') return { metadata, book: null, mbo: readMbo(new DataView(body.buffer, body.byteOffset, body.byteLength), n, bodyStart, layout.bytes + tsOut), symbolFor };
  const words = bookWords(body, bodyStart);
  const book = allocBook(schema, layout, n);
  fillBook(words, layout, layout.bytes + tsOut, 0, n, book);
  return { metadata, book, mbo: null, symbolFor };
}

/** A body of book records as 32-bit words (copied once when the bytes are not 4-byte aligned). */
export interface BookWords {
  u32: Uint32Array;
  i32: Int32Array;
  bytes: Uint8Array;
  /** Where the body starts in the decompressed file. */
  bodyStart: number;
}

/** Word views of a validated body of book records. */
export function bookWords(body: Uint8Array, bodyStart: number): BookWords {
  const aligned = body.byteOffset % 4 === 0 ? body : new Uint8Array(body);
  const words = aligned.byteLength >>> 2;
  return { u32: new Uint32Array(aligned.buffer, aligned.byteOffset, words), i32: new Int32Array(aligned.buffer, aligned.byteOffset, words), bytes: aligned, bodyStart };
}

/** Columns for `n` book records of a layout. */
export function allocBook(schema: DbnBook['schema'], layout: Layout, n: number): DbnBook {
  const levels = layout.levels;
  const pb = layout.consolidated ? n * levels : 0;
  return {
    schema,
    levels,
    instrumentId: new Uint32Array(n),
    publisherId: new Uint16Array(n),
    tsEventNs: new BigInt64Array(n),
    tsRecvNs: new BigInt64Array(n),
    tsMs: new Float64Array(n),
    price: new Float64Array(n),
    size: new Uint32Array(n),
    action: new Uint8Array(n),
    side: new Uint8Array(n),
    flags: new Uint8Array(n),
    depth: new Uint8Array(n),
    tsInDelta: new Int32Array(n),
    sequence: new Uint32Array(n),
    bidPx: new Float64Array(n * levels),
    askPx: new Float64Array(n * levels),
    bidSz: new Uint32Array(n * levels),
    askSz: new Uint32Array(n * levels),
    bidCt: new Uint32Array(n * levels),
    askCt: new Uint32Array(n * levels),
    bidPb: new Uint16Array(pb),
    askPb: new Uint16Array(pb),
    offset: new Float64Array(n),
  };
}

/** Databento's undefined price: i64::MAX, whose high word is 0x7fffffff and low word all ones. */
const UNDEF_HI = 0x7fffffff;
const UNDEF_LO = 0xffffffff;

/**
 * Decodes records `from`…`from + count` of a validated body into rows `into`… of `b` (whose columns
 * hold them): reading whole words and writing each timestamp's two halves in place, so
 * no BigInt is made per record. A caller that reuses `b` across batches touches no fresh memory.
 */
export function fillBook(w: BookWords, layout: Layout, stride: number, from: number, count: number, b: DbnBook, into = 0): void {
  const { u32, i32, bytes } = w;
  const levels = layout.levels;
  const ev = new Uint32Array(b.tsEventNs.buffer, b.tsEventNs.byteOffset, b.tsEventNs.length * 2);
  const rv = new Uint32Array(b.tsRecvNs.buffer, b.tsRecvNs.byteOffset, b.tsRecvNs.length * 2);
  const { instrumentId, publisherId, tsMs, price: px, size, action, side, flags, depth, tsInDelta, sequence, bidPx, askPx, bidSz, askSz, bidCt, askCt, bidPb, askPb, offset } = b;
  const words = stride >>> 2;
  for (let i = into, at = from * stride, q = from * words; i < into + count; i++, at += stride, q += words) {
    publisherId[i] = u32[q]! >>> 16;
    instrumentId[i] = u32[q + 1]!;
    const eLo = u32[q + 2]!;
    const eHi = u32[q + 3]!;
    ev[2 * i] = eLo;
    ev[2 * i + 1] = eHi;
    tsMs[i] = nsToMs(eLo, eHi);
    const pHi = i32[q + 5]!;
    const pLo = u32[q + 4]!;
    px[i] = pHi === UNDEF_HI && pLo === UNDEF_LO ? Number.NaN : (pHi * 4294967296 + pLo) / 1e9;
    size[i] = u32[q + 6]!;
    // A layout without a field keeps its place reserved.
    if (layout.action) action[i] = bytes[at + 28]!;
    side[i] = bytes[at + 29]!;
    flags[i] = bytes[at + 30]!;
    if (layout.depth) depth[i] = bytes[at + 31]!;
    rv[2 * i] = u32[q + 8]!;
    rv[2 * i + 1] = u32[q + 9]!;
    if (layout.tsInDelta) tsInDelta[i] = i32[q + 10]!;
    if (layout.sequence) sequence[i] = u32[q + 11]!;
    for (let k = 0, l = q + 12, j = i * levels; k < levels; k++, l += 8, j++) {
      const bHi = i32[l + 1]!;
      const bLo = u32[l]!;
      bidPx[j] = bHi === UNDEF_HI && bLo === UNDEF_LO ? Number.NaN : (bHi * 4294967296 + bLo) / 1e9;
      const aHi = i32[l + 3]!;
      const aLo = u32[l + 2]!;
      askPx[j] = aHi === UNDEF_HI && aLo === UNDEF_LO ? Number.NaN : (aHi * 4294967296 + aLo) / 1e9;
      bidSz[j] = u32[l + 4]!;
      askSz[j] = u32[l + 5]!;
      if (layout.consolidated) {
        bidPb[j] = u32[l + 6]! & 0xffff;
        askPb[j] = u32[l + 7]! & 0xffff;
      } else {
        bidCt[j] = u32[l + 6]!;
        askCt[j] = u32[l + 7]!;
      }
    }
    offset[i] = w.bodyStart + at;
  }
}

function readMbo(dv: DataView, n: number, bodyStart: number, bytes: number): DbnMbo {
  const m: DbnMbo = {
    instrumentId: new Uint32Array(n),
    publisherId: new Uint16Array(n),
    tsEventNs: new BigInt64Array(n),
    tsRecvNs: new BigInt64Array(n),
    tsMs: new Float64Array(n),
    orderId: new BigUint64Array(n),
    price: new Float64Array(n),
    size: new Uint32Array(n),
    flags: new Uint8Array(n),
    channelId: new Uint8Array(n),
    action: new Uint8Array(n),
    side: new Uint8Array(n),
    tsInDelta: new Int32Array(n),
    sequence: new Uint32Array(n),
    offset: new Float64Array(n),
  };
  for (let i = 0, at = 0; i < n; i++, at += bytes) {
    m.publisherId[i] = dv.getUint16(at + 2, true);
    m.instrumentId[i] = dv.getUint32(at + 4, true);
    m.tsEventNs[i] = dv.getBigInt64(at + 8, true);
    m.tsMs[i] = nsToMs(dv.getUint32(at + 8, true), dv.getUint32(at + 12, true));
    m.orderId[i] = dv.getBigUint64(at + 16, true);
    m.price[i] = price(dv.getUint32(at + 24, true), dv.getInt32(at + 28, true));
    m.size[i] = dv.getUint32(at + 32, true);
    m.flags[i] = dv.getUint8(at + 36);
    m.channelId[i] = dv.getUint8(at + 37);
    m.action[i] = dv.getUint8(at + 38);
    m.side[i] = dv.getUint8(at + 39);
    m.tsRecvNs[i] = dv.getBigInt64(at + 40, true);
    m.tsInDelta[i] = dv.getInt32(at + 48, true);
    m.sequence[i] = dv.getUint32(at + 52, true);
    m.offset[i] = bodyStart + at;
  }
  return m;
}

/**
 * Book records as the book features read them (receive times in ms, sizes as numbers): every record,
 * or the rows given (gathered, in their order).
 */
export function bookSeriesOf(b: DbnBook, rows?: readonly number[]): BookSeries {
  const L = b.levels;
  if (rows === undefined) {
    return { t: Float64Array.from(b.tsRecvNs, (ns) => Number(ns) / 1e6), action: b.action, side: b.side, price: b.price, size: Float64Array.from(b.size), depth: b.depth, levels: L, bidPx: b.bidPx, askPx: b.askPx, bidSz: Float64Array.from(b.bidSz), askSz: Float64Array.from(b.askSz) };
  }
  const n = rows.length;
  const s: BookSeries = { t: new Float64Array(n), action: new Uint8Array(n), side: new Uint8Array(n), price: new Float64Array(n), size: new Float64Array(n), depth: new Uint8Array(n), levels: L, bidPx: new Float64Array(n * L), askPx: new Float64Array(n * L), bidSz: new Float64Array(n * L), askSz: new Float64Array(n * L) };
  rows.forEach((i, j) => {
    s.t[j] = Number(b.tsRecvNs[i]!) / 1e6;
    s.action[j] = b.action[i]!;
    s.side[j] = b.side[i]!;
    s.price[j] = b.price[i]!;
    s.size[j] = b.size[i]!;
    s.depth[j] = b.depth[i]!;
    for (let k = 0; k < L; k++) {
      s.bidPx[j * L + k] = b.bidPx[i * L + k]!;
      s.askPx[j * L + k] = b.askPx[i * L + k]!;
      s.bidSz[j * L + k] = b.bidSz[i * L + k]!;
      s.askSz[j * L + k] = b.askSz[i * L + k]!;
    }
  });
  return s;
}
