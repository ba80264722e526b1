import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../common/errors';
import { computeFeatures, FeatureSpecError, parseFeatureList } from '../../common/features/registry';
import { utcDaySeries } from '../../common/features/series';
import { detectDelimiter, normaliseColumn, splitCsvLine } from '../../common/csv-preview';
import { parseTimestamp } from '../ingest/timestamps';
import { MAX_BYTES, readRegularText } from '../untrusted-files';

/** What `features compute` did. */
export interface ComputeCsvResult {
  rows: number;
  columns: string[];
  out: string;
}

const bad = (message: string, where: string): ApiError => new ApiError('invalid_argument', message, where);

/**
 * Computes registry features on any OHLCV CSV (columns time or date, open, high, low, close, volume,
 * any case) with the same batch kernels builds use, and writes the input's time column plus the
 * feature columns, warm-up rows left empty. Sessions are UTC days (the file names no exchange).
 * Everything is checked before anything is written, and the output appears whole or not at all.
 */
export function computeFeaturesCsv(input: string, specs: string, out: string): ComputeCsvResult {
  let features;
  try {
    features = parseFeatureList(specs);
  } catch (e) {
    if (e instanceof FeatureSpecError) throw bad(e.message, 'features');
    throw e;
  }
  const pairs = features.filter((f) => f.def.takesSymbol);
  if (pairs.length > 0) throw bad(`feature "${pairs[0]!.spec}" needs a partner symbol's bars, which a CSV file does not carry; use it in a feature set built from the lake`, 'features');
  const text = readRegularText(input, { maxBytes: MAX_BYTES.table, field: 'input', what: 'CSV input' });
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  if (lines.length < 2) throw bad(`${input}: needs a header line and at least one row`, 'input');
  const delim = detectDelimiter(lines[0]!);
  const header = splitCsvLine(lines[0]!.replace(/^\uFEFF/, ''), delim).map(normaliseColumn);
  const find = (...names: string[]): number => names.map((n) => header.indexOf(n)).find((i) => i >= 0) ?? -1;
  const iTime = find('time', 'date', 'datetime', 'timestamp');
  const need: [string, number][] = [
    ['time (or date)', iTime],
    ['open', find('open')],
    ['high', find('high')],
    ['low', find('low')],
    ['close', find('close')],
    ['volume', find('volume')],
  ];
  const missing = need.filter(([, i]) => i < 0).map(([n]) => n);
  if (missing.length > 0) throw bad(`${input}: line 1: no ${missing.join(', ')} column; the header has ${header.join(', ')}`, 'input');
  const n = lines.length - 1;
  const cols = { t: new Float64Array(n), o: new Float64Array(n), h: new Float64Array(n), l: new Float64Array(n), c: new Float64Array(n), v: new Float64Array(n) };
  const targets = [cols.o, cols.h, cols.l, cols.c, cols.v];
  const times: string[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const f = splitCsvLine(lines[r + 1]!, delim);
    const lineNo = r + 2;
    times[r] = f[iTime] ?? '';
    const ts = parseTimestamp(times[r]!.trim());
    if (ts === undefined) throw bad(`${input}: line ${lineNo}: time "${times[r]}" is not a date or timestamp`, 'input');
    cols.t[r] = ts.ms;
    if (r > 0 && ts.ms <= cols.t[r - 1]!) throw bad(`${input}: line ${lineNo}: time ${times[r]} is not after the previous row's; sort the file by time`, 'input');
    for (let k = 0; k < 5; k++) {
      const raw = f[need[k + 1]![1]]?.trim() ?? '';
      const x = raw === '' ? Number.NaN : Number(raw);
      if (!Number.isFinite(x)) throw bad(`${input}: line ${lineNo}: ${need[k + 1]![0]} "${raw}" is not a number`, 'input');
      targets[k]![r] = x;
    }
  }
  const values = computeFeatures(utcDaySeries(cols), features);
  const names = [...values.keys()];
  const columns = [...values.values()];
  const rows: string[] = [[header[iTime], ...names].join(',')];
  for (let r = 0; r < n; r++) {
    let line = times[r]!.includes(',') ? `"${times[r]}"` : times[r]!;
    for (const c of columns) line += Number.isNaN(c[r]!) ? ',' : `,${c[r]}`;
    rows.push(line);
  }
  const dest = path.resolve(out);
  const staged = `${dest}.${process.pid}.tmp`;
  fs.writeFileSync(staged, `${rows.join('\n')}\n`);
  fs.renameSync(staged, dest);
  return { rows: n, columns: names, out: dest };
}
