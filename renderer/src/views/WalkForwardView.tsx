import { useEffect, useRef } from 'react';
import { fmtDay } from '../format';
import { LineSeries, type UTCTimestamp } from 'lightweight-charts';
import type { WalkForwardResult } from '../../../core/common/backtest/walk-forward-types';
import { createThemedChart, fitWhenSized } from '../chart-theme';

const pct = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(2)}%` : String(x));
const num = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : String(x));

/** The stitched out-of-sample equity (blue) against the in-sample hindsight choice over the same span (orange). */
function WalkForwardChart({ wf, intraday }: { wf: WalkForwardResult; intraday: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const { api, remove } = createThemedChart(box.current, intraday);
    const line = (c: { t: number[]; value: number[] }, color: string, title: string): void => {
      api.addSeries(LineSeries, { color, lineWidth: 2, priceLineVisible: false, title }).setData(c.t.map((t, i) => ({ time: Math.floor(t / 1000) as UTCTimestamp, value: c.value[i]! })));
    };
    line(wf.equity, '#4e9af1', 'out of sample (walk-forward)');
    line(wf.hindsight.equity, '#f5a623', 'in sample (best in hindsight)');
    const unfit = fitWhenSized(api, box.current);
    return () => {
      unfit();
      remove();
    };
  }, [wf, intraday]);
  return <div className="equity-chart" ref={box} data-testid="walk-forward-chart" />;
}

/** A walk-forward optimisation's outcome: its summary, out-of-sample against in-sample equity, and every window. */
export function WalkForwardView({ wf, keys, intraday }: { wf: WalkForwardResult; keys: string[]; intraday: boolean }) {
  return (
    <div data-testid="walk-forward">
      <p data-testid="walk-forward-summary">
        Walk-forward, out of sample: return {pct(wf.metrics.total_return)}, Sharpe {num(wf.metrics.sharpe)}, max drawdown {pct(wf.metrics.max_drawdown)} · in sample (best over the whole series, {JSON.stringify(wf.hindsight.params)}) over the same span: return {pct(wf.hindsight.metrics.total_return)}, Sharpe {num(wf.hindsight.metrics.sharpe)} · efficiency {num(wf.efficiency)}
      </p>
      <WalkForwardChart wf={wf} intraday={intraday} />
      <table className="grid" data-testid="walk-forward-windows">
        <thead>
          <tr>
            <th>in sample</th>
            <th>out of sample</th>
            {keys.map((k) => (
              <th key={k}>{k}</th>
            ))}
            <th>IS Sharpe</th>
            <th>IS annual return</th>
            <th>OOS return</th>
            <th>OOS Sharpe</th>
          </tr>
        </thead>
        <tbody>
          {wf.windows.map((w) => (
            <tr key={w.outOfSample.from}>
              <td>
                {fmtDay(w.inSample.from)} – {fmtDay(w.inSample.to)}
              </td>
              <td>
                {fmtDay(w.outOfSample.from)} – {fmtDay(w.outOfSample.to)}
              </td>
              {keys.map((k) => (
                <td key={k}>{w.params[k]}</td>
              ))}
              <td>{num(w.inSampleSharpe)}</td>
              <td>{pct(w.inSampleReturn)}</td>
              <td>{pct(w.result.total_return)}</td>
              <td>{num(w.result.sharpe)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
