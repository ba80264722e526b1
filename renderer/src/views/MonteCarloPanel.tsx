import { useEffect, useState } from 'react';
import { clickOnce } from '../forms';
import type { ApiError } from '../../../core/common/errors';
import type { MonteCarloMethod, MonteCarloResult, Percentiles } from '../../../core/common/backtest/monte-carlo';
import { client } from '../api';

const W = 560;
const H = 180;
const BINS = 30;

const money = (x: number): string => x.toLocaleString('en-US', { maximumFractionDigits: 0 });
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The equity fan: the 5–95% and 25–75% bands of every path's equity, and the median, over trades or days. */
function Fan({ r }: { r: MonteCarloResult }) {
  const n = r.fan.step.length;
  const top = Math.max(...r.fan.p95, 1);
  const x = (k: number): number => (n > 1 ? (k / (n - 1)) * W : W / 2);
  const y = (v: number): number => H - (v / top) * H;
  const line = (a: Float64Array): string => Array.from(a, (v, k) => `${x(k).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const band = (lo: Float64Array, hi: Float64Array): string => `${line(hi)} ${Array.from(lo, (v, k) => `${x(k).toFixed(1)},${y(v).toFixed(1)}`).reverse().join(' ')}`;
  return (
    <svg width={W} height={H} data-testid="mc-fan" role="img" aria-label="equity fan">
      <polygon points={band(r.fan.p5, r.fan.p95)} fill="rgba(41,98,255,0.15)" />
      <polygon points={band(r.fan.p25, r.fan.p75)} fill="rgba(41,98,255,0.3)" />
      <polyline points={line(r.fan.p50)} fill="none" stroke="#2962ff" strokeWidth={1.5} />
    </svg>
  );
}

/** How the simulations' final equity is spread. */
function Histogram({ finals }: { finals: Float64Array }) {
  const lo = Math.min(...finals);
  const hi = Math.max(...finals);
  const counts = new Array<number>(BINS).fill(0);
  for (const v of finals) counts[hi > lo ? Math.min(BINS - 1, Math.floor(((v - lo) / (hi - lo)) * BINS)) : 0]!++;
  const most = Math.max(...counts, 1);
  const w = W / BINS;
  return (
    <svg width={W} height={H / 2} data-testid="mc-histogram" role="img" aria-label="final equity histogram">
      {counts.map((c, k) => (
        <rect key={k} x={k * w + 1} width={w - 2} y={H / 2 - (c / most) * (H / 2)} height={(c / most) * (H / 2)} fill="#26a69a">
          <title>{`${money(lo + (k * (hi - lo)) / BINS)} – ${money(lo + ((k + 1) * (hi - lo)) / BINS)}: ${c}`}</title>
        </rect>
      ))}
    </svg>
  );
}

/** A run's Monte Carlo: resampled paths of its trades or daily returns, their percentiles, ruin odds, fan and histogram. */
export function MonteCarloPanel({ runId }: { runId: string }) {
  const [method, setMethod] = useState<MonteCarloMethod>('reshuffle');
  const [simulations, setSimulations] = useState('1000');
  const [result, setResult] = useState<MonteCarloResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setResult(null), [runId]);
  const run = async (): Promise<void> => {
    setError(null);
    try {
      setResult(await client.call('backtest.monteCarlo', { runId, method, simulations: Number(simulations), seed: 1 }));
    } catch (e) {
      setError((e as ApiError).message);
    }
  };
  const row = (name: string, q: Percentiles, f: (x: number) => string) => (
    <tr>
      <td>{name}</td>
      {(['p5', 'p25', 'p50', 'p75', 'p95'] as const).map((k) => (
        <td key={k} className="num">
          {f(q[k])}
        </td>
      ))}
    </tr>
  );
  return (
    <section data-testid="monte-carlo">
      <h4>Monte Carlo</h4>
      <div className="toolbar">
        <select value={method} onChange={(e) => setMethod(e.target.value as MonteCarloMethod)} aria-label="Method" data-testid="mc-method">
          <option value="reshuffle">reshuffle trades</option>
          <option value="resample">resample trades</option>
          <option value="block">block bootstrap of daily returns</option>
        </select>
        <input value={simulations} onChange={(e) => setSimulations(e.target.value)} aria-label="Simulations" data-testid="mc-simulations" />
        <button onClick={clickOnce(run)} data-testid="mc-run">
          Run
        </button>
        {error && (
          <span className="error" role="alert" data-testid="mc-error">
            {error}
          </span>
        )}
      </div>
      {result && (
        <>
          <p data-testid="mc-summary">
            {result.simulations.toLocaleString('en-US')} {result.method} paths (seed {result.seed}) · probability of ruin {pct(result.probabilityOfRuin)}
          </p>
          <table className="grid" data-testid="mc-table">
            <thead>
              <tr>
                <th />
                {['p5', 'p25', 'p50', 'p75', 'p95'].map((h) => (
                  <th key={h}>{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {row('final equity', result.finalEquity, money)}
              {row('max drawdown', result.maxDrawdown, pct)}
              {row('Sharpe', result.sharpe, (x) => x.toFixed(2))}
            </tbody>
          </table>
          <Fan r={result} />
          <Histogram finals={result.finals} />
        </>
      )}
    </section>
  );
}
