import type { CallContext, Handlers } from '../common/api';
import { ApiError } from '../common/errors';
import { redact } from './vendors/http';

/** An error with every known secret in its message replaced by ***. */
export function redactError(e: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0 || !(e instanceof Error)) return e;
  const message = redact(e.message, [...secrets]);
  if (message === e.message) return e;
  if (e instanceof ApiError) return new ApiError(e.code, message, e.path);
  const out = new Error(message);
  out.name = e.name;
  return out;
}

/**
 * The handlers with every failure's message redacted: whatever a handler's error quotes (a vendor's
 * answer, a git hook's output), a key never reaches a client, a log or the CLI's output.
 */
export function redactingErrors(handlers: Handlers, secrets: () => readonly string[]): Handlers {
  const out: Record<string, (a: unknown, ctx?: CallContext) => Promise<unknown>> = {};
  for (const [method, fn] of Object.entries(handlers) as [string, (a: unknown, ctx?: CallContext) => Promise<unknown>][]) {
    out[method] = async (a, ctx) => {
      try {
        return await fn(a, ctx);
      } catch (e) {
        throw redactError(e, secrets());
      }
    };
  }
  return out as Handlers;
}
