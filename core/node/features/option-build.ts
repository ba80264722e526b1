import type { DuckDBConnection } from '@duckdb/node-api';
import { ApiError } from '../../common/errors';
import { findInstrument } from '../../common/instruments';
import { OptionFeatureStream, type OptionEvents, type OptionFeatureInstance } from '../../common/features/option-features';
import type { Catalog } from '../catalog';
import { dayString, sessionOf } from '../calendar';
import { readFloat64Columns } from '../lake/duck-columns';
import { calendarOfRoot, expiryDay, frontContractOn, partFiles, rootOf } from '../options/chain-reader';

const DAY_MS = 86_400_000;

/** A session's option events (open interest, then quotes, in time order) of one underlying contract, from the lake. */
async function sessionEvents(ctx: { con: DuckDBConnection; catalog: Catalog; lake: string }, contract: string, start: number, end: number): Promise<OptionEvents> {
  // Part times are whole milliseconds: a part starting before `end` starts at or before end − 1.
  const quotes = partFiles(ctx, 'options_quotes', contract, start, end - 1);
  const stats = partFiles(ctx, 'statistics', contract, start - 4 * DAY_MS, end - 1);
  const parts: string[] = [];
  if (stats.length)
    parts.push(`SELECT epoch_ns(ts_recv) / 1e6 AS t, 1 AS kind, instrument_id::DOUBLE AS id, 'NaN'::DOUBLE AS cls, 'NaN'::DOUBLE AS strike, 'NaN'::DOUBLE AS expiry, 'NaN'::DOUBLE AS bid, 'NaN'::DOUBLE AS ask, quantity::DOUBLE AS qty
      FROM read_parquet([${stats.join(', ')}], hive_partitioning = false, union_by_name = true) WHERE stat_type = 9 AND quantity IS NOT NULL AND ts_recv < make_timestamp(${end} * 1000)`);
  if (quotes.length)
    parts.push(`SELECT epoch_ns(ts_recv) / 1e6, 0, instrument_id::DOUBLE, ascii(instrument_class)::DOUBLE, strike_price, epoch_ms(expiration)::DOUBLE, coalesce(bid_px, 'NaN'::DOUBLE), coalesce(ask_px, 'NaN'::DOUBLE), 'NaN'::DOUBLE
      FROM read_parquet([${quotes.join(', ')}], hive_partitioning = false, union_by_name = true) WHERE instrument_class IN ('C', 'P') AND ts_recv >= make_timestamp(${start} * 1000) AND ts_recv < make_timestamp(${end} * 1000)`);
  if (parts.length === 0) return { t: new Float64Array(0), kind: new Uint8Array(0), id: new Float64Array(0), cls: new Float64Array(0), strike: new Float64Array(0), expiry: new Float64Array(0), expiryDay: new Float64Array(0), bid: new Float64Array(0), ask: new Float64Array(0), qty: new Float64Array(0) };
  const [t, kind, id, cls, strike, expiry, bid, ask, qty] = (await readFloat64Columns(ctx.con, `SELECT * FROM (${parts.join(' UNION ALL ')}) ORDER BY 1, 2 DESC`)) as Float64Array[];
  // The trading date an option expires on, in New York: one conversion per distinct expiry.
  const days = new Map<number, number>();
  const expiryDays = expiry!.map((ms) => {
    if (Number.isNaN(ms)) return Number.NaN;
    let d = days.get(ms);
    if (d === undefined) days.set(ms, (d = expiryDay(ms)));
    return d;
  });
  return { t: t!, kind: Uint8Array.from(kind!), id: id!, cls: cls!, strike: strike!, expiry: expiry!, expiryDay: expiryDays, bid: bid!, ask: ask!, qty: qty! };
}

/**
 * The prices GEX is measured around, in GEX_ANCHORS order: the close, and the nearest level of each
 * kind (close − `kl_<kind>_near` from `columns`; NaN where the set computes no key levels).
 */
export function gexAnchors(close: Float64Array, columns: ReadonlyMap<string, Float64Array>): Float64Array[] {
  const level = (kind: string): Float64Array => {
    const near = columns.get(`kl_${kind}_near`);
    return near ? close.map((c, i) => c - near[i]!) : new Float64Array(close.length).fill(Number.NaN);
  };
  return [close, level('pm'), level('or'), level('sma')];
}

/**
 * Option features of a futures symbol at each close (ascending, epoch ms): each close's session
 * (`days`, trading-day numbers) reads its own front contract's options (the roll table), so no session
 * mixes contracts; `anchors[a][c]` are the prices GEX is measured around. A session without a front
 * contract recorded or without options gives NaN; a symbol with no options at all is refused by name.
 */
export async function optionFeatureColumns(
  ctx: { con: DuckDBConnection; catalog: Catalog; lake: string },
  symbol: string,
  closes: Float64Array,
  days: Float64Array,
  anchors: readonly Float64Array[],
  features: readonly OptionFeatureInstance[],
  setName: string,
): Promise<Map<string, Float64Array>> {
  const root = rootOf(symbol);
  if (ctx.catalog.frontContracts(root).size === 0)
    throw new ApiError('invalid_argument', `feature set ${setName} asks for option features of ${symbol}, but no front contract of ${root} is recorded, so its options cannot be chosen; build the continuous series (quantdesk continuous --root ${root}) or backfill the demo's options (quantdesk backfill --source demo --symbols ${root} --schema options)`, 'symbols');
  const cal = calendarOfRoot(ctx.catalog, symbol);
  const stream = new OptionFeatureStream(features.map((f) => f.spec), { multiplier: findInstrument(root)?.multiplier ?? 100 });
  const cols = stream.outputs.map(() => new Float64Array(closes.length).fill(Number.NaN));
  const scratch = new Float64Array(anchors.length);
  for (let c = 0; c < closes.length; ) {
    const day = days[c]!;
    let end = c;
    while (end < closes.length && days[end] === day) end++;
    const contract = Number.isFinite(day) ? frontContractOn(ctx.catalog, symbol, dayString(day)) : undefined;
    if (contract) {
      const session = sessionOf(cal, day);
      const e = await sessionEvents(ctx, contract, session.start, session.end);
      stream.session(day);
      let i = 0;
      for (let k = c; k < end; k++) {
        let j = i;
        while (j < e.t.length && e.t[j]! <= closes[k]!) j++;
        stream.events(e, i, j);
        i = j;
        for (let a = 0; a < anchors.length; a++) scratch[a] = anchors[a]![k]!;
        const v = stream.close(closes[k]!, scratch);
        for (let o = 0; o < v.length; o++) cols[o]![k] = v[o]!;
      }
    }
    c = end;
  }
  return new Map(stream.outputs.map((name, o) => [name, cols[o]!]));
}
