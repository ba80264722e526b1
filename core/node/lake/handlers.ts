import path from 'node:path';
import type { Handlers, MethodsOf } from '../../common/api';
import { ApiError } from '../../common/errors';
import { DEMO_SYMBOLS } from '../../common/instruments';
import type { LakePartition, LakeSeries, SeriesCoverage } from '../../common/lake/types';
import { STORED_TIMEFRAME_MS } from '../../common/timeframes';
import { calendarFor } from '../calendar';
import type { Catalog } from '../catalog';
import { DEMO_EARLIEST } from '../demo/demo-market';
import { sessionSeries } from '../features/silver-build';
import { instrumentTable, setMaintenanceMargin } from '../instrument-table';
import type { ServiceContext } from '../service-context';
import { readBars, readStoredSeries } from './bar-reader';
import { bookHeatmap, volumeProfile } from './book-views';
import { storedCoverage } from './coverage';
import { deleteSeries } from './delete-series';
import { writeJsonAtomically } from './publish';
import { qaReport } from './qa';
import { RETENTION_SETTING, retentionMinuteDays } from './retention';
import { SQL_DEFAULTS } from './sql-console';
import { selectUniverse } from './universe';

/** The lake's methods: stored series, bars, books, quality, the SQL console, instruments and retention. */
export function lakeHandlers(
  ctx: ServiceContext,
): Pick<Handlers, MethodsOf<'lake' | 'bars' | 'book' | 'instruments' | 'sources'> | 'settings.retention' | 'settings.setRetention'> {
  const { home, catalog: cat, con, bus } = ctx;
  return {
    'instruments.list': async () => instrumentTable(cat),
    'instruments.setMargin': async (a) => {
      ctx.needJobs();
      return setMaintenanceMargin(cat, a.symbol, a.maintenanceMargin);
    },
    'sources.list': async () => [
      { id: 'demo', name: 'Demo market (synthetic, deterministic)', symbols: [...DEMO_SYMBOLS], earliest: DEMO_EARLIEST },
      { id: 'databento', name: 'Databento historical (OHLCV, needs DATABENTO_API_KEY)', symbols: [], earliest: '2010-06-06' },
      { id: 'polygon', name: 'Polygon aggregates (needs POLYGON_API_KEY)', symbols: [], earliest: '2003-09-10' },
    ],
    'bars.get': async ({ sessions, ...a }) => {
      const b = await readBars(con, cat, home.lake, a, true, ctx.barsCache);
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
      ctx.retired?.sweep();
      bus.emit('lake.changed', { symbols: [a.symbol] });
      return r;
    },
    'lake.universe': async (a) => selectUniverse(ctx.sqlCon, cat, home.lake, a),
    'lake.sql': async (a, call) => {
      if (!ctx.sql) throw new ApiError('unavailable', 'this host runs no SQL console worker', 'query');
      return ctx.sql.run({ query: a.query, limit: a.limit ?? 10_000, timeoutSeconds: a.timeoutSeconds ?? SQL_DEFAULTS.timeoutSeconds, ...(a.queryId ? { queryId: a.queryId } : {}) }, call?.signal);
    },
    'lake.sqlCancel': async (a) => ({ cancelled: ctx.sql?.cancel(a.queryId) ?? false }),
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
    'settings.retention': async () => ({ minuteDays: retentionMinuteDays(cat) }),
    'settings.setRetention': async (a) => {
      cat.setSetting(RETENTION_SETTING, String(a.minuteDays));
      return { minuteDays: retentionMinuteDays(cat) };
    },
  };
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
