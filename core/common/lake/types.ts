/** What a deleted series held. */
export interface DeletedSeries {
  /** The series' symbol. */
  symbol: string;
  /** Its timeframe as stored ('tick' for market events). */
  timeframe: string;
  /** The table it was stored in (see LakeSeries.table). */
  table: string;
  /** Part files removed. */
  files: number;
  /** Rows those files held. */
  rows: number;
  /** Bytes freed. */
  bytes: number;
}

/** One row of the lake summary: what is stored for a symbol, table and timeframe. */
export interface LakeSeries {
  /** Instrument symbol. */
  symbol: string;
  /** The table it is stored in: `bars`, `continuous`, or a table of market events (`trades`, `quotes`, `book`, …). */
  table: string;
  /** Stored timeframe (`1m`, or what an import brought: `1s`, `30m`, `1d`, …). */
  timeframe: string;
  /** Number of bars. */
  rows: number;
  /** Number of partition folders (months of bars, hours of market events). */
  partitions: number;
  /** Bytes on disk. */
  bytes: number;
  /** First bar open time, epoch ms UTC. */
  first: number;
  /** Last bar open time, epoch ms UTC. */
  last: number;
}

/** The resting book over time, for the chart's heatmap: one row per bucket, side and level (bids B, asks A). */
export interface BookHeatmap {
  /** Bucket start, epoch ms. */
  t: Float64Array;
  price: Float64Array;
  /** Size resting at the price after the bucket's last update. */
  size: Float64Array;
  /** Character code: 0x42 bid, 0x41 ask. */
  side: Uint8Array;
}

/** Traded volume per price (lowest first). */
export interface VolumeProfile {
  price: Float64Array;
  volume: Float64Array;
}

/** One partition of a series: a month of bars, an hour of market events. */
export interface LakePartition {
  /** Instrument symbol. */
  symbol: string;
  /** The table it is stored in (see LakeSeries.table). */
  table: string;
  /** Stored timeframe (`1m`, or what an import brought: `1s`, `30m`, `1d`, …; `tick` for market events). */
  timeframe: string;
  /** Partition month, `YYYY-MM`. */
  month: string;
  /** The partition's folder below the symbol's (`month=2024-03`, `date=2024-03-01/hour=14`). */
  partition: string;
  /** Part files in the month. */
  files: number;
  /** Bars in the month. */
  rows: number;
  /** Bytes on disk. */
  bytes: number;
  /** First bar, epoch ms UTC. */
  first: number;
  /** Last bar, epoch ms UTC. */
  last: number;
}

/** A row an import rejected. */
export interface RejectRow {
  /** Ingest run (import job) that saw it. */
  runId: string;
  /** File it came from, or for vendors and feeds what was asked for. */
  file: string;
  /** 1-based line number in the file (record number for binary files, bar number in a vendor's answer or a feed). */
  line: number;
  /** The entry path: `import:csv`, `import:dbn`, `polygon`, `databento:GLBX.MDP3`, `demo`, `live:host`, `retention`. */
  source: string;
  /** Byte offset of the record in the decompressed file (DBN), or null. */
  byteOffset: number | null;
  /** The line as it was. */
  raw: string;
  /** Why it was rejected. */
  reason: string;
}

/** Outcome of an import: accepted + rejected + duplicates = the input's data rows. */
export interface ImportResult {
  runId: string;
  accepted: number;
  rejected: number;
  duplicates: number;
  inputRows: number;
  symbols: string[];
  /** Symbols a universe filter left out (their rows are rejects naming the reason). */
  excluded?: string[];
  files: { file: string; format: string; parser: 'duckdb' | 'builtin'; inputRows: number; accepted: number; rejected: number; duplicates: number; series: { symbol: string; timeframe: string; table?: string; accepted: number }[] }[];
}

/** Result of a read-only SQL query over the lake. */
export interface SqlResult {
  /** Column names and DuckDB types. */
  columns: { name: string; type: string }[];
  /** Rows as JSON values (timestamps as ISO strings). */
  rows: unknown[][];
  /** Whether more rows existed than the limit. */
  truncated: boolean;
  /** Time the query took. */
  elapsedMs: number;
}

/** Data-quality report of one stored series (also written as validation.json). */
export interface QaReport {
  symbol: string;
  timeframe: string;
  rows: number;
  first: string | null;
  last: string | null;
  /** Bars sharing a timestamp with the previous one. */
  duplicates: number;
  /** Holes inside trading hours. */
  /** Holes inside sessions, and the bars the calendar expects over the series' span (null without a calendar). */
  gaps: { count: number; missingBars: number; expectedBars: number | null; examples: { after: string; before: string; missing: number }[] };
  ohlcInconsistent: { count: number; examples: string[] };
  nonPositivePrices: { count: number; examples: string[] };
  /** Returns larger than `threshold` local standard deviations. */
  spikes: { count: number; threshold: number; examples: { at: string; logReturn: number }[] };
  /** Runs of unchanged close at least `minBars` long. */
  staleRuns: { count: number; minBars: number; longest: number; examples: { from: string; bars: number }[] };
  volume: { zeroBars: number; anomalies: number; examples: { at: string; volume: number }[] };
  /** Sessions between the first and last bar that hold no bar at all: holes of any length, whole months included. */
  coverage: QaCoverage;
}

/** A stored series' session coverage. */
export interface SeriesCoverage {
  symbol: string;
  /** Stored timeframe. */
  timeframe: string;
  coverage: QaCoverage;
}

/** Which sessions of a series' span hold bars. */
export interface QaCoverage {
  /** What counts as a session: the symbol's exchange calendar, or weekdays (UTC dates) without one. */
  basis: 'calendar' | 'weekdays';
  /** Sessions from the first bar's to the last bar's. */
  expectedSessions: number;
  /** Of those, sessions holding at least one bar. */
  presentSessions: number;
  /** Trading dates of sessions without a bar, oldest first (the first 100). */
  missingSessions: string[];
  /** Months (`YYYY-MM`) that expect sessions but hold no bar at all. */
  missingMonths: string[];
  /** Per month of the span: sessions expected and present, for a coverage strip. */
  months: { month: string; expected: number; present: number }[];
}

/** A continuous futures series built from a root's contracts. */
export interface ContinuousResult {
  root: string;
  /** Stored timeframe the series were built at. */
  timeframe: string;
  /** Volume share above which the next contract becomes front. */
  threshold: number;
  /** `<ROOT>.C` (unadjusted) and `<ROOT>.CBA` (back-adjusted). */
  symbols: string[];
  /** Contracts used, nearest expiry first. */
  contracts: string[];
  /** Roll table: from which session each new front contract trades, and the close gap adjusted away. */
  rolls: { date: string; from: string; to: string; gap: number }[];
  /** Bars in each series. */
  bars: number;
  /**
   * The tables of market events kept front-month pure under `<ROOT>.C` (each session's front contract's
   * rows only), with the sessions where two contracts overlap in the stored data.
   */
  ticks: { table: string; rows: number; overlaps: { date: string; contracts: string[] }[] }[];
}

/** A symbol of a selected universe, with the statistics it was judged on. */
export interface UniverseMember {
  symbol: string;
  class: 'common' | 'preferred' | 'warrant' | 'unit' | 'right';
  /** Mean daily close. */
  avgPrice: number;
  /** Mean daily volume. */
  avgVolume: number;
  /** Trading days with bars. */
  days: number;
  first: string;
  last: string;
  lastClose: number;
}

/** Outcome of applying the retention policy. */
export interface RetentionResult {
  /** Days of 1-minute bars kept. */
  minuteDays: number;
  /** First day of the oldest month still kept at 1 minute. */
  keptFrom: string;
  /** Symbol-months turned into 5-minute bars. */
  months: number;
  minuteBarsRemoved: number;
  fiveMinuteBarsWritten: number;
  /** 5-minute bars the gate refused (one the lake already stores with other values), listed by `rejects.list`. */
  rejected: number;
  symbols: string[];
}

/** Outcome of a backfill. */
export interface BackfillResult {
  /** Bars (or, for a book or reference schema, records) written. */
  newBars: number;
  /** Bars or records in the range that the lake already had. */
  alreadyPresent: number;
  /** Bars or records the source sent that the gate refused (listed with their reasons by `rejects.list`). */
  rejected: number;
  /** The lake table written for a book or reference schema (`options` for an option chain: its definitions, open interest, quotes and trades); absent for bars. */
  table?: string;
  /** The ingest run whose rejects these are. */
  runId: string;
  /** Part files published. */
  filesWritten: number;
  /** Symbols covered. */
  symbols: string[];
}
