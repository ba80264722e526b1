import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog } from '../catalog';
import { sqlString } from '../lake/duck-columns';

/** An option's terms, as its definition (DBN `definition`, instrument class C or P) gives them. */
export interface OptionContract {
  rawSymbol: string;
  /** 0x43 call, 0x50 put (character codes, as the tables stage them). */
  cls: number;
  strike: number;
  /** Expiration, ns since the epoch. */
  expirationNs: bigint;
  /** The contract the option is on (ESZ6 for an ES option; AAPL for an equity option). */
  underlying: string;
  /** When this definition was received, epoch ms. */
  receivedMs: number;
}

/** The option an instrument id was at a time (epoch ms), or undefined where the lake holds no option definition for it. */
export type OptionResolver = (instrumentId: number, tsMs: number) => OptionContract | undefined;

/**
 * Whether a raw symbol is written as an option's (root and expiry, a space, then the strike and
 * right: `ESZ6 C5900`, `E1AZ6 P5800`, OPRA's `AAPL  250221C00250000`). Futures and spreads carry no
 * space. Used only to refuse an option's records whose definition the lake lacks.
 */
export function looksLikeOption(raw: string | undefined): boolean {
  return raw !== undefined && /^\S+\s+\S+$/.test(raw.trim());
}

/**
 * Reads the option definitions the lake holds for some instrument ids. An id's definition at time t
 * is the latest received at or before t; before the first, the first (a listing's definition may be
 * received after its first quote of the day). Ids Databento reuses after an expiry resolve to the
 * definition in force.
 */
export async function optionContracts(ctx: { con: DuckDBConnection; catalog: Catalog; lake: string }, ids: Iterable<number>): Promise<OptionResolver> {
  const wanted = [...new Set(ids)];
  const files = ctx.catalog.barFiles({ dataset: 'definitions' }).map((f) => sqlString(path.join(ctx.lake, f.path)));
  const byId = new Map<number, OptionContract[]>();
  if (files.length && wanted.length) {
    const rows = (
      await ctx.con.runAndReadAll(
        `SELECT instrument_id::INTEGER, raw_symbol, instrument_class, strike_price, epoch_ns(expiration), underlying, epoch_ms(ts_recv)::DOUBLE
         FROM read_parquet([${files.join(', ')}], hive_partitioning = false, union_by_name = true)
         WHERE instrument_class IN ('C', 'P') AND strike_price IS NOT NULL AND expiration IS NOT NULL AND underlying IS NOT NULL
           AND instrument_id IN (SELECT unnest([${wanted.join(', ')}]::UINTEGER[]))
         ORDER BY instrument_id, ts_recv`,
      )
    ).getRowsJS() as [number, string, string, number, bigint, string, number][];
    for (const [id, raw, cls, strike, exp, underlying, received] of rows) {
      const list = byId.get(id) ?? [];
      list.push({ rawSymbol: raw, cls: cls.charCodeAt(0), strike, expirationNs: exp, underlying, receivedMs: received });
      byId.set(id, list);
    }
  }
  return (id, t) => {
    const list = byId.get(id);
    if (!list) return undefined;
    let pick = list[0]!;
    for (const c of list) if (c.receivedMs <= t) pick = c;
    return pick;
  };
}
