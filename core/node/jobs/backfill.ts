import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseUtc } from '../../common/schemas';
import { type BACKFILL_SCHEMAS } from '../../common/lake/schemas';
import type { Catalog } from '../catalog';
import { generateRange, type BarColumns } from '../demo/demo-market';
import { rowFields } from '../../common/bar-gate';
import { gatedParts } from '../ingest/gated-parts';
import { storeRejects } from '../ingest/reject-store';
import { fetchDatabentoBars } from '../vendors/databento';
import { fetchPolygonAggs } from '../vendors/polygon';
import type { HomeLayout } from '../home';
import { BarWriter, monthBounds, monthsBetween } from '../lake/bar-store';
import { checkDiskSpace } from '../lake/publish';

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
  /** Bars the gate refused (stored in the run's rejects with the reason). */
  rejected: number;
  filesWritten: number;
  cancelled: boolean;
}

/** The seed of the demo market unless a request names another. */
export const DEFAULT_DEMO_SEED = 1;

/** One symbol's share of a backfill request. */
export interface BackfillSymbolRequest {
  source: 'demo' | 'databento' | 'polygon';
  symbol: string;
  from: string;
  to: string;
  timeframe: '1m' | '1h' | '1d';
  dataset?: string;
  /** What to fetch (bars when not given). */
  schema?: (typeof BACKFILL_SCHEMAS)[number];
  seed?: number;
  ingestRun: string;
}

/** Where vendors live and which keys open them (resolved by VendorKeys: environment first, then stored keys). */
export interface VendorConfig {
  databentoUrl: string;
  databentoKey?: string;
  polygonUrl: string;
  polygonKey?: string;
}

/** The reason a vendor backfill cannot start (no key), or undefined. */
export function missingVendorKey(source: string, cfg: VendorConfig): string | undefined {
  if (source === 'databento' && !cfg.databentoKey) return 'Databento needs an API key: enter it in the backfill dialog of the desktop app (stored encrypted), or set DATABENTO_API_KEY for the headless host';
  if (source === 'polygon' && !cfg.polygonKey) return 'Polygon needs an API key: enter it in the backfill dialog of the desktop app (stored encrypted), or set POLYGON_API_KEY for the headless host';
  return undefined;
}

async function fetchMonth(req: BackfillSymbolRequest, lo: number, hi: number, cfg: VendorConfig): Promise<BarColumns> {
  if (req.source === 'demo') return generateRange(req.symbol, req.seed ?? DEFAULT_DEMO_SEED, lo, Math.min(hi, demoEnd()));
  const why = missingVendorKey(req.source, cfg);
  if (why) throw new Error(why);
  if (req.source === 'databento') {
    return fetchDatabentoBars({ baseUrl: cfg.databentoUrl, apiKey: cfg.databentoKey!, dataset: req.dataset ?? 'GLBX.MDP3', symbol: req.symbol, timeframe: req.timeframe, startMs: lo, endMs: hi });
  }
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  return fetchPolygonAggs({ baseUrl: cfg.polygonUrl, apiKey: cfg.polygonKey!, ticker: req.symbol, timeframe: req.timeframe, from: day(lo), to: day(hi - 1) });
}

/**
 * Backfills one symbol month by month. Each month writes only the bars the lake lacks, so re-running
 * a range adds nothing and a resumed job never duplicates what an interrupted one published. Vendor
 * months fetched in full are recorded, and a later run does not ask for them again.
 */
export async function backfillSymbol(
  deps: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection },
  req: BackfillSymbolRequest,
  report: (t: BackfillTick) => void,
  cancelled: () => boolean,
  cfg: VendorConfig,
): Promise<BackfillSymbolResult> {
  const writer = new BarWriter(deps.home, deps.catalog, deps.con);
  const fromMs = parseUtc(req.from);
  const toMs = parseUtc(req.to) + DAY_MS;
  const months = monthsBetween(fromMs, toMs);
  const dataset = req.source === 'databento' ? (req.dataset ?? 'GLBX.MDP3') : '';
  const { covered, cover } = coverageStatements(deps.catalog);
  const res: BackfillSymbolResult = { symbol: req.symbol, newBars: 0, alreadyPresent: 0, rejected: 0, filesWritten: 0, cancelled: false };
  const source = req.source === 'databento' ? `databento:${dataset}` : req.source;
  for (let m = 0; m < months.length; m++) {
    if (cancelled()) return { ...res, cancelled: true };
    checkDiskSpace(deps.home.root);
    const month = months[m]!;
    const [ms, me] = monthBounds(month);
    const lo = Math.max(ms, fromMs);
    const hi = Math.min(me, toMs);
    const done = req.source !== 'demo' ? (covered.get(req.source, dataset, req.symbol, req.timeframe, month) as { f: number; t: number } | undefined) : undefined;
    if (done && done.f <= lo && done.t >= hi) {
      res.alreadyPresent += (await writer.storedBars(req.timeframe, req.symbol, lo, hi)).t.length;
    } else {
      const bars = await fetchMonth(req, lo, hi, cfg);
      const asked = `${source} ${req.symbol} ${req.timeframe} ${new Date(lo).toISOString().slice(0, 10)}..${new Date(hi - 1).toISOString().slice(0, 10)}`;
      const rows = Uint32Array.from({ length: bars.t.length }, (_, i) => i);
      const { parts, outcome } = await gatedParts(writer, bars, { symbol: req.symbol, timeframe: req.timeframe, rows }, { now: Date.now(), where: (i) => `bar ${i + 1} of the answer`, source, ingestRun: req.ingestRun });
      storeRejects(deps.catalog, req.ingestRun, asked, source, outcome.rejects.map((r) => ({ line: r.row + 1, raw: rowFields(bars, r.row), reason: r.reason })));
      res.rejected += outcome.rejects.length;
      res.alreadyPresent += outcome.duplicates;
      if (parts.length > 0) {
        await writer.writeParts(parts);
        res.newBars += outcome.kept.length;
        res.filesWritten += parts.length;
      }
      // Only ranges wholly in the past are final; today's bars may still grow.
      if (req.source !== 'demo' && hi <= Date.now() - DAY_MS) cover.run(req.source, dataset, req.symbol, req.timeframe, month, lo, hi, Date.now());
    }
    report({ symbol: req.symbol, monthsDone: m + 1, monthsTotal: months.length, newBars: res.newBars, alreadyPresent: res.alreadyPresent });
  }
  return res;
}

/**
 * What a vendor backfill has fetched in full, by source, dataset, symbol, timeframe (or schema) and
 * month (or day): `covered` reads a range, `cover` widens it.
 */
export function coverageStatements(catalog: Catalog) {
  return {
    covered: catalog.db.prepare('SELECT from_ts AS f, to_ts AS t FROM backfill_coverage WHERE source = ? AND dataset = ? AND symbol = ? AND timeframe = ? AND month = ?'),
    cover: catalog.db.prepare(
      `INSERT INTO backfill_coverage (source, dataset, symbol, timeframe, month, from_ts, to_ts, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET from_ts = min(from_ts, excluded.from_ts), to_ts = max(to_ts, excluded.to_ts), fetched_at = excluded.fetched_at`,
    ),
  };
}

/** The demo market never runs ahead of the clock: it ends at the current minute. */
export function demoEnd(now = Date.now()): number {
  return Math.floor(now / 60_000) * 60_000;
}

/** A fresh ingest-run id. */
export function newIngestRunId(): string {
  return randomUUID();
}
