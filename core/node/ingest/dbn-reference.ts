import { inflateCap } from '../untrusted-files';
import { openDbn, price, scanRecords, symbolResolver, type DbnMetadata } from './dbn';

/**
 * DBN decoder for the reference schemas: instrument definitions (rtype 0x13), statistics (0x18),
 * trading status (0x12) and auction imbalance (0x14), from Databento's record layouts per version.
 * Definitions changed in each version (360, 400 and 520 bytes), statistics widened `quantity` to 64
 * bits in version 3 (64 then 80 bytes); status (40 bytes, versions 2 and 3) and imbalance (112 bytes)
 * kept theirs. Every field of the layout is decoded and named as Databento names it.
 */

/** How a field is stored: integers by width, `px` a fixed-point price (NaN when undefined), `c` a character, `sN` a C string of N bytes. */
type FieldType = 'u8' | 'i8' | 'u16' | 'i16' | 'u32' | 'i32' | 'u64' | 'i64' | 'px' | 'c' | `s${number}`;
type Field = readonly [name: string, type: FieldType, offset: number];

/** A decoded column: numbers in a typed array (u64/i64 exact as bigint), characters and strings as strings. */
export type DbnColumn = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | BigUint64Array | BigInt64Array | Float64Array | string[];

/** Records of one reference schema, a column per field. */
export interface DbnReference {
  schema: 'definition' | 'statistics' | 'status' | 'imbalance';
  /** Records decoded. */
  rows: number;
  /** Header columns first (`publisher_id`, `instrument_id`, `ts_event`), then the layout's fields. */
  columns: Record<string, DbnColumn>;
  /** Byte offset of each record in the decompressed file. */
  offset: Float64Array;
}

/** A decoded DBN file of one reference schema. */
export interface DbnReferenceFile {
  metadata: DbnMetadata;
  records: DbnReference | null;
  /** The raw symbol for an instrument id on a date (YYYYMMDD). */
  symbolFor(instrumentId: number, yyyymmdd: number): string | undefined;
}

const HEADER: Field[] = [
  ['publisher_id', 'u16', 2],
  ['instrument_id', 'u32', 4],
  ['ts_event', 'u64', 8],
];

/** Fields from `inst_attrib_value` on, which versions 1 and 2 share in kind but not in place. */
const DEFINITION_V1: Field[] = [
  ['ts_recv', 'u64', 16], ['min_price_increment', 'px', 24], ['display_factor', 'px', 32], ['expiration', 'u64', 40], ['activation', 'u64', 48],
  ['high_limit_price', 'px', 56], ['low_limit_price', 'px', 64], ['max_price_variation', 'px', 72], ['trading_reference_price', 'px', 80],
  ['unit_of_measure_qty', 'px', 88], ['min_price_increment_amount', 'px', 96], ['price_ratio', 'px', 104], ['inst_attrib_value', 'i32', 112],
  ['underlying_id', 'u32', 116], ['raw_instrument_id', 'u32', 120], ['market_depth_implied', 'i32', 124], ['market_depth', 'i32', 128],
  ['market_segment_id', 'u32', 132], ['max_trade_vol', 'u32', 136], ['min_lot_size', 'i32', 140], ['min_lot_size_block', 'i32', 144],
  ['min_lot_size_round_lot', 'i32', 148], ['min_trade_vol', 'u32', 152], ['contract_multiplier', 'i32', 160], ['decay_quantity', 'i32', 164],
  ['original_contract_size', 'i32', 168], ['trading_reference_date', 'u16', 176], ['appl_id', 'i16', 178], ['maturity_year', 'u16', 180],
  ['decay_start_date', 'u16', 182], ['channel_id', 'u16', 184], ['currency', 's4', 186], ['settl_currency', 's4', 190], ['secsubtype', 's6', 194],
  ['raw_symbol', 's22', 200], ['group', 's21', 222], ['exchange', 's5', 243], ['asset', 's7', 248], ['cfi', 's7', 255], ['security_type', 's7', 262],
  ['unit_of_measure', 's31', 269], ['underlying', 's21', 300], ['strike_price_currency', 's4', 321], ['instrument_class', 'c', 325],
  ['strike_price', 'px', 328], ['match_algorithm', 'c', 342], ['md_security_trading_status', 'u8', 343], ['main_fraction', 'u8', 344],
  ['price_display_format', 'u8', 345], ['settl_price_type', 'u8', 346], ['sub_fraction', 'u8', 347], ['underlying_product', 'u8', 348],
  ['security_update_action', 'c', 349], ['maturity_month', 'u8', 350], ['maturity_day', 'u8', 351], ['maturity_week', 'u8', 352],
  ['user_defined_instrument', 'c', 353], ['contract_multiplier_unit', 'i8', 354], ['flow_schedule_type', 'i8', 355], ['tick_rule', 'u8', 356],
];

const DEFINITION_V2: Field[] = [
  ['ts_recv', 'u64', 16], ['min_price_increment', 'px', 24], ['display_factor', 'px', 32], ['expiration', 'u64', 40], ['activation', 'u64', 48],
  ['high_limit_price', 'px', 56], ['low_limit_price', 'px', 64], ['max_price_variation', 'px', 72], ['trading_reference_price', 'px', 80],
  ['unit_of_measure_qty', 'px', 88], ['min_price_increment_amount', 'px', 96], ['price_ratio', 'px', 104], ['strike_price', 'px', 112],
  ['inst_attrib_value', 'i32', 120], ['underlying_id', 'u32', 124], ['raw_instrument_id', 'u32', 128], ['market_depth_implied', 'i32', 132],
  ['market_depth', 'i32', 136], ['market_segment_id', 'u32', 140], ['max_trade_vol', 'u32', 144], ['min_lot_size', 'i32', 148],
  ['min_lot_size_block', 'i32', 152], ['min_lot_size_round_lot', 'i32', 156], ['min_trade_vol', 'u32', 160], ['contract_multiplier', 'i32', 164],
  ['decay_quantity', 'i32', 168], ['original_contract_size', 'i32', 172], ['trading_reference_date', 'u16', 176], ['appl_id', 'i16', 178],
  ['maturity_year', 'u16', 180], ['decay_start_date', 'u16', 182], ['channel_id', 'u16', 184], ['currency', 's4', 186], ['settl_currency', 's4', 190],
  ['secsubtype', 's6', 194], ['raw_symbol', 's71', 200], ['group', 's21', 271], ['exchange', 's5', 292], ['asset', 's7', 297], ['cfi', 's7', 304],
  ['security_type', 's7', 311], ['unit_of_measure', 's31', 318], ['underlying', 's21', 349], ['strike_price_currency', 's4', 370],
  ['instrument_class', 'c', 374], ['match_algorithm', 'c', 375], ['md_security_trading_status', 'u8', 376], ['main_fraction', 'u8', 377],
  ['price_display_format', 'u8', 378], ['settl_price_type', 'u8', 379], ['sub_fraction', 'u8', 380], ['underlying_product', 'u8', 381],
  ['security_update_action', 'c', 382], ['maturity_month', 'u8', 383], ['maturity_day', 'u8', 384], ['maturity_week', 'u8', 385],
  ['user_defined_instrument', 'c', 386], ['contract_multiplier_unit', 'i8', 387], ['flow_schedule_type', 'i8', 388], ['tick_rule', 'u8', 389],
];

const DEFINITION_V3: Field[] = [
  ['ts_recv', 'u64', 16], ['min_price_increment', 'px', 24], ['display_factor', 'px', 32], ['expiration', 'u64', 40], ['activation', 'u64', 48],
  ['high_limit_price', 'px', 56], ['low_limit_price', 'px', 64], ['max_price_variation', 'px', 72], ['unit_of_measure_qty', 'px', 80],
  ['min_price_increment_amount', 'px', 88], ['price_ratio', 'px', 96], ['strike_price', 'px', 104], ['raw_instrument_id', 'u64', 112],
  ['leg_price', 'px', 120], ['leg_delta', 'px', 128], ['inst_attrib_value', 'i32', 136], ['underlying_id', 'u32', 140],
  ['market_depth_implied', 'i32', 144], ['market_depth', 'i32', 148], ['market_segment_id', 'u32', 152], ['max_trade_vol', 'u32', 156],
  ['min_lot_size', 'i32', 160], ['min_lot_size_block', 'i32', 164], ['min_lot_size_round_lot', 'i32', 168], ['min_trade_vol', 'u32', 172],
  ['contract_multiplier', 'i32', 176], ['decay_quantity', 'i32', 180], ['original_contract_size', 'i32', 184], ['leg_instrument_id', 'u32', 188],
  ['leg_ratio_price_numerator', 'i32', 192], ['leg_ratio_price_denominator', 'i32', 196], ['leg_ratio_qty_numerator', 'i32', 200],
  ['leg_ratio_qty_denominator', 'i32', 204], ['leg_underlying_id', 'u32', 208], ['appl_id', 'i16', 212], ['maturity_year', 'u16', 214],
  ['decay_start_date', 'u16', 216], ['channel_id', 'u16', 218], ['leg_count', 'u16', 220], ['leg_index', 'u16', 222], ['currency', 's4', 224],
  ['settl_currency', 's4', 228], ['secsubtype', 's6', 232], ['raw_symbol', 's71', 238], ['group', 's21', 309], ['exchange', 's5', 330],
  ['asset', 's11', 335], ['cfi', 's7', 346], ['security_type', 's7', 353], ['unit_of_measure', 's31', 360], ['underlying', 's21', 391],
  ['strike_price_currency', 's4', 412], ['leg_raw_symbol', 's71', 416], ['instrument_class', 'c', 487], ['match_algorithm', 'c', 488],
  ['main_fraction', 'u8', 489], ['price_display_format', 'u8', 490], ['sub_fraction', 'u8', 491], ['underlying_product', 'u8', 492],
  ['security_update_action', 'c', 493], ['maturity_month', 'u8', 494], ['maturity_day', 'u8', 495], ['maturity_week', 'u8', 496],
  ['user_defined_instrument', 'c', 497], ['contract_multiplier_unit', 'i8', 498], ['flow_schedule_type', 'i8', 499], ['tick_rule', 'u8', 500],
  ['leg_instrument_class', 'c', 501], ['leg_side', 'c', 502],
];

const STATISTICS_V1: Field[] = [
  ['ts_recv', 'u64', 16], ['ts_ref', 'u64', 24], ['price', 'px', 32], ['quantity', 'i32', 40], ['sequence', 'u32', 44], ['ts_in_delta', 'i32', 48],
  ['stat_type', 'u16', 52], ['channel_id', 'u16', 54], ['update_action', 'u8', 56], ['stat_flags', 'u8', 57],
];

const STATISTICS_V3: Field[] = [
  ['ts_recv', 'u64', 16], ['ts_ref', 'u64', 24], ['price', 'px', 32], ['quantity', 'i64', 40], ['sequence', 'u32', 48], ['ts_in_delta', 'i32', 52],
  ['stat_type', 'u16', 56], ['channel_id', 'u16', 58], ['update_action', 'u8', 60], ['stat_flags', 'u8', 61],
];

const STATUS: Field[] = [
  ['ts_recv', 'u64', 16], ['action', 'u16', 24], ['reason', 'u16', 26], ['trading_event', 'u16', 28], ['is_trading', 'c', 30], ['is_quoting', 'c', 31],
  ['is_short_sell_restricted', 'c', 32],
];

const IMBALANCE: Field[] = [
  ['ts_recv', 'u64', 16], ['ref_price', 'px', 24], ['auction_time', 'u64', 32], ['cont_book_clr_price', 'px', 40], ['auct_interest_clr_price', 'px', 48],
  ['ssr_filling_price', 'px', 56], ['ind_match_price', 'px', 64], ['upper_collar', 'px', 72], ['lower_collar', 'px', 80], ['paired_qty', 'u32', 88],
  ['total_imbalance_qty', 'u32', 92], ['market_imbalance_qty', 'u32', 96], ['unpaired_qty', 'u32', 100], ['auction_type', 'c', 104], ['side', 'c', 105],
  ['auction_status', 'u8', 106], ['freeze_status', 'u8', 107], ['num_extensions', 'u8', 108], ['unpaired_side', 'c', 109],
  ['significant_imbalance', 'c', 110],
];

type Layout = { schema: DbnReference['schema']; bytes: number; fields: Field[] };

/** The layout of a record type in a DBN version, or a sentence saying why there is none. */
function layoutOf(rtype: number, version: number): Layout | string {
  switch (rtype) {
    case 0x13:
      if (version === 1) return { schema: 'definition', bytes: 360, fields: DEFINITION_V1 };
      return version === 2 ? { schema: 'definition', bytes: 400, fields: DEFINITION_V2 } : { schema: 'definition', bytes: 520, fields: DEFINITION_V3 };
    case 0x18:
      return version < 3 ? { schema: 'statistics', bytes: 64, fields: STATISTICS_V1 } : { schema: 'statistics', bytes: 80, fields: STATISTICS_V3 };
    case 0x12:
      return version === 1 ? 'status records of DBN version 1 predate the published status layout; ask Databento for version 2 or 3' : { schema: 'status', bytes: 40, fields: STATUS };
    case 0x14:
      return { schema: 'imbalance', bytes: 112, fields: IMBALANCE };
    default:
      return `unsupported record type 0x${rtype.toString(16)}; the reference decoder reads definition, statistics, status and imbalance records`;
  }
}

function column(type: FieldType, n: number): DbnColumn {
  switch (type) {
    case 'u8': return new Uint8Array(n);
    case 'i8': return new Int8Array(n);
    case 'u16': return new Uint16Array(n);
    case 'i16': return new Int16Array(n);
    case 'u32': return new Uint32Array(n);
    case 'i32': return new Int32Array(n);
    case 'u64': return new BigUint64Array(n);
    case 'i64': return new BigInt64Array(n);
    case 'px': return new Float64Array(n);
    default: return new Array<string>(n);
  }
}

const latin1 = new TextDecoder('latin1');

/** A C string: up to its first NUL (or all N bytes when it fills them). */
function cString(bytes: Uint8Array, at: number, len: number): string {
  const raw = bytes.subarray(at, at + len);
  const end = raw.indexOf(0);
  return latin1.decode(end < 0 ? raw : raw.subarray(0, end));
}

function read(col: DbnColumn, type: FieldType, i: number, dv: DataView, bytes: Uint8Array, at: number): void {
  switch (type) {
    case 'u8': (col as Uint8Array)[i] = dv.getUint8(at); break;
    case 'i8': (col as Int8Array)[i] = dv.getInt8(at); break;
    case 'u16': (col as Uint16Array)[i] = dv.getUint16(at, true); break;
    case 'i16': (col as Int16Array)[i] = dv.getInt16(at, true); break;
    case 'u32': (col as Uint32Array)[i] = dv.getUint32(at, true); break;
    case 'i32': (col as Int32Array)[i] = dv.getInt32(at, true); break;
    case 'u64': (col as BigUint64Array)[i] = dv.getBigUint64(at, true); break;
    case 'i64': (col as BigInt64Array)[i] = dv.getBigInt64(at, true); break;
    case 'px': (col as Float64Array)[i] = price(dv.getUint32(at, true), dv.getInt32(at + 4, true)); break;
    case 'c': { const c = dv.getUint8(at); (col as string[])[i] = c === 0 ? '' : String.fromCharCode(c); break; }
    default: (col as string[])[i] = cString(bytes, at, Number(type.slice(1)));
  }
}

/** Decodes a DBN file of definition, statistics, status or imbalance records; other record types, a mix, or a record of the wrong length are refused by name. */
export function decodeDbnReference(input: Uint8Array, file: string, inflateLimit = inflateCap()): DbnReferenceFile {
  const { metadata, body, bodyStart } = openDbn(input, file, inflateLimit);
  const tsOut = metadata.tsOut ? 8 : 0;
  const found = scanRecords(body, bodyStart, file, metadata.tsOut, (rt) => layoutOf(rt, metadata.version), (rt) => `${(layoutOf(rt, metadata.version) as Layout).schema} record (version ${metadata.version})`);
  const symbolFor = symbolResolver(metadata);
  if (found === null) return { metadata, records: null, symbolFor };
  const { layout, n } = found;
  const fields = [...HEADER, ...layout.fields];
  const columns: Record<string, DbnColumn> = Object.create(null) as Record<string, DbnColumn>;
  for (const [name, type] of fields) columns[name] = column(type, n);
  const offset = new Float64Array(n);
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const step = layout.bytes + tsOut;
  for (let i = 0, at = 0; i < n; i++, at += step) {
    for (const [name, type, off] of fields) read(columns[name]!, type, i, dv, body, at + off);
    offset[i] = bodyStart + at;
  }
  return { metadata, records: { schema: layout.schema, rows: n, columns, offset }, symbolFor };
}
