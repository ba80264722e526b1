import path from 'node:path';
import { DateTime } from 'luxon';
import { pathToFileURL } from 'node:url';
import type { ArgOf } from '../common/api';
import { ApiError } from '../common/errors';
import { BACKFILL_SOURCES } from '../common/schemas';
import { DEMO_SYMBOLS } from '../common/instruments';
import type { BacktestSummary, Bars, ContinuousResult, ImportResult, JobInfo, KillswitchStatus, PortfolioRun, QaReport } from '../common/types';
import { tradesCsv } from '../node/backtest/run-backtest';
import type { FilterResult } from '../node/backtest/trade-filter';
import type { PaperSummary } from '../common/types';
import type { SweepResult } from '../common/backtest/sweep';
import { createServices, type Services } from '../node/services';
import { appPaths } from './app-paths';
import { computeFeaturesCsv } from '../node/features/compute-csv';
import type { FeatureBuildResult } from '../node/features/silver-build';
import type { IcReport, PromoteResult } from '../node/features/analysis';
import type { TrainResult } from '../node/models/train';
import type { BookSnapshotResult } from '../node/lake/book-snapshots';
import { parseTrainConfig } from '../node/models/train-config';
import { moveHome } from '../node/home-move';
import { openHome } from '../node/home';
import { Journal } from '../node/paper/journal';
import { predictCsv, PROVIDERS, type Provider } from '../node/models/predict';
import fs from 'node:fs';
import { featureCatalog } from '../common/features/catalog';
import { call, parse, table, UsageError, validate } from './cli/cli-support';
import { engineLine } from '../common/models/engine';
import { OPTIONS_USAGE, optionsCommand } from './cli/options-command';
import { startServer } from './http-server';
import { MAX_BYTES, readRegularText } from '../node/untrusted-files';

/** Where CLI output goes; tests pass their own. */
export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  env: Record<string, string | undefined>;
}

const USAGE = `usage: quantdesk [--home DIR] [--json] <command> [options]

commands:
  backfill --source demo|databento|polygon [--symbols ES,NQ] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
           [--timeframe 1m|1h|1d] [--dataset GLBX.MDP3] [--schema ohlcv|mbp-10|mbp-1|tbbo|bbo-1s|bbo-1m|mbo|
           definition|statistics|status|imbalance|options]
                              fetch bars the lake lacks (default: all demo symbols, the last 30 days),
                              or a Databento schema into its table by day (the demo offers mbp-10 and
                              options: 0DTE chains); options from Databento name the parent, ES.OPT;
                              vendors read DATABENTO_API_KEY / POLYGON_API_KEY from the environment
  import <path>... [--format auto|generic|backtrader|polygon|databento-csv|dbn|yahoo|stooq|parquet]
         [--symbol S] [--tz ZONE] [--map time=Date,open=Open,...] [--calendar cme|nyse|xetra]
         [--universe min-price=5,max-price=500,min-avg-volume=100000,min-days=20,common-only]
                              import bar files into the lake; rejected rows are kept with file and line
  rejects [--run ID]          rows imports rejected: file, line, reason
  resample --symbol S --timeframe 5m|15m|30m|1h|1d|1w
                              materialise a resampled series; reads use it until new bars arrive
  retention [--minute-days N [--save]]
                              turn 1-minute bars older than N days (whole months) into 5-minute bars;
                              without --minute-days the stored policy applies (default 90); --save stores N
  universe [--min-price N] [--max-price N] [--min-avg-volume N] [--min-days N] [--common-only]
                              symbols whose daily bars pass the filters, with their statistics
  continuous --root ES [--threshold 0.6]
                              build ES.C (unadjusted) and ES.CBA (back-adjusted) from the stored contracts
  snapshots --symbol ES [--from YYYY-MM-DD] [--to YYYY-MM-DD]
                              the 1 Hz snapshot table (book_1s) of a symbol's stored MBP-10 book: the
                              ten levels at the end of every second, updates in it, age of the state
${OPTIONS_USAGE}
  qa --symbol S [--timeframe 1m]
                              data-quality report: duplicates, gaps, OHLC, prices, spikes, stale runs, volume
  sql "<query>" [--limit N] [--timeout S]
                              read-only SQL over the lake (views bars, trades, quotes, book, orders,
                              definitions, statistics, status, imbalance, options_trades,
                              options_quotes, rejects); stopped after
                              S seconds (60)
  lake ls                     per symbol, table and timeframe: rows, partitions, bytes, first, last
  lake delete SYMBOL --timeframe TF [--table T] --yes
                              delete one stored series (catalog, files, backfill coverage); rejects stay;
                              market events: --timeframe tick --table quotes (trades when not given)
  bars --symbol ES --timeframe 1d [--from D] [--to D] [--limit N]
                              bars as CSV, or JSON with --json
  features list               the feature registry: parameters, outputs, conventions
  features compute --input FILE.csv --features "ibs,rsi(14),macd(12,26,9)" --out OUT.csv
                              compute features on any OHLCV CSV with the app's own kernels
  features build --set NAME|FILE.yml [--symbols ES,NQ] [--force]
                              build a feature set's silver files (skips symbols whose bars are unchanged)
  dataset promote --build SET@HASH [--filter rth|complete|from=D|to=D]... [--allow-partial]
                              promote a silver build to a versioned gold training dataset
  ic --set NAME [--horizons 1,5,20] [--allow-partial]
                              information coefficients of a set's features against forward returns
  train --config FILE.yml [--allow-partial]
                              train a model on a feature set's build and register it (gradient-boosted trees);
                              IC, promotion and training refuse a build with failed or interrupted symbols
                              unless --allow-partial (recorded with the result)
  models import FILE [--format onnx|xgboost|lightgbm|catboost] [--name NAME] [--feature-set SET]
                              register a model trained elsewhere: ONNX, or XGBoost JSON/UBJSON, LightGBM
                              text and CatBoost JSON converted to ONNX (a .json file's content tells
                              XGBoost from CatBoost); loaded and run on a few rows before it is registered
  models ls | models show ID[@VERSION] | models promote ID@VERSION | models rollback ID | models demote ID
                              registered models with their metrics; one model's card; stage changes
  models check ID[@VERSION] [--provider P] [--rows N]
                              run a model on the latest N rows (5000) of its feature build: the
                              provider that ran it, the time, and its predictions' spread
                              (models/manifest.json lists the production versions)
  leaderboard [--min-score X] [--score "0.4 * balanced_accuracy + 0.6 * min(sharpe / 3, 1)"] [--save]
                              model versions ranked by a score over their test metrics (the stored
                              formula unless --score; --save stores the one given)
  instruments                 the instrument table: contract specs and maintenance margins
  instruments margin SYMBOL --maintenance AMOUNT | --reset
                              set a maintenance margin per contract (your broker's) or go back to the
                              table's; backtests and portfolios built afterwards are called and ruined by it
  provider [auto|cpu|coreml|webgpu|cuda|dml]
                              the default execution provider for inference (with one: make it the
                              default) and which providers load a model on this machine
  predict --model ID[@VERSION] --input FEATURES.csv --out OUT.csv [--provider auto|cpu|coreml|webgpu|cuda|dml]
                              run a model over a CSV of its features; adds p (or yhat; p_<class> per class for a
                              multiclass model); the provider goes to stderr
  backtest --strategy ibs|rsi2|macd_cross|breakout --symbols ES,NQ [--timeframe 1d] [--from D] [--to D]
         [--params '{"entry_below":0.2}'] [--model ID[@V]] [--commission 2.5] [--slippage-ticks 1]
         [--capital N] [--max-positions N] [--fill-at next_open|close] [--benchmark SYM]
         [--factors FILE.csv [--factors-fraction]]
                              backtest a strategy on stored bars; stores trades, equity and metrics;
                              --factors regresses its daily returns on a factor file (Fama-French
                              style, percent unless --factors-fraction)
  strategies [save --run ID --name NAME [--overwrite]]
                              the strategy configs stored in the home (strategy, parameters, model,
                              terms); save stores a run's strategy with the terms it was backtested on
  trades --run ID --out trades.csv
                              a backtest run's trades as CSV, with the strategy's features at entry
  montecarlo --run ID [--method reshuffle|resample|block] [--simulations 1000] [--seed 1] [--block 5]
                              a run's trades reshuffled or resampled, or its daily returns block-
                              bootstrapped: percentiles of final equity, drawdown and Sharpe, ruin odds
  sweep --strategy ibs|rsi2 --symbols ES [--timeframe 1d] [--from D] [--to D] --grid '{"entry_below":[0.1,0.2,0.3]}'
        [--commission 2.5] [--slippage-ticks 1] [--contracts N] [--walk-forward IS,OOS[,anchored]]
                              every combination of the grid with the vectorised engine: metrics per
                              point, the best by Sharpe and its deflated Sharpe ratio; with
                              --walk-forward, in-sample windows of IS bars choose the parameters that
                              trade the next OOS bars, and the out-of-sample equity is stitched
  filter train --strategy ibs --symbols ES,NQ --set NAME [--params JSON] [--commission 2.5] [--slippage-ticks 1]
                              per symbol: backtest the strategy on the set's timeframe, label its trades
                              (profitable after costs?), train a filter on the set's features at entry,
                              choose its threshold on validation, and backtest the test period with and
                              without it
  portfolio optimize --runs ID,ID,… [--objective sharpe|cagr_over_maxdd] [--split D] [--max-positions 1,2,3]
         [--correlation-limit 0.8] [--max-drawdown 0.2] [--daily-loss N] [--max-position-notional N]
         [--max-orders-per-minute N]
                              greedy portfolio from backtest runs: add the instrument that most improves the
                              objective before the split, stop when none does; judged after the split;
                              the risk limits go into the portfolio config for the risk engine
  paper run --portfolio ID|FILE.json --replay --from D --to D [--speed max]
                              replay a portfolio through paper trading (streaming features, the risk gate
                              under the killswitch's state, the backtester's broker) and print a summary
  paper status                the killswitch's state, the paper sessions and the latest alerts
  killswitch status|halt|reduce|resume [--reason TEXT] [--flatten]
                              the trading state (halted: only cancels; reducing: only orders that
                              reduce a position), journaled and audited; resume re-arms
  export-config --repo PATH [--dir quantdesk] [--message TEXT] [--include-models] [--tag NAME] [--push]
         [--portfolio ID|FILE] [--force] [--override REASON]
                              validate the production models and the portfolio, write the config bundle
                              (strategies, portfolio.yml, feature sets, model manifest and cards, ONNX
                              files with --include-models) into the repository's folder and commit it
                              with the author from Settings; nothing changed: no commit. --force exports
                              over uncommitted changes in the folder; --override exports although
                              validation failed and records why in the commit message
  import-config --repo PATH [--rev REV] [--dir quantdesk]
                              restore a bundle (configs, portfolio, models) from the repository at REV
  jobs [--all]                recent jobs, or every job
  home move DEST              move the home folder (catalog, lake, models) to DEST, checked on arrival
  serve [--port N] [--host 127.0.0.1] [--token T] [--demo-days N] [--no-seed]
                              serve the app to a browser; seeds the demo lake on first start; bound
                              beyond loopback, every request needs the token it prints (or --token)

global options:
  --home DIR   home folder (default: $QUANTDESK_HOME, else data/home in the app folder)
  --json       print one JSON document on stdout and nothing else
  --help       this text

exit codes: 0 success, 2 bad usage, 1 failure`;

/** An option's JSON value, or a usage error showing the expected shape. */
function jsonOption(name: string, text: string, example: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--${name}: expected JSON such as '${example}', got ${text}`);
  }
}

/** An option's number, or a usage error naming it. */
function numberOption(name: string, text: string): number {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${name}: expected a number, got ${text}`);
  return x;
}

/** A comma-separated symbol list, trimmed and upper-cased (`es, nq` → ES, NQ). */
const symbolList = (text: string): string[] => text.split(',').map((x) => x.trim().toUpperCase());

/** A number with `digits` decimals; Infinity and NaN as words. */
const fixed = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

/** `--walk-forward IS,OOS[,anchored]` as a plan: bar counts, rolling unless `anchored`. */
function walkForwardPlan(text: string): { inSample: number; outOfSample: number; anchored: boolean } {
  const [is, oos, mode, ...rest] = text.split(',').map((x) => x.trim());
  if (!is || !oos || !/^\d+$/.test(is) || !/^\d+$/.test(oos) || (mode !== undefined && mode !== 'anchored' && mode !== 'rolling') || rest.length > 0) {
    throw new UsageError(`--walk-forward: expected IS,OOS bar counts with an optional ,anchored or ,rolling (e.g. 500,100), got ${text}`);
  }
  return { inSample: Number(is), outOfSample: Number(oos), anchored: mode === 'anchored' };
}

const isValidZone = (zone: string): boolean => DateTime.now().setZone(zone).isValid;

const DAY_MS = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const fmtBytes = (n: number): string => (n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(2)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

/** QA's coverage in one line: sessions present of those expected, and the missing months and sessions. */
function coverageLine(c: QaReport['coverage']): string {
  const missing = c.expectedSessions - c.presentSessions;
  const basis = c.basis === 'calendar' ? 'calendar sessions' : 'weekdays (no calendar)';
  const months = c.missingMonths.length ? ` · missing months ${c.missingMonths.length}: ${c.missingMonths.slice(0, 24).join(', ')}${c.missingMonths.length > 24 ? ', …' : ''}` : '';
  const days = missing > 0 ? ` · missing sessions ${missing}: ${c.missingSessions.slice(0, 10).join(', ')}${missing > 10 ? ', …' : ''}` : '';
  return `coverage ${c.presentSessions}/${c.expectedSessions} ${basis}${months}${days}`;
}

/** Runs the CLI; returns the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let json = false;
  try {
    // Global options may stand anywhere; the command and its options are what remains.
    json = argv.includes('--json');
    const globalsOnly = new Set(['--json', '--help', '-h']);
    const rest: string[] = [];
    let home: string | undefined;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a === '--home') {
        home = argv[++i];
        if (home === undefined || home.startsWith('--')) throw new UsageError('--home: expected a folder path');
      }
      else if (a.startsWith('--home=')) home = a.slice(7);
      else if (!globalsOnly.has(a)) rest.push(a);
    }
    if (argv.includes('--help') || argv.includes('-h') || rest.length === 0) {
      io.out(USAGE);
      return rest.length === 0 && !argv.includes('--help') && !argv.includes('-h') ? 2 : 0;
    }
    if (home === '') throw new UsageError('--home: expected a folder path');
    const paths = appPaths();
    const homeDir = home ?? io.env.QUANTDESK_HOME ?? paths.defaultHome;
    const [command, ...opts] = rest;
    const open = (readonly: boolean, host: 'cli' | 'headless' = 'cli'): Promise<Services> =>
      createServices({ home: homeDir, resources: paths.resources, host, workerFile: paths.workerFile, readonly, version: paths.version });

    // Runs one job in this process to its end; a job that did not succeed exits 1 with its error.
    const runJob = async (arg: ArgOf<'jobs.start'>, what: string, render: (job: JobInfo) => string | object): Promise<number> => {
      const s = await open(false);
      try {
        const { jobId } = await call(s, 'jobs.start', arg);
        await s.idle();
        const job = await call(s, 'jobs.get', { jobId });
        if (job.status !== 'succeeded') {
          if (json) io.out(JSON.stringify({ error: { code: 'failure', message: job.error ?? job.status } }));
          io.err(`quantdesk: ${what} ${job.status}: ${job.error ?? ''}`);
          return 1;
        }
        const out = render(job);
        io.out(typeof out === 'string' ? out : JSON.stringify(out));
        return 0;
      } finally {
        await s.close();
      }
    };

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
        const s = await open(false);
        try {
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
        } finally {
          await s.close();
        }
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
        const s = await open(true);
        try {
          const rows = await call(s, 'rejects.list', p.values.run ? { runId: String(p.values.run) } : {});
          if (json) io.out(JSON.stringify({ rejects: rows }));
          else io.out(rows.length === 0 ? 'no rejected rows' : rows.map((r) => `${r.file}:${r.line}${r.byteOffset === null ? '' : ` (byte ${r.byteOffset})`} [${r.source}]: ${r.reason}\n    ${r.raw}`).join('\n'));
          return 0;
        } finally {
          await s.close();
        }
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
          const s = await open(false);
          try {
            await call(s, 'settings.setRetention', { minuteDays: Number(days) });
          } finally {
            await s.close();
          }
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
        const s = await open(true);
        try {
          const members = await call(s, 'lake.universe', arg);
          if (json) io.out(JSON.stringify({ members }));
          else io.out(members.length === 0 ? 'no symbol passes the filters' : table([['symbol', 'class', 'avg price', 'avg volume', 'days', 'first', 'last'], ...members.map((m) => [m.symbol, m.class, m.avgPrice.toFixed(2), Math.round(m.avgVolume).toLocaleString('en-US'), String(m.days), m.first, m.last])]));
          return 0;
        } finally {
          await s.close();
        }
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
        const s = await open(true);
        try {
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
        } finally {
          await s.close();
        }
      }
      case 'sql': {
        const p = parse(opts, { limit: { type: 'string' }, timeout: { type: 'string' } });
        if (p.positionals.length !== 1) throw new UsageError('sql: give the query as one quoted argument, e.g. quantdesk sql "SELECT symbol, count(*) FROM bars GROUP BY 1"');
        const v = p.values as Record<string, string | undefined>;
        if (v.limit !== undefined && !/^\d+$/.test(v.limit)) throw new UsageError(`--limit: expected a positive whole number, got ${v.limit}`);
        if (v.timeout !== undefined && !/^\d+(\.\d+)?$/.test(v.timeout)) throw new UsageError(`--timeout: expected seconds such as 60, got ${v.timeout}`);
        const arg = { query: p.positionals[0]!, ...(v.limit === undefined ? {} : { limit: Number(v.limit) }), ...(v.timeout === undefined ? {} : { timeoutSeconds: Number(v.timeout) }) };
        validate('lake.sql', arg, { timeoutSeconds: 'timeout' });
        const s = await open(true);
        try {
          const r = await call(s, 'lake.sql', arg);
          if (json) io.out(JSON.stringify(r));
          else io.out(r.rows.length === 0 ? `(no rows) ${r.columns.map((c) => c.name).join(', ')}` : table([r.columns.map((c) => c.name), ...r.rows.map((row) => row.map((x) => (x === null ? 'NULL' : String(x))))]) + (r.truncated ? `\n… more rows; raise --limit` : ''));
          return 0;
        } finally {
          await s.close();
        }
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
          const w = await open(false);
          try {
            const r = await call(w, 'lake.delete', arg);
            io.out(json ? JSON.stringify(r) : `deleted ${r.symbol} ${r.timeframe === 'tick' ? r.table : r.timeframe}: ${r.rows.toLocaleString('en-US')} rows in ${r.files} files, ${fmtBytes(r.bytes)} freed; its rejects are kept`);
            return 0;
          } finally {
            await w.close();
          }
        }
        if (p.positionals[0] !== 'ls' || p.positionals.length > 1) throw new UsageError(`lake: expected \`lake ls\` or \`lake delete SYMBOL --timeframe TF --yes\`, got \`lake ${p.positionals.join(' ')}\``);
        const s = await open(true);
        try {
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
        } finally {
          await s.close();
        }
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
        const s = await open(true);
        try {
          printBars(await call(s, 'bars.get', arg), json, io);
          return 0;
        } finally {
          await s.close();
        }
      }
      case 'jobs': {
        const p = parse(opts, { all: { type: 'boolean' } });
        if (p.positionals.length) throw new UsageError(`jobs: unexpected argument ${p.positionals[0]}`);
        const s = await open(true);
        try {
          const jobs = await call(s, 'jobs.list', { all: Boolean(p.values.all) });
          if (json) io.out(JSON.stringify({ jobs }));
          else io.out(jobs.length === 0 ? 'no jobs' : table([['id', 'kind', 'status', 'created', 'summary'], ...jobs.map(jobRow)]));
          return 0;
        } finally {
          await s.close();
        }
      }
      case 'serve': {
        const p = parse(opts, { port: { type: 'string' }, host: { type: 'string' }, token: { type: 'string' }, 'demo-days': { type: 'string' }, 'no-seed': { type: 'boolean' } });
        if (p.positionals.length) throw new UsageError(`serve: unexpected argument ${p.positionals[0]}`);
        const v = p.values as Record<string, string | boolean | undefined>;
        const port = v.port === undefined ? 4747 : Number(v.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port: expected 0–65535, got ${String(v.port)}`);
        const demoDays = v['demo-days'] === undefined ? undefined : Number(v['demo-days']);
        if (demoDays !== undefined && (!Number.isInteger(demoDays) || demoDays < 1 || demoDays > 10_000)) throw new UsageError(`--demo-days: expected a whole number of days 1–10000, got ${String(v['demo-days'])}`);
        if (typeof v.token === 'string' && v.token.length < 16) throw new UsageError('--token: use at least 16 characters (or leave it out for a random one)');
        const s = await open(false, 'headless');
        const server = await startServer({ services: s, port, host: typeof v.host === 'string' ? v.host : '127.0.0.1', staticDir: paths.renderer, ...(typeof v.token === 'string' ? { token: v.token } : {}) }).catch(async (e: NodeJS.ErrnoException) => {
          await s.close();
          throw e.code === 'EADDRINUSE' ? new UsageError(`--port: ${port} is already in use; pick another port or --port 0 for any free one`) : e;
        });
        if (json) io.out(JSON.stringify({ url: server.url, home: s.home.root, ...(server.token ? { token: server.token } : {}) }));
        else io.out(server.token ? `listening on ${server.url}; open ${server.url}/?token=${server.token} (other machines can reach it, so every request needs this token)` : `listening on ${server.url}`);
        if (!v['no-seed']) s.seedDemoIfNeeded({ days: demoDays });
        await new Promise<void>((resolve) => {
          const stop = (): void => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await server.close();
        await s.close();
        return 0;
      }
      case 'train': {
        const p = parse(opts, { config: { type: 'string' }, 'allow-partial': { type: 'boolean' } });
        const file = (p.values as { config?: string }).config;
        const allowPartial = (p.values as { 'allow-partial'?: boolean })['allow-partial'] === true;
        if (!file) throw new UsageError('train: --config FILE.yml is required');
        let text: string;
        try {
          text = readRegularText(file, { maxBytes: MAX_BYTES.config, what: 'training config' });
        } catch (e) {
          throw new UsageError(`--config: ${(e as Error).message}`);
        }
        const config = parseTrainConfig(text, file);
        return await runJob({ kind: 'train', config, ...(allowPartial ? { allowPartial } : {}) }, 'training', (job) => {
          const r = job.result as TrainResult;
          return json ? { id: r.id, version: r.version, metrics: r.metrics, rows: r.rows, trees: r.trees } : `${job.summary}\nmodel ${r.id}@${r.version}`;
        });
      }
      case 'models': {
        const [sub, ...subOpts] = opts;
        if (sub === 'import') {
          const q = parse(subOpts, { format: { type: 'string' }, name: { type: 'string' }, 'feature-set': { type: 'string' } });
          const v = q.values as Record<string, string | undefined>;
          if (q.positionals.length !== 1) throw new UsageError('models import: give one model file');
          const arg = { path: path.resolve(q.positionals[0]!), ...(v.format ? { format: v.format as 'onnx' } : {}), ...(v.name ? { name: v.name } : {}), ...(v['feature-set'] ? { featureSet: v['feature-set'] } : {}) };
          validate('models.import', arg, { featureSet: 'feature-set' });
          const w = await open(false);
          try {
            const r = await call(w, 'models.import', arg);
            io.out(json ? JSON.stringify(r) : `${r.id}@${r.version}: ${r.kind} ${r.objective} model reading ${r.window ? `windows of ${r.window} rows of ` : ''}${r.features.join(', ')}${r.featureOrder === 'by name' ? ' (in another order than the feature set; fed by name)' : ''}; predicts from its output ${r.output}${r.classes ? ` (one probability per class: ${r.classes.join(', ')})` : ''}`);
            return 0;
          } finally {
            await w.close();
          }
        }
        if (sub === 'check') {
          const q = parse(subOpts, { provider: { type: 'string' }, rows: { type: 'string' } });
          const v = q.values as Record<string, string | undefined>;
          if (q.positionals.length !== 1) throw new UsageError('models check: give one model, ID or ID@VERSION');
          const provider = v.provider === undefined ? undefined : providerOption(v.provider);
          const rows = v.rows === undefined ? undefined : Number(v.rows);
          if (rows !== undefined && !(Number.isInteger(rows) && rows >= 1)) throw new UsageError(`--rows: expected a whole number of rows ≥ 1, got ${v.rows}`);
          const s = await open(true);
          try {
            const r = await call(s, 'models.check', { model: q.positionals[0]!, ...(provider ? { provider } : {}), ...(rows ? { rows } : {}) });
            io.err(`provider: ${r.provider}${r.fallback ? ` (${r.fallback})` : ''}; ${r.placement.summary}; ${engineLine(r.engine)}`);
            const share = r.classShare
              ? `; most probable class: ${Object.entries(r.classShare).map(([c, x]) => `${c} ${(100 * x).toFixed(1)}%`).join(', ')}`
              : r.aboveThreshold === null
                ? ''
                : `, ${(100 * r.aboveThreshold).toFixed(1)}% ≥ threshold ${r.threshold}`;
            const of = r.classShare ? 'top probability ' : '';
            io.out(json ? JSON.stringify(r) : `${r.model}: ${r.rows} rows of ${r.symbols.join(' ')} in ${r.ms.toFixed(1)} ms on ${r.provider}; ${of}mean ${r.mean.toFixed(4)}, range ${r.min.toFixed(4)}–${r.max.toFixed(4)}${share}`);
            return 0;
          } finally {
            await s.close();
          }
        }
        const p = parse(subOpts, {});
        if (sub === 'promote' || sub === 'rollback' || sub === 'demote') {
          if (p.positionals.length !== 1) throw new UsageError(sub === 'promote' ? 'models promote: give one model version, ID@VERSION' : `models ${sub}: give one model id`);
          const w = await open(false);
          try {
            const m = sub === 'promote' ? await call(w, 'models.promote', { model: p.positionals[0]! }) : await call(w, sub === 'rollback' ? 'models.rollback' : 'models.demote', { id: p.positionals[0]! });
            io.out(json ? JSON.stringify(m) : sub === 'demote' ? `${m.id}@${m.version} is archived; ${m.id} has no version in production` : `${m.id}@${m.version} is in production`);
            return 0;
          } finally {
            await w.close();
          }
        }
        const s = await open(true);
        try {
          if (sub === 'ls') {
            const list = await call(s, 'models.list', {});
            if (json) io.out(JSON.stringify({ models: list }));
            else io.out(list.length === 0 ? '(no models)' : table([['model', 'kind', 'stage', 'symbols', 'label', 'test AUC', 'test logloss'], ...list.map((m) => [`${m.id}@${m.version}`, m.kind, m.stage, m.symbols.join(' '), m.label ?? '', String(m.metrics.test?.auc?.toFixed(4) ?? '–'), String(m.metrics.test?.logLoss?.toFixed(4) ?? '–')])]));
            return 0;
          }
          if (sub === 'show') {
            if (p.positionals.length !== 1) throw new UsageError('models show: give one model, ID or ID@VERSION');
            const m = await call(s, 'models.get', { model: p.positionals[0]! });
            io.out(json ? JSON.stringify(m) : JSON.stringify(m.card, null, 2));
            return 0;
          }
          throw new UsageError(`models: expected \`models ls\`, \`models show ID[@VERSION]\`, \`models check ID[@VERSION]\`, \`models promote ID@VERSION\`, \`models rollback ID\` or \`models demote ID\`, got \`models ${sub ?? ''}\``);
        } finally {
          await s.close();
        }
      }
      case 'leaderboard': {
        const p = parse(opts, { 'min-score': { type: 'string' }, score: { type: 'string' }, save: { type: 'boolean' } });
        const v = p.values as Record<string, string | undefined>;
        const minScore = v['min-score'] === undefined ? undefined : Number(v['min-score']);
        if (minScore !== undefined && !Number.isFinite(minScore)) throw new UsageError(`--min-score: expected a number, got ${v['min-score']}`);
        if (p.values.save && !v.score) throw new UsageError('--save stores the formula given with --score; give --score FORMULA');
        const s = await open(!p.values.save);
        try {
          if (p.values.save) await call(s, 'settings.setLeaderboard', { formula: v.score! });
          const formula = v.score ?? (await call(s, 'settings.leaderboard', {})).formula;
          const rows = await call(s, 'models.leaderboard', { ...(minScore === undefined ? {} : { minScore }), ...(v.score ? { formula: v.score } : {}) });
          const f = (x: number | undefined, d = 4): string => (x === undefined ? '–' : x.toFixed(d));
          if (json) io.out(JSON.stringify({ formula, models: rows }));
          else io.out(rows.length === 0 ? '(no models)' : table([['model', 'kind', 'stage', 'symbols', 'label', 'bal.acc', 'AUC', 'logloss', 'prec@10%', 'IC', 'Sharpe', 'Sortino', 'max DD', 'trades', 'score'], ...rows.map((r) => [`${r.id}@${r.version}`, r.kind, r.stage, r.symbols.join(' '), r.label ?? '', f(r.values.balanced_accuracy), f(r.values.auc), f(r.values.log_loss), f(r.values.precision_at_k), f(r.values.ic), f(r.values.sharpe), f(r.values.sortino), f(r.values.max_drawdown), r.values.trades === undefined ? '–' : String(r.values.trades), f(r.score)])]));
          return 0;
        } finally {
          await s.close();
        }
      }
      case 'strategies': {
        const p = parse(opts, { run: { type: 'string' }, name: { type: 'string' }, overwrite: { type: 'boolean' } });
        const [sub, ...rest] = p.positionals;
        if (sub !== undefined && sub !== 'save') throw new UsageError(`strategies: unknown subcommand ${sub}; use strategies, or strategies save --run ID --name NAME`);
        if (rest.length) throw new UsageError(`strategies: unexpected argument ${rest[0]}`);
        const v = p.values as Record<string, string | boolean | undefined>;
        let arg: ArgOf<'backtest.saveStrategy'> | undefined;
        if (sub === 'save') {
          if (typeof v.run !== 'string' || typeof v.name !== 'string') throw new UsageError('strategies save: give --run ID and --name NAME');
          arg = { runId: v.run, name: v.name, ...(v.overwrite ? { overwrite: true } : {}) };
          validate('backtest.saveStrategy', arg, { runId: 'run' });
        } else if (v.run !== undefined || v.name !== undefined || v.overwrite) throw new UsageError('--run, --name and --overwrite go with strategies save');
        const s = await open(arg === undefined);
        try {
          const configs = arg === undefined ? await call(s, 'backtest.strategies', {}) : [await call(s, 'backtest.saveStrategy', arg)];
          if (json) io.out(JSON.stringify(arg === undefined ? configs : configs[0]));
          else {
            const terms = (c: (typeof configs)[number]): string => (c.terms ? Object.entries(c.terms).map(([k, x]) => `${k} ${typeof x === 'object' ? JSON.stringify(x) : String(x)}`).join(', ') : 'defaults');
            if (arg) io.out(`saved strategies/${arg.name}.yml`);
            io.out(table([['name', 'strategy', 'params', 'model', 'terms'], ...configs.map((c) => [c.name, c.strategy, JSON.stringify(c.params ?? {}), c.model ? `${c.model}${c.threshold !== undefined ? ` ≥ ${c.threshold}` : ''}` : '', terms(c)])]));
          }
          return 0;
        } finally {
          await s.close();
        }
      }
      case 'instruments': {
        const p = parse(opts, { maintenance: { type: 'string' }, reset: { type: 'boolean' } });
        const [sub, symbol, ...rest] = p.positionals;
        if (sub !== undefined && sub !== 'margin') throw new UsageError(`instruments: unknown subcommand ${sub}; use instruments, or instruments margin SYMBOL --maintenance AMOUNT`);
        if (rest.length) throw new UsageError(`instruments: unexpected argument ${rest[0]}`);
        let arg: ArgOf<'instruments.setMargin'> | undefined;
        if (sub === 'margin') {
          if (symbol === undefined) throw new UsageError('instruments margin: name the symbol, e.g. instruments margin ES --maintenance 14500');
          const amount = p.values.maintenance as string | undefined;
          if ((amount === undefined) === !p.values.reset) throw new UsageError('instruments margin: give --maintenance AMOUNT or --reset (one of them)');
          if (amount !== undefined && !/^\d+(\.\d+)?$/.test(amount)) throw new UsageError(`--maintenance: expected an amount in the contract's currency such as 14500, got ${amount}`);
          arg = { symbol, maintenanceMargin: amount === undefined ? null : Number(amount) };
          validate('instruments.setMargin', arg, { maintenanceMargin: 'maintenance' });
        } else if (p.values.maintenance !== undefined || p.values.reset) throw new UsageError('--maintenance and --reset go with instruments margin SYMBOL');
        const s = await open(arg === undefined);
        try {
          const rows = arg === undefined ? await call(s, 'instruments.list', {}) : await call(s, 'instruments.setMargin', arg);
          if (json) io.out(JSON.stringify(rows.map(({ calendar, ...r }) => ({ ...r, calendar: calendar.id }))));
          else io.out(table([['symbol', 'name', 'multiplier', 'tick', 'currency', 'maintenance margin', 'calendar'], ...rows.map((r) => [r.symbol, r.name, String(r.multiplier), String(r.tickSize), r.currency, r.maintenanceMargin.toFixed(2), r.calendar.id])]));
          return 0;
        } finally {
          await s.close();
        }
      }
      case 'provider': {
        const p = parse(opts, {});
        if (p.positionals.length > 1) throw new UsageError('provider: give at most one provider to make the default');
        const want = p.positionals[0];
        const s = await open(want === undefined);
        try {
          const r = want === undefined ? await call(s, 'settings.inference', {}) : await call(s, 'settings.setInference', { provider: providerOption(want) });
          if (json) io.out(JSON.stringify(r));
          else {
            io.out(`default: ${r.provider}${r.provider === 'auto' ? ` (tries ${r.platformOrder.join(', ')} in that order)` : ''}`);
            io.out(table([['provider', 'here', 'a tree ensemble ran on'], ...r.providers.map((x) => [x.provider, x.available ? 'available' : `no: ${x.reason ?? ''}`, x.trees ?? '—'])]));
          }
          return 0;
        } finally {
          await s.close();
        }
      }
      case 'predict': {
        const p = parse(opts, { model: { type: 'string' }, input: { type: 'string' }, out: { type: 'string' }, provider: { type: 'string' } });
        const v = p.values as Record<string, string | undefined>;
        for (const k of ['model', 'input', 'out']) if (!v[k]) throw new UsageError(`predict: --${k} is required`);
        let provider = v.provider === undefined ? undefined : providerOption(v.provider);
        const s = await open(true);
        let m: Awaited<ReturnType<typeof call<'models.get'>>>;
        try {
          m = await call(s, 'models.get', { model: v.model! });
          provider ??= (await call(s, 'settings.inference', {})).provider as Provider | 'auto';
        } finally {
          await s.close();
        }
        const r = await predictCsv({ dir: path.join(s.home.models, m.id, String(m.version)), features: m.features, objective: m.objective, card: m.card, input: v.input!, out: v.out!, provider, tmpDir: s.home.tmp });
        io.err(`provider: ${r.provider}${r.fallback ? ` (${r.fallback})` : ''}`);
        io.out(json ? JSON.stringify(r) : `${r.rows} rows → ${r.out}`);
        return 0;
      }
      case 'dataset': {
        const [sub, ...subOpts] = opts;
        if (sub !== 'promote') throw new UsageError(`dataset: expected \`dataset promote\`, got \`dataset ${sub ?? ''}\``);
        const p = parse(subOpts, { build: { type: 'string' }, filter: { type: 'string', multiple: true }, 'allow-partial': { type: 'boolean' } });
        const v = p.values as { build?: string; filter?: string[]; 'allow-partial'?: boolean };
        if (!v.build) throw new UsageError('dataset promote: --build <set>@<hash> is required (features build prints it)');
        const arg: ArgOf<'jobs.start'> = { kind: 'promote', build: v.build, filters: (v.filter ?? []).flatMap((f) => f.split(',')).map((f) => f.trim()), ...(v['allow-partial'] ? { allowPartial: true } : {}) };
        validate('jobs.start', arg, { filters: 'filter' });
        return await runJob(arg, 'promotion', (job) => {
          const r = job.result as PromoteResult;
          return json ? r : `${job.summary}\n→ lake/${r.dir}${r.partial ? `\npartial build: lacks ${r.partial.join(', ')}` : ''}\n${Object.entries(r.labelBalance).map(([l, b]) => `${l}: ${Object.entries(b).map(([k, n]) => `${k} ${n}`).join(', ')}`).join('\n')}`;
        });
      }
      case 'backtest': {
        const p = parse(opts, {
          strategy: { type: 'string' },
          symbols: { type: 'string' },
          timeframe: { type: 'string' },
          from: { type: 'string' },
          to: { type: 'string' },
          params: { type: 'string' },
          model: { type: 'string' },
          commission: { type: 'string' },
          'slippage-ticks': { type: 'string' },
          capital: { type: 'string' },
          'max-positions': { type: 'string' },
          'fill-at': { type: 'string' },
          benchmark: { type: 'string' },
          factors: { type: 'string' },
          'factors-fraction': { type: 'boolean' },
        });
        const v = p.values as Record<string, string | undefined>;
        if (!v.strategy) throw new UsageError('backtest: --strategy NAME is required (ibs, rsi2, macd_cross, breakout)');
        if (!v.symbols) throw new UsageError('backtest: --symbols ES,NQ is required');
        const num = (k: string): number => numberOption(k, v[k]!);
        const params = v.params === undefined ? undefined : jsonOption('params', v.params, '{"entry_below":0.2}');
        const arg = {
          kind: 'backtest',
          strategy: v.strategy,
          symbols: symbolList(v.symbols),
          ...(v.timeframe ? { timeframe: v.timeframe } : {}),
          ...(v.from ? { from: v.from } : {}),
          ...(v.to ? { to: v.to } : {}),
          ...(params !== undefined ? { params } : {}),
          ...(v.model ? { model: v.model } : {}),
          ...(v.commission !== undefined ? { commission: num('commission') } : {}),
          ...(v['slippage-ticks'] !== undefined ? { slippageTicks: num('slippage-ticks') } : {}),
          ...(v.capital !== undefined ? { capital: num('capital') } : {}),
          ...(v['max-positions'] !== undefined ? { maxPositions: num('max-positions') } : {}),
          ...(v['fill-at'] ? { fillAt: v['fill-at'] } : {}),
          ...(v.benchmark ? { benchmark: v.benchmark.toUpperCase() } : {}),
          ...(v.factors ? { factors: { path: path.resolve(v.factors), percent: !(p.values as { 'factors-fraction'?: boolean })['factors-fraction'] } } : {}),
        } as ArgOf<'jobs.start'>;
        validate('jobs.start', arg, { slippageTicks: 'slippage-ticks', maxPositions: 'max-positions', fillAt: 'fill-at' });
        return await runJob(arg, 'backtest', (job) => {
          const r = job.result as BacktestSummary;
          const m = r.metrics;
          const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
          const fr = r.factors;
          const factorText = fr ? `\nfactors (${fr.n} days${fr.excessOfRf ? ', returns in excess of RF' : ''}): alpha ${pct(fr.alpha)}/yr (t ${fr.alphaT.toFixed(2)}), ${Object.entries(fr.betas).map(([k, b]) => `${k} ${b.beta.toFixed(3)} (t ${b.t.toFixed(2)})`).join(', ')}, R² ${fr.r2.toFixed(3)}` : '';
          return json
            ? { runId: r.runId, metrics: m, ...(fr ? { factors: fr } : {}), ...(r.ruinedAt !== undefined ? { ruinedAt: new Date(r.ruinedAt).toISOString() } : {}) }
            : `${job.summary}\nrun ${r.runId}\n${table([
                ['total return', 'annual', 'volatility', 'Sharpe', 'Sortino', 'max drawdown', 'trades', 'win rate', 'profit factor', 'expectancy'],
                [pct(m.total_return), pct(m.annual_return), pct(m.annual_volatility), m.sharpe.toFixed(2), m.sortino.toFixed(2), pct(m.max_drawdown), String(m.trades), pct(m.win_rate), Number.isFinite(m.profit_factor) ? m.profit_factor.toFixed(2) : m.trades > 0 ? '∞' : '–', m.expectancy.toFixed(2)],
              ])}${factorText}`;
        });
      }
      case 'sweep': {
        const p = parse(opts, { strategy: { type: 'string' }, symbols: { type: 'string' }, timeframe: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, grid: { type: 'string' }, commission: { type: 'string' }, 'slippage-ticks': { type: 'string' }, contracts: { type: 'string' }, 'walk-forward': { type: 'string' } });
        const v = p.values as Record<string, string | undefined>;
        if (!v.strategy) throw new UsageError('sweep: --strategy ibs|rsi2 is required');
        if (!v.symbols) throw new UsageError('sweep: --symbols ES is required');
        if (!v.grid) throw new UsageError(`sweep: --grid '{"entry_below":[0.1,0.2,0.3]}' is required`);
        const grid = jsonOption('grid', v.grid, '{"entry_below":[0.1,0.2,0.3]}');
        const num = (k: string): number => numberOption(k, v[k]!);
        const arg = {
          kind: 'sweep',
          strategy: v.strategy,
          symbols: symbolList(v.symbols),
          grid,
          ...(v.timeframe ? { timeframe: v.timeframe } : {}),
          ...(v.from ? { from: v.from } : {}),
          ...(v.to ? { to: v.to } : {}),
          ...(v.commission !== undefined ? { commission: num('commission') } : {}),
          ...(v['slippage-ticks'] !== undefined ? { slippageTicks: num('slippage-ticks') } : {}),
          ...(v.contracts !== undefined ? { contracts: num('contracts') } : {}),
          ...(v['walk-forward'] !== undefined ? { walkForward: walkForwardPlan(v['walk-forward']) } : {}),
        } as ArgOf<'jobs.start'>;
        validate('jobs.start', arg, { slippageTicks: 'slippage-ticks', walkForward: 'walk-forward' });
        return await runJob(arg, 'sweep', (job) => {
          const r = job.result as SweepResult;
          const f = (x: number): string => fixed(x, 3);
          const keys = Object.keys(r.grid);
          const wf = r.walkForward;
          const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
          const walk = wf
            ? `\nwalk-forward, out of sample: return ${f(wf.metrics.total_return)}, Sharpe ${f(wf.metrics.sharpe)}, max DD ${f(wf.metrics.max_drawdown)}, efficiency ${f(wf.efficiency)}\nin sample (best over the whole series, ${JSON.stringify(wf.hindsight.params)}), same span: return ${f(wf.hindsight.metrics.total_return)}, Sharpe ${f(wf.hindsight.metrics.sharpe)}\n${table([['out of sample', ...keys, 'IS Sharpe', 'OOS return', 'OOS Sharpe'], ...wf.windows.map((w) => [`${day(w.outOfSample.from)} – ${day(w.outOfSample.to)}`, ...keys.map((k) => String(w.params[k])), f(w.inSampleSharpe), f(w.result.total_return), f(w.result.sharpe)])])}`
            : '';
          return json
            ? r
            : `${job.summary}\n${table([[...keys, 'trades', 'return', 'Sharpe', 'max DD'], ...r.points.map((pt) => [...keys.map((k) => String(pt.params[k])), String(pt.metrics.trades), f(pt.metrics.total_return), f(pt.metrics.sharpe), f(pt.metrics.max_drawdown)])])}${walk}`;
        });
      }
      case 'filter': {
        const [sub, ...subOpts] = opts;
        if (sub !== 'train') throw new UsageError(`filter: expected \`filter train --strategy S --symbols ES --set NAME\`, got \`filter ${sub ?? ''}\``);
        const p = parse(subOpts, { strategy: { type: 'string' }, symbols: { type: 'string' }, set: { type: 'string' }, params: { type: 'string' }, commission: { type: 'string' }, 'slippage-ticks': { type: 'string' } });
        const v = p.values as Record<string, string | undefined>;
        for (const k of ['strategy', 'symbols', 'set']) if (!v[k]) throw new UsageError(`filter train: --${k} is required`);
        const params = v.params === undefined ? undefined : jsonOption('params', v.params, '{"entry_below":0.2}');
        const num = (k: string): number => numberOption(k, v[k]!);
        const arg = {
          kind: 'filter',
          strategy: v.strategy,
          symbols: symbolList(v.symbols!),
          set: v.set,
          ...(params !== undefined ? { params } : {}),
          ...(v.commission !== undefined ? { commission: num('commission') } : {}),
          ...(v['slippage-ticks'] !== undefined ? { slippageTicks: num('slippage-ticks') } : {}),
        } as ArgOf<'jobs.start'>;
        validate('jobs.start', arg, { slippageTicks: 'slippage-ticks' });
        return await runJob(arg, 'trade filter', (job) => {
          const r = job.result as FilterResult;
          const f = (x: number): string => fixed(x, 2);
          return json
            ? r
            : `${table([['symbol', 'filter', 'threshold', 'trades', 'test precision', 'test from', 'Sharpe', 'Sharpe gated', 'trades', 'trades gated'], ...r.symbols.map((x) => [x.symbol, x.model, x.threshold.toFixed(3), String(x.trades.total), f(x.metrics.test.precision), x.test.from, f(x.test.ungated.metrics.sharpe), f(x.test.gated.metrics.sharpe), String(x.test.ungated.metrics.trades), String(x.test.gated.metrics.trades)])])}`;
        });
      }
      case 'portfolio': {
        const [sub, ...subOpts] = opts;
        if (sub !== 'optimize') throw new UsageError(`portfolio: expected \`portfolio optimize --runs ID,ID\`, got \`portfolio ${sub ?? ''}\``);
        const p = parse(subOpts, { runs: { type: 'string' }, objective: { type: 'string' }, split: { type: 'string' }, 'max-positions': { type: 'string' }, 'correlation-limit': { type: 'string' }, 'max-drawdown': { type: 'string' }, 'daily-loss': { type: 'string' }, 'max-position-notional': { type: 'string' }, 'max-orders-per-minute': { type: 'string' } });
        const v = p.values as Record<string, string | undefined>;
        if (!v.runs) throw new UsageError('portfolio optimize: --runs ID,ID is required (backtest prints run ids)');
        const riskFlags = ['max-drawdown', 'daily-loss', 'max-position-notional', 'max-orders-per-minute'];
        const ints = (v['max-positions'] ?? '').split(',').filter(Boolean);
        if (ints.some((x) => !/^\d+$/.test(x.trim()))) throw new UsageError(`--max-positions: expected whole numbers such as 1,2,3, got ${v['max-positions']}`);
        const limit = v['correlation-limit'] === undefined ? undefined : numberOption('correlation-limit', v['correlation-limit']);
        const arg = {
          kind: 'portfolio',
          runs: v.runs.split(',').map((x) => x.trim()),
          ...(v.objective ? { objective: v.objective } : {}),
          ...(v.split ? { split: v.split } : {}),
          ...(ints.length ? { maxPositions: ints.map(Number) } : {}),
          ...(limit !== undefined ? { correlationLimit: limit } : {}),
          ...(riskFlags.some((k) => v[k] !== undefined)
            ? {
                riskLimits: Object.fromEntries(
                  riskFlags.filter((k) => v[k] !== undefined).map((k) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), numberOption(k, v[k]!)]),
                ),
              }
            : {}),
        } as ArgOf<'jobs.start'>;
        validate('jobs.start', arg, { maxPositions: 'max-positions', correlationLimit: 'correlation-limit', riskLimits: 'max-drawdown/--daily-loss/--max-position-notional/--max-orders-per-minute' });
        return await runJob(arg, 'portfolio search', (job) => {
          const r = job.result as PortfolioRun;
          const f = (x: number): string => fixed(x, 3);
          return json
            ? r
            : [
                job.summary,
                table([['step', 'added', `${r.result.objective} (train)`, 'test'], ...r.result.steps.map((s, i) => [String(i + 1), s.added, f(s.train), f(s.test)])]),
                ...(r.backtest
                  ? [
                      `together on shared capital (run ${r.backtest.run.runId}): return ${f(r.backtest.run.metrics.total_return)}, Sharpe ${f(r.backtest.run.metrics.sharpe)}, max DD ${f(r.backtest.run.metrics.max_drawdown)}`,
                      table([['instrument', 'net P&L', 'P&L share', 'risk share'], ...r.backtest.instruments.map((i) => [i.name, i.netPnl.toFixed(2), f(i.pnlShare), f(i.riskShare)])]),
                    ]
                  : []),
                ...(r.backtestSkipped ? [`no joint backtest: ${r.backtestSkipped}`] : []),
                `→ lake/gold/portfolios/${r.id}/portfolio.json`,
              ].join('\n');
        });
      }
      case 'paper': {
        const [sub, ...subOpts] = opts;
        if (sub === 'status') {
          parse(subOpts, {});
          const s = await open(true);
          try {
            const k = await call(s, 'paper.killswitch.get', {});
            const last = (await call(s, 'jobs.list', { all: true })).find((j) => j.kind === 'paper') ?? null;
            const sessions = (await call(s, 'paper.sessions', {})).map(({ id, portfolio, feed, status, error, bars }) => ({ id, portfolio, feed, status, error, bars }));
            const alerts = await call(s, 'paper.alerts', { limit: 10 });
            const status = { state: k.state, since: k.history[0] ?? null, sessions, lastSession: last ? { jobId: last.id, status: last.status, summary: last.summary ?? last.error ?? null } : null, alerts };
            io.out(
              json
                ? JSON.stringify(status)
                : [
                    `trading is ${status.state}`,
                    ...sessions.map((x) => `session ${x.id} (${x.portfolio}): ${x.status}, ${x.bars} bars${x.error ? ` (${x.error})` : ''}`),
                    `last replay job: ${status.lastSession ? `${status.lastSession.status}: ${status.lastSession.summary}` : 'none'}`,
                    ...alerts.map((a) => `alert ${new Date(a.at).toISOString()} ${a.title}: ${a.body}`),
                  ].join('\n'),
            );
            return 0;
          } finally {
            await s.close();
          }
        }
        if (sub !== 'run') throw new UsageError(`paper: expected \`paper run --portfolio ID --replay --from D --to D\` or \`paper status\`, got \`paper ${sub ?? ''}\``);
        const p = parse(subOpts, { portfolio: { type: 'string' }, replay: { type: 'boolean' }, from: { type: 'string' }, to: { type: 'string' }, speed: { type: 'string' } });
        const v = p.values as { portfolio?: string; replay?: boolean; from?: string; to?: string; speed?: string };
        if (!v.portfolio) throw new UsageError('paper run: --portfolio ID|FILE.json is required');
        if (!v.replay) throw new UsageError('paper run: only --replay sessions exist so far (live feeds are not built); add --replay --from D --to D');
        if (!v.from || !v.to) throw new UsageError('paper run: --from D and --to D are required with --replay');
        if (v.speed !== undefined && v.speed !== 'max') throw new UsageError(`--speed: only max (as fast as possible) exists so far, got ${v.speed}`);
        const arg: ArgOf<'jobs.start'> = { kind: 'paper', portfolio: /\.(json|ya?ml)$/i.test(v.portfolio) ? path.resolve(v.portfolio) : v.portfolio, from: v.from, to: v.to };
        validate('jobs.start', arg);
        return await runJob(arg, 'paper session', (job) => {
          const r = job.result as PaperSummary;
          return json ? { ...r, trades: r.trades.length, pnl: r.netPnl } : `${job.summary}${r.denials.length ? `\nfirst denial: ${r.denials[0]!.symbol}: ${r.denials[0]!.reason}` : ''}`;
        });
      }
      case 'killswitch': {
        const [sub, ...subOpts] = opts;
        const target = { halt: 'halted', reduce: 'reducing', resume: 'active' } as const;
        if (sub !== 'status' && !(sub !== undefined && sub in target)) throw new UsageError(`killswitch: expected status, halt, reduce or resume, got ${sub ?? 'nothing'}`);
        const p = parse(subOpts, { reason: { type: 'string' }, flatten: { type: 'boolean' } });
        const v = p.values as { reason?: string; flatten?: boolean };
        if (v.flatten && sub !== 'halt') throw new UsageError('--flatten goes with halt: `killswitch halt --flatten`');
        const show = (k: KillswitchStatus): string => `trading is ${k.state}${k.history[0] ? ` since ${new Date(k.history[0].at).toISOString()} (${k.history[0].source}: ${k.history[0].reason})` : ''}`;
        const arg = sub === 'status' ? undefined : { state: target[sub as keyof typeof target], reason: v.reason ?? `${sub} from the command line`, source: 'cli' as const, ...(v.flatten ? { flatten: true } : {}) };
        if (arg) validate('paper.killswitch.set', arg);
        // The journal directly, not the services: it takes no home lock, so a halt reaches the app or
        // server running on this home (its supervisor enforces what the journal records within 100 ms).
        const file = openHome(homeDir, { create: arg !== undefined }).journal;
        if (!arg && !fs.existsSync(file)) {
          const k: KillswitchStatus = { state: 'active', history: [] };
          io.out(json ? JSON.stringify(k) : show(k));
          return 0;
        }
        const journal = new Journal(file, { readonly: arg === undefined });
        try {
          const k = arg ? journal.setState(arg.state, 'cli', arg.reason, Date.now(), arg.flatten === true) : journal.killswitch();
          io.out(json ? JSON.stringify(k) : show(k));
          return 0;
        } catch (e) {
          if (e instanceof ApiError) throw new UsageError(e.message);
          throw e;
        } finally {
          journal.close();
        }
      }
      case 'export-config': {
        const p = parse(opts, { repo: { type: 'string' }, dir: { type: 'string' }, message: { type: 'string' }, 'include-models': { type: 'boolean' }, tag: { type: 'string' }, push: { type: 'boolean' }, portfolio: { type: 'string' }, force: { type: 'boolean' }, override: { type: 'string' } });
        if (p.positionals.length) throw new UsageError(`export-config: unexpected argument ${p.positionals[0]}`);
        const v = p.values as { repo?: string; dir?: string; message?: string; 'include-models'?: boolean; tag?: string; push?: boolean; portfolio?: string; force?: boolean; override?: string };
        const s = await open(false);
        try {
          const repo = v.repo ?? (await call(s, 'settings.export', {})).repo;
          if (!repo) throw new UsageError('--repo: required (the git repository to export into), unless Settings name one');
          const arg = { repo, ...(v.dir !== undefined ? { dir: v.dir } : {}), portfolio: v.portfolio ?? null, includeModels: v['include-models'] === true, ...(v.message !== undefined ? { message: v.message } : {}), ...(v.tag !== undefined ? { tag: v.tag } : {}), push: v.push === true, force: v.force === true, ...(v.override !== undefined ? { override: v.override } : {}) };
          validate('config.export', arg, { includeModels: 'include-models' });
          const r = await call(s, 'config.export', arg);
          io.out(
            json
              ? JSON.stringify(r)
              : [
                  r.changed ? `committed ${r.commit} (${r.files.length} files)${r.tag ? `, tagged ${r.tag}` : ''}${r.pushed ? ', pushed' : ''}` : `${r.message}${r.pushed ? '; pushed' : ''}`,
                  ...r.checks.map((c) => `${c.ok ? 'ok  ' : 'FAIL'} ${c.subject} ${c.check}: ${c.detail}`),
                ].join('\n'),
          );
          return 0;
        } finally {
          await s.close();
        }
      }
      case 'import-config': {
        const p = parse(opts, { repo: { type: 'string' }, rev: { type: 'string' }, dir: { type: 'string' } });
        if (p.positionals.length) throw new UsageError(`import-config: unexpected argument ${p.positionals[0]}`);
        const v = p.values as { repo?: string; rev?: string; dir?: string };
        if (!v.repo) throw new UsageError('--repo: required (the git repository holding the bundle)');
        const arg = { repo: v.repo, ...(v.rev !== undefined ? { rev: v.rev } : {}), ...(v.dir !== undefined ? { dir: v.dir } : {}) };
        validate('config.import', arg);
        const s = await open(false);
        try {
          const r = await call(s, 'config.import', arg);
          io.out(
            json
              ? JSON.stringify(r)
              : [
                  `imported ${r.commit.slice(0, 12)}: ${r.strategies.length} strategy config(s), ${r.featureSets.length} feature set(s), portfolio ${r.portfolio ?? 'none'}`,
                  `models: ${r.models.length} registered${r.modelsPresent.length ? `, ${r.modelsPresent.length} already here` : ''}`,
                  ...r.missing.map((m) => `missing ${m}`),
                ].join('\n'),
          );
          return 0;
        } finally {
          await s.close();
        }
      }
      case 'trades': {
        const p = parse(opts, { run: { type: 'string' }, out: { type: 'string' } });
        const v = p.values as { run?: string; out?: string };
        if (!v.run) throw new UsageError('trades: --run ID is required (backtest prints it)');
        if (!v.out) throw new UsageError('trades: --out FILE.csv is required');
        validate('backtest.get', { runId: v.run }, { runId: 'run' });
        const s = await open(true);
        try {
          const d = await call(s, 'backtest.get', { runId: v.run });
          fs.writeFileSync(v.out, tradesCsv(d));
          io.out(json ? JSON.stringify({ runId: d.runId, trades: d.trades.symbol.length, out: path.resolve(v.out) }) : `${d.trades.symbol.length} trades → ${path.resolve(v.out)}`);
          return 0;
        } finally {
          await s.close();
        }
      }
      case 'montecarlo': {
        const p = parse(opts, { run: { type: 'string' }, method: { type: 'string' }, simulations: { type: 'string' }, seed: { type: 'string' }, block: { type: 'string' } });
        const v = p.values as Record<string, string | undefined>;
        if (!v.run) throw new UsageError('montecarlo: --run ID is required (backtest prints it)');
        for (const k of ['simulations', 'seed', 'block'] as const) if (v[k] !== undefined && !/^\d+$/.test(v[k]!)) throw new UsageError(`--${k}: expected a whole number, got ${v[k]}`);
        const arg = { runId: v.run, ...(v.method ? { method: v.method as 'reshuffle' } : {}), ...(v.simulations ? { simulations: Number(v.simulations) } : {}), ...(v.seed ? { seed: Number(v.seed) } : {}), ...(v.block ? { block: Number(v.block) } : {}) };
        validate('backtest.monteCarlo', arg, { runId: 'run' });
        const s = await open(true);
        try {
          const r = await call(s, 'backtest.monteCarlo', arg);
          const { fan: _fan, finals: _finals, ...summary } = r;
          const row = (name: string, q: { p5: number; p25: number; p50: number; p75: number; p95: number }, f: (x: number) => string): string[] => [name, f(q.p5), f(q.p25), f(q.p50), f(q.p75), f(q.p95)];
          const money = (x: number): string => x.toFixed(2);
          const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
          io.out(
            json
              ? JSON.stringify(summary)
              : `${r.simulations} ${r.method} simulations (seed ${r.seed}${r.block ? `, blocks of ${r.block} days` : ''}) · probability of ruin ${pct(r.probabilityOfRuin)}\n${table([['', 'p5', 'p25', 'p50', 'p75', 'p95'], row('final equity', r.finalEquity, money), row('max drawdown', r.maxDrawdown, pct), row('Sharpe', r.sharpe, (x) => x.toFixed(2))])}`,
          );
          return 0;
        } finally {
          await s.close();
        }
      }
      case 'ic': {
        const p = parse(opts, { set: { type: 'string' }, horizons: { type: 'string' }, 'allow-partial': { type: 'boolean' } });
        const v = p.values as { set?: string; horizons?: string; 'allow-partial'?: boolean };
        if (!v.set) throw new UsageError('ic: --set NAME is required');
        const horizons = (v.horizons ?? '1,5,20').split(',').map((h) => h.trim());
        if (horizons.some((h) => !/^\d+$/.test(h))) throw new UsageError(`--horizons: expected whole numbers of bars such as 1,5,20, got ${v.horizons}`);
        const arg: ArgOf<'jobs.start'> = { kind: 'ic', set: v.set, horizons: horizons.map(Number), ...(v['allow-partial'] ? { allowPartial: true } : {}) };
        validate('jobs.start', arg);
        return await runJob(arg, 'IC analysis', (job) => {
          const r = job.result as IcReport;
          const f = (x: number, d = 4): string => (Number.isFinite(x) ? x.toFixed(d) : '–');
          return json ? r : (r.partial ? `partial build: lacks ${r.partial.join(', ')}\n` : '') + table([['feature', 'h', 'IC', 'rank IC', 't', 'ICIR', 'Q5−Q1', 'periods'], ...r.stats.map((s) => [s.feature, String(s.horizon), f(s.ic), f(s.rankIc), f(s.tStat, 2), f(s.icir, 3), f(s.spread, 6), String(s.periods)])]);
        });
      }
      case 'features': {
        const [sub, ...subOpts] = opts;
        if (sub === 'list') {
          parse(subOpts, {});
          const entries = featureCatalog();
          if (json) io.out(JSON.stringify({ features: entries }));
          else io.out(table([['feature', 'parameters', 'outputs', 'description'], ...entries.map((f) => [f.spec, f.params.map((x) => `${x.name}=${x.default}`).join(' '), f.outputs.join(' '), f.description])]));
          return 0;
        }
        if (sub === 'compute') {
          const p = parse(subOpts, { input: { type: 'string' }, features: { type: 'string' }, out: { type: 'string' } });
          const v = p.values as Record<string, string | undefined>;
          for (const k of ['input', 'features', 'out']) if (!v[k]) throw new UsageError(`features compute: --${k} is required`);
          const r = computeFeaturesCsv(v.input!, v.features!, v.out!);
          io.out(json ? JSON.stringify(r) : `${r.rows} rows, ${r.columns.length} feature columns → ${r.out}`);
          return 0;
        }
        if (sub === 'build') {
          const p = parse(subOpts, { set: { type: 'string' }, symbols: { type: 'string' }, force: { type: 'boolean' } });
          const v = p.values as { set?: string; symbols?: string; force?: boolean };
          if (!v.set) throw new UsageError('features build: --set NAME or --set FILE.yml is required');
          const arg: ArgOf<'jobs.start'> = { kind: 'features', set: v.set, ...(v.symbols ? { symbols: symbolList(v.symbols) } : {}), ...(v.force ? { force: true } : {}) };
          validate('jobs.start', arg);
          return await runJob(arg, 'feature build', (job) => {
            const r = job.result as FeatureBuildResult;
            return json ? r : `${job.summary}\n${r.symbols.map((x) => `${x.symbol}: ${x.status}, ${x.rows.toLocaleString('en-US')} rows (${x.monthsWritten} month files written, ${x.monthsKept} kept)`).join('\n')}\n→ lake/${r.dir}`;
          });
        }
        throw new UsageError(`features: expected \`features list\`, \`features compute\` or \`features build\`, got \`features ${sub ?? ''}\``);
      }
      default:
        throw new UsageError(`unknown command ${command}; run quantdesk --help`);
    }
  } catch (e) {
    const usage = e instanceof UsageError || (e instanceof ApiError && e.code === 'invalid_argument' && e.path !== 'home');
    const message = e instanceof Error ? e.message : String(e);
    if (json) io.out(JSON.stringify({ error: { code: usage ? 'usage' : e instanceof ApiError ? e.code : 'failure', message } }));
    io.err(`quantdesk: ${message}`);
    return usage ? 2 : 1;
  }
}

const UNIVERSE_KEYS: Record<string, string> = { 'min-price': 'minPrice', 'max-price': 'maxPrice', 'min-avg-volume': 'minAvgVolume', 'min-days': 'minDays' };

/** `min-price=5,min-avg-volume=100000,min-days=20,common-only` → universe filters. */
/** The --provider option: auto, or an execution provider ONNX Runtime knows. */
function providerOption(raw: string | undefined): Provider | 'auto' {
  const provider = (raw ?? 'auto') as Provider | 'auto';
  if (provider !== 'auto' && !PROVIDERS.includes(provider)) throw new UsageError(`--provider: expected auto or one of ${PROVIDERS.join(', ')}, got ${raw}`);
  return provider;
}

function parseUniverse(text: string): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (const part of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    if (part === 'common-only') {
      out.commonOnly = true;
      continue;
    }
    const [k, val] = part.split('=').map((x) => x.trim());
    const key = UNIVERSE_KEYS[k ?? ''];
    const n = Number(val);
    if (!key || val === undefined || val === '' || !Number.isFinite(n)) {
      throw new UsageError(`--universe: "${part}" is not one of min-price=N, max-price=N, min-avg-volume=N, min-days=N, common-only`);
    }
    out[key] = n;
  }
  return out;
}

function jobRow(j: JobInfo): string[] {
  return [j.id.slice(0, 8), j.kind, j.status, iso(j.createdAt).slice(0, 19).replace('T', ' '), j.summary ?? j.error ?? ''];
}

function printBars(b: Bars, json: boolean, io: CliIo): void {
  const daily = b.timeframe === '1d';
  const time = (i: number): string => (daily ? iso(b.t[i]!).slice(0, 10) : iso(b.t[i]!));
  if (json) {
    const bars = Array.from({ length: b.t.length }, (_, i) => ({ time: time(i), open: b.o[i], high: b.h[i], low: b.l[i], close: b.c[i], volume: b.v[i] }));
    io.out(JSON.stringify({ symbol: b.symbol, timeframe: b.timeframe, count: bars.length, bars }));
    return;
  }
  const lines = ['time,open,high,low,close,volume'];
  for (let i = 0; i < b.t.length; i++) lines.push(`${time(i)},${b.o[i]},${b.h[i]},${b.l[i]},${b.c[i]},${b.v[i]}`);
  io.out(lines.join('\n'));
}

/** Entry point when run as a program. */
export async function main(): Promise<void> {
  const code = await runCli(process.argv.slice(2), {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
    env: process.env,
  });
  process.exitCode = code;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) void main();
