import path from 'node:path';
import type { ArgOf } from '../../common/api';
import { BACKFILL_SOURCES } from '../../common/lake/schemas';
import { DEMO_SYMBOLS } from '../../common/instruments';
import type { ContinuousResult, ImportResult } from '../../common/lake/types';
import type { BookSnapshotResult } from '../../node/lake/book-snapshots';
import { moveHome } from '../../node/home-move';
import { OPTIONS_HELP, optionsCommand } from './options-command';
import { call, parse, table, UsageError, validate, withServices, type CliContext } from './cli-support';
import { fmtBytes, iso, coverageLine, jobRow, printBars } from './cli-output';
import { isValidZone, parseUniverse } from './cli-options';

const DAY_MS = 86_400_000;

/** Each command dataCommand answers, with its help as `quantdesk --help` lists it. */
export const DATA_HELP: Readonly<Record<string, string>> = {
  home: `  home move DEST              move the home folder (catalog, lake, models) to DEST, checked on arrival`,
  backfill: `  backfill --source demo|databento|polygon [--symbols ES,NQ] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
           [--timeframe 1m|1h|1d] [--dataset GLBX.MDP3] [--schema ohlcv|mbp-10|mbp-1|tbbo|bbo-1s|bbo-1m|mbo|
           definition|statistics|status|imbalance|options]
                              fetch bars the lake lacks (default: all demo symbols, the last 30 days),
                              or a Databento schema into its table by day (the demo offers mbp-10 and
                              options: 0DTE chains); options from Databento name the parent, ES.OPT;
                              vendors read DATABENTO_API_KEY / POLYGON_API_KEY from the environment`,
  import: `  import <path>... [--format auto|generic|backtrader|polygon|databento-csv|dbn|yahoo|stooq|parquet]
         [--symbol S] [--tz ZONE] [--map time=Date,open=Open,...] [--calendar cme|nyse|xetra]
         [--universe min-price=5,max-price=500,min-avg-volume=100000,min-days=20,common-only]
                              import bar files into the lake; rejected rows are kept with file and line`,
  rejects: `  rejects [--run ID]          rows imports rejected: file, line, reason`,
  resample: `  resample --symbol S --timeframe 5m|15m|30m|1h|1d|1w
                              materialise a resampled series; reads use it until new bars arrive`,
  retention: `  retention [--minute-days N [--save]]
                              turn 1-minute bars older than N days (whole months) into 5-minute bars;
                              without --minute-days the stored policy applies (default 90); --save stores N`,
  universe: `  universe [--min-price N] [--max-price N] [--min-avg-volume N] [--min-days N] [--common-only]
                              symbols whose daily bars pass the filters, with their statistics`,
  continuous: `  continuous --root ES [--threshold 0.6]
                              build ES.C (unadjusted) and ES.CBA (back-adjusted) from the stored contracts`,
  snapshots: `  snapshots --symbol ES [--from YYYY-MM-DD] [--to YYYY-MM-DD]
                              the 1 Hz snapshot table (book_1s) of a symbol's stored MBP-10 book: the
                              ten levels at the end of every second, updates in it, age of the state`,
  options: OPTIONS_HELP,
  qa: `  qa --symbol S [--timeframe 1m]
                              data-quality report: duplicates, gaps, OHLC, prices, spikes, stale runs, volume`,
  sql: `  sql "<query>" [--limit N] [--timeout S]
                              read-only SQL over the lake (views bars, trades, quotes, book, orders,
                              definitions, statistics, status, imbalance, options_trades,
                              options_quotes, rejects); stopped after
                              S seconds (60)`,
  lake: `  lake ls                     per symbol, table and timeframe: rows, partitions, bytes, first, last
  lake delete SYMBOL --timeframe TF [--table T] --yes
                              delete one stored series (catalog, files, backfill coverage); rejects stay;
                              market events: --timeframe tick --table quotes (trades when not given)`,
  bars: `  bars --symbol ES --timeframe 1d [--from D] [--to D] [--limit N]
                              bars as CSV, or JSON with --json`,
  jobs: `  jobs [--all]                recent jobs, or every job`,
};

/** `quantdesk` the data commands: the home, backfills and imports, rejects, resampling, retention, universes, continuous contracts, book snapshots, options, QA, SQL, the lake, bars and jobs; returns the exit code. */
export async function dataCommand(command: string, opts: string[], ctx: CliContext): Promise<number> {
  const { json, io, homeDir, open, runJob } = ctx;
  switch (command) {
    case 'home': {
      const [sub, ...subOpts] = opts;
      const p = parse(subOpts, {});
      if (sub !== 'move' || p.positionals.length !== 1) throw new UsageError('home: expected `home move DEST` (a new or empty folder)');
      const r = moveHome(homeDir, p.positionals[0]!);
      io.out(json ? JSON.stringify(r) : `moved ${r.from} → ${r.to} (${r.method}): ${r.files.toLocaleString('en-US')} files, ${fmtBytes(r.bytes)}, all ${r.lakeFiles.toLocaleString('en-US')} catalogued lake files present; use --home ${r.to} (or QUANTDESK_HOME) from now on`);
      return 0;
    }
    case 'backfill': {
      const p = parse(opts, { source: { type: 'string' }, symbols: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, timeframe: { type: 'string' }, dataset: { type: 'string' }, schema: { type: 'string' } });
      if (p.positionals.length) throw new UsageError(`backfill: unexpected argument ${p.positionals[0]}`);
      const v = p.values as Record<string, string | undefined>;
      if (v.source === undefined) throw new UsageError(`--source: required (one of ${BACKFILL_SOURCES.join(', ')})`);
      const yesterday = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS;
      if (!(BACKFILL_SOURCES as readonly string[]).includes(v.source)) throw new UsageError(`--source: unknown source; available: ${BACKFILL_SOURCES.join(', ')}`);
      if (v.source !== 'demo' && v.symbols === undefined) throw new UsageError(`--symbols: required for ${v.source}, e.g. --symbols ESM4,NQM4`);
      const arg = {
        kind: 'backfill' as const,
        source: v.source as 'demo',
        symbols: v.symbols !== undefined ? v.symbols.split(',').map((s) => s.trim()).filter(Boolean) : [...DEMO_SYMBOLS],
        timeframe: (v.timeframe ?? '1m') as '1m',
        from: v.from ?? iso(yesterday - 29 * DAY_MS).slice(0, 10),
        to: v.to ?? iso(yesterday).slice(0, 10),
        ...(v.dataset === undefined ? {} : { dataset: v.dataset }),
        ...(v.schema === undefined ? {} : { schema: v.schema as 'ohlcv' }),
      };
      validate('jobs.start', arg);
      return withServices(open(false), async (s) => {
        const { jobId } = await call(s, 'jobs.start', arg);
        let last = -1;
        const off = s.bus.onAny((name, payload) => {
          if (name !== 'job.progress' || json) return;
          const pr = payload as { fraction: number; message: string };
          const pct = Math.floor(pr.fraction * 100);
          if (pct !== last) {
            last = pct;
            io.err(`backfill ${pct}%  ${pr.message}`);
          }
        });
        await s.idle();
        off();
        const job = await call(s, 'jobs.get', { jobId });
        if (json) io.out(JSON.stringify({ job: job.id, status: job.status, ...(job.result as object), summary: job.summary, error: job.error }));
        else io.out(job.status === 'succeeded' ? job.summary ?? '' : `backfill ${job.status}: ${job.error ?? job.summary ?? ''}`);
        return job.status === 'succeeded' ? 0 : 1;
      });
    }
    case 'import': {
      const p = parse(opts, { format: { type: 'string' }, symbol: { type: 'string' }, tz: { type: 'string' }, map: { type: 'string' }, calendar: { type: 'string' }, universe: { type: 'string' } });
      const v = p.values as Record<string, string | undefined>;
      if (p.positionals.length === 0) throw new UsageError('import: name at least one file, e.g. quantdesk import data/ES_bt.csv');
      let map: Record<string, string> | undefined;
      if (v.map !== undefined) {
        map = {};
        for (const pair of v.map.split(',')) {
          const [field, column] = pair.split('=').map((x) => x.trim());
          if (!field || !column) throw new UsageError(`--map: expected field=Column pairs separated by commas, got "${pair}"`);
          map[field] = column;
        }
      }
      const universe = v.universe === undefined ? undefined : parseUniverse(v.universe);
      const arg = { kind: 'import' as const, paths: p.positionals.map((x) => path.resolve(x)), format: v.format as 'auto' | undefined, symbol: v.symbol, tz: v.tz, map, calendar: v.calendar as 'nyse' | undefined, universe };
      for (const k of ['format', 'symbol', 'tz', 'map', 'calendar', 'universe'] as const) if (arg[k] === undefined) delete arg[k];
      validate('jobs.start', arg);
      if (arg.tz !== undefined && !isValidZone(arg.tz)) throw new UsageError(`--tz: unknown time zone ${arg.tz}; use an IANA name such as Europe/Zurich`);
      return await runJob(arg, 'import', (job) => {
        const r = job.result as ImportResult;
        if (json) return { accepted: r.accepted, rejected: r.rejected, duplicates: r.duplicates, inputRows: r.inputRows, symbols: r.symbols, runId: r.runId, files: r.files, ...(r.excluded ? { excluded: r.excluded } : {}) };
        return `${job.summary}\nrun ${r.runId}${r.rejected ? ` — see \`quantdesk rejects --run ${r.runId}\`` : ''}`;
      });
    }
    case 'rejects': {
      const p = parse(opts, { run: { type: 'string' } });
      if (p.positionals.length) throw new UsageError(`rejects: unexpected argument ${p.positionals[0]}`);
      return withServices(open(true), async (s) => {
        const rows = await call(s, 'rejects.list', p.values.run ? { runId: String(p.values.run) } : {});
        if (json) io.out(JSON.stringify({ rejects: rows }));
        else io.out(rows.length === 0 ? 'no rejected rows' : rows.map((r) => `${r.file}:${r.line}${r.byteOffset === null ? '' : ` (byte ${r.byteOffset})`} [${r.source}]: ${r.reason}\n    ${r.raw}`).join('\n'));
        return 0;
      });
    }
    case 'resample': {
      const p = parse(opts, { symbol: { type: 'string' }, timeframe: { type: 'string' } });
      if (p.positionals.length) throw new UsageError(`resample: unexpected argument ${p.positionals[0]}`);
      const v = p.values as Record<string, string | undefined>;
      if (v.symbol === undefined) throw new UsageError('--symbol: required, e.g. --symbol ES');
      const arg = { kind: 'materialize' as const, symbol: v.symbol, timeframe: (v.timeframe ?? '') as '1h' };
      validate('jobs.start', arg);
      return await runJob(arg, 'resample', (job) => (json ? (job.result as object) : job.summary ?? ''));
    }
    case 'retention': {
      const p = parse(opts, { 'minute-days': { type: 'string' }, save: { type: 'boolean' } });
      if (p.positionals.length) throw new UsageError(`retention: unexpected argument ${p.positionals[0]}`);
      const days = p.values['minute-days'];
      if (days !== undefined && !/^\d+$/.test(String(days))) throw new UsageError(`--minute-days: expected a whole number of days, got ${String(days)}`);
      if (p.values.save && days === undefined) throw new UsageError('--save stores the policy given with --minute-days; give --minute-days N');
      const arg = { kind: 'retention' as const, ...(days === undefined ? {} : { minuteDays: Number(days) }) };
      validate('jobs.start', arg, { minuteDays: 'minute-days' });
      if (p.values.save) {
        await withServices(open(false), (s) => call(s, 'settings.setRetention', { minuteDays: Number(days) }));
      }
      return await runJob(arg, 'retention', (job) => (json ? (job.result as object) : job.summary ?? ''));
    }
    case 'universe': {
      const p = parse(opts, { 'min-price': { type: 'string' }, 'max-price': { type: 'string' }, 'min-avg-volume': { type: 'string' }, 'min-days': { type: 'string' }, 'common-only': { type: 'boolean' } });
      if (p.positionals.length) throw new UsageError(`universe: unexpected argument ${p.positionals[0]}`);
      const v = p.values as Record<string, string | boolean | undefined>;
      const numberOf = (name: string): number | undefined => {
        if (v[name] === undefined) return undefined;
        const x = Number(v[name]);
        if (!Number.isFinite(x) || x < 0) throw new UsageError(`--${name}: expected a non-negative number, got ${String(v[name])}`);
        return x;
      };
      const arg = { minPrice: numberOf('min-price'), maxPrice: numberOf('max-price'), minAvgVolume: numberOf('min-avg-volume'), minDays: numberOf('min-days'), commonOnly: v['common-only'] === true ? true : undefined };
      for (const k of Object.keys(arg) as (keyof typeof arg)[]) if (arg[k] === undefined) delete arg[k];
      validate('lake.universe', arg, { minPrice: 'min-price', maxPrice: 'max-price', minAvgVolume: 'min-avg-volume', minDays: 'min-days' });
      return withServices(open(true), async (s) => {
        const members = await call(s, 'lake.universe', arg);
        if (json) io.out(JSON.stringify({ members }));
        else io.out(members.length === 0 ? 'no symbol passes the filters' : table([['symbol', 'class', 'avg price', 'avg volume', 'days', 'first', 'last'], ...members.map((m) => [m.symbol, m.class, m.avgPrice.toFixed(2), Math.round(m.avgVolume).toLocaleString('en-US'), String(m.days), m.first, m.last])]));
        return 0;
      });
    }
    case 'continuous': {
      const p = parse(opts, { root: { type: 'string' }, threshold: { type: 'string' } });
      if (p.positionals.length) throw new UsageError(`continuous: unexpected argument ${p.positionals[0]}`);
      const v = p.values as Record<string, string | undefined>;
      if (v.root === undefined) throw new UsageError('--root: required, e.g. --root ES');
      const arg = { kind: 'continuous' as const, root: v.root, ...(v.threshold === undefined ? {} : { threshold: Number(v.threshold) }) };
      validate('jobs.start', arg);
      return await runJob(arg, 'continuous', (job) => {
        const r = job.result as ContinuousResult;
        const ticks = r.ticks.flatMap((x) => [
          `${x.table}: ${x.rows.toLocaleString('en-US')} front-month rows under ${r.symbols[0]}`,
          ...x.overlaps.map((o) => `  overlap ${o.date}: ${o.contracts.join(' and ')} both have ${x.table} rows; only the front contract's are kept`),
        ]);
        return json ? r : [job.summary ?? '', ...r.rolls.map((x) => `roll ${x.date}: ${x.from} → ${x.to} (gap ${x.gap})`), ...ticks].join('\n');
      });
    }
    case 'snapshots': {
      const p = parse(opts, { symbol: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } });
      if (p.positionals.length) throw new UsageError(`snapshots: unexpected argument ${p.positionals[0]}`);
      const v = p.values as Record<string, string | undefined>;
      if (v.symbol === undefined) throw new UsageError('--symbol: required, e.g. --symbol ES');
      const arg = { kind: 'snapshots' as const, symbol: v.symbol, ...(v.from === undefined ? {} : { from: v.from }), ...(v.to === undefined ? {} : { to: v.to }) };
      validate('jobs.start', arg);
      return await runJob(arg, 'snapshots', (job) => (json ? (job.result as BookSnapshotResult) : (job.summary ?? '')));
    }
    case 'options':
      return await optionsCommand(opts, { json, out: (x) => io.out(x), open: () => open(true) });
    case 'qa': {
      const p = parse(opts, { symbol: { type: 'string' }, timeframe: { type: 'string' } });
      if (p.positionals.length) throw new UsageError(`qa: unexpected argument ${p.positionals[0]}`);
      const v = p.values as Record<string, string | undefined>;
      if (v.symbol === undefined) throw new UsageError('--symbol: required, e.g. --symbol ES');
      const arg = v.timeframe === undefined ? { symbol: v.symbol } : { symbol: v.symbol, timeframe: v.timeframe as '1m' };
      validate('lake.qa', arg);
      return withServices(open(true), async (s) => {
        const r = await call(s, 'lake.qa', arg);
        if (json) io.out(JSON.stringify(r));
        else
          io.out(
            [
              `${r.symbol} ${r.timeframe}: ${r.rows.toLocaleString('en-US')} bars, ${r.first ?? '—'} → ${r.last ?? '—'}`,
              `duplicates ${r.duplicates} · gaps ${r.gaps.count} (${r.gaps.missingBars} bars missing) · OHLC inconsistent ${r.ohlcInconsistent.count} · non-positive prices ${r.nonPositivePrices.count}`,
              `spikes ${r.spikes.count} (> ${r.spikes.threshold} local σ) · stale runs ${r.staleRuns.count} (≥ ${r.staleRuns.minBars} bars, longest ${r.staleRuns.longest}) · zero-volume bars ${r.volume.zeroBars} · volume anomalies ${r.volume.anomalies}`,
              coverageLine(r.coverage),
            ].join('\n'),
          );
        return 0;
      });
    }
    case 'sql': {
      const p = parse(opts, { limit: { type: 'string' }, timeout: { type: 'string' } });
      if (p.positionals.length !== 1) throw new UsageError('sql: give the query as one quoted argument, e.g. quantdesk sql "SELECT symbol, count(*) FROM bars GROUP BY 1"');
      const v = p.values as Record<string, string | undefined>;
      if (v.limit !== undefined && !/^\d+$/.test(v.limit)) throw new UsageError(`--limit: expected a positive whole number, got ${v.limit}`);
      if (v.timeout !== undefined && !/^\d+(\.\d+)?$/.test(v.timeout)) throw new UsageError(`--timeout: expected seconds such as 60, got ${v.timeout}`);
      const arg = { query: p.positionals[0]!, ...(v.limit === undefined ? {} : { limit: Number(v.limit) }), ...(v.timeout === undefined ? {} : { timeoutSeconds: Number(v.timeout) }) };
      validate('lake.sql', arg, { timeoutSeconds: 'timeout' });
      return withServices(open(true), async (s) => {
        const r = await call(s, 'lake.sql', arg);
        if (json) io.out(JSON.stringify(r));
        else io.out(r.rows.length === 0 ? `(no rows) ${r.columns.map((c) => c.name).join(', ')}` : table([r.columns.map((c) => c.name), ...r.rows.map((row) => row.map((x) => (x === null ? 'NULL' : String(x))))]) + (r.truncated ? `\n… more rows; raise --limit` : ''));
        return 0;
      });
    }
    case 'lake': {
      const p = parse(opts, { timeframe: { type: 'string' }, table: { type: 'string' }, yes: { type: 'boolean' } });
      const v = p.values as { timeframe?: string; table?: string; yes?: boolean };
      if (p.positionals[0] === 'delete') {
        if (p.positionals.length !== 2 || v.timeframe === undefined) throw new UsageError('lake delete: give one symbol and its timeframe, e.g. `lake delete ES --timeframe 1m --yes`');
        const what = v.timeframe === 'tick' ? `${v.table ?? 'trades'} row` : `${v.timeframe} bar`;
        if (!v.yes) throw new UsageError(`lake delete: this removes every stored ${what} of ${p.positionals[1]} (its rejects stay); add --yes to confirm`);
        const arg = { symbol: p.positionals[1]!, timeframe: v.timeframe, ...(v.table === undefined ? {} : { table: v.table }) } as ArgOf<'lake.delete'>;
        validate('lake.delete', arg);
        return withServices(open(false), async (w) => {
          const r = await call(w, 'lake.delete', arg);
          io.out(json ? JSON.stringify(r) : `deleted ${r.symbol} ${r.timeframe === 'tick' ? r.table : r.timeframe}: ${r.rows.toLocaleString('en-US')} rows in ${r.files} files, ${fmtBytes(r.bytes)} freed; its rejects are kept`);
          return 0;
        });
      }
      if (p.positionals[0] !== 'ls' || p.positionals.length > 1) throw new UsageError(`lake: expected \`lake ls\` or \`lake delete SYMBOL --timeframe TF --yes\`, got \`lake ${p.positionals.join(' ')}\``);
      return withServices(open(true), async (s) => {
        const series = await call(s, 'lake.summary', {});
        if (json) io.out(JSON.stringify({ home: s.home.root, series: series.map((r) => ({ ...r, first: iso(r.first), last: iso(r.last) })) }));
        else if (series.length === 0) io.out(`the lake at ${s.home.root} is empty; run \`quantdesk backfill --source demo\``);
        else
          io.out(
            table([
              ['symbol', 'table', 'tf', 'rows', 'partitions', 'bytes', 'first', 'last'],
              ...series.map((r) => [r.symbol, r.table, r.timeframe, r.rows.toLocaleString('en-US'), String(r.partitions), fmtBytes(r.bytes), iso(r.first).slice(0, 16), iso(r.last).slice(0, 16)]),
            ]),
          );
        return 0;
      });
    }
    case 'bars': {
      const p = parse(opts, { symbol: { type: 'string' }, timeframe: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, limit: { type: 'string' } });
      if (p.positionals.length) throw new UsageError(`bars: unexpected argument ${p.positionals[0]}`);
      const v = p.values as Record<string, string | undefined>;
      if (v.symbol === undefined) throw new UsageError('--symbol: required, e.g. --symbol ES');
      if (v.limit !== undefined && !/^\d+$/.test(v.limit)) throw new UsageError(`--limit: expected a positive whole number, got ${v.limit}`);
      const arg = { symbol: v.symbol, timeframe: (v.timeframe ?? '1d') as '1d', from: v.from, to: v.to, limit: v.limit === undefined ? undefined : Number(v.limit) };
      for (const k of Object.keys(arg) as (keyof typeof arg)[]) if (arg[k] === undefined) delete arg[k];
      validate('bars.get', arg);
      return withServices(open(true), async (s) => {
        printBars(await call(s, 'bars.get', arg), json, io);
        return 0;
      });
    }
    case 'jobs': {
      const p = parse(opts, { all: { type: 'boolean' } });
      if (p.positionals.length) throw new UsageError(`jobs: unexpected argument ${p.positionals[0]}`);
      return withServices(open(true), async (s) => {
        const jobs = await call(s, 'jobs.list', { all: Boolean(p.values.all) });
        if (json) io.out(JSON.stringify({ jobs }));
        else io.out(jobs.length === 0 ? 'no jobs' : table([['id', 'kind', 'status', 'created', 'summary'], ...jobs.map(jobRow)]));
        return 0;
      });
    }
  }
  throw new UsageError(`unknown command ${command}; run quantdesk --help`);
}
