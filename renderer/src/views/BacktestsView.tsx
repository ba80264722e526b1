import { useEffect, useRef, useState } from 'react';
import { AreaSeries, LineSeries, type UTCTimestamp } from 'lightweight-charts';
import type { BacktestDetail, BacktestSummary } from '../../../core/common/backtest/types';
import type { JobInfo } from '../../../core/common/jobs/types';
import { client } from '../api';
import { fmtTime, runName } from '../format';
import { tradesCsv } from './trades-csv';
import type { ChartFocus } from './ChartView';
import { MonteCarloPanel } from './MonteCarloPanel';
import { PortfolioPanel } from './PortfolioPanel';
import { SaveStrategyForm } from './SaveStrategyForm';
import { SweepPanel } from './SweepPanel';
import { createThemedChart, fitWhenSized } from '../chart-theme';

const ROW_HEIGHT = 24;
const VIEW_ROWS = 14;

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : String(x));
const num = (x: number, d = 2): string => (Number.isFinite(x) ? x.toFixed(d) : String(x));
/** Profit factor: infinite (sent as null over JSON) when no trade lost. */
const pf = (m: { profit_factor: number | null; trades: number }): string => (m.profit_factor === null || m.profit_factor === Number.POSITIVE_INFINITY ? (m.trades > 0 ? '∞ (no losers)' : '–') : num(m.profit_factor));
const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Equity and drawdown of a run, one pane each, with one point per bar time. */
function EquityChart({ run }: { run: BacktestDetail }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const { api, remove } = createThemedChart(box.current, run.timeframe !== '1d' && run.timeframe !== '1w');
    const equity = api.addSeries(LineSeries, { color: '#4e9af1', lineWidth: 2, priceLineVisible: false });
    const dd = api.addSeries(AreaSeries, { lineColor: '#ef5350', topColor: 'rgba(239,83,80,0.05)', bottomColor: 'rgba(239,83,80,0.4)', priceFormat: { type: 'percent' }, priceLineVisible: false }, 1);
    const e = run.equity;
    const points = Array.from(e.t, (t, i) => ({ time: Math.floor(t / 1000) as UTCTimestamp, value: e.value[i]! }));
    equity.setData(points);
    dd.setData(Array.from(e.t, (t, i) => ({ time: Math.floor(t / 1000) as UTCTimestamp, value: -100 * e.drawdown[i]! })));
    api.panes()[0]?.setStretchFactor(3);
    api.panes()[1]?.setStretchFactor(1);
    const unfit = fitWhenSized(api, box.current);
    return () => {
      unfit();
      remove();
    };
  }, [run]);
  return <div className="equity-chart" ref={box} data-testid="backtest-equity" />;
}

const COMPARED: [keyof BacktestDetail['metrics'], string, (x: number, m: BacktestDetail['metrics']) => string][] = [
  ['total_return', 'total return', pct],
  ['annual_return', 'annual return', pct],
  ['annual_volatility', 'volatility', pct],
  ['sharpe', 'Sharpe', (x) => num(x)],
  ['sortino', 'Sortino', (x) => num(x)],
  ['max_drawdown', 'max drawdown', pct],
  ['trades', 'trades', (x) => String(x)],
  ['win_rate', 'win rate', pct],
  ['profit_factor', 'profit factor', (_, m) => pf(m)],
  ['exposure', 'exposure', pct],
];

/** Why a ruined run was ruined, from its ruin's exit reason: equity gone, or a margin call. */
function ruinOf(run: BacktestDetail): string {
  const reason = run.trades.exitReason.find((r) => r.startsWith('ruined: '));
  return reason ? reason.slice('ruined: '.length) : "the account's equity fell to zero";
}

/** The run's fill timing, sizing and position limit, as the request gave them (defaults otherwise). */
function describeConfig(c: Record<string, unknown>): string {
  const sizing = (c.sizing ?? { kind: 'fixed', contracts: 1 }) as Record<string, unknown>;
  const size = Object.entries(sizing)
    .filter(([k]) => k !== 'kind')
    .map(([k, v]) => `${k} ${String(v)}`)
    .join(', ');
  const max = Number(c.maxPositions ?? 0);
  return `fills at ${c.fillAt === 'close' ? 'the signal bar’s close' : 'the next open'} · sizing ${String(sizing.kind)} (${size}) · ${max > 0 ? `at most ${max} position${max === 1 ? '' : 's'}` : 'no position limit'} · commission ${String(c.commission ?? 0)} · slippage ${String(c.slippageTicks ?? 0)} ticks`;
}

/** Two runs side by side: their metrics, and their equity curves from a common 100. */
function CompareRuns({ a, b }: { a: BacktestDetail; b: BacktestDetail }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const { api, remove } = createThemedChart(box.current, false);
    [a, b].forEach((run, k) => {
      const line = api.addSeries(LineSeries, { color: k === 0 ? '#4e9af1' : '#f5a623', lineWidth: 2, priceLineVisible: false, title: runName(run) });
      const first = run.equity.value[0] ?? 1;
      line.setData(Array.from(run.equity.t, (t, i) => ({ time: Math.floor(t / 1000) as UTCTimestamp, value: (100 * run.equity.value[i]!) / first })));
    });
    const unfit = fitWhenSized(api, box.current);
    return () => {
      unfit();
      remove();
    };
  }, [a, b]);
  return (
    <section data-testid="backtest-compare">
      <h3>Comparison</h3>
      <table className="grid" data-testid="compare-runs-metrics">
        <thead>
          <tr>
            <th />
            <th title={a.runId}>{`${runName(a)} ${JSON.stringify(a.params)}`}</th>
            <th title={b.runId}>{`${runName(b)} ${JSON.stringify(b.params)}`}</th>
          </tr>
        </thead>
        <tbody>
          {COMPARED.map(([k, label, f]) => (
            <tr key={k}>
              <td>{label}</td>
              <td>{f(a.metrics[k] as number, a.metrics)}</td>
              <td>{f(b.metrics[k] as number, b.metrics)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="equity-chart" ref={box} data-testid="compare-equity" />
    </section>
  );
}

/** Saves text as a file the browser downloads. */
function downloadText(name: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
}

/** A run's trades, virtually scrolled; a click shows the trade on the price chart. */
function TradesTable({ run, onShow }: { run: BacktestDetail; onShow: (focus: ChartFocus) => void }) {
  const [top, setTop] = useState(0);
  const t = run.trades;
  const n = t.symbol.length;
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - 5);
  const last = Math.min(n, first + VIEW_ROWS + 10);
  const feats = Object.keys(t.features);
  const rows = [];
  for (let i = first; i < last; i++) {
    const net = t.pnl[i]! - t.fees[i]!;
    rows.push(
      <tr key={i} style={{ height: ROW_HEIGHT }} onClick={() => onShow({ runId: run.runId, symbol: t.symbol[i]!, timeframe: run.timeframe, entryTime: t.entryTime[i]!, exitTime: t.exitTime[i]! })} title="Show on the chart" data-testid="backtest-trade-row">
        <td>{t.symbol[i]}</td>
        <td>{t.side[i]}</td>
        <td>{fmtTime(t.entryTime[i]!)}</td>
        <td>{num(t.entryPrice[i]!)}</td>
        <td>{fmtTime(t.exitTime[i]!)}</td>
        <td>{num(t.exitPrice[i]!)}</td>
        <td>{t.qty[i]}</td>
        <td className={net >= 0 ? 'up' : 'down'}>{num(net)}</td>
        <td>{num(t.fees[i]!)}</td>
        <td>{t.barsHeld[i]}</td>
        <td>{num(t.mae[i]!)}</td>
        <td>{num(t.mfe[i]!)}</td>
        <td title={t.exitReason[i]}>{t.entryReason[i]}</td>
        {feats.map((f) => (
          <td key={f}>{num(t.features[f]![i]!, 3)}</td>
        ))}
      </tr>,
    );
  }
  return (
    <div className="sql-results" style={{ height: ROW_HEIGHT * (VIEW_ROWS + 1) }} onScroll={(e) => setTop(e.currentTarget.scrollTop)}>
      <table className="grid" data-testid="backtest-trades">
        <thead>
          <tr>
            {['symbol', 'side', 'entry', 'price', 'exit', 'price', 'qty', 'net P&L', 'fees', 'bars', 'MAE', 'MFE', 'reason', ...feats].map((h, i) => (
              <th key={i}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr style={{ height: first * ROW_HEIGHT }} />
          {rows}
          <tr style={{ height: Math.max(0, (n - last) * ROW_HEIGHT) }} />
        </tbody>
      </table>
    </div>
  );
}

/** Stored backtest runs: a list, and for the chosen run its metrics, equity and drawdown, and trades. */
/** Job kinds whose success stores backtest runs. */
const RUN_KINDS = new Set(['backtest', 'portfolio', 'filter']);

export function BacktestsView({ selected, onSelect, dataVersion, onNew, onShowTrade, jobs }: { selected: string | null; onSelect: (runId: string) => void; dataVersion: number; onNew: () => void; onShowTrade: (focus: ChartFocus) => void; jobs: JobInfo[] }) {
  const [runs, setRuns] = useState<BacktestSummary[]>([]);
  const [run, setRun] = useState<BacktestDetail | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const [pair, setPair] = useState<[BacktestDetail, BacktestDetail] | null>(null);
  const [error, setError] = useState<string | null>(null);

  // Every job that stores a run (a backtest, a portfolio's joint run, a filter's pair) refreshes the list, the comparison's choices and the portfolio picker.
  const runsStored = jobs.filter((j) => j.status === 'succeeded' && RUN_KINDS.has(j.kind)).length;
  useEffect(() => {
    void client.call('backtest.list', {}).then(setRuns);
  }, [dataVersion, selected, runsStored]);
  useEffect(() => {
    const id = selected ?? runs[0]?.runId;
    if (!id) return setRun(null);
    // A newer choice wins over an answer still on its way.
    let current = true;
    client.call('backtest.get', { runId: id }).then(
      (r) => current && setRun(r),
      (e: Error) => current && setError(e.message),
    );
    return () => {
      current = false;
    };
  }, [selected, runs]);

  useEffect(() => {
    if (picked.length !== 2) return setPair(null);
    let current = true;
    void Promise.all(picked.map((runId) => client.call('backtest.get', { runId }))).then(([a, b]) => current && setPair([a!, b!]));
    return () => {
      current = false;
    };
  }, [picked]);
  // Two at most: a third choice replaces the older one.
  const pick = (runId: string, on: boolean): void => setPicked((cur) => (on ? [...cur.filter((x) => x !== runId), runId].slice(-2) : cur.filter((x) => x !== runId)));

  const m = run?.metrics;
  return (
    <div className="backtests-view">
      <div className="toolbar">
        <button className="primary" onClick={onNew} data-testid="backtest-new">
          New backtest…
        </button>
        <span className="muted">{runs.length} runs</span>
      </div>
      {error && <div className="error">{error}</div>}
      <table className="grid" data-testid="backtest-runs">
        <thead>
          <tr>
            {['compare', 'run', 'strategy', 'symbols', 'tf', 'from', 'to', 'trades', 'return', 'Sharpe', 'max DD'].map((h) => (
              <th key={h}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.runId} className={r.runId === run?.runId ? 'selected' : undefined} onClick={() => onSelect(r.runId)} data-testid="backtest-run-row">
              <td onClick={(e) => e.stopPropagation()}>
                <input type="checkbox" checked={picked.includes(r.runId)} onChange={(e) => pick(r.runId, e.target.checked)} aria-label={`Compare ${r.runId}`} data-testid={`compare-${r.runId}`} />
              </td>
              <td>{r.runId}</td>
              <td>{r.strategy}</td>
              <td>{r.symbols.join(' ')}</td>
              <td>{r.timeframe}</td>
              <td>{day(r.from)}</td>
              <td>{day(r.to)}</td>
              <td>{r.metrics.trades}</td>
              <td>{pct(r.metrics.total_return)}</td>
              <td>{num(r.metrics.sharpe)}</td>
              <td>{pct(r.metrics.max_drawdown)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {pair && <CompareRuns a={pair[0]} b={pair[1]} />}
      {run && m && (
        <section className="backtest-detail" data-testid="backtest-detail">
          <h3>
            {run.strategy} · {run.symbols.join(' ')} · {run.timeframe} · {JSON.stringify(run.params)}
            {run.model && ` · gated by ${run.model} at ${run.threshold}`}
          </h3>
          {run.ruinedAt !== undefined && (
            <p className="error" data-testid="backtest-ruined">
              RUINED on {new Date(run.ruinedAt).toISOString().slice(0, 10)}: {ruinOf(run)}; everything open was closed at that bar's close and nothing more was traded.
            </p>
          )}
          <p className="muted" data-testid="backtest-config">{describeConfig(run.config)}</p>
          <table className="grid metrics" data-testid="backtest-metrics">
            <tbody>
              <tr>
                <td>total return</td>
                <td data-testid="metric-total-return">{pct(m.total_return)}</td>
                <td>annual return</td>
                <td>{pct(m.annual_return)}</td>
                <td>volatility</td>
                <td>{pct(m.annual_volatility)}</td>
                <td>Sharpe</td>
                <td>{num(m.sharpe)}</td>
              </tr>
              <tr>
                <td>Sortino</td>
                <td>{num(m.sortino)}</td>
                <td>Calmar</td>
                <td>{num(m.calmar)}</td>
                <td>max drawdown</td>
                <td>{pct(m.max_drawdown)}</td>
                <td>longest drawdown</td>
                <td>{m.max_drawdown_days} days</td>
              </tr>
              <tr>
                <td>VaR 95%</td>
                <td>{pct(m.var_95)}</td>
                <td>CVaR 95%</td>
                <td>{pct(m.cvar_95)}</td>
                <td>trades</td>
                <td data-testid="metric-trades">{m.trades}</td>
                <td>win rate</td>
                <td>{pct(m.win_rate)}</td>
              </tr>
              <tr>
                <td>profit factor</td>
                <td>{pf(m)}</td>
                <td>expectancy</td>
                <td>{num(m.expectancy)}</td>
                <td>exposure</td>
                <td>{pct(m.exposure)}</td>
                <td>turnover</td>
                <td>{num(m.turnover)}×/yr</td>
              </tr>
              {m.beta !== undefined && (
                <tr>
                  <td>alpha</td>
                  <td>{pct(m.alpha ?? 0)}</td>
                  <td>beta</td>
                  <td>{num(m.beta)}</td>
                  <td>information ratio</td>
                  <td>{num(m.information_ratio ?? 0)}</td>
                  <td>fees</td>
                  <td>{num(m.fees)}</td>
                </tr>
              )}
            </tbody>
          </table>
          {run.factors && (
            <p className="muted" data-testid="backtest-factors">
              Factors ({run.factors.n} days{run.factors.excessOfRf ? ', in excess of RF' : ''}): alpha {pct(run.factors.alpha)}/yr (t {num(run.factors.alphaT)}) ·{' '}
              {Object.entries(run.factors.betas)
                .map(([k, b]) => `${k} ${num(b.beta, 3)} (t ${num(b.t)})`)
                .join(' · ')}{' '}
              · R² {num(run.factors.r2, 3)}
            </p>
          )}
          {!('portfolio' in run.config) && <SaveStrategyForm key={run.runId} runId={run.runId} suggested={`${run.strategy.replace(/\+ml$/, '')}-${run.symbols.join('-').toLowerCase()}-${run.timeframe}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 64)} />}
          <EquityChart run={run} />
          <MonteCarloPanel runId={run.runId} />
          <div className="toolbar">
            <h3>Trades</h3>
            <button onClick={() => downloadText(`${run.runId}-trades.csv`, tradesCsv(run.trades))} disabled={run.trades.symbol.length === 0} data-testid="backtest-trades-csv">
              Download CSV
            </button>
          </div>
          <TradesTable run={run} onShow={onShowTrade} />
        </section>
      )}
      <SweepPanel jobs={jobs} />
      <PortfolioPanel runs={runs} jobs={jobs} onOpenRun={onSelect} />
    </div>
  );
}
