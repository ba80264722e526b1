import fs from 'node:fs';
import path from 'node:path';
import { decompress } from 'fzstd';
import { describe, expect, it } from 'vitest';
import { decodeDbnReference, type DbnReference } from '../core/node/ingest/dbn-reference';
import { DbnError } from '../core/node/ingest/dbn';
import { paths, sharedData } from './helpers';

// Expected values are Databento's: the `dbn -J` output of their CLI for these very files, as quoted in
// dbn-go's test suite, in the CLI's raw form (64-bit integers and fixed-point prices as strings).
// Version 3 definitions are the version 2 records upgraded by Databento's published rules (fields
// new in version 3 take their documented defaults; four fields were dropped).
const fixture = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(paths.root, 'tests/fixtures/databento', name)));
const shared = (name: string): Uint8Array => new Uint8Array(fs.readFileSync(sharedData('dbn', name)));
const UNDEF_PX = '9223372036854775807';
const UNDEF_TS = '18446744073709551615';

/** A decoded field in the CLI's raw form: fixed-point prices back to integers (undefined as i64::MAX), characters as strings. */
function raw(col: DbnReference['columns'][string], i: number): string | number {
  if (col instanceof Float64Array) return Number.isNaN(col[i]!) ? UNDEF_PX : String(Math.round(col[i]! * 1e9));
  if (col instanceof BigUint64Array || col instanceof BigInt64Array) return String(col[i]);
  return (col as ArrayLike<string | number>)[i]!;
}

/** Every field of record `i` against the expected values, and no field unchecked. */
function expectRecord(r: DbnReference, i: number, expected: Record<string, string | number>): void {
  expect(Object.keys(r.columns).sort()).toEqual(Object.keys(expected).sort());
  const got = Object.fromEntries(Object.keys(expected).map((k) => [k, raw(r.columns[k]!, i)]));
  expect(got).toEqual(expected);
}

/** dbn -J's nested header flattened as the decoder names it (rtype is the decoder's choice of layout, checked by its schema). */
function flat(json: string): Record<string, string | number> {
  const { hd, ...rest } = JSON.parse(json) as { hd: { ts_event: string; rtype: number; publisher_id: number; instrument_id: number } } & Record<string, string | number>;
  return { publisher_id: hd.publisher_id, instrument_id: hd.instrument_id, ts_event: hd.ts_event, ...rest };
}

const STATISTICS = [
  '{"ts_recv":"1682269536040124325","hd":{"ts_event":"1682269536030443135","rtype":24,"publisher_id":1,"instrument_id":146945},"ts_ref":"18446744073709551615","price":"100000000000","quantity":2147483647,"sequence":2,"ts_in_delta":26961,"stat_type":7,"channel_id":13,"update_action":1,"stat_flags":255}',
  '{"ts_recv":"1682269536121890092","hd":{"ts_event":"1682269536071497081","rtype":24,"publisher_id":1,"instrument_id":146945},"ts_ref":"18446744073709551615","price":"100000000000","quantity":2147483647,"sequence":7,"ts_in_delta":28456,"stat_type":5,"channel_id":13,"update_action":1,"stat_flags":255}',
].map(flat);

const IMBALANCE = [
  '{"ts_recv":"1633353900633864350","hd":{"ts_event":"1633353900633854579","rtype":20,"publisher_id":2,"instrument_id":9439},"ref_price":"229430000000","auction_time":"0","cont_book_clr_price":"0","auct_interest_clr_price":"0","ssr_filling_price":"0","ind_match_price":"0","upper_collar":"0","lower_collar":"0","paired_qty":0,"total_imbalance_qty":2000,"market_imbalance_qty":0,"unpaired_qty":0,"auction_type":"O","side":"B","auction_status":0,"freeze_status":0,"num_extensions":0,"unpaired_side":"N","significant_imbalance":"~"}',
  '{"ts_recv":"1633353910208124734","hd":{"ts_event":"1633353910208114778","rtype":20,"publisher_id":2,"instrument_id":9439},"ref_price":"229990000000","auction_time":"0","cont_book_clr_price":"0","auct_interest_clr_price":"0","ssr_filling_price":"0","ind_match_price":"0","upper_collar":"0","lower_collar":"0","paired_qty":1719,"total_imbalance_qty":281,"market_imbalance_qty":0,"unpaired_qty":0,"auction_type":"O","side":"B","auction_status":0,"freeze_status":0,"num_extensions":0,"unpaired_side":"N","significant_imbalance":"~"}',
].map(flat);

const STATUS = [
  '{"ts_recv":"1609113600000000000","hd":{"ts_event":"1609110000000000000","rtype":18,"publisher_id":1,"instrument_id":5482},"action":7,"reason":1,"trading_event":0,"is_trading":"Y","is_quoting":"Y","is_short_sell_restricted":"~"}',
  '{"ts_recv":"1609190100007055917","hd":{"ts_event":"1609190100000000000","rtype":18,"publisher_id":1,"instrument_id":5482},"action":1,"reason":1,"trading_event":0,"is_trading":"N","is_quoting":"Y","is_short_sell_restricted":"~"}',
  '{"ts_recv":"1609190970068184258","hd":{"ts_event":"1609190970000000000","rtype":18,"publisher_id":1,"instrument_id":5482},"action":1,"reason":1,"trading_event":1,"is_trading":"N","is_quoting":"Y","is_short_sell_restricted":"~"}',
  '{"ts_recv":"1609191000007282029","hd":{"ts_event":"1609191000000000000","rtype":18,"publisher_id":1,"instrument_id":5482},"action":6,"reason":1,"trading_event":0,"is_trading":"Y","is_quoting":"Y","is_short_sell_restricted":"~"}',
].map(flat);

/** MSFT on XNAS.ITCH (an equity, instrument class K): Databento's two definition records in version 2. */
const DEFINITION_V2 = [
  { instrument_id: 6819, ts_event: '1633331241618018154', ts_recv: '1633331241618029519' },
  { instrument_id: 6830, ts_event: '1633417621703109854', ts_recv: '1633417621703120931' },
].map((r) => ({
  publisher_id: 2, ...r,
  min_price_increment: UNDEF_PX, display_factor: '100000000000000', expiration: UNDEF_TS, activation: UNDEF_TS, high_limit_price: UNDEF_PX,
  low_limit_price: UNDEF_PX, max_price_variation: UNDEF_PX, trading_reference_price: UNDEF_PX, unit_of_measure_qty: UNDEF_PX,
  min_price_increment_amount: UNDEF_PX, price_ratio: UNDEF_PX, strike_price: UNDEF_PX, inst_attrib_value: 2147483647, underlying_id: 0,
  raw_instrument_id: 2147483647, market_depth_implied: 2147483647, market_depth: 2147483647, market_segment_id: 4294967295, max_trade_vol: 4294967295,
  min_lot_size: 2147483647, min_lot_size_block: 2147483647, min_lot_size_round_lot: 100, min_trade_vol: 4294967295, contract_multiplier: 2147483647,
  decay_quantity: 2147483647, original_contract_size: 2147483647, trading_reference_date: 65535, appl_id: 32767, maturity_year: 65535,
  decay_start_date: 65535, channel_id: 0, currency: '', settl_currency: '', secsubtype: 'Z ', raw_symbol: 'MSFT', group: 'pxnas-1', exchange: 'XNAS',
  asset: '', cfi: '', security_type: '', unit_of_measure: '', underlying: '', strike_price_currency: '', instrument_class: 'K', match_algorithm: 'F',
  md_security_trading_status: 78, main_fraction: 255, price_display_format: 255, settl_price_type: 255, sub_fraction: 255, underlying_product: 255,
  security_update_action: 'A', maturity_month: 255, maturity_day: 255, maturity_week: 255, user_defined_instrument: 'N', contract_multiplier_unit: 127,
  flow_schedule_type: 127, tick_rule: 255,
}));

/** Databento's upgrade of a version 2 definition to version 3. */
function upgradedDefinition(v2: Record<string, string | number>): Record<string, string | number> {
  const { trading_reference_price: _p, trading_reference_date: _d, md_security_trading_status: _s, settl_price_type: _t, ...kept } = v2;
  return {
    ...kept,
    raw_instrument_id: String(v2.raw_instrument_id),
    leg_price: UNDEF_PX, leg_delta: UNDEF_PX, leg_instrument_id: 0, leg_ratio_price_numerator: 0, leg_ratio_price_denominator: 0,
    leg_ratio_qty_numerator: 0, leg_ratio_qty_denominator: 0, leg_underlying_id: 0, leg_count: 0, leg_index: 0, leg_raw_symbol: '',
    leg_instrument_class: '', leg_side: 'N',
  };
}

describe('DBN reference schemas, every field against Databento’s own output', () => {
  it('definition, versions 1, 2 and 3: the three layouts give the same instruments', () => {
    for (const [bytes, expected] of [
      [fixture('test_data.definition.v1.dbn.zst'), DEFINITION_V2.map((r) => r as Record<string, string | number>)],
      [fixture('test_data.definition.v2.dbn.zst'), DEFINITION_V2],
      [shared('test_data.definition.v3.dbn.zst'), DEFINITION_V2.map(upgradedDefinition)],
    ] as const) {
      const f = decodeDbnReference(bytes, 'definition');
      const r = f.records!;
      expect([r.schema, r.rows]).toEqual(['definition', 2]);
      expectRecord(r, 0, expected[0]!);
      expectRecord(r, 1, expected[1]!);
    }
  });

  it('statistics, versions 1, 2 and 3: quantity widened to 64 bits in version 3, undefined stays undefined', () => {
    const v3 = STATISTICS.map((r) => ({ ...r, quantity: '9223372036854775807' }));
    for (const [bytes, expected] of [
      [fixture('test_data.statistics.v1.dbn.zst'), STATISTICS],
      [fixture('test_data.statistics.v2.dbn.zst'), STATISTICS],
      [shared('test_data.statistics.v3.dbn.zst'), v3],
    ] as const) {
      const r = decodeDbnReference(bytes, 'statistics').records!;
      expect([r.schema, r.rows]).toEqual(['statistics', 2]);
      expected.forEach((e, i) => expectRecord(r, i, e));
    }
  });

  it('status, versions 2 and 3', () => {
    for (const bytes of [fixture('test_data.status.v2.dbn.zst'), shared('test_data.status.v3.dbn.zst')]) {
      const r = decodeDbnReference(bytes, 'status').records!;
      expect([r.schema, r.rows]).toEqual(['status', 4]);
      STATUS.forEach((e, i) => expectRecord(r, i, e));
    }
  });

  it('imbalance, versions 1 and 3', () => {
    for (const bytes of [fixture('test_data.imbalance.v1.dbn.zst'), shared('test_data.imbalance.v3.dbn.zst')]) {
      const f = decodeDbnReference(bytes, 'imbalance');
      expect([f.records!.schema, f.records!.rows]).toEqual(['imbalance', 2]);
      IMBALANCE.forEach((e, i) => expectRecord(f.records!, i, e));
    }
  });

  it('refuses order-book records, a mix, a record of another version’s length, and truncation, naming the byte', () => {
    expect(() => decodeDbnReference(shared('test_data.mbp-1.v3.dbn.zst'), 'book.dbn')).toThrow(/unsupported record type 0x1; the reference decoder reads definition/);
    const plain = decompress(shared('test_data.statistics.v3.dbn.zst'));
    const bodyAt = 8 + new DataView(plain.buffer, plain.byteOffset).getUint32(4, true);
    const mixed = plain.slice();
    mixed[bodyAt + 80 + 1] = 0x12;
    expect(() => decodeDbnReference(mixed, 'mixed.dbn')).toThrow(new RegExp(`mixes record types 0x18 and 0x12 \\(at byte ${bodyAt + 80}\\)`));
    // A version 2 statistics record (64 bytes) in a version 3 file.
    const short = plain.slice();
    short[bodyAt] = 16;
    expect(() => decodeDbnReference(short, 'short.dbn')).toThrow(/statistics record \(version 3\) is 64 bytes long where its layout has 80/);
    expect(() => decodeDbnReference(plain.subarray(0, plain.length - 8), 'cut.dbn')).toThrow(DbnError);
    expect(() => decodeDbnReference(plain.subarray(0, bodyAt + 10), 'cut.dbn')).toThrow(/truncated record header \(10 bytes left of 16\)/);
  });
});
