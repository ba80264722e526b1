import type { Timeframe } from './timeframes';
import type { BacktestMetrics } from './backtest/metrics';
import type { FactorRegression } from './backtest/factors';
import type { PortfolioResult } from './backtest/portfolio';
import type { PortfolioTerms, RiskLimits } from './schemas';
import type { StateChange, TradingState } from './trading/risk';
import type { Trade } from './backtest/engine';


/** One stage change of a model version (newest first in a history). */
export interface StageEvent {
  /** The version that changed stage. */
  version: number;
  /** Its stage before and after. */
  from: string;
  to: string;
  /** When, epoch ms. */
  at: number;
}

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

/** Lifecycle of a job. `interrupted` means the process died while it ran; it can be resumed. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

/** Progress of a running job. */
export interface JobProgress {
  /** Job id. */
  jobId: string;
  /** Fraction done, 0–1. */
  fraction: number;
  /** Rows processed so far. */
  rows: number;
  /** Rows per second over the job so far. */
  rate: number;
  /** Seconds left at the current rate, or null when unknown. */
  etaSeconds: number | null;
  /** What the job is doing now, for humans. */
  message: string;
}

/** A job as the catalog records it. */
export interface JobInfo {
  /** Job id. */
  id: string;
  /** Kind of job, e.g. `backfill`. */
  kind: string;
  /** The request that started it (what `jobs.resume` re-runs). */
  request: unknown;
  /** Current status. */
  status: JobStatus;
  /** When it was created, epoch ms. */
  createdAt: number;
  /** When it started running, epoch ms, or null. */
  startedAt: number | null;
  /** When it ended, epoch ms, or null. */
  endedAt: number | null;
  /** Last progress reported. */
  progress: JobProgress | null;
  /** Summary of the outcome for humans, e.g. "0 new bars, 1,234 already present". */
  summary: string | null;
  /** Error message when it failed. */
  error: string | null;
  /** Whether it failed on its input (a bad file, zone or argument): resuming would fail the same way, so the request is edited and started again. */
  failedOnInput: boolean;
  /** Structured result when it succeeded. */
  result: unknown;
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

/** Facts about the running host, for the status bar and About. */
export interface AppInfo {
  /** App version. */
  version: string;
  /** Home folder in use. */
  home: string;
  /** Which host serves the API. */
  host: 'electron' | 'headless' | 'cli';
  /** Versions of the main runtime components. */
  versions: Record<string, string>;
  /** Whether the demo lake has been seeded. */
  demoSeeded: boolean;
}

/** A feature set as the Features view lists it. */
export interface FeatureSetInfo {
  name: string;
  /** Where the YAML lives. */
  file: string;
  /** Whether it is one of the app's defaults (saving makes a user copy). */
  builtin: boolean;
  /** The YAML text. */
  text: string;
  /** Spec hash, when the set is valid. */
  hash: string | null;
  /** Why the set is invalid, when it is. */
  error: string | null;
}

/** Result of checking feature-set YAML. */
export interface FeatureSetCheck {
  ok: boolean;
  name: string | null;
  hash: string | null;
  /** Output columns (features, then labels). */
  columns: string[];
  symbols: string[];
  error: string | null;
}

/** Statistics of one output column of a build. */
export interface ColumnValidation {
  nullRate: number;
  min: number | null;
  max: number | null;
  mean: number | null;
  warmupRows: number;
}

/** A build's manifest and validation, as the Features view shows them. */
export interface FeatureBuildInfo {
  buildId: string;
  codeVersion: string;
  columns: string[];
  symbols: Record<string, { rows: number; months: number; inputs: number }>;
  validation: Record<string, Record<string, ColumnValidation>>;
  /** Symbols the build was asked for that it does not hold complete (failed, interrupted), with what happened. */
  incomplete: { symbol: string; status: string }[];
}

/** Where a vendor's API key comes from; the key itself never leaves the services. */
export interface VendorKeyStatus {
  vendor: 'databento' | 'polygon';
  /** The environment variable that overrides a stored key. */
  env: string;
  source: 'environment' | 'stored' | 'missing';
  /** Whether this host can store a key encrypted (Electron's safeStorage). */
  canStore: boolean;
  /** For a stored key: whether it is encrypted (false only where the user agreed to store it as it is). */
  encrypted: boolean | null;
}

/** Where inference runs. */
export interface InferenceSettings {
  /** The provider used unless a call names one ('auto': the platform's order). */
  provider: string;
  /** The order 'auto' tries on this platform, fastest first. */
  platformOrder: string[];
  /** Whether each provider loads a model here, and why not; where it loads, what ran a tree ensemble's nodes (ONNX Runtime's profile). */
  providers: { provider: string; available: boolean; reason?: string; trees?: string }[];
}

/** Where ONNX Runtime ran a model's nodes, from its profile of one inference. */
export interface ModelPlacement {
  /** The provider the session was created on. */
  asked: string;
  /** Kernels run, by operator and the provider that ran them. */
  nodes: { op: string; provider: string; count: number }[];
  /** In words: e.g. `ran on CPU (tree operators have no GPU kernels: TreeEnsembleClassifier)`. */
  summary: string;
}

/** A registered model run by the inference service on the latest rows of its feature build. */
export interface ModelCheck {
  /** `<id>@<version>`. */
  model: string;
  /** Symbols whose rows were run. */
  symbols: string[];
  /** Rows predicted. */
  rows: number;
  /** Time of the first and last row (epoch ms). */
  from: number;
  to: number;
  /** The execution provider that ran the model. */
  provider: string;
  /** Why a faster provider was not used, when one was not. */
  fallback: string | null;
  /** Where the provider really ran each node (a GPU provider runs tree operators on the CPU). */
  placement: ModelPlacement;
  /** What served the batch (and serves backtests, replays and paper sessions): the compiled trees, with their largest difference from ONNX Runtime on these rows, or ONNX Runtime, and why. */
  engine: { kind: 'compiled'; maxDiff: number } | { kind: 'onnxruntime'; why: string };
  /** Inference time of the batch. */
  ms: number;
  /** Mean, smallest and largest prediction. */
  mean: number;
  min: number;
  max: number;
  /** The classifier's threshold (chosen on validation, else 0.5); null for regressors. */
  threshold: number | null;
  /** Share of rows at or above the threshold; null for regressors. */
  aboveThreshold: number | null;
  /** A multiclass model: per class, the share of rows where it is the most probable (mean, min and max are then of that top probability). */
  classShare?: Record<string, number>;
}

/** A registered model version. */
export interface ModelInfo {
  id: string;
  version: number;
  kind: string;
  objective: string;
  symbols: string[];
  timeframe: string | null;
  featureSet: string | null;
  specHash: string | null;
  label: string | null;
  /** Input features in order. */
  features: string[];
  /** Metrics per held-out fold (validation, test). */
  metrics: Record<string, Record<string, number>>;
  /** Checksum of model.onnx. */
  sha256: string;
  /** candidate, production or archived. */
  stage: string;
  createdAt: number;
}

/** A stored backtest run as lists show it. */
export interface BacktestSummary {
  /** Run id (time-sortable), the folder name under gold/backtests/. */
  runId: string;
  /** When it ran, epoch ms. */
  createdAt: number;
  /** Strategy name (`+ml` when gated by a model). */
  strategy: string;
  /** The strategy's parameters, defaults filled in. */
  params: Record<string, number>;
  /** Symbols traded. */
  symbols: string[];
  /** Bar timeframe. */
  timeframe: Timeframe;
  /** First and last bar time, epoch ms. */
  from: number;
  to: number;
  /** The gating model as ID@VERSION, or null. */
  model: string | null;
  /** The probability an entry needed, when gated. */
  threshold: number | null;
  /** Performance (equity floored at zero: returns at or above −100%, drawdowns at most 100%). */
  metrics: BacktestMetrics;
  /** Regression of the daily returns on user factors, when a factor file was given. */
  factors?: FactorRegression & { file: string };
  /** When the account was ruined (equity at or below zero): everything was closed then and nothing more traded. */
  ruinedAt?: number;
}

/** A run's trades as columns, numbers as typed arrays. */
export interface TradeColumns {
  symbol: string[];
  side: string[];
  /** Time of the bar whose close signalled the entry (its features are the ones listed). */
  signalTime: Float64Array;
  entryTime: Float64Array;
  entryPrice: Float64Array;
  exitTime: Float64Array;
  exitPrice: Float64Array;
  qty: Float64Array;
  fees: Float64Array;
  slippage: Float64Array;
  pnl: Float64Array;
  barsHeld: Float64Array;
  mae: Float64Array;
  mfe: Float64Array;
  entryReason: string[];
  exitReason: string[];
  /** The strategy's feature values at each entry's signal bar, by column. */
  features: Record<string, Float64Array>;
}

/** A stored run in full. */
export interface BacktestDetail extends BacktestSummary {
  /** The request as given. */
  config: Record<string, unknown>;
  /** Equity after each bar time and its drawdown from the running peak (a fraction). */
  equity: { t: Float64Array; value: Float64Array; drawdown: Float64Array };
  trades: TradeColumns;
  /** Entry signals not taken: max positions reached, or sized to nothing. */
  skipped: { maxPositions: number; size: number };
}

/** A stored portfolio search: its id, the search and the config paper trading and the git export read. */
export interface PortfolioRun {
  /** Time-sortable id, the folder under lake/gold/portfolios/. */
  id: string;
  result: PortfolioResult;
  /**
   * The portfolio: instruments with the strategy and parameters their runs used, the position limit,
   * and `terms`, the chosen runs' capital, fills and costs (absent in portfolios stored before terms
   * were kept: then read from the first instrument's run).
   */
  config: { instruments: { name: string; symbol: string; run: string; strategy: string; params: Record<string, number>; timeframe: string; model: string | null; threshold: number | null; ruleOnly?: boolean }[]; maxPositions: number; sizing: unknown; riskLimits: RiskLimits; objective: string; split: string; terms?: PortfolioTerms };
  /** The chosen instruments backtested together, when any were chosen. */
  backtest?: PortfolioBacktest;
  /** Why there is no joint backtest although instruments were chosen. */
  backtestSkipped?: string;
}

/** A portfolio's own backtest: its run and each instrument's share of the P&L and of the risk. */
export interface PortfolioBacktest {
  /** The stored run (strategy `portfolio`). */
  run: BacktestSummary;
  /** Per instrument: net P&L, its share of the total, and its share of the variance of daily P&L (Euler contributions, summing to 1). */
  instruments: { name: string; netPnl: number; pnlShare: number; riskShare: number }[];
  /** Correlations of the instruments' daily net P&L over the whole run. */
  correlation: number[][];
}

/** Something a trader must see now: a killswitch trip, a session that stopped, a model that drifts. */
export interface PaperAlert {
  /** What raised it. */
  kind: 'trip' | 'session' | 'model';
  /** One line: what happened, and where. */
  title: string;
  /** The figures behind it. */
  body: string;
  /** When it was raised, epoch ms. */
  at: number;
  /** The paper session it concerns, when one does. */
  session?: string;
}

/** The killswitch as the app shows it: the trading state and its audited history, newest first. */
export interface KillswitchStatus {
  state: TradingState;
  history: StateChange[];
}

/** A paper replay's outcome. */
export interface PaperSummary {
  portfolio: string;
  from: string;
  to: string;
  /** Bars fed through features, strategy, risk gate and broker. */
  bars: number;
  /** Orders that reached the paper broker, and those the risk gate refused (with reasons). */
  orders: number;
  denials: { t: number; symbol: string; reason: string }[];
  trades: Trade[];
  netPnl: number;
  finalEquity: number;
  /** The trading state the session ran under (from the journal). */
  state: string;
}

/** Where a paper session's bars come from. */
export type PaperFeedSpec =
  /** Stored bars from `from` to `to` (dates), paced at `speed` × real time, or as fast as possible. */
  | { kind: 'replay'; from: string; to: string; speed: number | 'max' }
  /**
   * A live feed: a Polygon-protocol WebSocket or Databento's gateway (`dbn://`); with `features`, a
   * feature set (its definition as journaled) evaluated at every bar close.
   */
  | { kind: 'live'; url: string; features?: { name: string; file: string; text: string } };

/** How a paper session's model is doing live, against its backtest and its training data. */
export interface ModelMonitorInfo {
  instrument: string;
  /** `ID@VERSION`. */
  model: string;
  /** Predictions made, and those whose outcome (the model's label) is known by now. */
  predictions: number;
  resolved: number;
  lastProbability: number | null;
  /** The bar the last probability is for (its open, epoch ms). */
  lastT: number | null;
  /** For a retrieval (kNN) model, the past events its last prediction was drawn from, nearest first: when, which symbol, and how each turned out (1 or 0). */
  neighbours: { t: number; symbol: string; outcome: number }[];
  /** Share of the last 200 resolved predictions on the right side of 0.5; the model's test-period accuracy. */
  liveAccuracy: number | null;
  backtestAccuracy: number | null;
  /** Resolved predictions by probability decile: mean predicted probability against the realised rate. */
  calibration: { from: number; to: number; n: number; meanP: number | null; rate: number | null }[];
  /** Population stability index of each input feature's live values against its training distribution (deciles). */
  psi: { feature: string; value: number | null }[];
}

/** Where a paper session stands. */
export type PaperSessionStatus = 'starting' | 'running' | 'paused' | 'stopped' | 'finished' | 'failed';

/** One risk limit's usage, for the monitor's bars. */
export interface LimitUsage {
  /** The limit's name as the portfolio config spells it. */
  name: string;
  used: number;
  limit: number;
}

/** A paper session as the monitor shows it. */
export interface PaperSessionInfo {
  id: string;
  portfolio: string;
  feed: PaperFeedSpec;
  status: PaperSessionStatus;
  error: string | null;
  createdAt: number;
  /** Bars fed (and journaled) so far, and the last one's time. */
  bars: number;
  feedTime: number | null;
  capital: number;
  cash: number;
  equity: number;
  /** Equity now minus equity after the current trading day's first bar time, as the daily-loss trip measures it. */
  todayPnl: number;
  positions: { symbol: string; qty: number; avgPrice: number; last: number; unrealised: number; multiplier: number }[];
  working: { symbol: string; id: number; action: 'entry' | 'exit'; type: string; qty: number; limit?: number; stop?: number; reason: string }[];
  orders: number;
  fills: number;
  denials: number;
  /** The newest fills and denials, newest last. */
  recentFills: { symbol: string; t: number; qty: number; price: number; fee: number; reason: string }[];
  recentDenials: { t: number; symbol: string; reason: string }[];
  limits: LimitUsage[];
  /** Each model-gated instrument's monitoring (absent when no instrument is gated). */
  models?: ModelMonitorInfo[];
  /** The feature set evaluated live at every close (`features:` of the session), its rows journaled so far and the newest (absent without one). */
  features?: { set: string; rows: number; last: { symbol: string; t: number; close: number; values: Record<string, number | null> } | null };
}

/** A paper session with its curves: equity after each bar time, and what the backtest of the same bars expected. */
export interface PaperSessionDetail extends PaperSessionInfo {
  equityCurve: { t: Float64Array; value: Float64Array };
  expected: { t: Float64Array; value: Float64Array } | null;
}

/** One check run before a config export: what was checked, on what, and what was found. */
export interface ExportCheck {
  /** The kind of check: loads, features, metrics, distribution, portfolio, stage, thresholds. */
  check: string;
  /** What it was run on: a model (id@version) or an instrument. */
  subject: string;
  ok: boolean;
  /** The figures behind the verdict, or what failed and what to do. */
  detail: string;
}

/** A file of a config bundle against what the repository's bundle folder holds now. */
export interface ExportFileChange {
  /** Path inside the repository. */
  path: string;
  status: 'added' | 'modified' | 'deleted' | 'unchanged';
  bytes: number;
}

/** What an export would write, before anything is written. */
export interface ExportPreview {
  /** The repository's top folder (absolute). */
  repo: string;
  /** The bundle folder inside it. */
  dir: string;
  /** Whether the folder must first be made a git repository. */
  willInit: boolean;
  /** The exported portfolio's id in the bundle (a file's base name), null when none is stored. */
  portfolio: string | null;
  files: ExportFileChange[];
  /** A unified diff of the text files (binary files named only). */
  diff: string;
  /** Whether anything differs from what the folder holds (quantdesk.yml's time aside). */
  changed: boolean;
  checks: ExportCheck[];
  /** Uncommitted changes in the bundle folder (the export refuses them unless forced). */
  dirty: string[];
}

/** What an export did. */
export interface ExportResult {
  /** The new commit; when nothing changed, the commit HEAD already was (null in an empty repository). */
  commit: string | null;
  /** The bundle's files, as paths inside the repository. */
  files: string[];
  pushed: boolean;
  /** Whether a commit was made (false: nothing changed). */
  changed: boolean;
  tag: string | null;
  /** The commit message (with the override, when validation was overridden). */
  message: string;
  checks: ExportCheck[];
}

/** What an import restored into the home. */
export interface ImportConfigResult {
  /** The commit the bundle was read from. */
  commit: string;
  strategies: string[];
  featureSets: string[];
  /** The stored portfolio id restored, when the bundle held one. */
  portfolio: string | null;
  /** Models registered from the bundle's artifacts (id@version). */
  models: string[];
  /** Models the home already held with the same artifact. */
  modelsPresent: string[];
  /** Models the manifest names without an artifact the home lacks: what to do about them. */
  missing: string[];
}

/** Git export settings. */
export interface ExportSettings {
  /** The repository exports go to by default. */
  repo: string | null;
  /** The bundle folder inside it. */
  dir: string;
  /** The remote pushes go to. */
  remote: string;
  /** The stored portfolio exported (null: the newest). */
  portfolio: string | null;
  /** Commit author; null: git's own configuration. */
  author: { name: string; email: string } | null;
  /** Lowest test metrics a model must reach to be exported (e.g. auc 0.52). */
  minimums: Record<string, number>;
}

/** Paper trading settings. */
export interface PaperSettings {
  /** Where alerts are also POSTed as JSON; null: nowhere. */
  webhook: string | null;
  /** Account risk limits and killswitch trips, applied with each portfolio's own (the stricter wins). */
  limits: RiskLimits;
}
