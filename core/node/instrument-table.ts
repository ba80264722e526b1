import { z } from 'zod';
import { ApiError } from '../common/errors';
import { DEMO_INSTRUMENTS, findInstrument, type ContractSpec } from '../common/instruments';
import { symbolSchema } from '../common/schemas';
import { type ContractTerms } from '../common/backtest/schemas';

/** The catalog setting that holds the margins a user set in place of the table's. */
const MARGINS_SETTING = 'instruments.margins';
const marginsSchema = z.record(symbolSchema, z.number().min(0).max(1e9));

type Settings = { getSetting(key: string): string | undefined; setSetting(key: string, value: string): void };

/** Maintenance margins the user set, by symbol; a setting that is not such a map is named. */
function userMargins(catalog: Settings): Record<string, number> {
  const raw = catalog.getSetting(MARGINS_SETTING);
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const m = marginsSchema.safeParse(parsed);
  if (!m.success) throw new ApiError('internal', `the catalog setting ${MARGINS_SETTING} is not a map of symbol to margin; set the margins again (quantdesk instruments margin SYMBOL --maintenance AMOUNT)`, 'symbol');
  return m.data;
}

/** The instrument table: each instrument's contract spec, with the maintenance margin the user set where they set one. */
export function instrumentTable(catalog: Settings): ContractSpec[] {
  const mine = userMargins(catalog);
  return DEMO_INSTRUMENTS.map(({ demo: _demo, ...spec }) => ({ ...spec, maintenanceMargin: mine[spec.symbol] ?? spec.maintenanceMargin }));
}

/** Sets an instrument's maintenance margin per contract (null: back to the table's); returns the table. */
export function setMaintenanceMargin(catalog: Settings, symbol: string, margin: number | null): ContractSpec[] {
  if (!findInstrument(symbol)) throw new ApiError('invalid_argument', `${symbol} is not in the instrument table (${DEMO_INSTRUMENTS.map((i) => i.symbol).join(', ')}); symbols outside it trade one unit with a cent tick and no margin`, 'symbol');
  const mine = userMargins(catalog);
  if (margin === null) delete mine[symbol];
  else mine[symbol] = margin;
  catalog.setSetting(MARGINS_SETTING, JSON.stringify(mine));
  return instrumentTable(catalog);
}

/** A symbol's contract terms: the instrument table's (with the user's margin), or one unit in USD with a cent tick and no margin for symbols it does not list. */
export function contractFor(catalog: Settings, symbol: string): ContractTerms {
  const spec = instrumentTable(catalog).find((i) => i.symbol === symbol);
  return spec ? { multiplier: spec.multiplier, tickSize: spec.tickSize, currency: spec.currency, maintenanceMargin: spec.maintenanceMargin } : { multiplier: 1, tickSize: 0.01, currency: 'USD', maintenanceMargin: 0 };
}
