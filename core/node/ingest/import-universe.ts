import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { UniverseFilters } from '../lake/universe';
import { tickerClass } from '../lake/universe';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { sqlString } from '../lake/duck-columns';
import type { CsvOptions } from './csv-import';
import { parseCsvFile } from './import-file';

const DAY_MS = 86_400_000;
const fmt = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: 2 });

interface Daily {
  close: number;
  lastT: number;
  volume: number;
}

/**
 * Decides which symbols of an import fall outside a universe, and why. Price and volume are judged on
 * the imported bars (average daily close and daily volume); days listed count the trading days the
 * lake already holds for the symbol together with the imported ones.
 */
export async function universeExclusions(
  ctx: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection },
  paths: string[],
  opts: Omit<CsvOptions, 'format' | 'exclude'> & { format?: Parameters<typeof parseCsvFile>[2]['format'] },
  f: UniverseFilters,
): Promise<Map<string, string>> {
  const days = new Map<string, Map<number, Daily>>();
  for (const file of paths) {
    const p = parseCsvFile(ctx.catalog, file, opts);
    for (let i = 0; i < p.t.length; i++) {
      const symbol = p.symbols[p.sym[i]!]!;
      const day = Math.floor(p.t[i]! / DAY_MS);
      let byDay = days.get(symbol);
      if (!byDay) days.set(symbol, (byDay = new Map()));
      const d = byDay.get(day);
      if (!d) byDay.set(day, { close: p.c[i]!, lastT: p.t[i]!, volume: p.v[i]! });
      else {
        d.volume += p.v[i]!;
        if (p.t[i]! >= d.lastT) {
          d.lastT = p.t[i]!;
          d.close = p.c[i]!;
        }
      }
    }
  }
  const stored = await storedDays(ctx, [...days.keys()]);
  const out = new Map<string, string>();
  for (const [symbol, byDay] of days) {
    const cls = tickerClass(symbol);
    const list = [...byDay.values()];
    const price = list.reduce((a, d) => a + d.close, 0) / list.length;
    const volume = list.reduce((a, d) => a + d.volume, 0) / list.length;
    const listed = new Set([...byDay.keys(), ...(stored.get(symbol) ?? [])]).size;
    let why: string | undefined;
    if (f.commonOnly && cls !== 'common') why = `not common stock (${cls})`;
    else if (f.minPrice !== undefined && price < f.minPrice) why = `average close ${fmt(price)} below ${fmt(f.minPrice)}`;
    else if (f.maxPrice !== undefined && price > f.maxPrice) why = `average close ${fmt(price)} above ${fmt(f.maxPrice)}`;
    else if (f.minAvgVolume !== undefined && volume < f.minAvgVolume) why = `average daily volume ${fmt(volume)} below ${fmt(f.minAvgVolume)}`;
    else if (f.minDays !== undefined && listed < f.minDays) why = `listed ${listed} trading day${listed === 1 ? '' : 's'}, fewer than ${f.minDays}`;
    if (why) out.set(symbol, why);
  }
  return out;
}

/** Trading days (day numbers) the lake holds for each symbol. */
async function storedDays(ctx: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection }, symbols: string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const files = symbols.flatMap((s) => ctx.catalog.barFiles({ symbol: s, dataset: 'bars' })).map((f) => sqlString(path.join(ctx.home.lake, f.path)));
  if (files.length === 0) return out;
  const rows = (await ctx.con.runAndReadAll(`SELECT symbol, list(DISTINCT (epoch_ms(ts) // ${DAY_MS})::DOUBLE) FROM read_parquet([${files.join(', ')}], hive_partitioning = true) GROUP BY symbol`)).getRowsJS();
  for (const r of rows) out.set(String(r[0]), (r[1] as number[]).map(Number));
  return out;
}
