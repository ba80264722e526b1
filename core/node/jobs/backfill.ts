import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseUtc } from '../../common/schemas';
import type { Catalog } from '../catalog';
import { filterColumns, generateRange } from '../demo/demo-market';
import type { HomeLayout } from '../home';
import { BarWriter, monthBounds, monthsBetween } from '../lake/bar-store';

const DAY_MS = 86_400_000;

/** What one backfill task (one symbol) reports as it goes. */
export interface BackfillTick {
  symbol: string;
  monthsDone: number;
  monthsTotal: number;
  newBars: number;
  alreadyPresent: number;
}

/** Outcome of one symbol's backfill. */
export interface BackfillSymbolResult {
  symbol: string;
  newBars: number;
  alreadyPresent: number;
  filesWritten: number;
  cancelled: boolean;
}

/** The seed of the demo market unless a request names another. */
export const DEFAULT_DEMO_SEED = 1;

/** Counts of sorted `gen` not present in sorted `have`, as a keep-mask walk. */
function missingMask(gen: Float64Array, have: Float64Array): Uint8Array {
  const keep = new Uint8Array(gen.length);
  let j = 0;
  for (let i = 0; i < gen.length; i++) {
    const t = gen[i]!;
    while (j < have.length && have[j]! < t) j++;
    keep[i] = j < have.length && have[j] === t ? 0 : 1;
  }
  return keep;
}

/**
 * Backfills one symbol month by month. Each month writes only the bars the lake lacks, so re-running
 * a range adds nothing and a resumed job never duplicates what an interrupted one published.
 */
export async function backfillSymbol(
  deps: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection },
  req: { source: 'demo'; symbol: string; from: string; to: string; seed?: number; ingestRun: string },
  report: (t: BackfillTick) => void,
  cancelled: () => boolean,
): Promise<BackfillSymbolResult> {
  const writer = new BarWriter(deps.home, deps.catalog, deps.con);
  const fromMs = parseUtc(req.from);
  const toMs = parseUtc(req.to) + DAY_MS;
  const months = monthsBetween(fromMs, toMs);
  const res: BackfillSymbolResult = { symbol: req.symbol, newBars: 0, alreadyPresent: 0, filesWritten: 0, cancelled: false };
  for (let m = 0; m < months.length; m++) {
    if (cancelled()) return { ...res, cancelled: true };
    const month = months[m]!;
    const [ms, me] = monthBounds(month);
    const lo = Math.max(ms, fromMs);
    const hi = Math.min(me, toMs);
    const bars = generateRange(req.symbol, req.seed ?? DEFAULT_DEMO_SEED, lo, hi);
    const have = await writer.existingTimes('1m', req.symbol, lo, hi);
    const keep = missingMask(bars.t, have);
    const fresh = have.length === 0 ? bars : filterColumns(bars, (i) => keep[i] === 1);
    res.alreadyPresent += bars.t.length - fresh.t.length;
    if (fresh.t.length > 0) {
      await writer.writePart({ timeframe: '1m', symbol: req.symbol, month, bars: fresh, source: req.source, ingestRun: req.ingestRun });
      res.newBars += fresh.t.length;
      res.filesWritten++;
    }
    report({ symbol: req.symbol, monthsDone: m + 1, monthsTotal: months.length, newBars: res.newBars, alreadyPresent: res.alreadyPresent });
  }
  return res;
}

/** A fresh ingest-run id. */
export function newIngestRunId(): string {
  return randomUUID();
}
