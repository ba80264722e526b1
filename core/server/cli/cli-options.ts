import { DateTime } from 'luxon';
import { PROVIDERS, type Provider } from '../../node/models/providers';
import { UsageError } from './cli-support';

/** An option's JSON value, or a usage error showing the expected shape. */
export function jsonOption(name: string, text: string, example: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`--${name}: expected JSON such as '${example}', got ${text}`);
  }
}

/** An option's number, or a usage error naming it. */
export function numberOption(name: string, text: string): number {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x)) throw new UsageError(`--${name}: expected a number, got ${text}`);
  return x;
}

/** A comma-separated symbol list, trimmed and upper-cased (`es, nq` → ES, NQ). */
export const symbolList = (text: string): string[] => text.split(',').map((x) => x.trim().toUpperCase());

/** `--walk-forward IS,OOS[,anchored]` as a plan: bar counts, rolling unless `anchored`. */
export function walkForwardPlan(text: string): { inSample: number; outOfSample: number; anchored: boolean } {
  const [is, oos, mode, ...rest] = text.split(',').map((x) => x.trim());
  if (!is || !oos || !/^\d+$/.test(is) || !/^\d+$/.test(oos) || (mode !== undefined && mode !== 'anchored' && mode !== 'rolling') || rest.length > 0) {
    throw new UsageError(`--walk-forward: expected IS,OOS bar counts with an optional ,anchored or ,rolling (e.g. 500,100), got ${text}`);
  }
  return { inSample: Number(is), outOfSample: Number(oos), anchored: mode === 'anchored' };
}

export const isValidZone = (zone: string): boolean => DateTime.now().setZone(zone).isValid;

/** The --provider option: auto, or an execution provider ONNX Runtime knows. */
export function providerOption(raw: string | undefined): Provider | 'auto' {
  const provider = (raw ?? 'auto') as Provider | 'auto';
  if (provider !== 'auto' && !PROVIDERS.includes(provider)) throw new UsageError(`--provider: expected auto or one of ${PROVIDERS.join(', ')}, got ${raw}`);
  return provider;
}

const UNIVERSE_KEYS: Record<string, string> = { 'min-price': 'minPrice', 'max-price': 'maxPrice', 'min-avg-volume': 'minAvgVolume', 'min-days': 'minDays' };

/** `min-price=5,min-avg-volume=100000,min-days=20,common-only` → universe filters. */
export function parseUniverse(text: string): Record<string, number | boolean> {
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
