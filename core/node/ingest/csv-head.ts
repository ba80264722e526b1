import path from 'node:path';
import { ApiError } from '../../common/errors';
import { previewCsv, type CsvPreview } from '../../common/csv-preview';
import { gunzipHead, readRegularHead } from '../untrusted-files';

/** Bytes of a file read for its preview: enough for a header and a screenful of rows. */
const HEAD_BYTES = 64 * 1024;

/**
 * The header and first rows of a CSV/TSV on this machine (plain or gzip), for the import dialog's
 * mapping step; null for formats whose columns are fixed (DBN, Parquet, zstd). Reads at most 64 KiB
 * of a regular file and names the file only by its base name.
 */
export function previewFileHead(file: string, maxRows = 8): CsvPreview | null {
  if (!path.isAbsolute(file)) throw new ApiError('invalid_argument', `${file}: give the full path of the file on the machine running Quantdesk`, 'path');
  const name = path.basename(file);
  if (!/\.(csv|tsv|txt)(\.gz)?$/i.test(name)) return null;
  const head = readRegularHead(file, HEAD_BYTES, 'path');
  const bytes = /\.gz$/i.test(name) ? gunzipHead(head, HEAD_BYTES) : head;
  if (bytes.includes(0)) throw new ApiError('invalid_argument', `${name}: holds NUL bytes; it is binary or UTF-16 text. Save it as UTF-8 CSV`, 'path');
  const text = Buffer.from(bytes).toString('utf8');
  // The last line may be cut by the 64 KiB read: keep whole lines only.
  const whole = bytes.length < HEAD_BYTES ? text : text.slice(0, Math.max(0, text.lastIndexOf('\n')));
  const p = previewCsv(whole, maxRows);
  return { file: name, columns: p.columns, rows: p.rows };
}
