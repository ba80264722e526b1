import { DateTime } from 'luxon';
import { parseTimestamp, zoneConverter } from './timestamps';

/** The CSV layouts Quantdesk reads; `auto` detects one from the header. */
export const CSV_FORMATS = ['generic', 'backtrader', 'polygon', 'databento-csv', 'yahoo', 'stooq'] as const;
export type CsvFormat = (typeof CSV_FORMATS)[number];

/** A row that was not imported, with where it came from and why. */
export interface Reject {
  line: number;
  raw: string;
  reason: string;
}

/** Parsed bars of one file, columnar, in file order; `sym` indexes `symbols`. */
export interface ParsedBars {
  format: CsvFormat | 'dbn' | 'parquet';
  /** Native timeframe when the layout says it (`1d` for daily files), else null to infer from spacing. */
  timeframe: string | null;
  symbols: string[];
  sym: Uint32Array;
  line: Int32Array;
  t: Float64Array;
  o: Float64Array;
  h: Float64Array;
  l: Float64Array;
  c: Float64Array;
  v: Float64Array;
  /** Data rows read (header excluded, blank lines excluded). */
  inputRows: number;
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
}

type Field = 'time' | 'date' | 'clock' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'symbol';

/** An import that cannot start: the message names the file and what to do. */
export class ImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportError';
  }
}

const ALIASES: Record<Exclude<Field, 'date' | 'clock'>, string[]> = {
  time: ['time', 'timestamp', 'datetime', 'date', 'ts', 'ts_event', 'window_start', 'date_time', 'dt'],
  open: ['open', 'o', 'opening price'],
  high: ['high', 'h', 'hi'],
  low: ['low', 'l', 'lo'],
  close: ['close', 'c', 'last', 'price', 'close price'],
  volume: ['volume', 'vol', 'v', 'size'],
  symbol: ['symbol', 'ticker', 'instrument', 'raw_symbol'],
};

function splitLine(line: string, delim: string): string[] {
  if (!line.includes('"')) return line.split(delim);
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted && ch === '"' && line[i + 1] === '"') {
      cur += '"';
      i++;
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (ch === delim && !quoted) {
      out.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  out.push(cur);
  return out;
}

function detectFormat(cols: string[]): CsvFormat {
  const has = (n: string): boolean => cols.includes(n);
  if (has('ticker') && has('window_start')) return 'polygon';
  if (has('ts_event') && (has('open') || has('close'))) return 'databento-csv';
  if (has('date') && has('time') && has('open') && has('close')) return 'backtrader';
  if (has('date') && has('adj close')) return 'yahoo';
  if (cols.join(',') === 'date,open,high,low,close,volume') return 'stooq';
  return 'generic';
}

function stem(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.(csv|tsv|txt)(\.gz)?$/i, '').replace(/[_-](bt|d|daily|1d|1m|min)$/i, '').toUpperCase().replace(/[^A-Z0-9._-]/g, '');
}

/**
 * Parses a CSV/TSV export of bars into columns, rejecting (never dropping) rows it cannot read:
 * every reject keeps its line number, raw text and reason.
 */
export function parseCsvBars(text: string, file: string, opts: CsvOptions = {}): ParsedBars {
  if (text.length === 0) throw new ImportError(`${file}: the file is empty`);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes('\u0000')) throw new ImportError(`${file}: the file holds NUL bytes; it is binary or UTF-16 text. Save it as UTF-8 CSV`);
  if (text.includes('\ufffd')) throw new ImportError(`${file}: the file is not valid UTF-8 text; save it as UTF-8 CSV`);
  const lines = text.split(/\r?\n/);
  let headerLine = 0;
  while (headerLine < lines.length && lines[headerLine]!.trim() === '') headerLine++;
  const header = lines[headerLine];
  if (header === undefined) throw new ImportError(`${file}: the file has no header row`);
  const delim = header.includes('\t') ? '\t' : header.includes(';') && !header.includes(',') ? ';' : ',';
  const names = splitLine(header, delim).map((c) => c.trim().replace(/^<|>$/g, '').toLowerCase());
  if (names.some((n) => n === '')) throw new ImportError(`${file}: line ${headerLine + 1}: the header has an empty column name`);
  const format = opts.format === undefined || opts.format === 'auto' ? detectFormat(names) : opts.format;

  const index = (field: Field): number => {
    const mapped = opts.map?.[field];
    if (mapped !== undefined) {
      const i = names.indexOf(mapped.toLowerCase());
      if (i < 0) throw new ImportError(`${file}: --map ${field}=${mapped}: no such column; the header has ${names.join(', ')}`);
      return i;
    }
    if (field === 'date' || field === 'clock') return -1;
    for (const a of ALIASES[field]) {
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
  if (iTime < 0 && iDate < 0) throw new ImportError(`${file}: no time column found in ${names.join(', ')}; name it with --map time=COLUMN`);
  if (iClose < 0) throw new ImportError(`${file}: no close (or price) column found in ${names.join(', ')}; name it with --map close=COLUMN`);
  const toUtc = zoneConverter(opts.tz ?? 'UTC');
  const fixedSymbol = opts.symbol ?? stem(file);

  const n = lines.length;
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
  const width = names.length;
  const num = (cells: string[], i: number, what: string): number | string => {
    const s = cells[i]!.trim();
    const x = Number(s);
    return s === '' ? `missing ${what}` : Number.isFinite(x) ? x : `bad number in ${what}: "${s}"`;
  };

  for (let li = headerLine + 1; li < n; li++) {
    const raw = lines[li]!;
    if (raw.trim() === '') continue;
    inputRows++;
    const lineNo = li + 1;
    const cells = splitLine(raw, delim);
    if (cells.length < width) {
      rejects.push({ line: lineNo, raw, reason: `missing columns: ${cells.length} of ${width}` });
      continue;
    }
    let tsText = iTime >= 0 ? cells[iTime]! : `${cells[iDate]!.trim()} ${cells[iClock]!.trim()}`;
    tsText = tsText.trim();
    const pt = parseTimestamp(tsText);
    if (pt === undefined) {
      rejects.push({ line: lineNo, raw, reason: `timestamp unparseable: "${tsText}"` });
      continue;
    }
    const close = num(cells, iClose, names[iClose]!);
    const open = iOpen >= 0 ? num(cells, iOpen, names[iOpen]!) : close;
    const high = iHigh >= 0 ? num(cells, iHigh, names[iHigh]!) : close;
    const low = iLow >= 0 ? num(cells, iLow, names[iLow]!) : close;
    const vol = iVol >= 0 ? num(cells, iVol, names[iVol]!) : 0;
    const bad = [open, high, low, close, vol].find((x) => typeof x === 'string');
    if (bad !== undefined) {
      rejects.push({ line: lineNo, raw, reason: bad as string });
      continue;
    }
    const [o, h, l, c, v] = [open, high, low, close, vol] as number[];
    if (h! < Math.max(o!, c!, l!) || l! > Math.min(o!, c!)) {
      rejects.push({ line: lineNo, raw, reason: `OHLC inconsistent: open ${o} high ${h} low ${l} close ${c}` });
      continue;
    }
    if (v! < 0) {
      rejects.push({ line: lineNo, raw, reason: `negative volume ${v}` });
      continue;
    }
    let ms = pt.ms;
    if (pt.hasTime && !pt.zoned) ms = toUtc(ms);
    if (format === 'polygon' && iTime >= 0 && !pt.hasTime) ms = pt.ms;
    anyTime ||= pt.hasTime;
    const symName = iSym >= 0 ? cells[iSym]!.trim() : fixedSymbol;
    if (symName === '') {
      rejects.push({ line: lineNo, raw, reason: 'missing symbol' });
      continue;
    }
    let si = symbolIndex.get(symName);
    if (si === undefined) {
      si = symbols.length;
      symbols.push(symName);
      symbolIndex.set(symName, si);
    }
    if (iRtype >= 0) rtypeTf = DATABENTO_RTYPE_TF[cells[iRtype]!.trim()] ?? rtypeTf;
    out.sym[rows] = si;
    out.line[rows] = lineNo;
    out.t[rows] = ms;
    out.o[rows] = o!;
    out.h[rows] = h!;
    out.l[rows] = l!;
    out.c[rows] = c!;
    out.v[rows] = v!;
    rows++;
  }
  const cut = <T extends Float64Array | Int32Array | Uint32Array>(a: T): T => a.subarray(0, rows) as T;
  let timeframe: string | null = anyTime ? rtypeTf : '1d';
  if (format === 'polygon' && rows > 0) timeframe = polygonDaily(out.t.subarray(0, rows)) ? '1d' : null;
  if (timeframe === '1d') for (let i = 0; i < rows; i++) out.t[i] = tradingDate(out.t[i]!, format);
  return { format, timeframe, symbols, sym: cut(out.sym), line: cut(out.line), t: cut(out.t), o: cut(out.o), h: cut(out.h), l: cut(out.l), c: cut(out.c), v: cut(out.v), inputRows, rejects };
}

const DATABENTO_RTYPE_TF: Record<string, string> = { '32': '1s', '33': '1m', '34': '1h', '35': '1d' };

/** Polygon day aggregates start at midnight New York time; minute aggregates at any minute. */
function polygonDaily(t: Float64Array): boolean {
  for (let i = 0; i < Math.min(t.length, 50); i++) {
    const ny = DateTime.fromMillis(t[i]!, { zone: 'America/New_York' });
    if (ny.hour !== 0 || ny.minute !== 0) return false;
  }
  return true;
}

/** Daily bars are keyed by their trading date at 00:00 UTC. */
function tradingDate(ms: number, format: CsvFormat): number {
  if (format === 'polygon') {
    const ny = DateTime.fromMillis(ms, { zone: 'America/New_York' });
    return Date.UTC(ny.year, ny.month - 1, ny.day);
  }
  return Math.floor(ms / 86_400_000) * 86_400_000;
}
