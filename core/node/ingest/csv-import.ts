import { DateTime } from 'luxon';
import { parseTimestamp, zoneConverter } from './timestamps';
import type { BarColumns } from '../demo/demo-market';
import { detectDelimiter, FIELD_ALIASES, normaliseColumn, splitCsvLine, symbolFromFileName } from '../../common/csv-preview';
import { barValueProblem, utcMs } from '../../common/bar-gate';
import type { Reject } from './reject-store';

export type { Reject } from './reject-store';

/** The CSV layouts Quantdesk reads; `auto` detects one from the header. */
export const CSV_FORMATS = ['generic', 'backtrader', 'polygon', 'databento-csv', 'yahoo', 'stooq'] as const;
export type CsvFormat = (typeof CSV_FORMATS)[number];


/** Parsed bars of one file, columnar, in file order; `sym` indexes `symbols`. */
export interface ParsedBars extends BarColumns {
  format: CsvFormat | 'dbn' | 'parquet';
  /** Native timeframe when the layout says it (`1d` for daily files), else null to infer from spacing. */
  timeframe: string | null;
  symbols: string[];
  sym: Uint32Array;
  line: Int32Array;
  /** Data rows read (header excluded, blank lines excluded). */
  inputRows: number;
  /** Byte offset of each row's record, for binary formats. */
  offset?: Float64Array;
  rejects: Reject[];
}

/** Options of a CSV import. */
export interface CsvOptions {
  format?: CsvFormat | 'auto';
  /** Symbol for files without a symbol column; defaults to the file name's stem. */
  symbol?: string;
  /** IANA zone of wall-clock times without an offset (default UTC). */
  tz?: string;
  /** Column mapping, e.g. { time: 'Date', open: 'Open' }: field → header name. */
  map?: Partial<Record<Field, string>>;
  /** Symbols left out (a universe filter): their rows are rejected with the reason given here. */
  exclude?: ReadonlyMap<string, string>;
}

type Field = 'time' | 'date' | 'clock' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'symbol';

/** An import that cannot start: the message names the file and what to do. */
export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

/** A decimal number as files write them: sign, digits, point, exponent. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * Reads a plain decimal (`-12.5`, `0.0625`) from s[a, b) without allocating. The digits form an exact
 * integer below 2^53 divided by an exact power of ten, so the result is the correctly rounded value,
 * the same as Number(). Returns undefined for anything else (exponents, long mantissas, junk), which
 * the caller hands to Number().
 */
function parseDecimal(s: string, a: number, b: number): number | undefined {
  while (a < b && s.charCodeAt(a) === 32) a++;
  while (b > a && s.charCodeAt(b - 1) === 32) b--;
  if (a === b) return undefined;
  let neg = false;
  const first = s.charCodeAt(a);
  if (first === 45 || first === 43) {
    neg = first === 45;
    a++;
  }
  let m = 0;
  let digits = 0;
  let scale = -1;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      if (m > 0 || scale >= 0) digits++;
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0) scale = 0;
    else return undefined;
  }
  // A lone sign or dot is not a number.
  if (digits > 15 || b === a || (scale === 0 && b - a === 1)) return undefined;
  const x = scale > 0 ? m / POW10[scale]! : m;
  return neg ? -x : x;
}

export function detectFormat(cols: string[]): CsvFormat {
  const has = (n: string): boolean => cols.includes(n);
  if (has('ticker') && has('window_start')) return 'polygon';
  if (has('ts_event') && (has('open') || has('close'))) return 'databento-csv';
  if (has('date') && has('time') && has('open') && has('close')) return 'backtrader';
  if (has('date') && has('adj close')) return 'yahoo';
  if (cols.join(',') === 'date,open,high,low,close,volume') return 'stooq';
  return 'generic';
}


/** Column indices of each field in a CSV header (-1 where absent). */
export interface CsvColumns {
  iTime: number;
  iDate: number;
  iClock: number;
  iOpen: number;
  iHigh: number;
  iLow: number;
  iClose: number;
  iVol: number;
  iSym: number;
  iRtype: number;
}

/** Finds each field's column from the layout, the user's mapping and known aliases; throws when time or close is missing. */
export function csvColumns(names: string[], format: CsvFormat, opts: CsvOptions, file: string): CsvColumns {
  const index = (field: Field): number => {
    const mapped = opts.map?.[field];
    if (mapped !== undefined) {
      const i = names.indexOf(mapped.toLowerCase());
      if (i < 0) throw new ImportError(`${file}: --map ${field}=${mapped}: no such column; the header has ${names.join(', ')}`);
      return i;
    }
    if (field === 'date' || field === 'clock') return -1;
    for (const a of FIELD_ALIASES[field]) {
      const i = names.indexOf(a);
      if (i >= 0) return i;
    }
    return -1;
  };
  let iTime = index('time');
  let iDate = -1;
  let iClock = -1;
  if (format === 'backtrader') {
    iDate = names.indexOf('date');
    iClock = names.indexOf('time');
    iTime = -1;
  }
  if (format === 'polygon') iTime = names.indexOf('window_start');
  if (format === 'databento-csv') iTime = names.indexOf('ts_event');
  const iClose = format === 'yahoo' && opts.map?.close === undefined ? names.indexOf('close') : index('close');
  const iOpen = index('open');
  const iHigh = index('high');
  const iLow = index('low');
  const iVol = index('volume');
  const iSym = opts.symbol !== undefined ? -1 : index('symbol');
  const iRtype = format === 'databento-csv' ? names.indexOf('rtype') : -1;
  if (iTime < 0 && iDate < 0) throw new ImportError(`${file}: no time column found in ${names.join(', ')}; choose it as Time in the import dialog's mapping, or give --map time=COLUMN`);
  if (iClose < 0) throw new ImportError(`${file}: no close (or price) column found in ${names.join(', ')}; choose it as Close in the import dialog's mapping, or give --map close=COLUMN`);
  return { iTime, iDate, iClock, iOpen, iHigh, iLow, iClose, iVol, iSym, iRtype };
}

/**
 * Parses a CSV/TSV export of bars into columns, rejecting (never dropping) rows it cannot read:
 * every reject keeps its line number, raw text and reason.
 */
export function parseCsvBars(bytes: Uint8Array, file: string, opts: CsvOptions = {}): ParsedBars {
  if (bytes.length === 0) throw new ImportError(`${file}: the file is empty`);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.indexOf(0) >= 0) throw new ImportError(`${file}: the file holds NUL bytes; it is binary or UTF-16 text. Save it as UTF-8 CSV`);
  let lineCount = 1;
  for (let at = buf.indexOf(10); at >= 0; at = buf.indexOf(10, at + 1)) lineCount++;
  const lines = chunkedLines(buf, file);
  let headerLine = 0;
  let header: string | undefined;
  // Pulled by hand: a for-of with break would close the generator.
  for (let r = lines.next(); !r.done; r = lines.next()) {
    headerLine++;
    if (r.value.trim() !== '') {
      header = r.value.charCodeAt(0) === 0xfeff ? r.value.slice(1) : r.value;
      break;
    }
  }
  if (header === undefined) throw new ImportError(`${file}: the file has no header row`);
  headerLine--;
  const delim = detectDelimiter(header);
  const names = splitCsvLine(header, delim).map(normaliseColumn);
  if (names.some((n) => n === '')) throw new ImportError(`${file}: line ${headerLine + 1}: the header has an empty column name`);
  const format = opts.format === undefined || opts.format === 'auto' ? detectFormat(names) : opts.format;

  const { iTime, iDate, iClock, iOpen, iHigh, iLow, iClose, iVol, iSym, iRtype } = csvColumns(names, format, opts, file);
  const toUtc = zoneConverter(opts.tz ?? 'UTC');
  const fixedSymbol = opts.symbol ?? symbolFromFileName(file);

  const n = lineCount;
  const out = {
    sym: new Uint32Array(n),
    line: new Int32Array(n),
    t: new Float64Array(n),
    o: new Float64Array(n),
    h: new Float64Array(n),
    l: new Float64Array(n),
    c: new Float64Array(n),
    v: new Float64Array(n),
  };
  const symbols: string[] = [];
  const symbolIndex = new Map<string, number>();
  const rejects: Reject[] = [];
  let rows = 0;
  let inputRows = 0;
  let anyTime = false;
  let rtypeTf: string | null = null;
  /** Databento CSV only: prices are integers in units of 1e-9 (the encoder's default) rather than decimals. */
  let fixedPoint: boolean | undefined;
  const width = names.length;
  // Field bounds of the current line: plain lines are scanned in place, quoted ones split.
  const starts = new Int32Array(width + 1);
  const ends = new Int32Array(width + 1);
  let text = '';
  const field = (i: number): string => text.slice(starts[i]!, ends[i]!);
  // Numbers are read without allocating: NaN marks a bad cell, and the reason is built only then.
  const num = (i: number): number => {
    const fast = parseDecimal(text, starts[i]!, ends[i]!);
    if (fast !== undefined) return fast;
    const raw = field(i).trim();
    // Only decimal notation: `0x10`, `Infinity` and `1_000` are not prices.
    return DECIMAL.test(raw) ? Number(raw) : Number.NaN;
  };
  const whyBad = (i: number): string => (field(i).trim() === '' ? `missing ${names[i]}` : `bad number in ${names[i]}: "${field(i).trim()}"`);

  let li = headerLine;
  for (let next = lines.next(); !next.done; next = lines.next()) {
    const raw = next.value;
    li++;
    if (raw.length === 0 || (raw.length < 3 && raw.trim() === '')) continue;
    inputRows++;
    const lineNo = li + 1;
    let count = 0;
    if (raw.includes('"')) {
      const cells = splitCsvLine(raw, delim);
      text = cells.join(delim);
      let at = 0;
      for (const c of cells) {
        if (count <= width) {
          starts[count] = at;
          ends[count] = at + c.length;
        }
        count++;
        at += c.length + 1;
      }
    } else {
      text = raw;
      let at = 0;
      for (;;) {
        const next = raw.indexOf(delim, at);
        if (count <= width) {
          starts[count] = at;
          ends[count] = next < 0 ? raw.length : next;
        }
        count++;
        if (next < 0 || count > width) break;
        at = next + 1;
      }
    }
    if (count < width) {
      rejects.push({ line: lineNo, raw, reason: `missing columns: ${count} of ${width}` });
      continue;
    }
    if (count > width) {
      rejects.push({ line: lineNo, raw, reason: `extra columns: more than the header's ${width}` });
      continue;
    }
    const tsText = iTime >= 0 ? field(iTime) : `${field(iDate).trim()} ${field(iClock).trim()}`;
    const pt = parseTimestamp(tsText);
    if (pt === undefined) {
      rejects.push({ line: lineNo, raw, reason: `timestamp unparseable: "${tsText.trim()}"` });
      continue;
    }
    if (format === 'databento-csv') {
      // Databento writes prices as fixed-point integers of 1e-9 unless asked for pretty ones (always with decimals): the first row says which.
      fixedPoint ??= isFixedPoint(field(iClose).trim());
      const odd = [iOpen, iHigh, iLow, iClose].find((i) => {
        const cell = field(i).trim();
        return i >= 0 && (cell === DATABENTO_UNDEF_PRICE || (fixedPoint ? cell.includes('.') : isFixedPoint(cell)));
      });
      if (odd !== undefined) {
        rejects.push({ line: lineNo, raw, reason: field(odd).trim() === DATABENTO_UNDEF_PRICE ? `no ${names[odd]} (Databento's undefined price)` : `${names[odd]} "${field(odd).trim()}" is ${fixedPoint ? 'a decimal price in a file of fixed-point (1e-9) prices' : 'a fixed-point price in a file of decimal prices'}` });
        continue;
      }
    }
    const scale = fixedPoint ? 1e9 : 1;
    const c = num(iClose) / scale;
    const o = iOpen >= 0 ? num(iOpen) / scale : c;
    const h = iHigh >= 0 ? num(iHigh) / scale : c;
    const l = iLow >= 0 ? num(iLow) / scale : c;
    const v = iVol >= 0 ? num(iVol) : 0;
    if (!Number.isFinite(o + h + l + c + v)) {
      const bad = [iOpen, iHigh, iLow, iClose, iVol].find((i) => i >= 0 && !Number.isFinite(num(i)))!;
      rejects.push({ line: lineNo, raw, reason: whyBad(bad) });
      continue;
    }
    const problem = barValueProblem(o, h, l, c, v);
    if (problem) {
      rejects.push({ line: lineNo, raw, reason: problem });
      continue;
    }
    let ms = pt.ms;
    if (pt.hasTime && !pt.zoned) ms = toUtc(ms);
    anyTime ||= pt.hasTime;
    const symName = iSym >= 0 ? field(iSym).trim() : fixedSymbol;
    if (symName === '') {
      rejects.push({ line: lineNo, raw, reason: 'missing symbol' });
      continue;
    }
    const excluded = opts.exclude?.get(symName);
    if (excluded !== undefined) {
      rejects.push({ line: lineNo, raw, reason: `outside the universe: ${excluded}` });
      continue;
    }
    let si = symbolIndex.get(symName);
    if (si === undefined) {
      si = symbols.length;
      symbols.push(symName);
      symbolIndex.set(symName, si);
    }
    if (iRtype >= 0) rtypeTf = DATABENTO_RTYPE_TF[field(iRtype).trim()] ?? rtypeTf;
    out.sym[rows] = si;
    out.line[rows] = lineNo;
    out.t[rows] = ms;
    out.o[rows] = o;
    out.h[rows] = h;
    out.l[rows] = l;
    out.c[rows] = c;
    out.v[rows] = v;
    rows++;
  }
  const cut = <T extends Float64Array | Int32Array | Uint32Array>(a: T): T => a.subarray(0, rows) as T;
  let timeframe: string | null = anyTime ? rtypeTf : '1d';
  if (format === 'polygon' && rows > 0) timeframe = polygonDaily(out.t.subarray(0, rows)) ? '1d' : null;
  if (timeframe === '1d') for (let i = 0; i < rows; i++) out.t[i] = tradingDate(out.t[i]!, format);
  return { format, timeframe, symbols, sym: cut(out.sym), line: cut(out.line), t: cut(out.t), o: cut(out.o), h: cut(out.h), l: cut(out.l), c: cut(out.c), v: cut(out.v), inputRows, rejects };
}

const DATABENTO_RTYPE_TF: Record<string, string> = { '32': '1s', '33': '1m', '34': '1h', '35': '1d' };
/** Databento's null price: i64::MAX. */
const DATABENTO_UNDEF_PRICE = '9223372036854775807';

/**
 * Whether a Databento CSV price cell is fixed-point: an integer of at least 1e6 units (a price of
 * 0.001 or more), as the encoder writes without `pretty_px`; pretty prices always carry decimals.
 */
const isFixedPoint = (cell: string): boolean => /^-?\d+$/.test(cell) && Math.abs(Number(cell)) >= 1e6;

/**
 * The lines of a byte buffer, decoded a few MiB at a time (split at newlines, which never fall inside
 * a UTF-8 sequence), so files larger than the longest possible string still import.
 */
function* chunkedLines(buf: Buffer, file: string): Generator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const CHUNK = 4 << 20;
  for (let start = 0; start < buf.length; ) {
    let end = Math.min(buf.length, start + CHUNK);
    if (end < buf.length) {
      const nl = buf.indexOf(10, end);
      end = nl < 0 ? buf.length : nl + 1;
    }
    let text: string;
    try {
      text = decoder.decode(buf.subarray(start, end));
    } catch {
      throw new ImportError(`${file}: the file is not valid UTF-8 text (near byte ${start}); save it as UTF-8 CSV`);
    }
    const parts = text.split('\n');
    if (end < buf.length || parts[parts.length - 1] === '') parts.pop();
    for (const p of parts) yield p.endsWith('\r') ? p.slice(0, -1) : p;
    start = end;
  }
}

/** Polygon day aggregates start at midnight New York time; minute aggregates at any minute. */
function polygonDaily(t: Float64Array): boolean {
  for (let i = 0; i < Math.min(t.length, 50); i++) {
    const ny = DateTime.fromMillis(t[i]!, { zone: 'America/New_York' });
    if (ny.hour !== 0 || ny.minute !== 0) return false;
  }
  return true;
}

/** The text of the given 1-based lines of a file (without line ends): a reject's raw text after parsing. */
export function linesAt(bytes: Uint8Array, wanted: ReadonlySet<number>): Map<number, string> {
  const out = new Map<number, string>();
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const last = Math.max(0, ...wanted);
  for (let line = 1, at = 0; at <= buf.length && line <= last; line++) {
    const nl = buf.indexOf(10, at);
    const end = nl < 0 ? buf.length : nl;
    if (wanted.has(line)) out.set(line, buf.toString('utf8', at, end > at && buf[end - 1] === 13 ? end - 1 : end));
    if (nl < 0) break;
    at = nl + 1;
  }
  return out;
}

/** Polygon daily bars start at midnight New York time: their trading date, at 00:00 UTC. */
export function polygonTradingDate(ms: number): number {
  const ny = DateTime.fromMillis(ms, { zone: 'America/New_York' });
  return utcMs(ny.year, ny.month, ny.day);
}

/** Daily bars are keyed by their trading date at 00:00 UTC. */
function tradingDate(ms: number, format: CsvFormat): number {
  return format === 'polygon' ? polygonTradingDate(ms) : Math.floor(ms / 86_400_000) * 86_400_000;
}
