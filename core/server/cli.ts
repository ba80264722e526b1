import { pathToFileURL } from 'node:url';
import type { ArgOf } from '../common/api';
import { ApiError } from '../common/errors';
import type { JobInfo } from '../common/jobs/types';
import { createServices, type Services } from '../node/services';
import { appPaths } from './app-paths';
import { call, parse, UsageError, withServices, type CliContext, type CliIo } from './cli/cli-support';
import { DATA_HELP, dataCommand } from './cli/data-command';
import { MODELS_HELP, modelsCommand } from './cli/models-command';
import { BACKTEST_HELP, backtestCommand } from './cli/backtest-command';
import { PAPER_HELP, paperCommand } from './cli/paper-command';
import { CONFIG_HELP, configCommand } from './cli/config-command';
import { startServer } from './http-server';

/** The first line of every help text. */
const USAGE_LINE = 'usage: quantdesk [--home DIR] [--json] <command> [options]';

/** `serve`'s help; the other commands' help lives beside their code in cli/. */
const SERVE_HELP = `  serve [--port N] [--host 127.0.0.1] [--token T] [--demo-days N] [--no-seed]
                              serve the app to a browser; seeds the demo lake on first start; bound
                              beyond loopback, every request needs the token it prints (or --token)`;

/** What every help text ends with: the global options and the exit codes. */
const GLOBAL_HELP = `global options:
  --home DIR   home folder (default: $QUANTDESK_HOME, else data/home in the app folder)
  --json       print one JSON document on stdout and nothing else
  --help       this text; after a command, that command's help alone

exit codes: 0 success, 2 bad usage, 1 failure`;

/** Every command's help, by command. */
const HELP: Readonly<Record<string, string>> = { ...DATA_HELP, ...MODELS_HELP, ...BACKTEST_HELP, ...PAPER_HELP, ...CONFIG_HELP, serve: SERVE_HELP };

/** The order `--help` lists the commands in: the workflow's, from data to models, backtests, paper trading and export. */
export const HELP_ORDER: readonly string[] = ['backfill', 'import', 'rejects', 'resample', 'retention', 'universe', 'continuous', 'snapshots', 'options', 'qa', 'sql', 'lake', 'bars', 'features', 'dataset', 'ic', 'train', 'models', 'leaderboard', 'instruments', 'provider', 'predict', 'backtest', 'strategies', 'trades', 'montecarlo', 'sweep', 'filter', 'portfolio', 'paper', 'killswitch', 'export-config', 'import-config', 'jobs', 'home', 'serve'];

/** The full help: every command in {@link HELP_ORDER}. */
export const USAGE = `${USAGE_LINE}\n\ncommands:\n${HELP_ORDER.map((c) => HELP[c]).join('\n')}\n\n${GLOBAL_HELP}`;

/** One command's help: its usage lines, then the global options; the full help for a word that is no command. */
export function helpFor(command: string | undefined): string {
  const own = command !== undefined && Object.hasOwn(HELP, command) ? HELP[command] : undefined;
  return own === undefined ? USAGE : `${USAGE_LINE.replace('<command>', command!)}\n\n${own}\n\n${GLOBAL_HELP}`;
}

/** Each command module with the commands it answers. */
const COMMAND_GROUPS: [Readonly<Record<string, string>>, (command: string, opts: string[], ctx: CliContext) => Promise<number>][] = [
  [DATA_HELP, dataCommand],
  [MODELS_HELP, modelsCommand],
  [BACKTEST_HELP, backtestCommand],
  [PAPER_HELP, paperCommand],
  [CONFIG_HELP, configCommand],
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
      io.out(helpFor(rest[0]));
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
      return withServices(open(false), async (s) => {
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
      });
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
        const group = COMMAND_GROUPS.find(([help]) => Object.hasOwn(help, command ?? ''));
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
