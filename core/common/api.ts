import type { z } from 'zod';
import type { BACKFILL_SOURCES } from './lake/schemas';
import type { TrainConfig } from './models/schemas';
import type { AppInfo, VendorKeyStatus } from './app-info';
import type { BacktestDetail, BacktestSummary } from './backtest/types';
import type { BookHeatmap, VolumeProfile, DeletedSeries, LakePartition, LakeSeries, QaReport, RejectRow, SeriesCoverage, SqlResult, UniverseMember } from './lake/types';
import type { StageEvent, InferenceSettings, ModelCheck, ModelInfo } from './models/types';
import type { KillswitchStatus, PaperAlert, PaperSessionDetail, PaperSessionInfo, PaperSettings } from './trading/types';
import type { FeatureBuildInfo, FeatureSetCheck, FeatureSetInfo } from './features/set-types';
import type { JobInfo, JobProgress } from './jobs/types';
import type { ExportPreview, ExportResult, ExportSettings, ImportConfigResult } from './gitexport/types';
import type { Bars } from './bars';
import type { ContractSpec } from './instruments';
import type { CsvPreview } from './csv-preview';
import type { MonteCarloResult } from './backtest/monte-carlo';
import type { StrategyConfig } from './backtest/schemas';
import type { StateChange, TradingState } from './trading/risk';
import type { MenuCommand } from './menu';
import type { OptionChainView, OptionsQaReport } from './options/types';
import { apiSchemas } from './api-schemas';

/** Every method name. */
export type Method = keyof typeof apiSchemas;
/** What a caller passes to a method. */
export type ArgOf<M extends Method> = z.input<(typeof apiSchemas)[M]>;
/** What a handler receives after validation. */
export type ParsedArgOf<M extends Method> = z.output<(typeof apiSchemas)[M]>;

/** A data source a backfill can use. */
export interface SourceInfo {
  /** Source id, as `backfill --source` takes it. */
  id: (typeof BACKFILL_SOURCES)[number];
  /** Human name. */
  name: string;
  /** Symbols the source offers. */
  symbols: string[];
  /** Earliest date it can deliver, `YYYY-MM-DD`. */
  earliest: string;
}

/** The one API every host serves. */
export interface QuantApi {
  /** Versions, home folder and host kind. */
  'app.info': (a: ArgOf<'app.info'>) => Promise<AppInfo>;
  /** Contract specs of the known instruments (with the maintenance margins set in place of the table's). */
  'instruments.list': (a: ArgOf<'instruments.list'>) => Promise<ContractSpec[]>;
  /** Sets an instrument's maintenance margin per contract (null: back to the table's); returns the table. Backtests and portfolios built afterwards use it. */
  'instruments.setMargin': (a: ArgOf<'instruments.setMargin'>) => Promise<ContractSpec[]>;
  /** Sources a backfill can draw from. */
  'sources.list': (a: ArgOf<'sources.list'>) => Promise<SourceInfo[]>;
  /** Bars for one symbol and timeframe, oldest first; with `limit`, the last `limit` bars up to `to`. */
  'bars.get': (a: ArgOf<'bars.get'>) => Promise<Bars>;
  /** Per symbol and timeframe: rows, partitions, bytes, first and last bar. */
  'lake.summary': (a: ArgOf<'lake.summary'>) => Promise<LakeSeries[]>;
  /** The resting book over time (the book after each bucket's last update) for the chart's depth heatmap. */
  'book.heatmap': (a: ArgOf<'book.heatmap'>) => Promise<BookHeatmap>;
  /** A futures symbol's option chains at a moment: only options on the session's front contract, 0DTE unless `dte`; IV, greeks and gamma exposure by strike. */
  'options.chain': (a: ArgOf<'options.chain'>) => Promise<OptionChainView>;
  /** Per session with stored options: the front contract, the options' underlyings, and whether they agree. */
  'options.qa': (a: ArgOf<'options.qa'>) => Promise<OptionsQaReport>;
  /** Traded volume per price over a range, from the book's trades, for the chart's volume profile. */
  'book.profile': (a: ArgOf<'book.profile'>) => Promise<VolumeProfile>;
  /** Month partitions, optionally for one symbol or timeframe. */
  'lake.partitions': (a: ArgOf<'lake.partitions'>) => Promise<LakePartition[]>;
  /** Deletes one stored series (catalog, then files, backfill coverage, the symbol's resamples); its rejects stay. */
  'lake.delete': (a: ArgOf<'lake.delete'>) => Promise<DeletedSeries>;
  /** Starts a job on the worker pool. */
  'jobs.start': (a: ArgOf<'jobs.start'>) => Promise<{ jobId: string }>;
  /** Jobs, newest first: active and recent ones, or all with `all`. */
  'jobs.list': (a: ArgOf<'jobs.list'>) => Promise<JobInfo[]>;
  /** One job. */
  'jobs.get': (a: ArgOf<'jobs.get'>) => Promise<JobInfo>;
  /** Cancels a queued or running job. */
  'jobs.cancel': (a: ArgOf<'jobs.cancel'>) => Promise<JobInfo>;
  /** Re-runs an interrupted, failed or cancelled job's request as a new job; data already written is not duplicated. */
  'jobs.resume': (a: ArgOf<'jobs.resume'>) => Promise<{ jobId: string }>;
  /** Rejected rows of imports, newest run first: file, line, raw text and reason. */
  'rejects.list': (a: ArgOf<'rejects.list'>) => Promise<RejectRow[]>;
  /** Receives a file in chunks (from a drop or a file picker) into the home's inbox; the last chunk returns its path for an import. */
  'files.upload': (a: ArgOf<'files.upload'>) => Promise<{ uploadId: string; path: string | null; bytes: number }>;
  /** One read-only SQL query over the lake's views `bars`, `trades` and `rejects`. */
  'lake.sql': (a: ArgOf<'lake.sql'>) => Promise<SqlResult>;
  /** Stops a running SQL console query by the id its caller gave it; `cancelled` is false when none of that id runs. */
  'lake.sqlCancel': (a: ArgOf<'lake.sqlCancel'>) => Promise<{ cancelled: boolean }>;
  /** Symbols passing universe filters (price range, average volume, days listed, common stock only). */
  'lake.universe': (a: ArgOf<'lake.universe'>) => Promise<UniverseMember[]>;
  /** The column mapping and time zone remembered for a CSV layout (its header), or null. */
  'imports.layout': (a: ArgOf<'imports.layout'>) => Promise<{ map?: Record<string, string>; tz?: string } | null>;
  /** The header and first rows of a CSV on the host, for the mapping step; null for fixed layouts (DBN, Parquet). */
  'imports.preview': (a: ArgOf<'imports.preview'>) => Promise<CsvPreview | null>;
  /** Data-quality report of a stored series (finest stored timeframe unless named); also saved as validation.json. */
  'lake.qa': (a: ArgOf<'lake.qa'>) => Promise<QaReport>;
  /** Per stored bar series, the sessions between its first and last bar that hold bars, month by month. */
  'lake.coverage': (a: ArgOf<'lake.coverage'>) => Promise<SeriesCoverage[]>;
  /** Feature sets available (user sets in the home shadow defaults of the same name), with their YAML. */
  'features.sets': (a: ArgOf<'features.sets'>) => Promise<FeatureSetInfo[]>;
  /** Checks feature-set YAML without saving it: its hash and output columns, or the error naming the field. */
  'features.validate': (a: ArgOf<'features.validate'>) => Promise<FeatureSetCheck>;
  /** Validates and saves feature-set YAML as a user set in the home, named by its `name` field. */
  'features.save': (a: ArgOf<'features.save'>) => Promise<FeatureSetInfo>;
  /** The manifest and validation of a set's current build (its spec hash), or null when not built yet. */
  'features.build': (a: ArgOf<'features.build'>) => Promise<FeatureBuildInfo | null>;
  /** Registered model versions, newest first. */
  'models.list': (a: ArgOf<'models.list'>) => Promise<ModelInfo[]>;
  /** One model version (`ID` for the newest, `ID@VERSION`) with its model card. */
  'models.get': (a: ArgOf<'models.get'>) => Promise<ModelInfo & { card: unknown; history: StageEvent[] }>;
  /** Imports a model trained elsewhere (ONNX as it is; XGBoost, LightGBM and CatBoost files converted to ONNX), checked against a feature set when named; a multiclass model names its classes. */
  'models.import': (a: ArgOf<'models.import'>) => Promise<{ id: string; version: number; kind: string; objective: string; output: string; classes?: string[]; features: string[]; featureOrder?: 'same' | 'by name'; window?: number }>;
  /** Reads and validates a training config (YAML); errors name the line and the setting. */
  'models.checkConfig': (a: ArgOf<'models.checkConfig'>) => Promise<TrainConfig>;
  /** A training config (as the form builds it) written as the YAML `quantdesk train --config` reads. */
  'models.configYaml': (a: ArgOf<'models.configYaml'>) => Promise<{ text: string }>;
  /** The killswitch: the trading state and its audited history, newest first. */
  'paper.killswitch.get': (a: ArgOf<'paper.killswitch.get'>) => Promise<KillswitchStatus>;
  /** Sets the trading state (halted: only cancels; reducing: only reducing orders), journaled before it answers; re-arming is explicit. */
  'paper.killswitch.set': (a: ArgOf<'paper.killswitch.set'>) => Promise<KillswitchStatus>;
  /** Paper sessions, newest first, with their positions, orders, fills, P&L and limit usage. */
  'paper.sessions': (a: ArgOf<'paper.sessions'>) => Promise<PaperSessionInfo[]>;
  /** Alerts raised by trips, sessions and model monitoring, newest first (journaled; 100 unless `limit` says). */
  'paper.alerts': (a: ArgOf<'paper.alerts'>) => Promise<PaperAlert[]>;
  /** One paper session with its equity curve and the backtest's expectation for the same bars. */
  'paper.session.get': (a: ArgOf<'paper.session.get'>) => Promise<PaperSessionDetail>;
  /** Starts a paper session replaying stored bars of a portfolio at a speed, on its own worker. */
  'paper.session.start': (a: ArgOf<'paper.session.start'>) => Promise<PaperSessionInfo>;
  /** Pauses, resumes, single-steps or stops a running paper session. */
  'paper.session.control': (a: ArgOf<'paper.session.control'>) => Promise<PaperSessionInfo>;
  /** Stored portfolios, newest first, with their instruments (to choose what an export carries). */
  'config.portfolios': (a: ArgOf<'config.portfolios'>) => Promise<{ id: string; instruments: { name: string; symbol: string; model: string | null; ruleOnly: boolean }[] }[]>;
  /** Marks a stored portfolio's instruments that trade without a model (rule-only). */
  'config.setRuleOnly': (a: ArgOf<'config.setRuleOnly'>) => Promise<{ id: string; instruments: { name: string; symbol: string; model: string | null; ruleOnly: boolean }[] }>;
  /** What an export would write: files, a diff against the repository, validation, uncommitted changes; writes nothing. */
  'config.preview': (a: ArgOf<'config.preview'>) => Promise<ExportPreview>;
  /** Exports the config bundle: validated, committed (author from settings), optionally tagged and pushed. */
  'config.export': (a: ArgOf<'config.export'>) => Promise<ExportResult>;
  /** Restores a bundle from a repository at a revision into the home. */
  'config.import': (a: ArgOf<'config.import'>) => Promise<ImportConfigResult>;
  /** Strategy configs stored in the home's strategies/ folder (YAML), each naming a built-in strategy. */
  'backtest.strategies': (a: ArgOf<'backtest.strategies'>) => Promise<StrategyConfig[]>;
  /** Stored backtest runs, newest first. */
  'backtest.list': (a: ArgOf<'backtest.list'>) => Promise<BacktestSummary[]>;
  /** One backtest run with its equity curve and trades. */
  'backtest.get': (a: ArgOf<'backtest.get'>) => Promise<BacktestDetail>;
  /** Stores a run's strategy, parameters, model and trading terms as a strategy config (strategies/NAME.yml); an existing one only with overwrite. */
  'backtest.saveStrategy': (a: ArgOf<'backtest.saveStrategy'>) => Promise<StrategyConfig>;
  /** A run's trades reshuffled or resampled, or its daily returns block-bootstrapped, N times (seeded): percentiles of final equity, drawdown and Sharpe, probability of ruin, the equity fan. */
  'backtest.monteCarlo': (a: ArgOf<'backtest.monteCarlo'>) => Promise<MonteCarloResult>;
  /** Runs a model on the latest rows of its feature build: provider used, timing, prediction summary. */
  'models.check': (a: ArgOf<'models.check'>) => Promise<ModelCheck>;
  /**
   * Runs a model over feature columns (in the model's feature order), returning predictions and the provider that ran;
   * a multiclass model's `values` are each row's most probable class (an index into `classes`), `probabilities` one column per class.
   */
  'models.predict': (a: ArgOf<'models.predict'>) => Promise<{ values: Float32Array; classes?: string[]; probabilities?: Float32Array[]; provider: string; fallback: string | null; ms: number }>;
  /** Puts a version (`ID@VERSION`) in production; the one it replaces is archived; models/manifest.json follows. */
  'models.promote': (a: ArgOf<'models.promote'>) => Promise<ModelInfo>;
  /** Puts back the previous production version of a model. */
  'models.rollback': (a: ArgOf<'models.rollback'>) => Promise<ModelInfo>;
  /** Takes a model's production version out of production (archived; models/manifest.json follows): none of its versions trades until one is promoted. */
  'models.demote': (a: ArgOf<'models.demote'>) => Promise<ModelInfo>;
  /** Model versions ranked by a score formula (default 0.4 × balanced accuracy + 0.6 × min(Sharpe/3, 1)) over test metrics. */
  'models.leaderboard': (a: ArgOf<'models.leaderboard'>) => Promise<(ModelInfo & { score: number; values: Record<string, number>; runsOn: string })[]>;
  /** The retention policy: days of 1-minute bars kept before they become 5-minute bars. */
  'settings.retention': (a: ArgOf<'settings.retention'>) => Promise<{ minuteDays: number }>;
  /** Stores the retention policy that retention jobs apply when not told otherwise. */
  'settings.setRetention': (a: ArgOf<'settings.setRetention'>) => Promise<{ minuteDays: number }>;
  /** Where each vendor's API key comes from (environment, stored encrypted, missing); never the key. */
  /** Moves the home folder (catalog, lake, models) where the host can restart on it: the desktop app. */
  'home.move': (a: ArgOf<'home.move'>) => Promise<{ to: string; restarting: boolean }>;
  /** The leaderboard's score formula (stored, else the default). */
  'settings.leaderboard': (a: ArgOf<'settings.leaderboard'>) => Promise<{ formula: string; default: string }>;
  /** Stores the score formula after checking it compiles. */
  'settings.setLeaderboard': (a: ArgOf<'settings.setLeaderboard'>) => Promise<{ formula: string; default: string }>;
  /** The default execution provider, the platform's order for 'auto', and which providers load here. */
  'settings.inference': (a: ArgOf<'settings.inference'>) => Promise<InferenceSettings>;
  /** Stores the default execution provider. */
  'settings.setInference': (a: ArgOf<'settings.setInference'>) => Promise<InferenceSettings>;
  /** Paper trading settings: the alert webhook and the account's risk limits and trips. */
  'settings.paper': (a: ArgOf<'settings.paper'>) => Promise<PaperSettings>;
  /** Changes the paper trading settings given (a null webhook removes it; {} clears the limits). */
  'settings.setPaper': (a: ArgOf<'settings.setPaper'>) => Promise<PaperSettings>;
  /** Git export settings: repository, folder, remote, portfolio, author, metric minimums. */
  'settings.export': (a: ArgOf<'settings.export'>) => Promise<ExportSettings>;
  /** Changes git export settings (fields left out stay as they are). */
  'settings.setExport': (a: ArgOf<'settings.setExport'>) => Promise<ExportSettings>;
  'settings.vendorKeys': (a: ArgOf<'settings.vendorKeys'>) => Promise<VendorKeyStatus[]>;
  /** Stores a vendor key encrypted with the host's keychain (null removes it); refused where the host cannot encrypt. */
  'settings.setVendorKey': (a: ArgOf<'settings.setVendorKey'>) => Promise<VendorKeyStatus[]>;
}

/** Events the services publish to every connected client. */
export interface QuantEvents {
  /** Progress of a running job. */
  'job.progress': JobProgress;
  /** A job changed status. */
  'job.state': JobInfo;
  /** The lake gained data. */
  'lake.changed': { symbols: string[] };
  /** The killswitch changed state. */
  'paper.state': { state: TradingState; change: StateChange };
  /** A paper session's figures changed. */
  'paper.session': PaperSessionInfo;
  /** Something a trader must see now (a killswitch trip, a session that stopped): the desktop shows it as a notification. */
  'paper.alert': PaperAlert;
  /** A native menu item was chosen (Electron sends it; the browser host raises it in the page). */
  'menu.command': { command: MenuCommand };
}

/** Every event name. */
export type EventName = keyof QuantEvents;

/** What a method resolves to. */
export type ResultOf<M extends Method> = Awaited<ReturnType<QuantApi[M]>>;

/** What a transport tells a handler about the call besides its argument. */
export interface CallContext {
  /** Aborted when the caller goes away (its socket closed, its request was dropped): long work should stop. */
  signal?: AbortSignal;
}

/** Handler map the services implement: arguments arrive validated. */
export type Handlers = { [M in Method]: (a: ParsedArgOf<M>, ctx?: CallContext) => Promise<ResultOf<M>> };

/** All method names, for transports that route by name. */
export const METHODS = Object.keys(apiSchemas) as Method[];

/** True when a string names a method. */
export function isMethod(s: string): s is Method {
  return Object.prototype.hasOwnProperty.call(apiSchemas, s);
}

/** The methods of one domain: those whose names start with its prefix, such as `lake.`. */
export type MethodsOf<D extends string> = Extract<Method, `${D}.${string}`>;
