/** The lake's bronze tables of market events (beside `bars`), each a SQL view of the same name in the console. */
export const TICK_TABLES = ['trades', 'quotes', 'book', 'orders', 'definitions', 'statistics', 'status', 'imbalance'] as const;

/** A bronze table of market events. */
export type TickTable = (typeof TICK_TABLES)[number];
