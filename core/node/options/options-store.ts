import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import type { DbnTrades } from '../ingest/dbn';
import { writeTickBatch, type TickColumn } from '../lake/tick-store';
import type { OptionContract } from './option-contracts';

/** What a write stored per underlying, as an import reports it. */
type StoredSeries = { symbol: string; timeframe: string; table?: string; accepted: number };

/** The option terms of each row (empty where a row is not an option's), as the options tables store them. */
export function optionTerms(n: number, optionAt: (i: number) => OptionContract | undefined): TickColumn[] {
  const raw: string[] = new Array<string>(n).fill('');
  const cls = new Uint8Array(n);
  const strike = new Float64Array(n).fill(Number.NaN);
  const expiration = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const o = optionAt(i);
    if (!o) continue;
    raw[i] = o.rawSymbol;
    cls[i] = o.cls;
    strike[i] = o.strike;
    expiration[i] = o.expirationNs;
  }
  return [
    { name: 'raw_symbol', values: raw },
    { name: 'instrument_class', values: cls },
    { name: 'strike_price', values: strike },
    { name: 'expiration', values: expiration },
  ];
}

/**
 * Writes options' trades to `options_trades`, a batch per underlying contract (`groups`: the rows of
 * each, in order, already past the gate), each row with its option's terms; rows already stored are
 * duplicates.
 */
export async function writeOptionTrades(
  ctx: { con: DuckDBConnection; home: HomeLayout; catalog: Catalog },
  tr: DbnTrades,
  groups: ReadonlyMap<string, number[]>,
  optionAt: (i: number) => OptionContract | undefined,
  source: string,
  runId: string,
): Promise<{ accepted: number; duplicates: number; series: StoredSeries[] }> {
  const n = tr.tsNs.length;
  const columns: TickColumn[] = [
    { name: 'ts_recv', values: tr.tsRecvNs },
    { name: 'ts_event', values: tr.tsNs },
    { name: 'publisher_id', values: tr.publisherId },
    { name: 'instrument_id', values: tr.instrumentId },
    { name: 'action', values: tr.action },
    { name: 'side', values: Uint8Array.from(tr.side, (c) => c.charCodeAt(0)) },
    { name: 'price', values: tr.price },
    { name: 'size', values: Uint32Array.from(tr.size) },
    { name: 'flags', values: tr.flags },
    { name: 'depth', values: tr.depth },
    { name: 'ts_in_delta', values: tr.tsInDelta },
    { name: 'sequence', values: Uint32Array.from(tr.sequence) },
    ...optionTerms(n, optionAt),
  ];
  let accepted = 0;
  let duplicates = 0;
  const series: StoredSeries[] = [];
  for (const [underlying, rows] of groups) {
    const w = await writeTickBatch(ctx, 'options_trades', underlying, { rows: n, columns }, Uint32Array.from(rows), source, runId);
    accepted += w.accepted;
    duplicates += w.duplicates;
    series.push({ symbol: underlying, timeframe: 'tick', table: 'options_trades', accepted: w.accepted });
  }
  return { accepted, duplicates, series };
}
