/** The lake's bronze tables of market events (beside `bars`), each a SQL view of the same name in the console. */
export const TICK_TABLES = ['trades', 'quotes', 'book', 'orders', 'definitions', 'statistics', 'status', 'imbalance'] as const;

/** A bronze table of market events. */
export type TickTable = (typeof TICK_TABLES)[number];

/** What each table holds, for listings and help. */
export const TICK_TABLE_HELP: Record<TickTable, string> = {
  trades: 'trades (DBN trades)',
  quotes: 'top of book: MBP-1, TBBO, BBO, CMBP-1, TCBBO, CBBO',
  book: 'ten-level book updates (MBP-10)',
  orders: 'order-by-order events (MBO)',
  definitions: 'instrument definitions: class, expiration, strike, underlying, tick size, multiplier',
  statistics: 'exchange statistics: settlement, open interest, volume, …',
  status: 'trading status changes',
  imbalance: 'auction imbalance',
};

/** Whether a name is one of the bronze tick tables. */
export function isTickTable(name: string): name is TickTable {
  return (TICK_TABLES as readonly string[]).includes(name);
}
