/** The lake's tables of market events (beside `bars`; `book_1s`, the book's 1 Hz snapshots, is derived), each a SQL view of the same name in the console. */
export const TICK_TABLES = ['trades', 'quotes', 'book', 'book_1s', 'orders', 'definitions', 'statistics', 'status', 'imbalance'] as const;

/** A bronze table of market events. */
export type TickTable = (typeof TICK_TABLES)[number];
