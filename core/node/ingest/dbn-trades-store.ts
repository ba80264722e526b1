import type { DuckDBConnection } from '@duckdb/node-api';
import { barTimeProblem, isoOf, tradeProblem } from '../../common/bar-gate';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { monthOf } from '../lake/bar-store';
import { existingTradeKeys, writeTrades } from '../lake/trade-store';
import { looksLikeOption, optionContracts } from '../options/option-contracts';
import { writeOptionTrades } from '../options/options-store';
import { lakeSymbol, ymdOf, type DbnFile } from './dbn';
import type { StoredTicks } from './import-result';
import type { Reject } from './reject-store';

/**
 * Writes a DBN file's trades through the gate: a future's to bronze/trades by symbol, date and hour
 * (duplicates are (ns, sequence) pairs already seen in the same month), an option's to
 * `options_trades` under its underlying; an option without a definition in the lake is refused.
 * `source` is the lake's record of where rows came from.
 */
export async function storeDbnTrades(ctx: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection }, f: DbnFile, source: string, runId: string): Promise<StoredTicks> {
  const tr = f.trades!;
  const n = tr.tsMs.length;
  const groups = new Map<string, number[]>();
  const names = new Map<number, string>();
  const rejects: Reject[] = [];
  const now = Date.now();
  // An option's trades go to `options_trades` under its underlying contract, with its terms.
  const options = await optionContracts({ con: ctx.con, catalog: ctx.catalog, lake: ctx.home.lake }, tr.instrumentId);
  const optionRows = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const id = tr.instrumentId[i]!;
    const raw = f.symbolFor(id, ymdOf(tr.tsMs[i]!));
    const option = options(id, tr.tsMs[i]!);
    const why =
      barTimeProblem(tr.tsMs[i]!, now) ??
      tradeProblem(tr.price[i]!, tr.size[i]!) ??
      (!option && looksLikeOption(raw) ? `option ${raw!.trim()} (instrument ${id}) has no definition in the lake; import or backfill its definitions (schema definition) first, then this file again` : undefined);
    if (why) {
      rejects.push({ line: i + 1, raw: JSON.stringify({ ts: isoOf(tr.tsMs[i]!), price: tr.price[i], size: tr.size[i], side: tr.side[i], sequence: tr.sequence[i] }), reason: why, offset: tr.offset[i]! });
      continue;
    }
    if (option) {
      const underlying = lakeSymbol(option.underlying, id);
      optionRows.set(underlying, [...(optionRows.get(underlying) ?? []), i]);
      continue;
    }
    const symbol = lakeSymbol(raw, id);
    names.set(id, symbol);
    const key = `${symbol}|${monthOf(tr.tsMs[i]!)}`;
    const list = groups.get(key) ?? [];
    list.push(i);
    groups.set(key, list);
  }
  let accepted = 0;
  let duplicates = 0;
  const perSymbol = new Map<string, number>();
  for (const [key, rows] of groups) {
    const [symbol, month] = key.split('|') as [string, string];
    const seen = await existingTradeKeys(ctx.con, ctx.catalog, ctx.home.lake, symbol, month);
    const keep = rows.filter((i) => {
      const k = `${tr.tsNs[i]}:${tr.sequence[i]}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    duplicates += rows.length - keep.length;
    accepted += keep.length;
    perSymbol.set(symbol, (perSymbol.get(symbol) ?? 0) + keep.length);
    if (keep.length === 0) continue;
    const pick = (a: Float64Array): Float64Array => Float64Array.from(keep, (i) => a[i]!);
    await writeTrades(ctx, symbol, {
      tsNs: BigInt64Array.from(keep, (i) => tr.tsNs[i]!),
      tsRecvNs: BigInt64Array.from(keep, (i) => tr.tsRecvNs[i]!),
      price: pick(tr.price),
      size: pick(tr.size),
      side: Float64Array.from(keep, (i) => tr.side[i]!.charCodeAt(0)),
      sequence: pick(tr.sequence),
    }, source, runId);
  }
  const series: StoredTicks['series'] = [...perSymbol].map(([symbol, k]) => ({ symbol, timeframe: 'tick', accepted: k }));
  if (optionRows.size) {
    const w = await writeOptionTrades(ctx, tr, optionRows, (i) => options(tr.instrumentId[i]!, tr.tsMs[i]!), source, runId);
    accepted += w.accepted;
    duplicates += w.duplicates;
    series.push(...w.series);
  }
  return { inputRows: n, accepted, duplicates, rejects, series };
}
