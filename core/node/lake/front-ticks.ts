import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import type { Session } from '../calendar';
import { sqlString } from './duck-columns';
import { publishTickRows, type BookTable } from './tick-store';
import { publishTradeRows } from './trade-store';

/** What the front-month pass did for one table of market events. */
export interface FrontTicks {
  table: BookTable | 'trades';
  /** Rows kept under `<ROOT>.C`: each session's front contract's only. */
  rows: number;
  /** Sessions where more than one contract has stored rows, with those contracts: the data is not front-month pure there. */
  overlaps: { date: string; contracts: string[] }[];
}

/** Tables of market events a continuous build keeps front-month pure. */
const TABLES: (BookTable | 'trades')[] = ['trades', 'quotes', 'book', 'orders'];

/**
 * Keeps, for a futures root, each session's front contract's rows of every table of market events
 * (trades, quotes, book, orders; the contract the continuous bars chose by volume dominance) under
 * `silver/<table>/symbol=<ROOT>.C`,
 * replacing an earlier build; and flags the sessions where two contracts overlap in the stored data.
 * Sessions run from their open to their close (exclusive), by `ts_recv`.
 */
export async function frontMonthTicks(
  deps: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection },
  contracts: readonly string[],
  sessions: readonly Session[],
  front: Int32Array,
  symbol: string,
  source: string,
): Promise<FrontTicks[]> {
  const out: FrontTicks[] = [];
  const sess = `front_sessions_${randomUUID().replaceAll('-', '')}`;
  await deps.con.run(`CREATE TEMP TABLE ${sess} (s INTEGER, lo BIGINT, hi BIGINT, front INTEGER)`);
  try {
    const appender = await deps.con.createAppender(sess);
    sessions.forEach((x, s) => {
      appender.appendInteger(s);
      appender.appendBigInt(BigInt(x.start) * 1_000_000n);
      appender.appendBigInt(BigInt(x.end) * 1_000_000n);
      appender.appendInteger(front[s]!);
      appender.endRow();
    });
    appender.closeSync();
    for (const table of TABLES) {
      const files = contracts.map((c) => deps.catalog.barFiles({ dataset: table, symbol: c }).map((f) => sqlString(path.join(deps.home.lake, f.path))));
      if (files.every((f) => f.length === 0)) continue;
      const read = (k: number): string => `read_parquet([${files[k]!.join(', ')}], hive_partitioning = false, union_by_name = true)`;
      // Trades are stamped `ts` (the event); the other tables are ordered by `ts_recv`.
      const ts = table === 'trades' ? 'ts' : 'ts_recv';
      const held = files.map((f, k) => (f.length ? k : -1)).filter((k) => k >= 0);
      // Sessions each contract has rows in.
      const counts = new Map<number, string[]>();
      for (const k of held) {
        const rows = (await deps.con.runAndReadAll(`SELECT DISTINCT x.s FROM ${read(k)} r JOIN ${sess} x ON epoch_ns(r.${ts}) >= x.lo AND epoch_ns(r.${ts}) < x.hi`)).getRowsJS();
        for (const [s] of rows) counts.set(Number(s), [...(counts.get(Number(s)) ?? []), contracts[k]!]);
      }
      const overlaps = [...counts].filter(([, c]) => c.length > 1).sort((a, b) => a[0] - b[0]).map(([s, c]) => ({ date: sessions[s]!.date, contracts: c }));
      const kept = held.map((k) => `SELECT r.* FROM ${read(k)} r JOIN ${sess} x ON epoch_ns(r.${ts}) >= x.lo AND epoch_ns(r.${ts}) < x.hi AND x.front = ${k}`).join(' UNION ALL BY NAME ');
      const rows = Number((await deps.con.runAndReadAll(`SELECT count(*) FROM (${kept})`)).getRowsJS()[0]![0]);
      if (table === 'trades') await publishTradeRows(deps, symbol, `(${kept})`, `silver/trades/symbol=${symbol}`, source);
      else await publishTickRows(deps, table, symbol, `(${kept})`, `silver/${table}/symbol=${symbol}`, source, null);
      out.push({ table, rows, overlaps });
    }
  } finally {
    await deps.con.run(`DROP TABLE IF EXISTS ${sess}`);
  }
  return out;
}
