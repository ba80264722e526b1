import type { DuckDBConnection } from '@duckdb/node-api';
import type { ArgOf } from '../../common/api';
import { parseUtc } from '../../common/schemas';
import type { Catalog } from '../catalog';
import { optionsQa, readOptionChain } from './chain-reader';

/** The options domain's handlers: chains with IV, greeks and gamma exposure, and the same-contract QA check. */
export function optionsHandlers(ctx: { con: DuckDBConnection; catalog: Catalog; lake: string }) {
  return {
    'options.chain': async (a: ArgOf<'options.chain'>) => readOptionChain(ctx, { ...a, at: parseUtc(a.at) }),
    'options.qa': async (a: ArgOf<'options.qa'>) => optionsQa(ctx, a.symbol),
  };
}
