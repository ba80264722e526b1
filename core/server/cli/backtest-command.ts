import path from 'node:path';
import type { ArgOf } from '../../common/api';
import type { BacktestSummary, PortfolioRun } from '../../common/backtest/types';
import { tradesCsv } from '../../node/backtest/run-store';
import type { FilterResult } from '../../node/backtest/trade-filter';
import type { SweepResult } from '../../common/backtest/sweep';
import fs from 'node:fs';
import { call, parse, table, UsageError, validate, withServices, type CliContext } from './cli-support';
import { fixed } from './cli-output';
import { jsonOption, numberOption, symbolList, walkForwardPlan } from './cli-options';

/** Each command backtestCommand answers, with its help as `quantdesk --help` lists it. */
export const BACKTEST_HELP: Readonly<Record<string, string>> = {
  strategies: `  strategies [save --run ID --name NAME [--overwrite]]
                              the strategy configs stored in the home (strategy, parameters, model,
                              terms); save stores a run's strategy with the terms it was backtested on`,
  instruments: `  instruments                 the instrument table: contract specs and maintenance margins
  instruments margin SYMBOL --maintenance AMOUNT | --reset
                              set a maintenance margin per contract (your broker's) or go back to the
                              table's; backtests and portfolios built afterwards are called and ruined by it`,
  backtest: `  backtest --strategy ibs|rsi2|macd_cross|breakout --symbols ES,NQ [--timeframe 1d] [--from D] [--to D]
         [--params '{"entry_below":0.2}'] [--model ID[@V]] [--commission 2.5] [--slippage-ticks 1]
         [--capital N] [--max-positions N] [--fill-at next_open|close] [--benchmark SYM]
         [--factors FILE.csv [--factors-fraction]]
                              backtest a strategy on stored bars; stores trades, equity and metrics;
                              --factors regresses its daily returns on a factor file (Fama-French
                              style, percent unless --factors-fraction)`,
  sweep: `  sweep --strategy ibs|rsi2 --symbols ES [--timeframe 1d] [--from D] [--to D] --grid '{"entry_below":[0.1,0.2,0.3]}'
        [--commission 2.5] [--slippage-ticks 1] [--contracts N] [--walk-forward IS,OOS[,anchored]]
                              every combination of the grid with the vectorised engine: metrics per
                              point, the best by Sharpe and its deflated Sharpe ratio; with
                              --walk-forward, in-sample windows of IS bars choose the parameters that
                              trade the next OOS bars, and the out-of-sample equity is stitched`,
  filter: `  filter train --strategy ibs --symbols ES,NQ --set NAME [--params JSON] [--commission 2.5] [--slippage-ticks 1]
                              per symbol: backtest the strategy on the set's timeframe, label its trades
                              (profitable after costs?), train a filter on the set's features at entry,
                              choose its threshold on validation, and backtest the test period with and
                              without it`,
  portfolio: `  portfolio optimize --runs ID,ID,… [--objective sharpe|cagr_over_maxdd] [--split D] [--max-positions 1,2,3]
         [--correlation-limit 0.8] [--max-drawdown 0.2] [--daily-loss N] [--max-position-notional N]
         [--max-orders-per-minute N]
                              greedy portfolio from backtest runs: add the instrument that most improves the
                              objective before the split, stop when none does; judged after the split;
                              the risk limits go into the portfolio config for the risk engine`,
  trades: `  trades --run ID --out trades.csv
                              a backtest run's trades as CSV, with the strategy's features at entry`,
  montecarlo: `  montecarlo --run ID [--method reshuffle|resample|block] [--simulations 1000] [--seed 1] [--block 5]
                              a run's trades reshuffled or resampled, or its daily returns block-
                              bootstrapped: percentiles of final equity, drawdown and Sharpe, ruin odds`,
};

/** `quantdesk` the strategy commands: strategies, instruments, backtests, sweeps, trade filters, portfolios, trades and Monte Carlo; returns the exit code. */
export async function backtestCommand(command: string, opts: string[], ctx: CliContext): Promise<number> {
  const { json, io, open, runJob } = ctx;
  switch (command) {
    case 'strategies': {
      const p = parse(opts, { run: { type: 'string' }, name: { type: 'string' }, overwrite: { type: 'boolean' } });
      const [sub, ...rest] = p.positionals;
      if (sub !== undefined && sub !== 'save') throw new UsageError(`strategies: unknown subcommand ${sub}; use strategies, or strategies save --run ID --name NAME`);
      if (rest.length) throw new UsageError(`strategies: unexpected argument ${rest[0]}`);
      const v = p.values as Record<string, string | boolean | undefined>;
      let arg: ArgOf<'backtest.saveStrategy'> | undefined;
      if (sub === 'save') {
        if (typeof v.run !== 'string' || typeof v.name !== 'string') throw new UsageError('strategies save: give --run ID and --name NAME');
        arg = { runId: v.run, name: v.name, ...(v.overwrite ? { overwrite: true } : {}) };
        validate('backtest.saveStrategy', arg, { runId: 'run' });
      } else if (v.run !== undefined || v.name !== undefined || v.overwrite) throw new UsageError('--run, --name and --overwrite go with strategies save');
      return withServices(open(arg === undefined), async (s) => {
        const configs = arg === undefined ? await call(s, 'backtest.strategies', {}) : [await call(s, 'backtest.saveStrategy', arg)];
        if (json) io.out(JSON.stringify(arg === undefined ? configs : configs[0]));
        else {
          const terms = (c: (typeof configs)[number]): string => (c.terms ? Object.entries(c.terms).map(([k, x]) => `${k} ${typeof x === 'object' ? JSON.stringify(x) : String(x)}`).join(', ') : 'defaults');
          if (arg) io.out(`saved strategies/${arg.name}.yml`);
          io.out(table([['name', 'strategy', 'params', 'model', 'terms'], ...configs.map((c) => [c.name, c.strategy, JSON.stringify(c.params ?? {}), c.model ? `${c.model}${c.threshold !== undefined ? ` ≥ ${c.threshold}` : ''}` : '', terms(c)])]));
        }
        return 0;
      });
    }
    case 'instruments': {
      const p = parse(opts, { maintenance: { type: 'string' }, reset: { type: 'boolean' } });
      const [sub, symbol, ...rest] = p.positionals;
      if (sub !== undefined && sub !== 'margin') throw new UsageError(`instruments: unknown subcommand ${sub}; use instruments, or instruments margin SYMBOL --maintenance AMOUNT`);
      if (rest.length) throw new UsageError(`instruments: unexpected argument ${rest[0]}`);
      let arg: ArgOf<'instruments.setMargin'> | undefined;
      if (sub === 'margin') {
        if (symbol === undefined) throw new UsageError('instruments margin: name the symbol, e.g. instruments margin ES --maintenance 14500');
        const amount = p.values.maintenance as string | undefined;
        if ((amount === undefined) === !p.values.reset) throw new UsageError('instruments margin: give --maintenance AMOUNT or --reset (one of them)');
        if (amount !== undefined && !/^\d+(\.\d+)?$/.test(amount)) throw new UsageError(`--maintenance: expected an amount in the contract's currency such as 14500, got ${amount}`);
        arg = { symbol, maintenanceMargin: amount === undefined ? null : Number(amount) };
        validate('instruments.setMargin', arg, { maintenanceMargin: 'maintenance' });
      } else if (p.values.maintenance !== undefined || p.values.reset) throw new UsageError('--maintenance and --reset go with instruments margin SYMBOL');
      return withServices(open(arg === undefined), async (s) => {
        const rows = arg === undefined ? await call(s, 'instruments.list', {}) : await call(s, 'instruments.setMargin', arg);
        if (json) io.out(JSON.stringify(rows.map(({ calendar, ...r }) => ({ ...r, calendar: calendar.id }))));
        else io.out(table([['symbol', 'name', 'multiplier', 'tick', 'currency', 'maintenance margin', 'calendar'], ...rows.map((r) => [r.symbol, r.name, String(r.multiplier), String(r.tickSize), r.currency, r.maintenanceMargin.toFixed(2), r.calendar.id])]));
        return 0;
      });
    }
    case 'backtest': {
      const p = parse(opts, {
        strategy: { type: 'string' },
        symbols: { type: 'string' },
        timeframe: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        params: { type: 'string' },
        model: { type: 'string' },
        commission: { type: 'string' },
        'slippage-ticks': { type: 'string' },
        capital: { type: 'string' },
        'max-positions': { type: 'string' },
        'fill-at': { type: 'string' },
        benchmark: { type: 'string' },
        factors: { type: 'string' },
        'factors-fraction': { type: 'boolean' },
      });
      const v = p.values as Record<string, string | undefined>;
      if (!v.strategy) throw new UsageError('backtest: --strategy NAME is required (ibs, rsi2, macd_cross, breakout)');
      if (!v.symbols) throw new UsageError('backtest: --symbols ES,NQ is required');
      const num = (k: string): number => numberOption(k, v[k]!);
      const params = v.params === undefined ? undefined : jsonOption('params', v.params, '{"entry_below":0.2}');
      const arg = {
        kind: 'backtest',
        strategy: v.strategy,
        symbols: symbolList(v.symbols),
        ...(v.timeframe ? { timeframe: v.timeframe } : {}),
        ...(v.from ? { from: v.from } : {}),
        ...(v.to ? { to: v.to } : {}),
        ...(params !== undefined ? { params } : {}),
        ...(v.model ? { model: v.model } : {}),
        ...(v.commission !== undefined ? { commission: num('commission') } : {}),
        ...(v['slippage-ticks'] !== undefined ? { slippageTicks: num('slippage-ticks') } : {}),
        ...(v.capital !== undefined ? { capital: num('capital') } : {}),
        ...(v['max-positions'] !== undefined ? { maxPositions: num('max-positions') } : {}),
        ...(v['fill-at'] ? { fillAt: v['fill-at'] } : {}),
        ...(v.benchmark ? { benchmark: v.benchmark.toUpperCase() } : {}),
        ...(v.factors ? { factors: { path: path.resolve(v.factors), percent: !(p.values as { 'factors-fraction'?: boolean })['factors-fraction'] } } : {}),
      } as ArgOf<'jobs.start'>;
      validate('jobs.start', arg, { slippageTicks: 'slippage-ticks', maxPositions: 'max-positions', fillAt: 'fill-at' });
      return await runJob(arg, 'backtest', (job) => {
        const r = job.result as BacktestSummary;
        const m = r.metrics;
        const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
        const fr = r.factors;
        const factorText = fr ? `\nfactors (${fr.n} days${fr.excessOfRf ? ', returns in excess of RF' : ''}): alpha ${pct(fr.alpha)}/yr (t ${fr.alphaT.toFixed(2)}), ${Object.entries(fr.betas).map(([k, b]) => `${k} ${b.beta.toFixed(3)} (t ${b.t.toFixed(2)})`).join(', ')}, R² ${fr.r2.toFixed(3)}` : '';
        return json
          ? { runId: r.runId, metrics: m, ...(fr ? { factors: fr } : {}), ...(r.ruinedAt !== undefined ? { ruinedAt: new Date(r.ruinedAt).toISOString() } : {}) }
          : `${job.summary}\nrun ${r.runId}\n${table([
              ['total return', 'annual', 'volatility', 'Sharpe', 'Sortino', 'max drawdown', 'trades', 'win rate', 'profit factor', 'expectancy'],
              [pct(m.total_return), pct(m.annual_return), pct(m.annual_volatility), m.sharpe.toFixed(2), m.sortino.toFixed(2), pct(m.max_drawdown), String(m.trades), pct(m.win_rate), Number.isFinite(m.profit_factor) ? m.profit_factor.toFixed(2) : m.trades > 0 ? '∞' : '–', m.expectancy.toFixed(2)],
            ])}${factorText}`;
      });
    }
    case 'sweep': {
      const p = parse(opts, { strategy: { type: 'string' }, symbols: { type: 'string' }, timeframe: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, grid: { type: 'string' }, commission: { type: 'string' }, 'slippage-ticks': { type: 'string' }, contracts: { type: 'string' }, 'walk-forward': { type: 'string' } });
      const v = p.values as Record<string, string | undefined>;
      if (!v.strategy) throw new UsageError('sweep: --strategy ibs|rsi2 is required');
      if (!v.symbols) throw new UsageError('sweep: --symbols ES is required');
      if (!v.grid) throw new UsageError(`sweep: --grid '{"entry_below":[0.1,0.2,0.3]}' is required`);
      const grid = jsonOption('grid', v.grid, '{"entry_below":[0.1,0.2,0.3]}');
      const num = (k: string): number => numberOption(k, v[k]!);
      const arg = {
        kind: 'sweep',
        strategy: v.strategy,
        symbols: symbolList(v.symbols),
        grid,
        ...(v.timeframe ? { timeframe: v.timeframe } : {}),
        ...(v.from ? { from: v.from } : {}),
        ...(v.to ? { to: v.to } : {}),
        ...(v.commission !== undefined ? { commission: num('commission') } : {}),
        ...(v['slippage-ticks'] !== undefined ? { slippageTicks: num('slippage-ticks') } : {}),
        ...(v.contracts !== undefined ? { contracts: num('contracts') } : {}),
        ...(v['walk-forward'] !== undefined ? { walkForward: walkForwardPlan(v['walk-forward']) } : {}),
      } as ArgOf<'jobs.start'>;
      validate('jobs.start', arg, { slippageTicks: 'slippage-ticks', walkForward: 'walk-forward' });
      return await runJob(arg, 'sweep', (job) => {
        const r = job.result as SweepResult;
        const f = (x: number): string => fixed(x, 3);
        const keys = Object.keys(r.grid);
        const wf = r.walkForward;
        const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
        const walk = wf
          ? `\nwalk-forward, out of sample: return ${f(wf.metrics.total_return)}, Sharpe ${f(wf.metrics.sharpe)}, max DD ${f(wf.metrics.max_drawdown)}, efficiency ${f(wf.efficiency)}\nin sample (best over the whole series, ${JSON.stringify(wf.hindsight.params)}), same span: return ${f(wf.hindsight.metrics.total_return)}, Sharpe ${f(wf.hindsight.metrics.sharpe)}\n${table([['out of sample', ...keys, 'IS Sharpe', 'OOS return', 'OOS Sharpe'], ...wf.windows.map((w) => [`${day(w.outOfSample.from)} – ${day(w.outOfSample.to)}`, ...keys.map((k) => String(w.params[k])), f(w.inSampleSharpe), f(w.result.total_return), f(w.result.sharpe)])])}`
          : '';
        return json
          ? r
          : `${job.summary}\n${table([[...keys, 'trades', 'return', 'Sharpe', 'max DD'], ...r.points.map((pt) => [...keys.map((k) => String(pt.params[k])), String(pt.metrics.trades), f(pt.metrics.total_return), f(pt.metrics.sharpe), f(pt.metrics.max_drawdown)])])}${walk}`;
      });
    }
    case 'filter': {
      const [sub, ...subOpts] = opts;
      if (sub !== 'train') throw new UsageError(`filter: expected \`filter train --strategy S --symbols ES --set NAME\`, got \`filter ${sub ?? ''}\``);
      const p = parse(subOpts, { strategy: { type: 'string' }, symbols: { type: 'string' }, set: { type: 'string' }, params: { type: 'string' }, commission: { type: 'string' }, 'slippage-ticks': { type: 'string' } });
      const v = p.values as Record<string, string | undefined>;
      for (const k of ['strategy', 'symbols', 'set']) if (!v[k]) throw new UsageError(`filter train: --${k} is required`);
      const params = v.params === undefined ? undefined : jsonOption('params', v.params, '{"entry_below":0.2}');
      const num = (k: string): number => numberOption(k, v[k]!);
      const arg = {
        kind: 'filter',
        strategy: v.strategy,
        symbols: symbolList(v.symbols!),
        set: v.set,
        ...(params !== undefined ? { params } : {}),
        ...(v.commission !== undefined ? { commission: num('commission') } : {}),
        ...(v['slippage-ticks'] !== undefined ? { slippageTicks: num('slippage-ticks') } : {}),
      } as ArgOf<'jobs.start'>;
      validate('jobs.start', arg, { slippageTicks: 'slippage-ticks' });
      return await runJob(arg, 'trade filter', (job) => {
        const r = job.result as FilterResult;
        const f = (x: number): string => fixed(x, 2);
        return json
          ? r
          : `${table([['symbol', 'filter', 'threshold', 'trades', 'test precision', 'test from', 'Sharpe', 'Sharpe gated', 'trades', 'trades gated'], ...r.symbols.map((x) => [x.symbol, x.model, x.threshold.toFixed(3), String(x.trades.total), f(x.metrics.test.precision), x.test.from, f(x.test.ungated.metrics.sharpe), f(x.test.gated.metrics.sharpe), String(x.test.ungated.metrics.trades), String(x.test.gated.metrics.trades)])])}`;
      });
    }
    case 'portfolio': {
      const [sub, ...subOpts] = opts;
      if (sub !== 'optimize') throw new UsageError(`portfolio: expected \`portfolio optimize --runs ID,ID\`, got \`portfolio ${sub ?? ''}\``);
      const p = parse(subOpts, { runs: { type: 'string' }, objective: { type: 'string' }, split: { type: 'string' }, 'max-positions': { type: 'string' }, 'correlation-limit': { type: 'string' }, 'max-drawdown': { type: 'string' }, 'daily-loss': { type: 'string' }, 'max-position-notional': { type: 'string' }, 'max-orders-per-minute': { type: 'string' } });
      const v = p.values as Record<string, string | undefined>;
      if (!v.runs) throw new UsageError('portfolio optimize: --runs ID,ID is required (backtest prints run ids)');
      const riskFlags = ['max-drawdown', 'daily-loss', 'max-position-notional', 'max-orders-per-minute'];
      const ints = (v['max-positions'] ?? '').split(',').filter(Boolean);
      if (ints.some((x) => !/^\d+$/.test(x.trim()))) throw new UsageError(`--max-positions: expected whole numbers such as 1,2,3, got ${v['max-positions']}`);
      const limit = v['correlation-limit'] === undefined ? undefined : numberOption('correlation-limit', v['correlation-limit']);
      const arg = {
        kind: 'portfolio',
        runs: v.runs.split(',').map((x) => x.trim()),
        ...(v.objective ? { objective: v.objective } : {}),
        ...(v.split ? { split: v.split } : {}),
        ...(ints.length ? { maxPositions: ints.map(Number) } : {}),
        ...(limit !== undefined ? { correlationLimit: limit } : {}),
        ...(riskFlags.some((k) => v[k] !== undefined)
          ? {
              riskLimits: Object.fromEntries(
                riskFlags.filter((k) => v[k] !== undefined).map((k) => [k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), numberOption(k, v[k]!)]),
              ),
            }
          : {}),
      } as ArgOf<'jobs.start'>;
      validate('jobs.start', arg, { maxPositions: 'max-positions', correlationLimit: 'correlation-limit', riskLimits: 'max-drawdown/--daily-loss/--max-position-notional/--max-orders-per-minute' });
      return await runJob(arg, 'portfolio search', (job) => {
        const r = job.result as PortfolioRun;
        const f = (x: number): string => fixed(x, 3);
        return json
          ? r
          : [
              job.summary,
              table([['step', 'added', `${r.result.objective} (train)`, 'test'], ...r.result.steps.map((s, i) => [String(i + 1), s.added, f(s.train), f(s.test)])]),
              ...(r.backtest
                ? [
                    `together on shared capital (run ${r.backtest.run.runId}): return ${f(r.backtest.run.metrics.total_return)}, Sharpe ${f(r.backtest.run.metrics.sharpe)}, max DD ${f(r.backtest.run.metrics.max_drawdown)}`,
                    table([['instrument', 'net P&L', 'P&L share', 'risk share'], ...r.backtest.instruments.map((i) => [i.name, i.netPnl.toFixed(2), f(i.pnlShare), f(i.riskShare)])]),
                  ]
                : []),
              ...(r.backtestSkipped ? [`no joint backtest: ${r.backtestSkipped}`] : []),
              `→ lake/gold/portfolios/${r.id}/portfolio.json`,
            ].join('\n');
      });
    }
    case 'trades': {
      const p = parse(opts, { run: { type: 'string' }, out: { type: 'string' } });
      const { run, out } = p.values as { run?: string; out?: string };
      if (!run) throw new UsageError('trades: --run ID is required (backtest prints it)');
      if (!out) throw new UsageError('trades: --out FILE.csv is required');
      validate('backtest.get', { runId: run }, { runId: 'run' });
      return withServices(open(true), async (s) => {
        const d = await call(s, 'backtest.get', { runId: run });
        fs.writeFileSync(out, tradesCsv(d));
        io.out(json ? JSON.stringify({ runId: d.runId, trades: d.trades.symbol.length, out: path.resolve(out) }) : `${d.trades.symbol.length} trades → ${path.resolve(out)}`);
        return 0;
      });
    }
    case 'montecarlo': {
      const p = parse(opts, { run: { type: 'string' }, method: { type: 'string' }, simulations: { type: 'string' }, seed: { type: 'string' }, block: { type: 'string' } });
      const v = p.values as Record<string, string | undefined>;
      if (!v.run) throw new UsageError('montecarlo: --run ID is required (backtest prints it)');
      for (const k of ['simulations', 'seed', 'block'] as const) if (v[k] !== undefined && !/^\d+$/.test(v[k]!)) throw new UsageError(`--${k}: expected a whole number, got ${v[k]}`);
      const arg = { runId: v.run, ...(v.method ? { method: v.method as 'reshuffle' } : {}), ...(v.simulations ? { simulations: Number(v.simulations) } : {}), ...(v.seed ? { seed: Number(v.seed) } : {}), ...(v.block ? { block: Number(v.block) } : {}) };
      validate('backtest.monteCarlo', arg, { runId: 'run' });
      return withServices(open(true), async (s) => {
        const r = await call(s, 'backtest.monteCarlo', arg);
        const { fan: _fan, finals: _finals, ...summary } = r;
        const row = (name: string, q: { p5: number; p25: number; p50: number; p75: number; p95: number }, f: (x: number) => string): string[] => [name, f(q.p5), f(q.p25), f(q.p50), f(q.p75), f(q.p95)];
        const money = (x: number): string => x.toFixed(2);
        const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
        io.out(
          json
            ? JSON.stringify(summary)
            : `${r.simulations} ${r.method} simulations (seed ${r.seed}${r.block ? `, blocks of ${r.block} days` : ''}) · probability of ruin ${pct(r.probabilityOfRuin)}\n${table([['', 'p5', 'p25', 'p50', 'p75', 'p95'], row('final equity', r.finalEquity, money), row('max drawdown', r.maxDrawdown, pct), row('Sharpe', r.sharpe, (x) => x.toFixed(2))])}`,
        );
        return 0;
      });
    }
  }
  throw new UsageError(`unknown command ${command}; run quantdesk --help`);
}
