import fs from 'node:fs';
import path from 'node:path';
import { copyBar, createEngine, inTimeOrder, type SymbolData } from '../../common/backtest/engine';
import { bySymbol, createStrategy } from '../../common/backtest/strategies';
import type { Strategy } from '../../common/backtest/strategy';
import { ApiError } from '../../common/errors';
import { parseFeatureList } from '../../common/features/registry';
import type { FeatureBar, FeatureSeries } from '../../common/features/types';
import type { Timeframe } from '../../common/timeframes';
import { gate as riskGate, type TradingState } from '../../common/trading/risk';
import type { Bars, PaperSummary, PortfolioRun } from '../../common/types';
import { contractOf, engineConfig, type RunTerms } from '../backtest/run-backtest';
import type { Catalog } from '../catalog';
import { calendarFor } from '../calendar';
import { sessionSeries } from '../features/silver-build';
import type { HomeLayout } from '../home';
import { readBars } from '../lake/bar-reader';
import type { DuckDBConnection } from '@duckdb/node-api';

type Ctx = { home: HomeLayout; catalog: Catalog; con: DuckDBConnection };

/** A portfolio config: a stored search's by id (lake/gold/portfolios/<id>/portfolio.json), or a .json/.yml file. */
export function loadPortfolio(home: HomeLayout, ref: string): PortfolioRun['config'] {
  const file = /\.(json|ya?ml)$/i.test(ref) ? path.resolve(ref) : path.join(home.lake, 'gold', 'portfolios', ref, 'portfolio.json');
  if (!fs.existsSync(file)) throw new ApiError('invalid_argument', `no portfolio ${ref}: neither a file nor a stored portfolio (ids are the folders of lake/gold/portfolios; portfolio optimize makes them)`, 'portfolio');
  const text = fs.readFileSync(file, 'utf8');
  try {
    return JSON.parse(text) as PortfolioRun['config'];
  } catch (e) {
    throw new ApiError('invalid_argument', `${file}: not a portfolio config (${(e as Error).message})`, 'portfolio');
  }
}

/**
 * Replays a portfolio over stored bars through paper trading's path: each bar, as it arrives, goes
 * through the streaming feature kernels (not the batch path a backtest uses), the instruments'
 * strategies, the risk gate under the given trading state and the portfolio's limits, and the
 * engine's broker (the backtester's fills, fees and slippage). The same period and config give the
 * backtest's trades.
 */
export async function paperReplay(ctx: Ctx, state: TradingState, ref: string, from: string, to: string): Promise<PaperSummary> {
  const portfolio = loadPortfolio(ctx.home, ref);
  const gated = portfolio.instruments.filter((i) => i.model);
  if (gated.length) throw new ApiError('invalid_argument', `${gated.map((i) => i.name).join(', ')} trade with a model; paper replay does not run models yet, so replay ungated instruments only`, 'portfolio');
  const timeframes = [...new Set(portfolio.instruments.map((i) => i.timeframe))];
  if (timeframes.length !== 1) throw new ApiError('invalid_argument', `a paper session trades one timeframe; the portfolio has ${timeframes.join(', ') || 'no instruments'}`, 'portfolio');
  const timeframe = timeframes[0] as Timeframe;
  const inputs: ReplayInput[] = [];
  for (const { symbol } of portfolio.instruments) {
    const bars = await readBars(ctx.con, ctx.catalog, ctx.home.lake, { symbol, timeframe, from, to });
    if (bars.t.length === 0) throw new ApiError('invalid_argument', `no ${timeframe} bars for ${symbol} between ${from} and ${to}`, 'from');
    inputs.push({ bars, sessions: sessionSeries(bars, calendarFor(ctx.catalog, symbol)) });
  }
  const r = replaySeries(portfolio, inputs, state);
  return { portfolio: ref, from, to, ...r };
}

/** One symbol's bars for a replay, with their sessions (the calendar facts the kernels read). */
export interface ReplayInput {
  bars: Bars;
  sessions: Pick<FeatureSeries, 'day' | 'sessionStart' | 'monthEnd'>;
}

/**
 * The replay loop itself: bars of every symbol in time order, each one, as it arrives, through the
 * streaming kernels, the strategies, the risk gate (under `state` and the portfolio's limits) and
 * the engine's broker. What paper sessions run and the replay benchmark measures.
 */
export function replaySeries(portfolio: PortfolioRun['config'], inputs: ReplayInput[], state: TradingState): Omit<PaperSummary, 'portfolio' | 'from' | 'to'> {
  const strategies = new Map<string, Strategy>(portfolio.instruments.map((i) => [i.symbol, createStrategy(i.strategy, i.params)]));
  const strategy = bySymbol(strategies);
  const specs = strategy.features.length ? parseFeatureList(strategy.features) : [];
  const kernels = inputs.map(() => specs.map((f) => ({ f, kernel: f.def.stream(f.params) })));
  // The bars of the period, with room for their features, which the kernels fill as each arrives.
  const data: SymbolData[] = inputs.map(({ bars }) => {
    const features = new Map<string, Float64Array>();
    for (const f of specs) for (const name of f.outputs) features.set(name, new Float64Array(bars.t.length).fill(Number.NaN));
    return { symbol: bars.symbol, contract: contractOf(bars.symbol), t: bars.t, o: bars.o, h: bars.h, l: bars.l, c: bars.c, v: bars.v, features };
  });
  const limits = portfolio.riskLimits ?? {};
  const sizing = (portfolio.sizing ? { sizing: portfolio.sizing } : {}) as RunTerms;
  const cfg = { ...engineConfig({ timeframe: (portfolio.instruments[0]?.timeframe ?? '1d') as Timeframe, ...sizing }), maxPositions: portfolio.maxPositions };
  const engine = createEngine(strategy, data, cfg, (symbol, intent, qty, price, position) => {
    const decision = riskGate(state, { kind: 'submit', id: `${symbol}-${intent.reason}`, symbol, qty, price }, { positions: new Map([[symbol, position]]), working: new Map(), prices: new Map(), recentOrders: [] }, { ...(limits.maxPositionNotional !== undefined ? { maxOrderNotional: limits.maxPositionNotional } : {}) }, 0);
    return decision.ok ? null : decision.reason;
  });
  let barsFed = 0;
  const bar: FeatureBar = { t: 0, o: 0, h: 0, l: 0, c: 0, v: 0, day: 0, sessionStart: 0, monthEnd: false, partner: Number.NaN };
  inTimeOrder(
    data.map((d) => d.t),
    (k, i) => {
      // The bar arrives: the streaming kernels update, as they would from a live feed.
      const d = data[k]!;
      const s = inputs[k]!.sessions;
      copyBar(bar, d, i);
      bar.day = s.day[i]!;
      bar.sessionStart = s.sessionStart[i]!;
      bar.monthEnd = s.monthEnd[i] === 1;
      for (const { f, kernel } of kernels[k]!) {
        const out = kernel.update(bar);
        for (let j = 0; j < f.outputs.length; j++) d.features.get(f.outputs[j]!)![i] = out[j]!;
      }
      engine.step(k, i);
      barsFed++;
    },
    (t) => engine.mark(t),
  );
  engine.finish(data.map((d) => d.t.length - 1));
  const r = engine.result();
  return {
    bars: barsFed,
    orders: r.orders,
    denials: r.denied.map((x) => ({ t: x.t, symbol: x.symbol, reason: x.reason })),
    trades: r.trades,
    netPnl: r.trades.reduce((a, x) => a + x.pnl - x.fees, 0),
    finalEquity: r.equity.value[r.equity.value.length - 1] ?? 0,
    state,
  };
}
