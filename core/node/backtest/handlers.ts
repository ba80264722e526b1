import type { Handlers, MethodsOf } from '../../common/api';
import type { ServiceContext } from '../service-context';
import { saveRunStrategy } from './run-backtest';
import { getBacktest, listBacktests, monteCarloOfRun } from './run-store';
import { listStrategyConfigs, resolveStrategyRef } from './strategy-configs';

/** Stored backtest runs, their strategies and Monte Carlo resampling. */
export function backtestHandlers(ctx: ServiceContext): Pick<Handlers, MethodsOf<'backtest'>> {
  const { home, catalog, con, db } = ctx;
  // Its own connection: a streamed read shares nothing with queries running beside it.
  const withOwnConnection = async <T>(read: (own: typeof con) => Promise<T>): Promise<T> => {
    const own = await db.connect();
    try {
      return await read(own);
    } finally {
      own.closeSync();
    }
  };
  return {
    'backtest.list': async () => listBacktests(catalog),
    'backtest.strategies': async () => listStrategyConfigs(home.root).map((name) => resolveStrategyRef(home.root, name)),
    'backtest.get': async (a) => withOwnConnection((own) => getBacktest({ home, catalog, con: own }, a.runId)),
    'backtest.saveStrategy': async (a) => {
      ctx.needJobs();
      return saveRunStrategy({ home, catalog, con }, a);
    },
    'backtest.monteCarlo': async (a) => withOwnConnection(async (own) => monteCarloOfRun(await getBacktest({ home, catalog, con: own }, a.runId), a)),
  };
}
