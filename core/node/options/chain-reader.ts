import path from 'node:path';
import { DateTime } from 'luxon';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ApiError } from '../../common/errors';
import { CME_GLOBEX, findInstrument, type SessionCalendar } from '../../common/instruments';
import { solveChain, type OptionState, type SolvedChain } from '../../common/options/chain';
import type { OptionChainView, OptionsQaReport } from '../../common/options/types';
import type { Catalog } from '../catalog';
import { calendarFor, dayNumber, sessionsOverlapping, type Session } from '../calendar';
import { parseContract } from '../lake/continuous';
import { readFloat64Columns, sqlString } from '../lake/duck-columns';

type Ctx = { con: DuckDBConnection; catalog: Catalog; lake: string };

/** Defaults of a chain: 0DTE, quotes up to two minutes old, 5% rate. */
export const CHAIN_DEFAULTS = { dte: 0, maxAgeSeconds: 120, rate: 0.05 } as const;

const OPTION_TABLES = ['options_quotes', 'options_trades'] as const;

/** The futures root of a symbol: ES for ES, ES.C, ES.CBA and ESZ6. */
export function rootOf(symbol: string): string {
  return parseContract(symbol)?.root ?? symbol.replace(/\.(C|CBA)$/, '');
}

/** The calendar a futures symbol trades on. */
export function calendarOfRoot(catalog: Catalog, symbol: string): SessionCalendar {
  return calendarFor(catalog, symbol) ?? findInstrument(rootOf(symbol))?.calendar ?? CME_GLOBEX;
}

/** The session a moment falls in, or a clear refusal. */
export function sessionAt(cal: SessionCalendar, symbol: string, at: number): Session {
  const s = sessionsOverlapping(cal, at, at + 1).find((x) => x.start <= at && at < x.end);
  if (!s) throw new ApiError('invalid_argument', `${new Date(at).toISOString()} falls outside every session of ${symbol} (${cal.id}); choose a time when it trades`, 'at');
  return s;
}

/**
 * The futures contract front in a session: a contract symbol is its own; a root (ES, ES.C) reads the
 * roll table that the continuous build (or the demo source) recorded.
 */
export function frontContractOn(catalog: Catalog, symbol: string, date: string): string | undefined {
  if (parseContract(symbol)) return symbol;
  return catalog.frontContracts(rootOf(symbol)).get(date);
}

/** The trading date (New York) an option expires on, as a day number. */
export const expiryDay = (ms: number): number => dayNumber(DateTime.fromMillis(ms, { zone: 'America/New_York' }).toISODate()!);

/** Part files of a table for one underlying (or symbol) overlapping [from, to] (epoch ms), as SQL literals. */
export function partFiles(ctx: Ctx, table: string, underlying: string, from: number, to: number): string[] {
  return ctx.catalog
    .barFiles({ dataset: table, symbol: underlying })
    .filter((f) => f.lastTs >= from && f.firstTs <= to)
    .map((f) => sqlString(path.join(ctx.lake, f.path)));
}

/** Open interest per instrument id as of a moment (the latest published, from `statistics` under the underlying). */
export async function openInterestAt(ctx: Ctx, underlying: string, from: number, at: number): Promise<Map<number, number>> {
  const files = partFiles(ctx, 'statistics', underlying, from, at);
  if (files.length === 0) return new Map();
  const [id, oi] = await readFloat64Columns(
    ctx.con,
    `SELECT instrument_id::DOUBLE, arg_max(quantity, ts_recv)::DOUBLE FROM read_parquet([${files.join(', ')}], hive_partitioning = false, union_by_name = true)
     WHERE stat_type = 9 AND quantity IS NOT NULL AND ts_recv <= make_timestamp(${at} * 1000) GROUP BY instrument_id`,
  );
  return new Map(Array.from(id!, (x, i) => [x, oi![i]!]));
}

/** The options' latest quotes in [from, at], one per instrument, with their terms. */
async function latestQuotes(ctx: Ctx, underlying: string, from: number, at: number): Promise<{ id: number; expiry: number; state: OptionState }[]> {
  const files = partFiles(ctx, 'options_quotes', underlying, from, at);
  if (files.length === 0) return [];
  const c = await readFloat64Columns(
    ctx.con,
    `SELECT instrument_id::DOUBLE, ascii(instrument_class)::DOUBLE, strike_price, epoch_ms(expiration)::DOUBLE,
            arg_max(coalesce(bid_px, 'NaN'::DOUBLE), ts_recv), arg_max(coalesce(ask_px, 'NaN'::DOUBLE), ts_recv), epoch_ms(max(ts_recv))::DOUBLE
     FROM read_parquet([${files.join(', ')}], hive_partitioning = false, union_by_name = true)
     WHERE ts_recv >= make_timestamp(${from} * 1000) AND ts_recv <= make_timestamp(${at} * 1000) AND instrument_class IN ('C', 'P')
     GROUP BY instrument_id, instrument_class, strike_price, expiration`,
  );
  return Array.from(c[0]!, (id, i) => ({ id, expiry: c[3]![i]!, state: { cls: c[1]![i]!, strike: c[2]![i]!, bid: c[4]![i]!, ask: c[5]![i]!, quotedAt: c[6]![i]!, oi: Number.NaN } }));
}

/** The option chains of a futures symbol at a moment: the session's front contract's options only, expiring within `dte` days. */
export async function readOptionChain(ctx: Ctx, a: { symbol: string; at: number; dte?: number; maxAgeSeconds?: number; rate?: number }): Promise<OptionChainView> {
  const dte = a.dte ?? CHAIN_DEFAULTS.dte;
  const maxAgeSeconds = a.maxAgeSeconds ?? CHAIN_DEFAULTS.maxAgeSeconds;
  const rate = a.rate ?? CHAIN_DEFAULTS.rate;
  const root = rootOf(a.symbol);
  const session = sessionAt(calendarOfRoot(ctx.catalog, a.symbol), a.symbol, a.at);
  const contract = frontContractOn(ctx.catalog, a.symbol, session.date);
  if (!contract) throw new ApiError('not_found', `no front contract of ${root} is recorded for ${session.date}; build the continuous series (quantdesk continuous --root ${root}) or backfill the demo's options (--schema options)`, 'symbol');
  const multiplier = findInstrument(root)?.multiplier ?? 100;
  const leftOut = [
    ...new Set(
      OPTION_TABLES.flatMap((t) => ctx.catalog.barFiles({ dataset: t }))
        .filter((f) => f.symbol !== contract && parseContract(f.symbol)?.root === root && f.lastTs >= session.start && f.firstTs < session.end)
        .map((f) => f.symbol),
    ),
  ].sort();
  const quotes = await latestQuotes(ctx, contract, session.start, a.at);
  const oi = await openInterestAt(ctx, contract, session.start - 4 * 86_400_000, a.at);
  const byExpiry = new Map<number, OptionState[]>();
  for (const q of quotes) {
    const days = expiryDay(q.expiry) - session.day;
    if (days < 0 || days > dte || q.expiry <= a.at) continue;
    byExpiry.set(q.expiry, [...(byExpiry.get(q.expiry) ?? []), { ...q.state, oi: oi.get(q.id) ?? Number.NaN }]);
  }
  const chains: SolvedChain[] = [...byExpiry.keys()].sort((x, y) => x - y).map((expiry) => solveChain(byExpiry.get(expiry)!, a.at, { expiry, rate, maxAgeMs: maxAgeSeconds * 1000, multiplier }));
  const total = new Map<number, number>();
  // A chain without a parity forward has no volatilities, so no exposure: it adds nothing to the profile.
  for (const c of chains) if (!Number.isNaN(c.F)) c.strikes.forEach((k, i) => total.set(k, (total.get(k) ?? 0) + c.gex[i]!));
  const strikes = Float64Array.from([...total.keys()]).sort();
  return { symbol: a.symbol, at: a.at, session: session.date, contract, leftOut, dte, maxAgeSeconds, rate, multiplier, chains, profile: { strikes, gex: strikes.map((k) => total.get(k)!) } };
}

/** Sessions whose stored options (quotes or trades) are on another contract than the session's front futures contract. */
export function optionsQa(ctx: Ctx, symbol: string): OptionsQaReport {
  const root = rootOf(symbol);
  const cal = calendarOfRoot(ctx.catalog, symbol);
  const front = ctx.catalog.frontContracts(root);
  const byDate = new Map<string, Set<string>>();
  for (const f of OPTION_TABLES.flatMap((t) => ctx.catalog.barFiles({ dataset: t }))) {
    if (parseContract(f.symbol)?.root !== root) continue;
    const s = sessionsOverlapping(cal, f.firstTs, f.firstTs + 1).find((x) => x.start <= f.firstTs && f.firstTs < x.end);
    if (!s) continue;
    byDate.set(s.date, (byDate.get(s.date) ?? new Set()).add(f.symbol));
  }
  const sessions = [...byDate.keys()].sort().map((date) => {
    const contracts = [...byDate.get(date)!].sort();
    const f = front.get(date) ?? null;
    return { date, front: f, contracts, ok: f !== null && contracts.every((c) => c === f) };
  });
  if (sessions.length === 0) throw new ApiError('not_found', `the lake holds no options on ${root} contracts; backfill them first (quantdesk backfill --schema options --symbols ${root})`, 'symbol');
  return { symbol, root, sessions, mismatched: sessions.filter((s) => !s.ok).length };
}
