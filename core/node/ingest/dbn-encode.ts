import type { DbnBook } from './dbn-book';
import { SCHEMAS, type DbnMetadata } from './dbn';

/**
 * DBN version 3 writer for the metadata header and book records, laid out as Databento's encoder lays
 * them out (the same offsets the decoder reads, reserved bytes zero): the demo source's synthetic book
 * and the fake live gateway speak it.
 */

const RTYPES: Partial<Record<DbnBook['schema'], number>> = { 'mbp-1': 0x01, tbbo: 0x01, 'mbp-10': 0x0a, 'bbo-1s': 0xc3, 'bbo-1m': 0xc4 };
const SYMBOL_LEN = 71;
const UNDEF_TS = 0xffffffffffffffffn;

/** What a written header says. */
export type DbnHeader = Pick<DbnMetadata, 'dataset' | 'schema' | 'start' | 'end' | 'stypeIn' | 'stypeOut' | 'symbols' | 'mappings'>;

const ascii = new TextEncoder();

/** The metadata header, version 3, padded to a multiple of 8 bytes as Databento pads it. */
export function encodeDbnMetadata(h: DbnHeader): Uint8Array {
  const strings = 4 + h.symbols.length * SYMBOL_LEN + 4 + 4 + 4 + h.mappings.reduce((a, m) => a + SYMBOL_LEN + 4 + m.intervals.length * (8 + SYMBOL_LEN), 0);
  const raw = 8 + 100 + 4 + strings;
  const total = Math.ceil(raw / 8) * 8;
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  b.set(ascii.encode('DBN'), 0);
  b[3] = 3;
  dv.setUint32(4, total - 8, true);
  const put = (s: string, at: number, len: number): void => {
    const bytes = ascii.encode(s);
    if (bytes.length >= len) throw new Error(`DBN header: "${s}" is longer than its ${len - 1}-byte field`);
    b.set(bytes, at);
  };
  put(h.dataset, 8, 16);
  const schemaId = h.schema === null ? -1 : SCHEMAS.indexOf(h.schema);
  dv.setUint16(24, schemaId < 0 ? 0xffff : schemaId, true);
  dv.setBigUint64(26, h.start, true);
  dv.setBigUint64(34, h.end ?? UNDEF_TS, true);
  dv.setBigUint64(42, 0n, true);
  b[50] = h.stypeIn ?? 0xff;
  b[51] = h.stypeOut;
  b[52] = 0;
  dv.setUint16(53, SYMBOL_LEN, true);
  let at = 8 + 100;
  dv.setUint32(at, 0, true);
  at += 4;
  const list = (xs: string[]): void => {
    dv.setUint32(at, xs.length, true);
    at += 4;
    for (const x of xs) {
      put(x, at, SYMBOL_LEN);
      at += SYMBOL_LEN;
    }
  };
  list(h.symbols);
  list([]);
  list([]);
  dv.setUint32(at, h.mappings.length, true);
  at += 4;
  for (const m of h.mappings) {
    put(m.rawSymbol, at, SYMBOL_LEN);
    at += SYMBOL_LEN;
    dv.setUint32(at, m.intervals.length, true);
    at += 4;
    for (const iv of m.intervals) {
      dv.setUint32(at, iv.startDate, true);
      dv.setUint32(at + 4, iv.endDate, true);
      put(iv.symbol, at + 8, SYMBOL_LEN);
      at += 8 + SYMBOL_LEN;
    }
  }
  return b;
}

/** A fixed-point price: NaN is Databento's undefined price (i64::MAX). */
function setPrice(dv: DataView, at: number, p: number): void {
  dv.setBigInt64(at, Number.isNaN(p) ? 0x7fffffffffffffffn : BigInt(Math.round(p * 1e9)), true);
}

/** Book records `from`…`to` of an MBP-1, TBBO, MBP-10 or BBO book as DBN bytes (no header). */
export function encodeDbnBookRecords(b: DbnBook, from = 0, to = b.tsRecvNs.length): Uint8Array {
  const rtype = RTYPES[b.schema];
  if (rtype === undefined) throw new Error(`the DBN writer writes MBP-1, TBBO, MBP-10 and BBO records, not ${b.schema}`);
  const bytes = 48 + 32 * b.levels;
  const out = new Uint8Array((to - from) * bytes);
  const dv = new DataView(out.buffer);
  const bbo = b.schema.startsWith('bbo');
  for (let i = from, at = 0; i < to; i++, at += bytes) {
    out[at] = bytes / 4;
    out[at + 1] = rtype;
    dv.setUint16(at + 2, b.publisherId[i]!, true);
    dv.setUint32(at + 4, b.instrumentId[i]!, true);
    dv.setBigInt64(at + 8, b.tsEventNs[i]!, true);
    setPrice(dv, at + 16, b.price[i]!);
    dv.setUint32(at + 24, b.size[i]!, true);
    if (!bbo) out[at + 28] = b.action[i]!;
    out[at + 29] = b.side[i]!;
    out[at + 30] = b.flags[i]!;
    if (!bbo) out[at + 31] = b.depth[i]!;
    dv.setBigInt64(at + 32, b.tsRecvNs[i]!, true);
    if (!bbo) dv.setInt32(at + 40, b.tsInDelta[i]!, true);
    dv.setUint32(at + 44, b.sequence[i]!, true);
    for (let k = 0; k < b.levels; k++) {
      const l = at + 48 + k * 32;
      const j = i * b.levels + k;
      setPrice(dv, l, b.bidPx[j]!);
      setPrice(dv, l + 8, b.askPx[j]!);
      dv.setUint32(l + 16, b.bidSz[j]!, true);
      dv.setUint32(l + 20, b.askSz[j]!, true);
      dv.setUint32(l + 24, b.bidCt[j]!, true);
      dv.setUint32(l + 28, b.askCt[j]!, true);
    }
  }
  return out;
}

/** A whole DBN file: header and records. */
export function encodeDbnBook(h: DbnHeader, b: DbnBook): Uint8Array {
  const head = encodeDbnMetadata(h);
  const body = encodeDbnBookRecords(b);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}
