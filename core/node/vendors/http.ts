import fs from 'node:fs';
/** How a vendor client retries and paces its requests. */
export interface RetryPolicy {
  /** Attempts per request, the first included. */
  attempts: number;
  /** First back-off; doubles with each retry (plus jitter), or follows Retry-After. */
  baseDelayMs: number;
  /** Upper bound of one wait. */
  maxDelayMs: number;
  /** Most requests per minute (a token bucket). */
  perMinute: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 60_000, perMinute: 100 };

/** A vendor request that failed for good; its message never holds the API key. */
export class VendorError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'VendorError';
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Hands a response body to `take` as it streams in, refused past `maxBytes` (by its Content-Length at
 * once, else as it comes): a vendor, or whoever answers in its place, cannot make the app take more
 * than it asked for. Returns the bytes taken.
 */
async function takeCapped(res: Response, maxBytes: number, what: string, take: (chunk: Uint8Array, size: number) => void): Promise<number> {
  const limit = maxBytes >= 2 ** 30 ? `${Math.round(maxBytes / 2 ** 30)} GiB` : `${Math.round(maxBytes / 2 ** 20)} MiB`;
  const tooLarge = (): VendorError => new VendorError(`${what}: the answer is over ${limit}; ask for a shorter range`);
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const reader = res.body?.getReader();
  if (!reader) return 0;
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return size;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    take(value, size);
  }
}

/** A response body held in memory, refused past `maxBytes`. */
export async function readCapped(res: Response, maxBytes: number, what: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  await takeCapped(res, maxBytes, what, (chunk) => parts.push(chunk));
  return Buffer.concat(parts);
}

/**
 * A response body written to a new `file` as it streams in, for answers too large to hold, refused
 * past `maxBytes`; `onBytes` sees the running size (to stop a download that would fill the disk).
 * Returns the bytes written.
 */
export async function saveCapped(res: Response, file: string, maxBytes: number, what: string, onBytes: (size: number) => void = () => undefined): Promise<number> {
  const fd = fs.openSync(file, 'wx');
  try {
    return await takeCapped(res, maxBytes, what, (chunk, size) => {
      fs.writeSync(fd, chunk);
      onBytes(size);
    });
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Whether a page link a vendor returned may be followed with the key: only on the origin the client
 * was configured with (https://api.polygon.io, or the test server a test configured), never elsewhere.
 */
export function sameOrigin(link: string, base: string): boolean {
  try {
    return new URL(link).origin === new URL(base).origin;
  } catch {
    return false;
  }
}

/** Removes credentials from a URL or message before it is shown or logged. */
export function redact(text: string, secrets: string[]): string {
  let out = text.replace(/([?&](apiKey|api_key|key|token)=)[^&\s]+/gi, '$1***');
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}

/**
 * fetch with pacing and retries: 429 and 5xx are retried after Retry-After or an exponential
 * back-off with jitter; other 4xx fail at once with the vendor's message. Errors are redacted.
 */
export class VendorHttp {
  private readonly sent: number[] = [];

  constructor(
    private readonly vendor: string,
    private readonly secrets: string[],
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
  ) {}

  private async pace(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.sent.length && now - this.sent[0]! >= 60_000) this.sent.shift();
      if (this.sent.length < this.policy.perMinute) {
        this.sent.push(now);
        return;
      }
      await sleep(60_000 - (now - this.sent[0]!) + 5);
    }
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    let lastError = '';
    for (let attempt = 1; attempt <= this.policy.attempts; attempt++) {
      await this.pace();
      let res: Response | undefined;
      try {
        res = await fetch(url, init);
      } catch (e) {
        lastError = (e as Error).message;
      }
      if (res?.ok) return res;
      if (res && res.status < 500 && res.status !== 429) {
        const body = await res.text().catch(() => '');
        throw new VendorError(redact(`${this.vendor} refused ${url.split('?')[0]} (HTTP ${res.status}): ${body.slice(0, 300)}${res.status === 401 || res.status === 403 ? ' — check the API key' : ''}`, this.secrets), res.status);
      }
      if (res) lastError = `HTTP ${res.status}`;
      if (attempt === this.policy.attempts) break;
      const retryAfter = Number(res?.headers.get('retry-after'));
      const backoff = res?.headers.has('retry-after') && Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter * 1000 : this.policy.baseDelayMs * 2 ** (attempt - 1) * (0.75 + Math.random() / 2);
      await sleep(Math.min(this.policy.maxDelayMs, backoff));
    }
    throw new VendorError(redact(`${this.vendor} did not answer ${url.split('?')[0]} after ${this.policy.attempts} attempts (${lastError}); try again later`, this.secrets));
  }
}
