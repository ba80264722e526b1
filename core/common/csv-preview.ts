/** Fields a CSV column can be mapped to. */
export const BAR_FIELDS = ['time', 'open', 'high', 'low', 'close', 'volume', 'symbol'] as const;
export type BarField = (typeof BAR_FIELDS)[number];

/** Header names (lower case) each field is recognised by. */
export const FIELD_ALIASES: Record<BarField, readonly string[]> = {
  time: ['time', 'timestamp', 'datetime', 'date', 'ts', 'ts_event', 'window_start', 'date_time', 'dt'],
  open: ['open', 'o', 'opening price'],
  high: ['high', 'h', 'hi'],
  low: ['low', 'l', 'lo'],
  close: ['close', 'c', 'last', 'price', 'close price'],
  volume: ['volume', 'vol', 'v', 'size'],
  symbol: ['symbol', 'ticker', 'instrument', 'raw_symbol'],
};

/** Splits one CSV line, honouring double quotes. */
export function splitCsvLine(line: string, delim: string): string[] {
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

/** The delimiter a header line uses: tab, semicolon (when there is no comma) or comma. */
export function detectDelimiter(header: string): string {
  return header.includes('\t') ? '\t' : header.includes(';') && !header.includes(',') ? ';' : ',';
}

/** Header names as the importer compares them: trimmed, lower case, without `<…>` brackets. */
export function normaliseColumn(name: string): string {
  return name.trim().replace(/^<|>$/g, '').toLowerCase();
}

/** The first rows of a CSV text, for the import dialog's column-mapping step. */
export function previewCsv(text: string, maxRows = 10): { delimiter: string; columns: string[]; rows: string[][] } {
  const lines = text.replace(/^\ufeff/, '').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0] ?? '';
  const delimiter = detectDelimiter(header);
  return { delimiter, columns: splitCsvLine(header, delimiter).map((c) => c.trim()), rows: lines.slice(1, maxRows + 1).map((l) => splitCsvLine(l, delimiter)) };
}

/** The column each field would be read from, by the importer's aliases. */
export function suggestMapping(columns: readonly string[]): Partial<Record<BarField, string>> {
  const names = columns.map(normaliseColumn);
  const out: Partial<Record<BarField, string>> = {};
  for (const f of BAR_FIELDS) {
    const i = FIELD_ALIASES[f].map((a) => names.indexOf(a)).find((x) => x >= 0);
    if (i !== undefined) out[f] = columns[i]!;
  }
  return out;
}

/** The symbol a CSV's file name stands for: its stem in capitals, without a `_bt`, `_1m`, `-daily`… suffix. */
export function symbolFromFileName(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.(csv|tsv|txt)(\.gz)?$/i, '').replace(/[_-](bt|d|daily|1d|1m|min)$/i, '').toUpperCase().replace(/[^A-Z0-9._-]/g, '');
}

/** The key a file layout is remembered by: its normalised header. */
export function layoutKey(columns: readonly string[]): string {
  return columns.map(normaliseColumn).join('|');
}

/** A CSV's first rows as the import dialog shows them. */
export interface CsvPreview {
  /** The file's name (never a folder of the host). */
  file: string;
  /** Header cells, as written. */
  columns: string[];
  /** The first data rows, split into cells. */
  rows: string[][];
}

const CLOCK = /\d{1,2}:\d{2}/;
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2}|\bUTC|\bGMT)\s*$/i;

/**
 * Why the times would be misread, or null: intraday times without an offset are read as UTC unless a
 * zone is chosen, which shifts a local-time export (a broker's New York or Zurich clock) by hours.
 * Looks at the mapped time column, and at a separate clock column where date and time are split.
 */
export function zoneWarning(preview: Pick<CsvPreview, 'columns' | 'rows'>, timeColumn: string | undefined, tz: string): string | null {
  if (tz.trim() !== '' && tz.trim().toUpperCase() !== 'UTC') return null;
  const names = preview.columns.map(normaliseColumn);
  const candidates = [timeColumn === undefined ? -1 : preview.columns.indexOf(timeColumn), names.indexOf('time')].filter((i) => i >= 0);
  for (const i of candidates) {
    const values = preview.rows.map((r) => (r[i] ?? '').trim()).filter((v) => v !== '');
    if (values.length === 0 || !values.every((v) => CLOCK.test(v))) continue;
    if (values.some((v) => HAS_ZONE.test(v))) return null;
    return `The times in column ${preview.columns[i]} (e.g. ${values[0]}) are intraday and carry no zone: they will be read as UTC. If they are the exchange's or your local clock, choose that zone (e.g. America/New_York, Europe/Zurich).`;
  }
  return null;
}
