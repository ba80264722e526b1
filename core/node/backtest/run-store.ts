import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { firstAtOrAfter } from '../../common/backtest/bar-walk';
import type { EngineResult, SymbolData, Trade } from '../../common/backtest/engine-types';
import type { Strategy } from '../../common/backtest/strategy';
import { dailyEquity, drawdown, returnsOf, wealth, type BacktestMetrics } from '../../common/backtest/metrics';
import { monteCarlo, type MonteCarloMethod, type MonteCarloResult } from '../../common/backtest/monte-carlo';
import { ApiError } from '../../common/errors';
import type { BacktestDetail, BacktestSummary, TradeColumns } from '../../common/backtest/types';
import type { Timeframe } from '../../common/timeframes';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { appendFloat64Columns, readFloat64Columns, sqlString } from '../lake/duck-columns';
import { writeJsonAtomically } from '../lake/publish';

/** What reading and storing runs needs: the home's paths, its catalog and a DuckDB connection. */
export type RunContext = { home: HomeLayout; catalog: Catalog; con: DuckDBConnection };

/** An id that sorts by creation time: UTC date and time to the second, then 8 random hex digits. */
export const timeSortableId = (): string => `${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}-${randomUUID().slice(0, 8)}`;

/** A value ready for JSON: numbers JSON cannot hold (Infinity, NaN) as strings, which `revive` reads back. */
export const jsonSafe = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));

/** What a finished run is stored from. */
export interface RunRecord {
  strategy: Strategy;
  params: Record<string, number>;
  symbols: string[];
  timeframe: Timeframe;
  model: string | null;
  threshold: number | null;
  config: Record<string, unknown>;
  data: SymbolData[];
  /** Bars before this only warmed the run. */
  tradeFrom: number;
  result: EngineResult;
  capital: number;
  metrics: BacktestMetrics;
  factors?: BacktestSummary['factors'];
}

/** Stores a finished run (run.json, equity and trades with the strategy's features at entry, a catalog row) and gives its summary. */
export async function recordRun(ctx: RunContext, r: RunRecord): Promise<BacktestSummary> {
  const { data, result, strategy } = r;
  const first = Math.min(...data.map((d) => d.t[firstAtOrAfter(d.t, r.tradeFrom)] ?? Number.POSITIVE_INFINITY));
  const last = Math.max(...data.map((d) => d.t[d.t.length - 1]!));
  const runId = timeSortableId();
  const summary: BacktestSummary = { runId, createdAt: Date.now(), strategy: strategy.name, params: r.params, symbols: r.symbols, timeframe: r.timeframe, from: first, to: last, model: r.model, threshold: r.threshold, metrics: r.metrics, ...(r.factors ? { factors: r.factors } : {}), ...(result.ruinedAt !== null ? { ruinedAt: result.ruinedAt } : {}) };
  const dd = drawdown(result.equity.t, wealth(result.equity.value), r.capital);
  const dataOf = (t: Trade): SymbolData => data.find((d) => d.symbol === t.symbol)!;
  const columns = strategy.features.length ? [...data[0]!.features.keys()] : [];
  const features = Object.fromEntries(columns.map((k) => [k, Float64Array.from(result.trades, (t) => dataOf(t).features.get(k)?.[t.signalBar] ?? Number.NaN)]));
  const detail: BacktestDetail = { ...summary, config: r.config, equity: { t: result.equity.t, value: result.equity.value, drawdown: dd.curve }, trades: tradeColumns(result.trades, features, (t) => dataOf(t).t[t.signalBar]!), skipped: { maxPositions: result.skippedForMaxPositions, size: result.skippedForSize } };
  await storeRun(ctx, detail);
  return summary;
}

/** Trades as columns (numbers as typed arrays), with the strategy's feature values at each entry's signal bar. */
function tradeColumns(trades: Trade[], features: Record<string, Float64Array>, signalTime: (t: Trade) => number): TradeColumns {
  const num = (f: (t: Trade) => number): Float64Array => Float64Array.from(trades, f);
  return {
    symbol: trades.map((t) => t.symbol),
    side: trades.map((t) => t.side),
    signalTime: num(signalTime),
    entryTime: num((t) => t.entryTime),
    entryPrice: num((t) => t.entryPrice),
    exitTime: num((t) => t.exitTime),
    exitPrice: num((t) => t.exitPrice),
    qty: num((t) => t.qty),
    fees: num((t) => t.fees),
    slippage: num((t) => t.slippage),
    pnl: num((t) => t.pnl),
    barsHeld: num((t) => t.barsHeld),
    mae: num((t) => t.mae),
    mfe: num((t) => t.mfe),
    entryReason: trades.map((t) => t.entryReason),
    exitReason: trades.map((t) => t.exitReason),
    features,
  };
}

/** A stored run's folder. */
export const runDir = (home: HomeLayout, runId: string): string => path.join(home.lake, 'gold', 'backtests', runId);

/** Trade columns as stored: the Parquet column name and the TradeColumns field, numbers only. */
const TRADE_NUMBERS = [
  ['signal_time', 'signalTime'],
  ['entry_time', 'entryTime'],
  ['entry_price', 'entryPrice'],
  ['exit_time', 'exitTime'],
  ['exit_price', 'exitPrice'],
  ['qty', 'qty'],
  ['fees', 'fees'],
  ['slippage', 'slippage'],
  ['pnl', 'pnl'],
  ['bars_held', 'barsHeld'],
  ['mae', 'mae'],
  ['mfe', 'mfe'],
] as const;

const TRADE_TEXT = [
  ['symbol', 'symbol'],
  ['side', 'side'],
  ['entry_reason', 'entryReason'],
  ['exit_reason', 'exitReason'],
] as const;

const TIMES = new Set(['signal_time', 'entry_time', 'exit_time']);

const quoteId = (s: string): string => `"${s.replaceAll('"', '""')}"`;

/** Writes equity.parquet and trades.parquet of a run into `dir` (times as TIMESTAMP, feature values as `feature_<column>`). */
async function writeRunParquet(con: DuckDBConnection, dir: string, d: BacktestDetail): Promise<void> {
  const id = d.runId.replaceAll('-', '_');
  await con.run(`CREATE TEMP TABLE eq_${id} (t DOUBLE, equity DOUBLE, drawdown DOUBLE)`);
  await con.run(`CREATE TEMP TABLE tr_${id} (${[...TRADE_TEXT.map(([c]) => `${c} VARCHAR`), ...TRADE_NUMBERS.map(([c]) => `${c} DOUBLE`), ...Object.keys(d.trades.features).map((f) => `${quoteId(`feature_${f}`)} DOUBLE`)].join(', ')})`);
  try {
    const eq = await con.createAppender(`eq_${id}`);
    appendFloat64Columns(eq, [d.equity.t, d.equity.value, d.equity.drawdown]);
    eq.closeSync();
    const tr = await con.createAppender(`tr_${id}`);
    const t = d.trades;
    const features = Object.values(t.features);
    for (let i = 0; i < t.symbol.length; i++) {
      for (const [, k] of TRADE_TEXT) tr.appendVarchar(t[k][i]!);
      for (const [, k] of TRADE_NUMBERS) tr.appendDouble(t[k][i]!);
      for (const f of features) tr.appendDouble(f[i]!);
      tr.endRow();
    }
    tr.closeSync();
    await con.run(`COPY (SELECT epoch_ms(t::BIGINT) AS ts, equity, drawdown FROM eq_${id} ORDER BY t) TO ${sqlString(path.join(dir, 'equity.parquet'))} (FORMAT parquet, COMPRESSION zstd)`);
    const cols = [...TRADE_TEXT.map(([c]) => c), ...TRADE_NUMBERS.map(([c]) => (TIMES.has(c) ? `epoch_ms(${c}::BIGINT) AS ${c}` : c)), ...Object.keys(t.features).map((f) => quoteId(`feature_${f}`))];
    await con.run(`COPY (SELECT ${cols.join(', ')} FROM tr_${id}) TO ${sqlString(path.join(dir, 'trades.parquet'))} (FORMAT parquet, COMPRESSION zstd)`);
  } finally {
    await con.run(`DROP TABLE IF EXISTS eq_${id}`);
    await con.run(`DROP TABLE IF EXISTS tr_${id}`);
  }
}

/** Writes a run's folder (run.json with the request and metrics, equity.parquet, trades.parquet; staged, then renamed into place) and its catalog row. */
async function storeRun(ctx: RunContext, d: BacktestDetail): Promise<void> {
  const staged = path.join(ctx.home.tmp, `backtest-${d.runId}`);
  fs.mkdirSync(staged, { recursive: true });
  writeJsonAtomically(path.join(staged, 'run.json'), jsonSafe({ ...d, equity: undefined, trades: undefined }), ctx.home.tmp);
  await writeRunParquet(ctx.con, staged, d);
  const final = runDir(ctx.home, d.runId);
  fs.mkdirSync(path.dirname(final), { recursive: true });
  fs.renameSync(staged, final);
  ctx.catalog.db
    .prepare('INSERT INTO backtests (id, created_at, strategy, symbols, timeframe, model, summary) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(d.runId, d.createdAt, d.strategy, JSON.stringify(d.symbols), d.timeframe, d.model, JSON.stringify(jsonSafe(summaryOf(d))));
}

const summaryOf = (d: BacktestSummary): BacktestSummary => ({ runId: d.runId, createdAt: d.createdAt, strategy: d.strategy, params: d.params, symbols: d.symbols, timeframe: d.timeframe, from: d.from, to: d.to, model: d.model, threshold: d.threshold, metrics: d.metrics, ...(d.factors ? { factors: d.factors } : {}), ...(d.ruinedAt !== undefined ? { ruinedAt: d.ruinedAt } : {}) });

/** Numbers written as strings (Infinity, NaN) back to numbers. */
const revive = (_: string, v: unknown): unknown => (v === 'Infinity' ? Number.POSITIVE_INFINITY : v === '-Infinity' ? Number.NEGATIVE_INFINITY : v === 'NaN' ? Number.NaN : v);

/** Every stored run, newest first. */
export function listBacktests(catalog: Catalog): BacktestSummary[] {
  return (catalog.db.prepare('SELECT summary FROM backtests ORDER BY created_at DESC').all() as { summary: string }[]).map((r) => JSON.parse(r.summary, revive) as BacktestSummary);
}

/** One stored run with its equity curve and trades (numbers as typed arrays). */
export async function getBacktest(ctx: RunContext, runId: string): Promise<BacktestDetail> {
  const row = ctx.catalog.db.prepare('SELECT summary FROM backtests WHERE id = ?').get(runId) as { summary: string } | undefined;
  if (!row) throw new ApiError('not_found', `no backtest run ${runId}; stored runs are the folders under lake/gold/backtests/`, 'runId');
  const dir = runDir(ctx.home, runId);
  const run = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'), revive) as BacktestDetail;
  const [t = new Float64Array(0), value = new Float64Array(0), drawdown = new Float64Array(0)] = await readFloat64Columns(ctx.con, `SELECT epoch_ms(ts)::DOUBLE, equity, drawdown FROM read_parquet(${sqlString(path.join(dir, 'equity.parquet'))}) ORDER BY ts`);
  const file = sqlString(path.join(dir, 'trades.parquet'));
  const names = (await ctx.con.runAndReadAll(`SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet(${file}))`)).getRowsJS().map((r) => String(r[0]));
  const featureCols = names.filter((n) => n.startsWith('feature_'));
  const numbers = await readFloat64Columns(ctx.con, `SELECT ${[...TRADE_NUMBERS.map(([c]) => (TIMES.has(c) ? `epoch_ms(${c})::DOUBLE` : c)), ...featureCols.map(quoteId)].join(', ')} FROM read_parquet(${file})`);
  const text = (await ctx.con.runAndReadAll(`SELECT ${TRADE_TEXT.map(([c]) => c).join(', ')} FROM read_parquet(${file})`)).getRowsJS() as string[][];
  const trades = {
    ...Object.fromEntries(TRADE_TEXT.map(([, k], j) => [k, text.map((r) => r[j]!)])),
    ...Object.fromEntries(TRADE_NUMBERS.map(([, k], j) => [k, numbers[j] ?? new Float64Array(0)])),
    features: Object.fromEntries(featureCols.map((c, j) => [c.slice('feature_'.length), numbers[TRADE_NUMBERS.length + j] ?? new Float64Array(0)])),
  } as unknown as TradeColumns;
  return { ...run, ...summaryOf(JSON.parse(row.summary, revive) as BacktestSummary), equity: { t, value, drawdown }, trades };
}

/** Simulated paths a Monte Carlo may walk at once (simulations × trades or days): about a tenth of a second. */
const MONTE_CARLO_STEPS = 20_000_000;

/** A Monte Carlo of a stored run (1,000 reshuffles of its trades unless asked otherwise, seed 1). */
export function monteCarloOfRun(d: BacktestDetail, o: { method?: MonteCarloMethod; simulations?: number; seed?: number; block?: number }): MonteCarloResult {
  const method = o.method ?? 'reshuffle';
  const n = o.simulations ?? 1000;
  const capital = Number((d.config as { capital?: number }).capital ?? (d.config as { engine?: { capital?: number } }).engine?.capital ?? 100_000);
  const order = Array.from(d.trades.exitTime.keys()).sort((x, y) => d.trades.exitTime[x]! - d.trades.exitTime[y]!);
  const tradeNet = Float64Array.from(order, (i) => d.trades.pnl[i]! - d.trades.fees[i]!);
  const daily = dailyEquity(d.equity.t, wealth(d.equity.value));
  const dailyReturns = returnsOf(daily.value, capital);
  const len = method === 'block' ? dailyReturns.length : tradeNet.length;
  if (n * len > MONTE_CARLO_STEPS) throw new ApiError('invalid_argument', `${n} simulations of ${len} ${method === 'block' ? 'days' : 'trades'} is more than ${MONTE_CARLO_STEPS.toLocaleString('en-US')} steps; ask for at most ${Math.floor(MONTE_CARLO_STEPS / len)}`, 'simulations');
  try {
    return monteCarlo({ tradeNet, dailyReturns, capital, years: Math.max(1 / 252, (d.to - d.from) / (365.25 * 86_400_000)) }, { method, n, seed: o.seed ?? 1, ...(o.block !== undefined ? { block: o.block } : {}) });
  } catch (e) {
    if (e instanceof RangeError) throw new ApiError('invalid_argument', `run ${d.runId}: ${e.message}`, 'runId');
    throw e;
  }
}

/** A run's trades as CSV (one row per trade, feature values at entry last). */
export function tradesCsv(d: BacktestDetail): string {
  const t = d.trades;
  const feats = Object.keys(t.features);
  const iso = (ms: number): string => new Date(ms).toISOString();
  const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const head = ['symbol', 'side', 'signal_time', 'entry_time', 'entry_price', 'exit_time', 'exit_price', 'qty', 'fees', 'slippage', 'pnl', 'net_pnl', 'bars_held', 'mae', 'mfe', 'entry_reason', 'exit_reason', ...feats];
  const rows = t.symbol.map((sym, i) =>
    [sym, t.side[i]!, iso(t.signalTime[i]!), iso(t.entryTime[i]!), t.entryPrice[i]!, iso(t.exitTime[i]!), t.exitPrice[i]!, t.qty[i]!, t.fees[i]!, t.slippage[i]!, t.pnl[i]!, t.pnl[i]! - t.fees[i]!, t.barsHeld[i]!, t.mae[i]!, t.mfe[i]!, quote(t.entryReason[i]!), quote(t.exitReason[i]!), ...feats.map((f) => t.features[f]![i]!)].join(','),
  );
  return `${[head.join(','), ...rows].join('\n')}\n`;
}

