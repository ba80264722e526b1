import { ZodError } from 'zod';
import { apiSchemas } from '../common/api-schemas';
import { isMethod, type CallContext, type Handlers } from '../common/api';
import type { CallOutcome } from '../common/bridge';
import { ApiError } from '../common/errors';

/** Turns a zod failure into an invalid_argument error that names the field. */
export function zodToApiError(e: ZodError, prefix?: string): ApiError {
  const issue = e.issues[0];
  const p = issue ? issue.path.map(String).join('.') : '';
  const full = [prefix, p].filter(Boolean).join('.');
  return new ApiError('invalid_argument', `${full ? `${full}: ` : ''}${issue?.message ?? 'invalid argument'}`, full || undefined);
}

/**
 * Validates a call's argument against its schema and runs the handler. Never throws: every failure
 * becomes a typed error, and unexpected ones are logged and reported as `internal`.
 */
export async function dispatch(handlers: Handlers, method: string, arg: unknown, log: (e: unknown) => void = console.error, ctx: CallContext = {}): Promise<CallOutcome> {
  if (!isMethod(method)) return { ok: false, error: { code: 'unknown_method', message: `unknown method ${method}` } };
  const parsed = apiSchemas[method].safeParse(arg ?? {});
  if (!parsed.success) return { ok: false, error: zodToApiError(parsed.error).toData() };
  try {
    const handler = handlers[method] as (a: unknown, ctx: CallContext) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data, ctx) };
  } catch (e) {
    if (e instanceof ApiError) return { ok: false, error: e.toData() };
    if (e instanceof ZodError) return { ok: false, error: zodToApiError(e).toData() };
    log(e);
    return { ok: false, error: { code: 'internal', message: e instanceof Error ? e.message : String(e) } };
  }
}
