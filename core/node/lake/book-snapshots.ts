import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ApiError } from '../../common/errors';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { sqlString } from './duck-columns';
import { publishTickRows, TICK_COLUMNS } from './tick-store';
import { retireLakeFiles } from './retired-files';

/** What a snapshot build wrote. */
export interface BookSnapshotResult {
  symbol: string;
  /** UTC dates of the book that were snapshot. */
  dates: string[];
  /** Snapshots written (one per instrument and second from each date's first update to its last). */
  rows: number;
}

const LEVEL_COLUMNS = TICK_COLUMNS.book.map(([name]) => name).filter((n) => /_\d\d$/.test(n));

/**
 * The 1 Hz snapshot table of a symbol's book (`book_1s`): for every second from a UTC date's first
 * MBP-10 update to its last, the ten levels as they stood at the end of that second (the last update
 * received before it; of updates received at the same instant, the one with the highest sequence),
 * with the number of updates in the second and the age of the state (`age_ms`: 0 when the book
 * changed in the last instant, minutes across a halt). Written under `silver/book_1s`, replacing an
 * earlier snapshot of the same dates; `from`/`to` (dates) limit the dates.
 */
export async function buildBookSnapshots(deps: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection }, symbol: string, from?: string, to?: string): Promise<BookSnapshotResult> {
  const files = deps.catalog.barFiles({ dataset: 'book', symbol });
  if (files.length === 0) throw new ApiError('invalid_argument', `${symbol} has no book (MBP-10) in the lake; import or backfill it first (quantdesk backfill --schema mbp-10 --symbols ${symbol} …)`, 'symbol');
  const byDate = new Map<string, string[]>();
  for (const f of files) {
    const date = /\/date=(\d{4}-\d{2}-\d{2})\//.exec(f.path)?.[1];
    if (!date || (from && date < from) || (to && date > to)) continue;
    byDate.set(date, [...(byDate.get(date) ?? []), sqlString(path.join(deps.home.lake, f.path))]);
  }
  const dates = [...byDate.keys()].sort();
  if (dates.length === 0) throw new ApiError('invalid_argument', `${symbol} has no book between ${from ?? 'the first date'} and ${to ?? 'the last'}`, 'from');
  let rows = 0;
  const levels = LEVEL_COLUMNS.join(', ');
  for (const date of dates) {
    const read = `read_parquet([${byDate.get(date)!.join(', ')}], hive_partitioning = false, union_by_name = true)`;
    // The seconds this date's snapshot spans (the last may end at the next midnight, in the next date's folder):
    // the earlier snapshot's parts within them are replaced, a neighbouring date's are not.
    const [lo, hi] = (await deps.con.runAndReadAll(`SELECT (min(epoch_ns(ts_recv)) // 1000000000 + 1) * 1000, (max(epoch_ns(ts_recv)) // 1000000000 + 1) * 1000 FROM ${read}`)).getRowsJS()[0]!.map(Number) as [number, number];
    const old = deps.catalog.barFiles({ dataset: 'book_1s', symbol }).filter((f) => f.firstTs >= lo && f.lastTs <= hi);
    const relation = `(
      WITH ev AS (
        SELECT instrument_id, epoch_ns(ts_recv) AS ns, ts_event, publisher_id, ${levels}
        FROM ${read}
        QUALIFY row_number() OVER (PARTITION BY instrument_id, ts_recv ORDER BY sequence DESC, ts_event DESC) = 1
      ),
      counts AS (SELECT instrument_id, (epoch_ns(ts_recv) // 1000000000 + 1) * 1000000000 AS e, count(*) AS updates FROM ${read} GROUP BY ALL),
      span AS (SELECT instrument_id, (min(ns) // 1000000000 + 1) * 1000000000 AS lo, (max(ns) // 1000000000 + 1) * 1000000000 AS hi FROM ev GROUP BY ALL),
      secs AS (SELECT instrument_id, unnest(range(lo, hi + 1, 1000000000)) AS e FROM span)
      SELECT make_timestamp_ns(s.e) AS ts_recv, ev.ts_event, ev.publisher_id, s.instrument_id, coalesce(c.updates, 0)::UINTEGER AS updates, ((s.e - ev.ns) / 1e6)::DOUBLE AS age_ms, ${LEVEL_COLUMNS.map((n) => `ev.${n}`).join(', ')}
      FROM secs s ASOF JOIN ev ON s.instrument_id = ev.instrument_id AND s.e > ev.ns
      LEFT JOIN counts c ON c.instrument_id = s.instrument_id AND c.e = s.e
    )`;
    rows += Number((await deps.con.runAndReadAll(`SELECT count(*) FROM ${relation}`)).getRowsJS()[0]![0]);
    await publishTickRows(deps, 'book_1s', symbol, relation, `silver/book_1s/symbol=${symbol}`, `snapshots:${symbol}`, null);
    // The new parts are cataloged; the earlier snapshot of the date goes.
    const del = deps.catalog.db.prepare('DELETE FROM bar_files WHERE id = ?');
    deps.catalog.db.transaction(() => old.forEach((f) => del.run(f.id)))();
    retireLakeFiles(deps.catalog, old.map((f) => f.path));
  }
  return { symbol, dates, rows };
}
