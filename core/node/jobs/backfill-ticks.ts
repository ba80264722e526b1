import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DEMO_INSTRUMENTS } from '../../common/instruments';
import { parseUtc } from '../../common/schemas';
import { sessionsOverlapping } from '../calendar';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { generateBookSession } from '../demo/demo-book';
import { storeDemoOptions } from '../options/demo-options-store';
import { decodeTicks, storeBookStream, storeTicks, STREAMED_SCHEMAS } from '../ingest/import-dbn-ticks';
import type { StoredTicks } from '../ingest/import-result';
import { storeRejects } from '../ingest/reject-store';
import { decodeDbn } from '../ingest/dbn';
import { storeDbnTrades } from '../ingest/dbn-trades-store';
import { checkDiskSpace } from '../lake/publish';
import { fetchDatabentoDbn, saveDatabentoDbn } from '../vendors/databento';
import { coverageStatements, DEFAULT_DEMO_SEED, demoEnd, missingVendorKey, type BackfillSymbolRequest, type BackfillSymbolResult, type BackfillTick, type VendorConfig } from './backfill';

const DAY_MS = 86_400_000;
/** The schemas an option-chain backfill asks Databento for, in order. */
const OPTION_SCHEMAS = ['definition', 'statistics', 'trades', 'mbp-1'];

/**
 * Backfills one symbol's order-book or reference records (Databento's schemas, or the demo market's
 * ten-level book) a day at a time into their lake table, through the same gate as a DBN import.
 * Databento days fetched in full are recorded (coverage keyed by schema and day), so a resumed or
 * repeated backfill does not ask for them again; days the lake already holds add only duplicates.
 */
export async function backfillTicks(
  deps: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection },
  req: BackfillSymbolRequest,
  report: (t: BackfillTick) => void,
  cancelled: () => boolean,
  cfg: VendorConfig,
): Promise<BackfillSymbolResult> {
  const schema = req.schema!;
  const fromMs = parseUtc(req.from);
  const toMs = parseUtc(req.to) + DAY_MS;
  const dataset = req.source === 'databento' ? (req.dataset ?? 'GLBX.MDP3') : '';
  const source = req.source === 'databento' ? `databento:${dataset}` : req.source;
  const res: BackfillSymbolResult = { symbol: req.symbol, newBars: 0, alreadyPresent: 0, rejected: 0, filesWritten: 0, cancelled: false };
  const { covered, cover } = coverageStatements(deps.catalog);
  const add = (s: StoredTicks, asked: string): void => {
    storeRejects(deps.catalog, req.ingestRun, asked, source, s.rejects);
    res.newBars += s.accepted;
    res.alreadyPresent += s.duplicates;
    res.rejected += s.rejects.length;
    if (s.accepted > 0) res.filesWritten += s.series.length;
  };

  if (req.source === 'demo') {
    const spec = DEMO_INSTRUMENTS.find((x) => x.symbol === req.symbol);
    if (!spec) throw new Error(`the demo source has no symbol ${req.symbol}`);
    const end = Math.min(toMs, demoEnd());
    const sessions = sessionsOverlapping(spec.calendar, fromMs, end);
    for (const [i, session] of sessions.entries()) {
      if (cancelled()) return { ...res, cancelled: true };
      checkDiskSpace(deps.home.root);
      if (schema === 'options') {
        const stored = await storeDemoOptions(deps, req.symbol, req.seed ?? DEFAULT_DEMO_SEED, session, req.ingestRun, fromMs, end);
        for (const s of stored) add(s, `demo ${req.symbol} options ${session.date}`);
        report({ symbol: req.symbol, monthsDone: i + 1, monthsTotal: sessions.length, newBars: res.newBars, alreadyPresent: res.alreadyPresent });
        continue;
      }
      const book = generateBookSession(req.symbol, req.seed ?? DEFAULT_DEMO_SEED, session, {}, fromMs, end);
      add(await storeTicks(deps, { kind: 'book', book }, () => req.symbol, 'demo', req.ingestRun), `demo ${req.symbol} mbp-10 ${session.date}`);
      report({ symbol: req.symbol, monthsDone: i + 1, monthsTotal: sessions.length, newBars: res.newBars, alreadyPresent: res.alreadyPresent });
    }
    return res;
  }
  const why = missingVendorKey(req.source, cfg);
  if (why) throw new Error(why);
  const days = Math.round((toMs - fromMs) / DAY_MS);
  for (let d = 0; d < days; d++) {
    if (cancelled()) return { ...res, cancelled: true };
    checkDiskSpace(deps.home.root);
    const lo = fromMs + d * DAY_MS;
    const hi = lo + DAY_MS;
    const day = new Date(lo).toISOString().slice(0, 10);
    if (!covered.get(req.source, dataset, req.symbol, schema, day)) {
      const asked = `${source} ${req.symbol} ${schema} ${day}`;
      // An option chain is its definitions first (they route the rest), then open interest, trades and top of book.
      for (const one of schema === 'options' ? OPTION_SCHEMAS : [schema]) {
        const range = { baseUrl: cfg.databentoUrl, apiKey: cfg.databentoKey!, dataset, symbol: req.symbol, schema: one, startMs: lo, endMs: hi };
        const what = `Databento ${dataset} ${req.symbol} ${one} ${day}`;
        if (STREAMED_SCHEMAS.has(one)) {
          // A day of book records is saved as it arrives, then stored a batch at a time, as an import of the file would.
          const file = path.join(deps.home.tmp, `databento-${randomUUID()}.dbn.zst`);
          try {
            let checked = 0;
            const saved = await saveDatabentoDbn(range, file, (size) => {
              if (size - checked < 64 << 20) return;
              checked = size;
              checkDiskSpace(deps.home.root);
            });
            if (saved > 0) {
              for await (const stored of storeBookStream(deps, file, source, req.ingestRun, what)) {
                add(stored, asked);
                if (cancelled()) return { ...res, cancelled: true };
              }
            }
          } finally {
            fs.rmSync(file, { force: true });
          }
        } else {
          const bytes = await fetchDatabentoDbn(range);
          if (bytes.length === 0) continue;
          if (one === 'trades') {
            add(await storeDbnTrades(deps, decodeDbn(bytes, what), source, req.ingestRun), asked);
            continue;
          }
          const { decoded, symbolFor } = decodeTicks(bytes, what, one);
          if (decoded) add(await storeTicks(deps, decoded, symbolFor, source, req.ingestRun), asked);
        }
      }
      // Only days wholly in the past are final.
      if (hi <= Date.now() - DAY_MS) cover.run(req.source, dataset, req.symbol, schema, day, lo, hi, Date.now());
    }
    report({ symbol: req.symbol, monthsDone: d + 1, monthsTotal: days, newBars: res.newBars, alreadyPresent: res.alreadyPresent });
  }
  return res;
}
