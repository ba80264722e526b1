import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog } from '../catalog';
import type { Session } from '../calendar';
import type { HomeLayout } from '../home';
import { generateOptionSession } from '../demo/demo-options';
import { storeTicks } from '../ingest/import-dbn-ticks';
import type { StoredTicks } from '../ingest/import-result';
import { optionContracts } from './option-contracts';
import { writeOptionTrades } from './options-store';

/**
 * Stores a session of the demo market's 0DTE options through the gate a Databento file passes:
 * definitions first (the quotes, trades and open interest are routed by them), then open interest,
 * quotes and trades; and records the session's front futures contract, so the options can be checked
 * against it. Only the regular-hours minutes in [from, to) are quoted.
 */
export async function storeDemoOptions(deps: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection }, symbol: string, seed: number, session: Session, runId: string, from = -Infinity, to = Infinity): Promise<StoredTicks[]> {
  const g = generateOptionSession(symbol, seed, session, {}, from, to);
  if (!g) return [];
  const none = (): undefined => undefined;
  const out: StoredTicks[] = [];
  out.push(await storeTicks(deps, { kind: 'reference', records: g.definitions }, none, 'demo', runId));
  out.push(await storeTicks(deps, { kind: 'reference', records: g.openInterest }, none, 'demo', runId));
  out.push(await storeTicks(deps, { kind: 'book', book: g.quotes }, none, 'demo', runId));
  const n = g.trades.tsNs.length;
  const resolve = await optionContracts({ con: deps.con, catalog: deps.catalog, lake: deps.home.lake }, g.trades.instrumentId);
  const w = await writeOptionTrades(deps, g.trades, new Map([[g.underlying, Array.from({ length: n }, (_, i) => i)]]), (i) => resolve(g.trades.instrumentId[i]!, g.trades.tsMs[i]!), 'demo', runId);
  out.push({ inputRows: n, accepted: w.accepted, duplicates: w.duplicates, rejects: [], series: w.series });
  deps.catalog.setFrontContracts(symbol, 'demo', [{ date: session.date, contract: g.front }]);
  return out;
}
