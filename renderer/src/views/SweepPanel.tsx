import { useState } from 'react';
import { DateRangeFields } from '../DateField';
import { STRATEGIES } from '../../../core/common/backtest/strategies';
import type { SweepResult } from '../../../core/common/backtest/sweep';
import { TIMEFRAMES, type Timeframe } from '../../../core/common/timeframes';
import type { JobInfo } from '../../../core/common/jobs/types';
import { submitWith } from '../forms';
import { usePanelJob } from '../hooks';
import { JobStatus } from '../JobFollower';
import { WalkForwardView } from './WalkForwardView';

/** Numbers from a comma-separated list, or an error naming the field. */
function values(field: string, text: string): number[] {
  const xs = text.split(',').map((x) => x.trim()).filter(Boolean).map(Number);
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x))) throw new Error(`${field}: expected numbers separated by commas, got "${text}"`);
  return xs;
}

/** One number, or an error naming the field. */
function one(field: string, text: string): number {
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x)) throw new Error(`${field}: expected a number, got "${text}"`);
  return x;
}

/** Red (worst) to green (best) for a value within [lo, hi]. */
const heat = (x: number, lo: number, hi: number): string => {
  const f = hi > lo ? (x - lo) / (hi - lo) : 0.5;
  return `hsl(${Math.round(120 * f)}, 60%, 80%)`;
};

/** A parameter sweep of ibs or rsi2 over two parameters, shown as a heat-map of Sharpe; optionally walked forward, out of sample against in sample. */
export function SweepPanel({ jobs }: { jobs: JobInfo[] }) {
  const [strategy, setStrategy] = useState('ibs');
  const [symbol, setSymbol] = useState('ES');
  const [timeframe, setTimeframe] = useState<Timeframe>('1d');
  const def = STRATEGIES.get(strategy)!;
  const [rows, setRows] = useState(strategy === 'ibs' ? '0.1,0.2,0.3' : '5,10,20');
  const [cols, setCols] = useState(strategy === 'ibs' ? '0.6,0.7,0.8,0.9' : '50,60,70,80');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [commission, setCommission] = useState('2.5');
  const [slippage, setSlippage] = useState('1');
  const [walk, setWalk] = useState(false);
  const [inSample, setInSample] = useState('250');
  const [outOfSample, setOutOfSample] = useState('60');
  const [anchored, setAnchored] = useState(false);
  const { start, job, result, error } = usePanelJob<SweepResult>(jobs);
  const sweep = (): Promise<void> =>
    start(() => ({
      kind: 'sweep',
      strategy,
      symbols: [symbol.trim().toUpperCase()],
      timeframe,
      grid: { entry_below: values('entry_below', rows), exit_above: values('exit_above', cols) },
      commission: one('commission', commission),
      slippageTicks: one('slippage', slippage),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(walk ? { walkForward: { inSample: one('in-sample bars', inSample), outOfSample: one('out-of-sample bars', outOfSample), anchored } } : {}),
    }));
  const sharpe = result?.points.map((p) => p.metrics.sharpe) ?? [];
  const [lo, hi] = [Math.min(...sharpe), Math.max(...sharpe)];
  const ys = result?.grid.entry_below ?? [];
  const xs = result?.grid.exit_above ?? [];
  return (
    <section className="sweep-panel" data-testid="sweep-panel">
      <h3>Parameter sweep</h3>
      <form className="toolbar" onSubmit={submitWith(sweep)}>
        <label>
          Strategy
          <select
            value={strategy}
            onChange={(e) => {
              setStrategy(e.target.value);
              setRows(e.target.value === 'ibs' ? '0.1,0.2,0.3' : '5,10,20');
              setCols(e.target.value === 'ibs' ? '0.6,0.7,0.8,0.9' : '50,60,70,80');
            }}
            data-testid="sweep-strategy"
          >
            <option value="ibs">ibs</option>
            <option value="rsi2">rsi2</option>
          </select>
        </label>
        <label>
          Symbol <input value={symbol} onChange={(e) => setSymbol(e.target.value)} size={6} data-testid="sweep-symbol" />
        </label>
        <label>
          Timeframe
          <select value={timeframe} onChange={(e) => setTimeframe(e.target.value as Timeframe)}>
            {TIMEFRAMES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label title={def.params.find((p) => p.name === 'entry_below')?.description}>
          entry_below <input value={rows} onChange={(e) => setRows(e.target.value)} data-testid="sweep-rows" />
        </label>
        <label title={def.params.find((p) => p.name === 'exit_above')?.description}>
          exit_above <input value={cols} onChange={(e) => setCols(e.target.value)} data-testid="sweep-cols" />
        </label>
        <DateRangeFields from={from} to={to} onFrom={setFrom} onTo={setTo} testIdPrefix="sweep" labels={['from', 'to']} />
        <label>
          commission <input className="narrow" value={commission} onChange={(e) => setCommission(e.target.value)} data-testid="sweep-commission" />
        </label>
        <label>
          slippage (ticks) <input className="narrow" value={slippage} onChange={(e) => setSlippage(e.target.value)} data-testid="sweep-slippage" />
        </label>
        <label title="each in-sample window's best parameters trade the next out-of-sample window; the out-of-sample windows are chained">
          <input type="checkbox" checked={walk} onChange={(e) => setWalk(e.target.checked)} data-testid="sweep-walk-forward" /> walk-forward
        </label>
        {walk && (
          <>
            <label>
              in-sample bars <input className="narrow" value={inSample} onChange={(e) => setInSample(e.target.value)} data-testid="sweep-in-sample" />
            </label>
            <label>
              out-of-sample bars <input className="narrow" value={outOfSample} onChange={(e) => setOutOfSample(e.target.value)} data-testid="sweep-out-of-sample" />
            </label>
            <label title="every in-sample window starts at the first bar (expanding) instead of rolling">
              <input type="checkbox" checked={anchored} onChange={(e) => setAnchored(e.target.checked)} data-testid="sweep-anchored" /> anchored
            </label>
          </>
        )}
        <button type="submit" className="primary" data-testid="sweep-start">
          Sweep
        </button>
        <JobStatus job={job} />
      </form>
      {error && (
        <p className="error" role="alert" data-testid="sweep-error">
          {error}
        </p>
      )}
      {result && (
        <>
          <p className="muted" data-testid="sweep-summary">
            {job?.summary}
          </p>
          <table className="grid heatmap" data-testid="sweep-heatmap">
            <thead>
              <tr>
                <th>entry_below ↓ · exit_above →</th>
                {xs.map((x) => (
                  <th key={x}>{x}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {ys.map((y) => (
                <tr key={y}>
                  <th>{y}</th>
                  {xs.map((x) => {
                    const p = result.points.find((q) => q.params.entry_below === y && q.params.exit_above === x)!;
                    return (
                      <td key={x} style={{ background: heat(p.metrics.sharpe, lo, hi) }} title={`${p.metrics.trades} trades, return ${(p.metrics.total_return * 100).toFixed(2)}%`} data-testid="sweep-cell">
                        {p.metrics.sharpe.toFixed(2)}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          {result.walkForward && <WalkForwardView wf={result.walkForward} keys={Object.keys(result.grid)} intraday={timeframe !== '1d' && timeframe !== '1w'} />}
        </>
      )}
    </section>
  );
}
