import { pathToFileURL } from 'node:url';
import type { ArgOf } from '../common/api';
import { ApiError } from '../common/errors';
import type { JobInfo } from '../common/jobs/types';
import { createServices, type Services } from '../node/services';
import { appPaths } from './app-paths';
import { call, parse, UsageError, type CliContext, type CliIo } from './cli/cli-support';
import { OPTIONS_USAGE } from './cli/options-command';
import { DATA_COMMANDS, dataCommand } from './cli/data-command';
import { MODELS_COMMANDS, modelsCommand } from './cli/models-command';
import { BACKTEST_COMMANDS, backtestCommand } from './cli/backtest-command';
import { PAPER_COMMANDS, paperCommand } from './cli/paper-command';
import { CONFIG_COMMANDS, configCommand } from './cli/config-command';
import { startServer } from './http-server';

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

/** Each command module with the commands it answers. */
const COMMAND_GROUPS: [readonly string[], (command: string, opts: string[], ctx: CliContext) => Promise<number>][] = [
  [DATA_COMMANDS, dataCommand],
  [MODELS_COMMANDS, modelsCommand],
  [BACKTEST_COMMANDS, backtestCommand],
  [PAPER_COMMANDS, paperCommand],
  [CONFIG_COMMANDS, configCommand],
];

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
      default: {
        const group = COMMAND_GROUPS.find(([names]) => names.includes(command ?? ''));
        if (!group) throw new UsageError(`unknown command ${command}; run quantdesk --help`);
        return await group[1](command!, opts, { json, io, homeDir, open, runJob });
      }
    }
  } catch (e) {
    const usage = e instanceof UsageError || (e instanceof ApiError && e.code === 'invalid_argument' && e.path !== 'home');
    const message = e instanceof Error ? e.message : String(e);
    if (json) io.out(JSON.stringify({ error: { code: usage ? 'usage' : e instanceof ApiError ? e.code : 'failure', message } }));
    io.err(`quantdesk: ${message}`);
    return usage ? 2 : 1;
  }
}

/** `min-price=5,min-avg-volume=100000,min-days=20,common-only` → universe filters. */

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
