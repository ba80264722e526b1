import type { ApiErrorData } from '../../common/errors';
import type { TradingState } from '../../common/trading/risk';
import type { RiskLimits } from '../../common/trading/schemas';
import type { BackfillSymbolRequest, VendorConfig } from './backfill';
import type { BacktestRequest, ContinuousRequest, FeaturesRequest, FilterRequest, IcRequest, ImportRequest, MaterializeRequest, PaperReplayRequest, PortfolioRequest, PromoteRequest, RetentionRequest, SnapshotsRequest, SweepRequest, TrainRequest } from '../../common/job-requests';

/** What every task carries: where the home is and the flag that cancels it. */
export interface TaskBase {
  /** The home folder the worker opens. */
  homeDir: string;
  /** The catalog's migrations folder. */
  migrations: string;
  /** better-sqlite3 addon built for this runtime when it is not Node's (Electron). */
  sqliteBinding?: string;
  /** One Int32 the service sets to 1 to cancel; the task checks it between units of work. */
  cancel: SharedArrayBuffer;
}

/** What the pool receives for one symbol of a backfill. */
export interface BackfillTask extends TaskBase {
  type: 'backfill';
  req: BackfillSymbolRequest;
  /** Vendor URLs and keys, resolved by the services (keys travel in memory only, never in the job record). */
  vendor: VendorConfig;
}

/** What the pool receives to build a continuous series. */
export interface ContinuousTask extends TaskBase {
  type: 'continuous';
  req: ContinuousRequest;
}

/** What the pool receives to build a symbol's 1 Hz book snapshots. */
export interface SnapshotsTask extends TaskBase {
  type: 'snapshots';
  req: SnapshotsRequest;
}

/** What the pool receives to apply the retention policy. */
export interface RetentionTask extends TaskBase {
  type: 'retention';
  req: RetentionRequest;
}

/** What the pool receives to materialise a resampled series. */
export interface MaterializeTask extends TaskBase {
  type: 'materialize';
  req: MaterializeRequest;
}

/** Builds one symbol of a feature set. */
export interface FeaturesTask extends TaskBase {
  type: 'features';
  req: FeaturesRequest;
  symbol: string;
}

/** Promotes a build to a gold dataset. */
export interface PromoteTask extends TaskBase {
  type: 'promote';
  req: PromoteRequest;
}

/** Runs an IC analysis. */
export interface IcTask extends TaskBase {
  type: 'ic';
  req: IcRequest;
}

/** Runs and stores a backtest. */
export interface BacktestTask extends TaskBase {
  type: 'backtest';
  req: BacktestRequest;
}

/** Replays a portfolio through paper trading under a trading state. */
export interface PaperTask extends TaskBase {
  type: 'paper';
  req: PaperReplayRequest;
  state: TradingState;
  /** Account risk limits and trips from Settings (the stricter of these and the portfolio's apply). */
  limits: RiskLimits;
}

/** Trains trade filters. */
export interface FilterTask extends TaskBase {
  type: 'filter';
  req: FilterRequest;
}

/** Builds a portfolio from backtest runs. */
export interface PortfolioTask extends TaskBase {
  type: 'portfolio';
  req: PortfolioRequest;
}

/** Runs a parameter sweep. */
export interface SweepTask extends TaskBase {
  type: 'sweep';
  req: SweepRequest;
}

/** Trains and registers a model. */
export interface TrainTask extends TaskBase {
  type: 'train';
  req: TrainRequest;
}

/** What the pool receives for an import: its files, run one after another. */
export interface ImportTask extends TaskBase {
  type: 'import';
  req: ImportRequest;
  runId: string;
}

/** Progress of an import task. */
export interface ImportTick {
  filesDone: number;
  filesTotal: number;
  rows: number;
  accepted: number;
}

/** Imports a model file (untrusted input: parsed on a worker, never on the main thread). */
export interface ModelImportTask {
  type: 'modelImport';
  homeDir: string;
  migrations: string;
  sqliteBinding?: string;
  req: { file: string; format?: 'onnx' | 'xgboost' | 'lightgbm' | 'catboost'; name?: string; featureSet?: string };
  /** Heap a parse may take in the worker: a quarter of the heap the pool gave it. */
  parseBudgetBytes: number;
}

/** What an isolated task answers: its value, or the API error it failed with (errors lose their class between threads). */
export type IsolatedOutcome<T> = { ok: true; value: T } | { ok: false; error: ApiErrorData };
