import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { ApiError } from '../common/errors';
import type { Handlers } from '../common/api';
import type { JobInfo } from '../common/jobs/types';
import { appHandlers } from './app-handlers';
import { backtestHandlers } from './backtest/handlers';
import { Catalog } from './catalog';
import { seedDemoIfNeeded } from './demo/seed-demo';
import { EventBus } from './events';
import { featureSetHandlers } from './features/handlers';
import { configHandlers } from './gitexport/handlers';
import { openHome, type HomeLayout } from './home';
import { ingestHandlers } from './ingest/handlers';
import { jobHandlers } from './jobs/handlers';
import { JobService } from './jobs/job-service';
import { recoverLake } from './lake/bar-store';
import { ColumnCache } from './lake/column-cache';
import { lakeHandlers } from './lake/handlers';
import { startRetiredSweeper, type RetiredSweeper } from './lake/retired-files';
import { SqlConsole } from './lake/sql-console';
import { acquireLock } from './lock';
import { modelHandlers } from './models/handlers';
import { optionsHandlers } from './options/handlers';
import { paperHandlers } from './paper/handlers';
import { Journal } from './paper/journal';
import { accountLimits, PaperSupervisor, WEBHOOK_SETTING } from './paper/supervisor';
import { redactingErrors } from './redacted-errors';
import type { ServiceContext, ServiceOptions } from './service-context';
import { runtimeVersions } from './versions';
import { VendorKeys } from './vendor-keys';

export type { ServiceOptions } from './service-context';

/** The running services of one home. */
export interface Services {
  /** Every API method, arguments already validated by the dispatcher. */
  handlers: Handlers;
  /** Events for the transports to forward. */
  bus: EventBus;
  /** Paths of the home. */
  home: HomeLayout;
  /** Starts the demo backfill on a home that has never been seeded, or resumes an interrupted seed; returns its job id. */
  seedDemoIfNeeded(opts?: { days?: number; today?: Date }): string | undefined;
  /** Resolves when no job is queued or running. */
  idle(): Promise<void>;
  /** Stops jobs, closes databases and releases the lock. */
  close(): Promise<void>;
}

/** The composition root: opens a home and wires catalog, lake, jobs and handlers. */
export async function createServices(o: ServiceOptions): Promise<Services> {
  const home = openHome(o.home, { create: !o.readonly });
  const lock = o.readonly ? undefined : acquireLock(home.lock, `quantdesk ${o.host}`);
  let catalog: Catalog | undefined;
  let db: DuckDBInstance | undefined;
  let journalRef: Journal | undefined;
  let paperRef: PaperSupervisor | undefined;
  let sqlRef: SqlConsole | undefined;
  try {
    const migrations = path.join(o.resources, 'migrations');
    catalog = new Catalog(home.catalog, migrations, { nativeBinding: o.sqliteBinding });
    // A read-only process with no journal yet sees the default state (active) without creating one.
    const journal = o.readonly && !fs.existsSync(home.journal) ? undefined : new Journal(home.journal, { readonly: o.readonly ?? false, ...(o.sqliteBinding ? { nativeBinding: o.sqliteBinding } : {}) });
    journalRef = journal;
    const bus = new EventBus();
    const vendorKeys = new VendorKeys(catalog, o.secretCipher);
    const settings = catalog;
    const limits = () => accountLimits(settings);
    let jobs: JobService | undefined;
    let retired: RetiredSweeper | undefined;
    if (!o.readonly) {
      recoverLake(home, catalog);
      retired = startRetiredSweeper(home.lake, catalog, o.retireGraceMs);
      bus.onAny((event, payload) => event === 'job.state' && (payload as JobInfo).endedAt !== null && retired?.sweep());
      catalog.markInterrupted(Date.now());
      if (o.workerFile === undefined) throw new Error('createServices needs workerFile unless readonly');
      jobs = new JobService({ catalog, bus, homeDir: home.root, migrations, workerFile: o.workerFile, threads: o.threads, sqliteBinding: o.sqliteBinding, vendorConfig: () => vendorKeys.config(), secrets: () => vendorKeys.secrets(), tradingState: () => journal?.state() ?? 'active', accountLimits: limits });
    }
    const paper =
      jobs && journal && o.workerFile
        ? new PaperSupervisor({ home, catalog, journal, bus, migrations, feedKey: (url) => (url.startsWith('dbn:') ? vendorKeys.config().databentoKey : vendorKeys.config().polygonKey), webhook: () => settings.getSetting(WEBHOOK_SETTING), accountLimits: limits, workerFile: o.paperWorkerFile ?? path.join(path.dirname(o.workerFile), 'paper-worker.js'), ...(o.sqliteBinding ? { sqliteBinding: o.sqliteBinding } : {}) })
        : undefined;
    paperRef = paper;
    // Hosts that keep running resume the sessions a restart (or a crash) interrupted.
    if (paper && o.host !== 'cli') paper.resumeAll();
    const needPaper = (): PaperSupervisor => {
      if (!paper) throw new ApiError('conflict', 'this process opened the home read-only; run paper sessions from the app or quantdesk serve');
      return paper;
    };
    db = await DuckDBInstance.create(':memory:');
    const con: DuckDBConnection = await db.connect();
    // The universe filter's own connection: its temp views never meet the app's queries.
    const sqlCon: DuckDBConnection = await db.connect();
    // Charts reopen the series they just showed: their columns are kept, up to 256 MiB (about 5M bars).
    const barsCache = new ColumnCache(256 * 2 ** 20);
    const sql = o.workerFile ? new SqlConsole({ workerFile: path.join(path.dirname(o.workerFile), 'sql-worker.js'), lake: home.lake, catalog: home.catalog, migrations, ...(o.sqliteBinding ? { sqliteBinding: o.sqliteBinding } : {}) }) : undefined;
    sqlRef = sql;
    const versions = await runtimeVersions(con, catalog.db);
    const cat = catalog;
    const needJobs = (): JobService => {
      if (jobs === undefined) throw new ApiError('conflict', 'this process opened the home read-only; run jobs from the app or a CLI command that writes');
      return jobs;
    };

    const ctx: ServiceContext = {
      options: o,
      home,
      catalog: cat,
      bus,
      db,
      con,
      sqlCon,
      barsCache,
      vendorKeys,
      versions,
      jobs,
      journal,
      paper,
      sql,
      retired,
      needJobs,
      needPaper,
    };
    const handlers: Handlers = {
      ...appHandlers(ctx),
      ...lakeHandlers(ctx),
      ...ingestHandlers(ctx),
      ...jobHandlers(ctx),
      ...featureSetHandlers(home, o.resources),
      ...optionsHandlers({ con, catalog: cat, lake: home.lake }),
      ...modelHandlers(ctx),
      ...backtestHandlers(ctx),
      ...paperHandlers(ctx),
      ...configHandlers({ home, catalog: cat, con, resources: o.resources, version: o.version, secrets: () => vendorKeys.secrets(), writable: () => void needJobs() }),
    };

    return {
      handlers: redactingErrors(handlers, () => vendorKeys.secrets()),
      bus,
      home,
      seedDemoIfNeeded: (opts = {}) => (jobs ? seedDemoIfNeeded(cat, jobs, opts) : undefined),
      idle: async () => jobs?.idle(),
      async close() {
        await sql?.close();
        await paper?.close();
        await jobs?.close();
        retired?.stop();
        con.closeSync();
        sqlCon.closeSync();
        db?.closeSync();
        journal?.close();
        cat.close();
        lock?.release();
      },
    };
  } catch (e) {
    await sqlRef?.close();
    await paperRef?.close();
    catalog?.close();
    journalRef?.close();
    db?.closeSync();
    lock?.release();
    throw e;
  }
}
