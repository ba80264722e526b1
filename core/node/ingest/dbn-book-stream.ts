import fs from 'node:fs';
import { openRegularFile, ZSTD_STREAM_PIECE, zstdStream } from '../untrusted-files';
import { DbnError, openDbn, scanRecords, symbolResolver, type DbnMetadata } from './dbn';
import { allocBook, BOOK_LAYOUTS, bookWords, fillBook, type DbnBook, type Layout } from './dbn-book';

/** Bytes read from the file at a time. */
const READ_BYTES = 8 << 20;
/** DBN metadata larger than this is refused (Databento's carry symbol mappings; a megabyte is far beyond them). */
const MAX_METADATA = 1 << 20;
/** Records decoded and stored at a time: 92 MiB of MBP-10 records, plus their columns. */
export const STREAM_BATCH = 262_144;
const ZSTD_MAGIC = 0xfd2fb528;

/** Some records of a DBN book file, decoded: rows 0…n of `book` (views of columns reused by the next batch). */
export interface BookBatch {
  metadata: DbnMetadata;
  book: DbnBook;
  /** Records of the file before this batch. */
  first: number;
  symbolFor(instrumentId: number, yyyymmdd: number): string | undefined;
}

/**
 * The plain bytes of an open file, chunk by chunk: as read, or inflated a megabyte of input at a
 * time by a streaming zstd decoder (which refuses bombs). A chunk is valid until the next is asked for.
 */
function* plainChunks(fd: number, size: number, file: string): Generator<Uint8Array> {
  const buf = Buffer.allocUnsafe(READ_BYTES);
  let zstd: ReturnType<typeof zstdStream> | null = null;
  for (let pos = 0; pos < size; ) {
    const n = fs.readSync(fd, buf, 0, Math.min(READ_BYTES, size - pos), pos);
    if (n <= 0) throw new DbnError(file, pos, 'the file ended before its stated size');
    const chunk = buf.subarray(0, n);
    if (pos === 0 && n >= 4 && chunk.readUInt32LE(0) === ZSTD_MAGIC) zstd = zstdStream(file);
    pos += n;
    if (zstd === null) {
      yield chunk;
      continue;
    }
    for (let at = 0; at < n; at += ZSTD_STREAM_PIECE) yield* zstd.push(chunk.subarray(at, at + ZSTD_STREAM_PIECE), pos >= size && at + ZSTD_STREAM_PIECE >= n);
  }
}

/** Columns 0…n of a book (views, no copy). */
function headOf(b: DbnBook, n: number): DbnBook {
  const L = b.levels;
  const pb = b.bidPb.length ? n * L : 0;
  return {
    ...b,
    instrumentId: b.instrumentId.subarray(0, n),
    publisherId: b.publisherId.subarray(0, n),
    tsEventNs: b.tsEventNs.subarray(0, n),
    tsRecvNs: b.tsRecvNs.subarray(0, n),
    tsMs: b.tsMs.subarray(0, n),
    price: b.price.subarray(0, n),
    size: b.size.subarray(0, n),
    action: b.action.subarray(0, n),
    side: b.side.subarray(0, n),
    flags: b.flags.subarray(0, n),
    depth: b.depth.subarray(0, n),
    tsInDelta: b.tsInDelta.subarray(0, n),
    sequence: b.sequence.subarray(0, n),
    bidPx: b.bidPx.subarray(0, n * L),
    askPx: b.askPx.subarray(0, n * L),
    bidSz: b.bidSz.subarray(0, n * L),
    askSz: b.askSz.subarray(0, n * L),
    bidCt: b.bidCt.subarray(0, n * L),
    askCt: b.askCt.subarray(0, n * L),
    bidPb: b.bidPb.subarray(0, pb),
    askPb: b.askPb.subarray(0, pb),
    offset: b.offset.subarray(0, n),
  };
}

/** The metadata of a DBN file (plain or zstd), read from its first bytes only. */
export function peekDbnMetadata(file: string): DbnMetadata {
  const { fd, size } = openRegularFile(file);
  try {
    let head: Uint8Array = new Uint8Array(0);
    for (const chunk of plainChunks(fd, size, file)) {
      head = concat(head, chunk);
      const len = metadataLength(head, file);
      if (len !== null && head.length >= 8 + len) return openDbn(head.subarray(0, 8 + len), file).metadata;
    }
    throw new DbnError(file, head.length, 'the file ends inside its metadata');
  } finally {
    fs.closeSync(fd);
  }
}

/** The declared metadata length once 8 bytes are there (null before); a stream that is not DBN is refused. */
function metadataLength(head: Uint8Array, file: string): number | null {
  if (head.length < 8) return null;
  if (head[0] !== 0x44 || head[1] !== 0x42 || head[2] !== 0x4e) throw new DbnError(file, 0, 'no DBN signature');
  const len = new DataView(head.buffer, head.byteOffset, 8).getUint32(4, true);
  if (len > MAX_METADATA) throw new DbnError(file, 4, `metadata of ${len} bytes is larger than ${MAX_METADATA}`);
  return len;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Decodes a DBN file of book records (MBP-1, TBBO, MBP-10, BBO, CMBP-1, TCBBO, CBBO) `batch` records
 * at a time, without ever holding the file or its inflated bytes whole: a file of any size is read in
 * constant memory. Every record is checked as the whole-file decoder checks it (one record type, its
 * layout's length, nothing truncated), with the byte offset in the inflated file named, and the file
 * called `name` (a download's request, say) in errors.
 */
export function* dbnBookBatches(file: string, batch = STREAM_BATCH, name = file): Generator<BookBatch> {
  const { fd, size } = openRegularFile(file);
  try {
    let head: Uint8Array = new Uint8Array(0);
    let meta: { metadata: DbnMetadata; symbolFor: BookBatch['symbolFor']; tsOut: boolean } | null = null;
    let first: { rtype: number; layout: Layout; stride: number; schema: DbnBook['schema'] } | null = null;
    let records = new Uint8Array(0);
    let filled = 0;
    let book: DbnBook | null = null;
    // Where `records` starts in the inflated file, and how many records came before it.
    let at = 0;
    let done = 0;
    const decode = (): BookBatch => {
      const f = first!;
      const body = records.subarray(0, filled);
      const found = scanRecords(body, at, name, meta!.tsOut, (rt) => (rt === f.rtype ? f.layout : `mixes record types 0x${f.rtype.toString(16)} and 0x${rt.toString(16)}`), (rt) => `record of type 0x${rt.toString(16)}`)!;
      book ??= allocBook(f.schema, f.layout, batch);
      fillBook(bookWords(body, at), f.layout, f.stride, 0, found.n, book);
      const out = { metadata: meta!.metadata, book: headOf(book, found.n), first: done, symbolFor: meta!.symbolFor };
      at += filled;
      done += found.n;
      filled = 0;
      return out;
    };
    for (const chunk of plainChunks(fd, size, name)) {
      let c = chunk;
      if (first === null) {
        head = concat(head, c);
        if (meta === null) {
          const len = metadataLength(head, name);
          if (len === null || head.length < 8 + len) continue;
          const { metadata } = openDbn(head.subarray(0, 8 + len), name);
          meta = { metadata, symbolFor: symbolResolver(metadata), tsOut: metadata.tsOut };
          head = head.subarray(8 + len);
          at = 8 + len;
        }
        if (head.length < 2) continue;
        const rtype = head[1]!;
        const layout = BOOK_LAYOUTS[rtype];
        if (!layout || layout.levels === 0) throw new DbnError(name, at, `record type 0x${rtype.toString(16)} is not a book record (MBP-1, TBBO, MBP-10, BBO, CMBP-1, TCBBO, CBBO)`);
        const schema = layout.schema(meta.metadata.schema) as DbnBook['schema'];
        first = { rtype, layout, stride: layout.bytes + (meta.tsOut ? 8 : 0), schema };
        records = new Uint8Array(batch * first.stride);
        c = head;
      }
      while (c.length) {
        const take = Math.min(c.length, records.length - filled);
        records.set(c.subarray(0, take), filled);
        filled += take;
        c = c.subarray(take);
        if (filled === records.length) yield decode();
      }
    }
    if (filled > 0) yield decode();
  } finally {
    fs.closeSync(fd);
  }
}
