/**
 * The lake's tables of market events (beside `bars`; `book_1s`, the book's 1 Hz snapshots, is
 * derived), each a SQL view of the same name in the console. The options tables are partitioned by
 * their underlying contract (`underlying=`), the others by `symbol=`.
 */
export const TICK_TABLES = ['trades', 'quotes', 'book', 'book_1s', 'orders', 'definitions', 'statistics', 'status', 'imbalance', 'options_trades', 'options_quotes'] as const;

/** A bronze table of market events. */
export type TickTable = (typeof TICK_TABLES)[number];

/** The folder key a table's parts are partitioned by: the options tables by underlying contract, the rest by symbol. */
export function partitionKey(table: TickTable): 'symbol' | 'underlying' {
  return table === 'options_trades' || table === 'options_quotes' ? 'underlying' : 'symbol';
}
