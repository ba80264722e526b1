import type { Reject } from './reject-store';

/** Outcome of importing one file. accepted + rejected + duplicates = inputRows, always. */
export interface ImportFileResult {
  file: string;
  format: string;
  /** Which reader parsed the file: DuckDB's (clean CSV files) or Quantdesk's own (everything else). */
  parser: 'duckdb' | 'builtin';
  inputRows: number;
  accepted: number;
  rejected: number;
  duplicates: number;
  /** Stored series per symbol: its timeframe ('tick' for market events), and for market events the table they went to. */
  series: { symbol: string; timeframe: string; table?: string; accepted: number }[];
}

/** What storing decoded records did. accepted + rejects + duplicates = inputRows. */
export interface StoredTicks {
  inputRows: number;
  accepted: number;
  duplicates: number;
  rejects: Reject[];
  series: ImportFileResult['series'];
}
