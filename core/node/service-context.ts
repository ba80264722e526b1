import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Catalog } from './catalog';
import type { EventBus } from './events';
import type { HomeLayout } from './home';
import type { JobService } from './jobs/job-service';
import type { ColumnCache } from './lake/column-cache';
import type { RetiredSweeper } from './lake/retired-files';
import type { SqlConsole } from './lake/sql-console';
import type { Journal } from './paper/journal';
import type { PaperSupervisor } from './paper/supervisor';
import type { SecretCipher, VendorKeys } from './vendor-keys';

/** What a host passes to build the services. */
export interface ServiceOptions {
  /** Home folder (the host decides: userData, --home, QUANTDESK_HOME, or a test's temp folder). */
  home: string;
  /** The app's resources folder (migrations, default configs). */
  resources: string;
  /** Which host runs the services. */
  host: 'electron' | 'headless' | 'cli';
  /** Built worker entry for the job pool; not needed read-only. */
  workerFile?: string;
  /** Built worker entry for paper sessions (default: paper-worker.js beside workerFile). */
  paperWorkerFile?: string;
  /** Open without the write lock, for read-only commands; jobs are then refused. */
  readonly?: boolean;
  /** Worker threads for jobs. */
  threads?: number;
  /** App version to report. */
  version: string;
  /** better-sqlite3 addon built for this runtime when it is not Node's (Electron). */
  sqliteBinding?: string;
  /** The host's encryption for stored vendor keys (Electron's safeStorage); absent on the headless host. */
  secretCipher?: SecretCipher;
  /**
   * Moves the home and restarts on it, for hosts that can (the desktop app): called with a checked
   * destination after the reply is sent.
   */
  relocateHome?: (to: string) => void;
  /**
   * How long a part file whose catalog row is gone stays on disk for queries that listed it a moment
   * earlier, in ms (default {@link RETIRE_GRACE_MS}).
   */
  retireGraceMs?: number;
}

/** The opened parts of one home that the domains' handlers share; the composition root builds it once. */
export interface ServiceContext {
  /** What the host asked for. */
  options: ServiceOptions;
  /** Paths of the home. */
  home: HomeLayout;
  /** The home's catalog (SQLite). */
  catalog: Catalog;
  /** Events for the transports to forward. */
  bus: EventBus;
  /** The DuckDB instance, for handlers that need a connection of their own. */
  db: DuckDBInstance;
  /** The app's shared DuckDB connection. */
  con: DuckDBConnection;
  /** The universe filter's own connection: its temp views never meet the app's queries. */
  sqlCon: DuckDBConnection;
  /** Columns of the series charts showed last. */
  barsCache: ColumnCache;
  /** Stored vendor API keys. */
  vendorKeys: VendorKeys;
  /** Runtime versions for About. */
  versions: Record<string, string>;
  /** The job service; absent when the home was opened read-only. */
  jobs: JobService | undefined;
  /** The trading journal; absent read-only before the first session. */
  journal: Journal | undefined;
  /** Paper sessions; absent read-only. */
  paper: PaperSupervisor | undefined;
  /** The SQL console's worker; absent on a host without workers. */
  sql: SqlConsole | undefined;
  /** Deletes retired part files; absent read-only. */
  retired: RetiredSweeper | undefined;
  /** The job service, or a conflict error saying the home is open read-only. */
  needJobs(): JobService;
  /** The paper supervisor, or a conflict error saying the home is open read-only. */
  needPaper(): PaperSupervisor;
}
