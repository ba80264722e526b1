/** Codes every API error carries. */
export type ApiErrorCode = 'invalid_argument' | 'not_found' | 'unknown_method' | 'conflict' | 'locked' | 'unavailable' | 'internal';

/** The error shape that crosses every transport. */
export interface ApiErrorData {
  /** Machine-readable error class. */
  code: ApiErrorCode;
  /** What was wrong and what to do, for humans. */
  message: string;
  /** Path of the offending argument field, e.g. `symbols.0`. */
  path?: string;
}

/** An error with an API code; services throw it, the dispatcher passes it through unchanged. */
export class ApiError extends Error implements ApiErrorData {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly path?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Plain data for a transport. */
  toData(): ApiErrorData {
    return this.path === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, path: this.path };
  }

  /** Rebuilds an error received from a transport. */
  static fromData(d: ApiErrorData): ApiError {
    return new ApiError(d.code, d.message, d.path);
  }
}

/** True when a value has the shape of ApiErrorData. */
export function isApiErrorData(x: unknown): x is ApiErrorData {
  return typeof x === 'object' && x !== null && typeof (x as ApiErrorData).code === 'string' && typeof (x as ApiErrorData).message === 'string';
}

/**
 * The `cause` a worker gives an error that came from the job's input (a bad file, zone or argument):
 * an error's class and fields do not cross a worker boundary, its message and cause do.
 */
export const FAILED_ON_INPUT = 'failed-on-input';

/** Whether an error is a refusal of the request's input, which a retry of the same request would meet again. */
export function isInputError(e: unknown): boolean {
  if (e instanceof ApiError) return e.code === 'invalid_argument' || e.code === 'not_found';
  return e instanceof Error && (e.name === 'ImportError' || e.cause === FAILED_ON_INPUT);
}
