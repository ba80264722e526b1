import { parseArgs, type ParseArgsConfig } from 'node:util';
import { apiSchemas } from '../../common/api-schemas';
import { type ArgOf, type Method, type ResultOf } from '../../common/api';
import { ApiError } from '../../common/errors';
import type { JobInfo } from '../../common/jobs/types';
import type { Services } from '../../node/services';
import { dispatch } from '../dispatcher';

/** What every command module shares: usage errors, option parsing, validation against the API's schemas, calls through the dispatcher and plain-text tables. */

/** A mistake in the command line: printed with the usage line, exit code 2. */
export class UsageError extends Error {}

/** Rows as columns padded to their widest cell: the first left-aligned, the rest right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

/** The command's options parsed strictly; an unknown or malformed option is a usage error. */
export function parse(args: string[], options: ParseArgsConfig['options']): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

/** Validates a command's API argument up front so usage errors name the CLI option. */
export function validate<M extends Method>(method: M, arg: ArgOf<M>, optionOf: Record<string, string> = {}): void {
  const r = apiSchemas[method].safeParse(arg);
  if (r.success) return;
  const issue = r.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  throw new UsageError(`--${optionOf[field] ?? field}: ${issue.message}`);
}

/** Calls an API method as the hosts do, through the dispatcher's validation; an error is thrown as the ApiError it was. */
export async function call<M extends Method>(s: Services, method: M, arg: ArgOf<M>): Promise<ResultOf<M>> {
  const out = await dispatch(s.handlers, method, arg);
  if (!out.ok) throw ApiError.fromData(out.error);
  return out.value as ResultOf<M>;
}

/** Runs `work` on services being opened, and closes them however it ends. */
export async function withServices<T>(opening: Promise<Services>, work: (s: Services) => Promise<T>): Promise<T> {
  const s = await opening;
  try {
    return await work(s);
  } finally {
    await s.close();
  }
}

/** Where CLI output goes; tests pass their own. */
export interface CliIo {
  out(s: string): void;
  err(s: string): void;
  env: Record<string, string | undefined>;
}

/** What every command module gets from the router. */
export interface CliContext {
  /** --json: machine-readable output. */
  json: boolean;
  /** Where output goes. */
  io: CliIo;
  /** The home folder the command works on. */
  homeDir: string;
  /** The services on the home, read-only or not, for the CLI or the headless host. */
  open(readonly: boolean, host?: 'cli' | 'headless'): Promise<Services>;
  /** Runs one job in this process to its end; a job that did not succeed exits 1 with its error. */
  runJob(arg: ArgOf<'jobs.start'>, what: string, render: (job: JobInfo) => string | object): Promise<number>;
}
