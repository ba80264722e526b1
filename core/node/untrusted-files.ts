import fs from 'node:fs';
import zlib from 'node:zlib';
import { Decompress } from 'fzstd';
import { ApiError } from '../common/errors';

/**
 * Reading files that come from outside the app (imports, models, configs a user names): only
 * regular files are opened, sizes are checked before anything is allocated, and decompression stops
 * at a cap. Every refusal is an `invalid_argument` error that names the file and says what to do.
 */

/** Size limits for whole-file reads, by what the file is. */
export const MAX_BYTES = {
  /** YAML and JSON configs: portfolios, strategies, feature sets, training configs (parsed whole, on the main thread for some). */
  config: 4 << 20,
  /** CSV inputs read whole (feature and prediction inputs, factor files). */
  table: 1 << 30,
  /** Model files: ONNX protobufs, XGBoost JSON, LightGBM text. */
  model: 1 << 30,
  /** Bar files the built-in parsers read whole (CSV, DBN). */
  data: 2 ** 31 - 1,
} as const;

/** The environment variable that sets how far a compressed file may inflate. */
export const INFLATE_ENV = 'QUANTDESK_MAX_INFLATE_BYTES';
const DEFAULT_INFLATE = 1 << 30;
/** zstd windows above this are refused before any buffer is made (zstd's own default for --long is 128 MiB). */
const MAX_ZSTD_WINDOW = 128 << 20;

/** How far a compressed input may inflate: QUANTDESK_MAX_INFLATE_BYTES, else 1 GiB. */
export function inflateCap(env: Record<string, string | undefined> = process.env): number {
  const v = Number(env[INFLATE_ENV]);
  return Number.isSafeInteger(v) && v > 0 ? Math.min(v, MAX_BYTES.data) : DEFAULT_INFLATE;
}

const fmtBytes = (n: number): string => (n >= 1 << 30 ? `${+(n / (1 << 30)).toFixed(2)} GiB` : n >= 1 << 20 ? `${+(n / (1 << 20)).toFixed(1)} MiB` : `${n} bytes`);

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

const bad = (message: string, field: string): ApiError => new ApiError('invalid_argument', message, field);

/** A file refused for its size, or for what it would inflate to. */
export class TooLargeError extends ApiError {
  constructor(message: string, field: string) {
    super('invalid_argument', message, field);
  }
}

function describeOpenError(file: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ELOOP' ? 'too many symbolic links' : (code ?? (e as Error).message);
  return `${file}: cannot read it (${why})`;
}

/**
 * Opens a regular file for reading, or refuses at once: folders, FIFOs, devices and sockets are
 * never opened (a FIFO would block until someone writes to it, /dev/zero never ends). The file is
 * opened non-blocking and checked again after opening, so a path swapped for a FIFO in between
 * cannot block either. Returns the descriptor and the size; the caller closes it.
 */
export function openRegularFile(file: string, field = 'file'): { fd: number; size: number } {
  let before: fs.Stats;
  try {
    before = fs.statSync(file);
  } catch (e) {
    throw bad(describeOpenError(file, e), field);
  }
  if (!before.isFile()) throw bad(`${file}: cannot read it (it is ${kindOf(before)}; give a regular file)`, field);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    throw bad(describeOpenError(file, e), field);
  }
  const after = fs.fstatSync(fd);
  if (!after.isFile() || after.ino !== before.ino || after.dev !== before.dev) {
    fs.closeSync(fd);
    throw bad(`${file}: changed while it was being opened (now ${after.isFile() ? 'another file' : kindOf(after)}); try again`, field);
  }
  return { fd, size: after.size };
}

/** Refuses at once a path that is not a readable regular file (for checks before work is queued). */
export function assertRegularFile(file: string, field = 'file'): void {
  fs.closeSync(openRegularFile(file, field).fd);
}

/** A regular file's bytes, refused beyond `maxBytes` before anything is read. */
export function readRegularFile(file: string, o: { maxBytes: number; field?: string; what?: string }): Buffer {
  const field = o.field ?? 'file';
  const { fd, size } = openRegularFile(file, field);
  try {
    if (size > o.maxBytes) throw new TooLargeError(`${file}: ${fmtBytes(size)} is more than a ${o.what ?? 'file of this kind'} may be (${fmtBytes(o.maxBytes)})`, field);
    const buf = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const n = fs.readSync(fd, buf, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return at === size ? buf : buf.subarray(0, at);
  } finally {
    fs.closeSync(fd);
  }
}

/** A regular text file (UTF-8), refused beyond `maxBytes`. */
export function readRegularText(file: string, o: { maxBytes: number; field?: string; what?: string }): string {
  return readRegularFile(file, o).toString('utf8');
}

/** The first `bytes` bytes of a regular file (fewer when it is shorter). */
export function readRegularHead(file: string, bytes: number, field = 'file'): Buffer {
  const { fd, size } = openRegularFile(file, field);
  try {
    const buf = Buffer.alloc(Math.min(bytes, size));
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Refuses text whose parsing would need more than `budgetBytes` of heap. Each separator (`,`, `[`
 * and `{` for JSON; spaces and newlines for text formats) can start a value costing up to
 * `perValue` bytes once parsed. A parse that outgrows a worker's heap inside one builtin call
 * (JSON.parse, String.split) cannot be stopped and takes the whole process down, so the estimate is
 * made before, from the text alone.
 */
export function assertParseFits(text: string, o: { file: string; what: string; separators: string; perValue: number; budgetBytes: number }): void {
  const sep = new Uint8Array(128);
  for (const c of o.separators) sep[c.charCodeAt(0)] = 1;
  let values = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && sep[c] === 1) values++;
  }
  const need = values * o.perValue + text.length * 2;
  if (need > o.budgetBytes) {
    throw new TooLargeError(`${o.file}: reading this ${o.what} would take about ${fmtBytes(need)} of memory (${values.toLocaleString('en-US')} values), more than the ${fmtBytes(o.budgetBytes)} an import may use; raise QUANTDESK_WORKER_HEAP_MB if the file is genuine`, 'file');
  }
}

const inflateMessage = (file: string, cap: number): string =>
  `${file}: inflates to more than ${fmtBytes(cap)}, the limit for decompressed input; split the file, or raise the limit with ${INFLATE_ENV}=BYTES if it is genuine`;

/** Compressed bytes a streaming zstd decoder takes at a time. */
export const ZSTD_STREAM_PIECE = 1 << 20;

/**
 * A streaming zstd decoder for inputs too large to hold inflated: the caller pushes compressed
 * pieces of at most ZSTD_STREAM_PIECE bytes and takes what each inflates to. The first frame's window
 * is checked before the decoder allocates one, and a piece may inflate to at most `cap` bytes (what is
 * held at once), which stops a compression bomb at its first megabyte.
 */
export function zstdStream(file: string, cap = inflateCap(), field = 'file'): { push(piece: Uint8Array, final: boolean): Uint8Array[] } {
  let out: Uint8Array[] = [];
  let held = 0;
  let first = true;
  const over = new Error('over the cap');
  const d = new Decompress((chunk) => {
    held += chunk.length;
    if (held > cap) throw over;
    out.push(chunk.slice());
  });
  return {
    push(piece, final) {
      if (piece.length > ZSTD_STREAM_PIECE) throw new Error(`zstdStream takes pieces of at most ${ZSTD_STREAM_PIECE} bytes; this is a bug`);
      if (first) checkZstdFrames(piece, file, cap, field);
      first = false;
      held = 0;
      try {
        d.push(new Uint8Array(piece), final);
      } catch (e) {
        out = [];
        if (e === over) throw new TooLargeError(`${inflateMessage(file, cap).replace(', the limit for decompressed input', ', the limit for decompressed input at once, from a megabyte of it')}`, field);
        throw bad(`${file}: zstd data is corrupt or truncated (${(e as Error).message})`, field);
      }
      const got = out;
      out = [];
      return got;
    },
  };
}

/** Gunzips a whole input, stopping at `cap` bytes of output with a clear error. */
export function gunzipCapped(bytes: Uint8Array, file: string, cap = inflateCap(), field = 'file'): Buffer {
  try {
    return zlib.gunzipSync(bytes, { maxOutputLength: cap });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new TooLargeError(inflateMessage(file, cap), field);
    throw bad(`${file}: gzip data is corrupt or truncated (${(e as Error).message})`, field);
  }
}

/**
 * The leading part of a gzip stream, for sniffing a layout: at most `maxOut` bytes of output from
 * the first compressed bytes (a truncated stream is fine here; a bomb is not). Empty when the data
 * is not gzip or inflates too far even from its first 64 bytes.
 */
export function gunzipHead(bytes: Uint8Array, maxOut: number): Uint8Array {
  for (let n = Math.min(bytes.length, 256 * 1024); n >= 64; n >>= 1) {
    try {
      return zlib.gunzipSync(bytes.subarray(0, n), { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: maxOut });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') break;
    }
  }
  return new Uint8Array(0);
}

const ZSTD_MAGIC = 0xfd2fb528;

/**
 * Walks the frames of a zstd stream without inflating them, refusing windows larger than
 * MAX_ZSTD_WINDOW, or single-segment frames larger than the cap (the decoder allocates a window's
 * worth before the first byte of output).
 */
function checkZstdFrames(b: Uint8Array, file: string, cap: number, field: string): void {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let at = 0;
  while (at + 4 <= b.length) {
    const magic = dv.getUint32(at, true);
    if (magic >>> 4 === 0x184d2a5) {
      if (at + 8 > b.length) return;
      at += 8 + dv.getUint32(at + 4, true);
      continue;
    }
    if (magic !== ZSTD_MAGIC || at + 6 > b.length) return;
    const flag = b[at + 4]!;
    const singleSegment = (flag >> 5) & 1;
    const fcsCode = flag >> 6;
    const dictBytes = [0, 1, 2, 4][flag & 3]!;
    let window: number;
    let p = at + 5;
    if (!singleSegment) {
      const wd = b[p++]!;
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    } else window = 0;
    p += dictBytes;
    const fcsBytes = fcsCode === 0 ? singleSegment : 1 << fcsCode;
    if (p + fcsBytes > b.length) return;
    if (singleSegment) {
      let fcs = 0;
      for (let i = fcsBytes - 1; i >= 0; i--) fcs = fcs * 256 + b[p + i]!;
      window = fcs + (fcsCode === 1 ? 256 : 0);
    }
    // A single-segment frame's window is its whole content, which the cap bounds.
    if (singleSegment && window > cap) throw new TooLargeError(inflateMessage(file, cap), field);
    if (!singleSegment && window > MAX_ZSTD_WINDOW) throw new TooLargeError(`${file}: a zstd frame asks for a ${fmtBytes(window)} window, beyond the ${fmtBytes(MAX_ZSTD_WINDOW)} Quantdesk decodes; recompress it without --long=31`, field);
    p += fcsBytes;
    // Blocks: 3-byte headers with the last-block flag, type and size.
    for (;;) {
      if (p + 3 > b.length) return;
      const h = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
      const type = (h >> 1) & 3;
      const size = h >>> 3;
      p += 3 + (type === 1 ? 1 : size);
      if (h & 1) break;
    }
    at = p + ((flag >> 2) & 1 ? 4 : 0);
  }
}

/** Inflates a zstd stream (any number of frames), stopping at `cap` bytes of output with a clear error. */
export function zstdCapped(bytes: Uint8Array, file: string, cap = inflateCap(), field = 'file'): Uint8Array {
  checkZstdFrames(bytes, file, cap, field);
  const parts: Uint8Array[] = [];
  let total = 0;
  const over = new Error('over the cap');
  const d = new Decompress((chunk) => {
    total += chunk.length;
    if (total > cap) throw over;
    parts.push(chunk.slice());
  });
  try {
    d.push(bytes, true);
  } catch (e) {
    if (e === over) throw new TooLargeError(inflateMessage(file, cap), field);
    throw bad(`${file}: zstd data is corrupt or truncated (${(e as Error).message})`, field);
  }
  return Buffer.concat(parts, total);
}
