import YAML from 'yaml';
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { bookHeatmap, volumeProfile } from './lake/book-views';
import { ApiError } from '../common/errors';
import { DEMO_SYMBOLS } from '../common/instruments';
import { instrumentTable, setMaintenanceMargin } from './instrument-table';
import { calendarFor } from './calendar';
import type { Handlers } from '../common/api';
import type { InferenceSettings } from '../common/models/types';
import type { JobInfo } from '../common/jobs/types';
import type { LakePartition, LakeSeries, RejectRow, SeriesCoverage } from '../common/lake/types';
import type { PaperSettings } from '../common/trading/types';
import type { RiskLimits } from '../common/trading/schemas';
import { Catalog } from './catalog';
import { DEMO_EARLIEST } from './demo/demo-market';
import { EventBus } from './events';
import { openHome, type HomeLayout } from './home';
import { JobService } from './jobs/job-service';
import { missingVendorKey } from './jobs/backfill';
import { VendorKeys, type SecretCipher } from './vendor-keys';
import { redactingErrors } from './redacted-errors';
import { assertRegularFile } from './untrusted-files';
import { readBars, readStoredSeries } from './lake/bar-reader';
import { ColumnCache } from './lake/column-cache';
import { qaReport } from './lake/qa';
import { storedCoverage } from './lake/coverage';
import { SQL_DEFAULTS, SqlConsole } from './lake/sql-console';
import { selectUniverse } from './lake/universe';
import { writeJsonAtomically } from './lake/publish';
import { STORED_TIMEFRAME_MS } from '../common/timeframes';
import { recoverLake } from './lake/bar-store';
import { startRetiredSweeper, type RetiredSweeper } from './lake/retired-files';
import { RETENTION_SETTING, retentionMinuteDays } from './lake/retention';
import { acquireLock } from './lock';
import { runtimeVersions } from './versions';
import { receiveUpload } from './uploads';
import { layoutKey } from '../common/csv-preview';
import { featureSetDirs, loadFeatureSet } from './features/feature-sets';
import { readBuild, requireComplete } from './features/analysis';
import { resolveTraining } from './models/train';
import { classLabels, demoteModel, getModel, leaderboard, stageHistory, listModels, parseModelRef, promoteModel, rollbackModel, scoreFormula, setScoreFormula } from './models/registry';
import { DEFAULT_SCORE } from '../common/models/leaderboard';
import type { ImportedModel } from './models/import-model';
import { ModelRunner } from './models/runner';
import { mostProbable } from './models/model-output';
import { checkModel } from './models/check';
import { getBacktest, listBacktests, monteCarloOfRun, saveRunStrategy } from './backtest/run-backtest';
import { Journal } from './paper/journal';
import { journaledSession, PaperSupervisor } from './paper/supervisor';
import { listStrategyConfigs, resolveStrategyRef } from './backtest/strategy-configs';
import { checkMoveTarget } from './home-move';
import { parseTrainConfig } from './models/train-config';
import { deleteSeries } from './lake/delete-series';
import { previewFileHead } from './ingest/csv-head';
import { defaultProvider, providersFor, PROVIDER_SETTING } from './models/providers';
import { probeProviders } from './models/provider-probe';
import { ACCOUNT_LIMITS_SETTING, WEBHOOK_SETTING } from './paper/supervisor';
import { configHandlers } from './gitexport/handlers';
import { trainConfigSchema } from '../common/models/schemas';
import { featureSetHandlers } from './features/set-handlers';
import { optionsHandlers } from './options/handlers';
import { sessionSeries } from './features/silver-build';

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

const DAY_MS = 86_400_000;

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
    const accountLimits = (): RiskLimits => JSON.parse(settings.getSetting(ACCOUNT_LIMITS_SETTING) ?? '{}') as RiskLimits;
    const paperSettings = (): PaperSettings => ({ webhook: settings.getSetting(WEBHOOK_SETTING) ?? null, limits: accountLimits() });
    let jobs: JobService | undefined;
    let retired: RetiredSweeper | undefined;
    if (!o.readonly) {
      recoverLake(home, catalog);
      retired = startRetiredSweeper(home.lake, catalog, o.retireGraceMs);
      bus.onAny((event, payload) => event === 'job.state' && (payload as JobInfo).endedAt !== null && retired?.sweep());
      catalog.markInterrupted(Date.now());
      if (o.workerFile === undefined) throw new Error('createServices needs workerFile unless readonly');
      jobs = new JobService({ catalog, bus, homeDir: home.root, migrations, workerFile: o.workerFile, threads: o.threads, sqliteBinding: o.sqliteBinding, vendorConfig: () => vendorKeys.config(), secrets: () => vendorKeys.secrets(), tradingState: () => journal?.state() ?? 'active', accountLimits });
    }
    const paper =
      jobs && journal && o.workerFile
        ? new PaperSupervisor({ home, catalog, journal, bus, migrations, feedKey: (url) => (url.startsWith('dbn:') ? vendorKeys.config().databentoKey : vendorKeys.config().polygonKey), webhook: () => settings.getSetting(WEBHOOK_SETTING), accountLimits, workerFile: o.paperWorkerFile ?? path.join(path.dirname(o.workerFile), 'paper-worker.js'), ...(o.sqliteBinding ? { sqliteBinding: o.sqliteBinding } : {}) })
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

    // Which providers load cannot change while the process runs: probe once, on first ask.
    let probed: ReturnType<typeof probeProviders> | undefined;
    const inferenceSettings = async (): Promise<InferenceSettings> => ({ provider: defaultProvider(cat), platformOrder: providersFor(process.platform, process.arch), providers: await (probed ??= probeProviders()) });
    const handlers: Handlers = {
      'app.info': async () => ({ version: o.version, home: home.root, host: o.host, versions, demoSeeded: cat.getSetting('demo.seeded') !== undefined }),
      'instruments.list': async () => instrumentTable(cat),
      'instruments.setMargin': async (a) => {
        needJobs();
        return setMaintenanceMargin(cat, a.symbol, a.maintenanceMargin);
      },
      'sources.list': async () => [
        { id: 'demo', name: 'Demo market (synthetic, deterministic)', symbols: [...DEMO_SYMBOLS], earliest: DEMO_EARLIEST },
        { id: 'databento', name: 'Databento historical (OHLCV, needs DATABENTO_API_KEY)', symbols: [], earliest: '2010-06-06' },
        { id: 'polygon', name: 'Polygon aggregates (needs POLYGON_API_KEY)', symbols: [], earliest: '2003-09-10' },
      ],
      'bars.get': async ({ sessions, ...a }) => {
        const b = await readBars(con, cat, home.lake, a, true, barsCache);
        if (!sessions) return b;
        const s = sessionSeries(b, calendarFor(cat, a.symbol));
        return { ...b, sessions: { day: s.day, sessionStart: s.sessionStart, monthEnd: s.monthEnd } };
      },
      'lake.summary': async () => lakeSummary(cat),
      'book.heatmap': async (a) => bookHeatmap(con, cat, home.lake, a),
      'book.profile': async (a) => volumeProfile(con, cat, home.lake, a),
      'lake.partitions': async (a) => lakePartitions(cat, a),
      'lake.delete': async (a) => {
        const r = deleteSeries(cat, a.symbol, a.timeframe, a.table);
        retired?.sweep();
        bus.emit('lake.changed', { symbols: [a.symbol] });
        return r;
      },
      'jobs.start': async (a) => {
        const noKey = a.kind === 'backfill' ? missingVendorKey(a.source, vendorKeys.config()) : undefined;
        if (noKey) throw new ApiError('invalid_argument', noKey, 'source');
        const unknown = a.kind === 'backfill' && a.source === 'demo' ? a.symbols.filter((s) => !DEMO_SYMBOLS.includes(s)) : [];
        if (a.kind === 'backfill' && unknown.length) {
          throw new ApiError('invalid_argument', `the demo source has no symbol ${unknown.join(', ')}; it offers ${DEMO_SYMBOLS.join(', ')}`, `symbols.${a.symbols.indexOf(unknown[0]!)}`);
        }
        // A feature set is checked before its job starts, so a bad set or an unknown symbol is a usage error.
        if (a.kind === 'features') {
          const set = loadFeatureSet(a.set, featureSetDirs(home.root, o.resources));
          const missing = [...(a.symbols?.length ? a.symbols : set.symbols), ...set.features.flatMap((f) => (f.params.symbol ? [f.params.symbol] : []))].find((s) => cat.storedTimeframes(s).length === 0);
          if (missing) throw new ApiError('invalid_argument', `feature set ${set.name} (${set.file}) refers to symbol ${missing}, which the lake lacks; import or backfill it first`, 'symbols');
        }
        // A path that is there but is no regular file (a FIFO, a device) is refused now, not after the job waited on it.
        if (a.kind === 'import') a.paths.forEach((p, i) => fs.existsSync(p) && assertRegularFile(p, `paths.${i}`));
        // An incomplete build is refused now, naming its missing symbols, unless the request allows a partial one.
        if (a.kind === 'promote') requireComplete(readBuild(home.lake, a.build), a.allowPartial, 'promotion to a gold dataset');
        if (a.kind === 'train') resolveTraining(home, o.resources, trainConfigSchema.parse(a.config), a.allowPartial);
        if (a.kind === 'portfolio') refuseMixedTimeframes(cat, a.runs);
        if (a.kind === 'ic') {
          const set = loadFeatureSet(a.set, featureSetDirs(home.root, o.resources));
          requireComplete(readBuild(home.lake, `${set.name}@${set.hash}`), a.allowPartial, 'an IC analysis');
        }
        return needJobs().start(a);
      },
      'jobs.list': async (a) => (jobs ? jobs.list(a.all ?? false) : cat.listJobs({ all: a.all })),
      'jobs.get': async (a) => {
        const j = cat.getJob(a.jobId);
        if (!j) throw new ApiError('not_found', `no job ${a.jobId}`, 'jobId');
        return j;
      },
      'jobs.cancel': async (a) => needJobs().cancel(a.jobId),
      'jobs.resume': async (a) => needJobs().resume(a.jobId),
      'rejects.list': async (a) => listRejects(cat, a),
      'files.upload': async (a) => receiveUpload(home, a),
      'imports.preview': async (a) => previewFileHead(a.path),
      'imports.layout': async (a) => {
        const saved = JSON.parse(cat.getSetting(`layout:${layoutKey(a.columns)}`) ?? '{}') as { map?: Record<string, string>; tz?: string };
        return saved.map || saved.tz ? { ...(saved.map ? { map: saved.map } : {}), ...(saved.tz ? { tz: saved.tz } : {}) } : null;
      },
      'lake.universe': async (a) => selectUniverse(sqlCon, cat, home.lake, a),
      'lake.sql': async (a, ctx) => {
        if (!sql) throw new ApiError('unavailable', 'this host runs no SQL console worker', 'query');
        return sql.run({ query: a.query, limit: a.limit ?? 10_000, timeoutSeconds: a.timeoutSeconds ?? SQL_DEFAULTS.timeoutSeconds, ...(a.queryId ? { queryId: a.queryId } : {}) }, ctx?.signal);
      },
      'lake.sqlCancel': async (a) => ({ cancelled: sql?.cancel(a.queryId) ?? false }),
      'lake.qa': async (a) => {
        const stored = cat.storedTimeframes(a.symbol).filter((tf) => STORED_TIMEFRAME_MS[tf] !== undefined).sort((x, y) => (STORED_TIMEFRAME_MS[x] ?? 0) - (STORED_TIMEFRAME_MS[y] ?? 0));
        if (stored.length === 0) throw new ApiError('not_found', `the lake has no bars for ${a.symbol}`, 'symbol');
        const tf = a.timeframe ?? stored[0]!;
        if (!stored.includes(tf)) throw new ApiError('not_found', `${a.symbol} is stored as ${stored.join(', ')}, not ${tf}`, 'timeframe');
        const report = qaReport(await readStoredSeries(con, cat, home.lake, a.symbol, tf), tf, calendarFor(cat, a.symbol));
        writeJsonAtomically(path.join(home.lake, 'qa', a.symbol, `tf=${tf}`, 'validation.json'), report, home.tmp);
        return report;
      },
      'lake.coverage': async () => {
        const series = lakeSummary(cat).filter((x) => STORED_TIMEFRAME_MS[x.timeframe] !== undefined);
        const out: SeriesCoverage[] = [];
        for (const x of series) out.push({ symbol: x.symbol, timeframe: x.timeframe, coverage: await storedCoverage(con, cat, home.lake, x.symbol, x.timeframe) });
        return out;
      },
      ...featureSetHandlers(home, o.resources),
      ...optionsHandlers({ con, catalog: cat, lake: home.lake }),
      'models.list': async () => listModels(cat),
      'models.get': async (a) => {
        const { file: _file, ...m } = getModel(cat, home, parseModelRef(a.model));
        return { ...m, history: stageHistory(cat, m.id) };
      },
      'models.promote': async (a) => promoteModel(cat, home, parseModelRef(a.model)),
      'models.checkConfig': async (a) => parseTrainConfig(a.text, 'the config'),
      'models.configYaml': async (a) => ({ text: YAML.stringify(a.config) }),
      'paper.killswitch.get': async () => journal?.killswitch() ?? { state: 'active', history: [] },
      'paper.killswitch.set': async (a) => {
        if (!journal) throw new ApiError('conflict', 'this process opened the home read-only; change the killswitch from the app or a CLI command that writes');
        const status = paper ? await paper.setState(a.state, a.source ?? 'api', a.reason, a.flatten === true) : journal.setState(a.state, a.source ?? 'api', a.reason, Date.now(), a.flatten === true);
        bus.emit('paper.state', { state: status.state, change: status.history[0]! });
        return status;
      },
      'paper.sessions': async () => (paper ? paper.list() : (journal?.sessions().map(journaledSession) ?? [])),
      'paper.alerts': async (a) => journal?.alerts(a.limit) ?? [],
      'paper.session.get': async (a) => needPaper().get(a.session, a.points),
      'paper.session.start': async (a) => needPaper().start(a.portfolio, 'live' in a ? { kind: 'live', url: a.live } : { kind: 'replay', from: a.from, to: a.to, speed: a.speed }, 'live' in a ? a.features : undefined),
      'paper.session.control': async (a) => needPaper().control(a.session, a.action),
      'backtest.list': async () => listBacktests(cat),
      'backtest.strategies': async () => listStrategyConfigs(home.root).map((name) => resolveStrategyRef(home.root, name)),
      'backtest.get': async (a) => {
        // Its own connection: a streamed read shares nothing with queries running beside it.
        const own = await db!.connect();
        try {
          return await getBacktest({ home, catalog: cat, con: own }, a.runId);
        } finally {
          own.closeSync();
        }
      },
      'backtest.saveStrategy': async (a) => {
        needJobs();
        return saveRunStrategy({ home, catalog: cat, con }, a);
      },
      'backtest.monteCarlo': async (a) => {
        const own = await db!.connect();
        try {
          return monteCarloOfRun(await getBacktest({ home, catalog: cat, con: own }, a.runId), a);
        } finally {
          own.closeSync();
        }
      },
      'models.check': async (a) => checkModel({ home, catalog: cat, con }, parseModelRef(a.model), a.provider ?? defaultProvider(cat), a.rows ?? 5000),
      'models.predict': async (a) => {
        const m = getModel(cat, home, parseModelRef(a.model));
        if (a.columns.length !== m.features.length) throw new ApiError('invalid_argument', `${m.id}@${m.version} reads ${m.features.length} features (${m.features.join(', ')}); ${a.columns.length} columns were given`, 'columns');
        const runner = await ModelRunner.open(home, m.id, m.version, m.features.length, a.provider ?? defaultProvider(cat));
        try {
          const t0 = performance.now();
          const done = { provider: runner.provider, fallback: runner.fallback ?? null };
          if (m.objective !== 'multiclass') return { values: await runner.predictBatch(a.columns), ...done, ms: performance.now() - t0 };
          const p = await runner.predictClasses(a.columns);
          const n = p.values.length / p.classes;
          const probabilities = Array.from({ length: p.classes }, (_, c) => Float32Array.from({ length: n }, (_, i) => p.values[i * p.classes + c]!));
          return { values: Float32Array.from(mostProbable(p)), classes: classLabels(m.card, p.classes), probabilities, ...done, ms: performance.now() - t0 };
        } finally {
          await runner.close();
        }
      },
      'models.import': async (a) => needJobs().importModel<ImportedModel>({ file: a.path, format: a.format, name: a.name, featureSet: a.featureSet }),
      'models.rollback': async (a) => rollbackModel(cat, home, parseModelRef(a.id).id),
      'models.demote': async (a) => demoteModel(cat, home, parseModelRef(a.id).id),
      'models.leaderboard': async (a) => leaderboard(cat, home, a.formula ?? scoreFormula(cat), a.minScore),
      'settings.retention': async () => ({ minuteDays: retentionMinuteDays(cat) }),
      'settings.setRetention': async (a) => {
        cat.setSetting(RETENTION_SETTING, String(a.minuteDays));
        return { minuteDays: retentionMinuteDays(cat) };
      },
      'home.move': async (a) => {
        if (!o.relocateHome) throw new ApiError('conflict', `the ${o.host} host serves this home while it runs; stop it, then run quantdesk --home ${home.root} home move ${a.to}`, 'to');
        const to = checkMoveTarget(home.root, a.to);
        const relocate = o.relocateHome;
        setImmediate(() => relocate(to));
        return { to, restarting: true };
      },
      'settings.leaderboard': async () => ({ formula: scoreFormula(cat), default: DEFAULT_SCORE }),
      'settings.setLeaderboard': async (a) => ({ formula: setScoreFormula(cat, a.formula), default: DEFAULT_SCORE }),
      'settings.inference': inferenceSettings,
      'settings.setInference': async (a) => {
        cat.setSetting(PROVIDER_SETTING, a.provider);
        return inferenceSettings();
      },
      'settings.paper': async () => paperSettings(),
      'settings.setPaper': async (a) => {
        if (a.webhook === null) cat.db.prepare('DELETE FROM settings WHERE key = ?').run(WEBHOOK_SETTING);
        else if (a.webhook !== undefined) cat.setSetting(WEBHOOK_SETTING, a.webhook);
        if (a.limits !== undefined) cat.setSetting(ACCOUNT_LIMITS_SETTING, JSON.stringify(a.limits));
        return paperSettings();
      },
      ...configHandlers({
        home,
        catalog: cat,
        con,
        resources: o.resources,
        version: o.version,
        secrets: () => vendorKeys.secrets(),
        writable: () => void needJobs(),
      }),
      'settings.vendorKeys': async () => vendorKeys.status(),
      'settings.setVendorKey': async (a) => {
        vendorKeys.set(a.vendor, a.key, a.unencrypted === true);
        return vendorKeys.status();
      },
    };

    return {
      handlers: redactingErrors(handlers, () => vendorKeys.secrets()),
      bus,
      home,
      seedDemoIfNeeded(opts = {}) {
        if (!jobs) return undefined;
        const seeded = cat.getSetting('demo.seeded');
        if (seeded !== undefined) {
          const j = cat.getJob(seeded);
          if (j && (j.status === 'interrupted' || j.status === 'failed')) {
            const { jobId } = jobs.resume(seeded);
            cat.setSetting('demo.seeded', jobId);
            return jobId;
          }
          return undefined;
        }
        if (cat.barFiles().length > 0) return undefined;
        const today = opts.today ?? new Date();
        const days = opts.days ?? 730;
        const to = new Date(Math.floor(today.getTime() / DAY_MS) * DAY_MS - DAY_MS).toISOString().slice(0, 10);
        const from = new Date(Date.parse(to) - (days - 1) * DAY_MS).toISOString().slice(0, 10);
        const { jobId } = jobs.start({ kind: 'backfill', source: 'demo', symbols: [...DEMO_SYMBOLS], timeframe: '1m', from, to });
        cat.setSetting('demo.seeded', jobId);
        return jobId;
      },
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

function listRejects(cat: Catalog, a: { runId?: string; limit?: number }): RejectRow[] {
  const sql = `SELECT r.run_id AS runId, r.file, r.line, r.raw, r.reason, r.source, r.byte_offset AS byteOffset FROM rejects r JOIN ingest_runs i ON i.id = r.run_id
               ${a.runId ? 'WHERE r.run_id = @runId' : ''} ORDER BY i.started_at DESC, r.file, r.line LIMIT @limit`;
  return cat.db.prepare(sql).all({ runId: a.runId, limit: a.limit ?? 10_000 }) as RejectRow[];
}

/** A portfolio combines trades bar by bar: runs on different timeframes are refused before a job is queued. */
function refuseMixedTimeframes(cat: Catalog, runs: string[]): void {
  const rows = cat.db.prepare(`SELECT id, timeframe FROM backtests WHERE id IN (${runs.map(() => '?').join(',')})`).all(...runs) as { id: string; timeframe: string }[];
  const missing = runs.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length) throw new ApiError('not_found', `no backtest run ${missing.join(', ')}; the Backtests view lists the stored runs`, 'runs');
  const frames = [...new Set(rows.map((r) => r.timeframe))];
  if (frames.length > 1) throw new ApiError('invalid_argument', `the runs are on different timeframes (${frames.map((tf) => `${tf}: ${rows.filter((r) => r.timeframe === tf).map((r) => r.id).join(', ')}`).join('; ')}); a portfolio combines runs of one timeframe`, 'runs');
}

/** A part file's folder relative to the lake (everything before its last `/`). */
const FOLDER = "rtrim(path, replace(path, '/', ''))";

function lakeSummary(cat: Catalog): LakeSeries[] {
  return cat.db
    .prepare(
      `SELECT symbol, dataset AS "table", timeframe, SUM(rows) AS rows, COUNT(DISTINCT ${FOLDER}) AS partitions, SUM(bytes) AS bytes,
              MIN(first_ts) AS first, MAX(last_ts) AS last FROM bar_files GROUP BY symbol, dataset, timeframe ORDER BY symbol, timeframe, dataset`,
    )
    .all() as LakeSeries[];
}

function lakePartitions(cat: Catalog, a: { symbol?: string; timeframe?: string; table?: string }): LakePartition[] {
  const where: string[] = [];
  if (a.symbol) where.push('symbol = @symbol');
  if (a.timeframe) where.push('timeframe = @timeframe');
  if (a.table) where.push('dataset = @table');
  const rows = cat.db
    .prepare(
      `SELECT symbol, dataset AS "table", timeframe, MIN(month) AS month, ${FOLDER} AS folder, COUNT(*) AS files, SUM(rows) AS rows, SUM(bytes) AS bytes, MIN(first_ts) AS first, MAX(last_ts) AS last
       FROM bar_files ${where.length ? `WHERE ${where.join(' AND ')}` : ''} GROUP BY symbol, dataset, timeframe, folder ORDER BY symbol, timeframe, dataset, first`,
    )
    .all(a) as (Omit<LakePartition, 'partition'> & { folder: string })[];
  // The folder below the symbol's: `month=…` for bars, `date=…/hour=…` for market events.
  return rows.map(({ folder, ...r }) => ({ ...r, partition: folder.replace(/^.*?\/symbol=[^/]*\//, '').replace(/\/$/, '') }));
}
