import { useState } from 'react';
import { DateField } from '../DateField';
import { runName } from '../format';
import type { BacktestSummary, PortfolioRun } from '../../../core/common/backtest/types';
import type { JobInfo } from '../../../core/common/jobs/types';
import { submitWith } from '../forms';
import { usePanelJob } from '../hooks';
import { JobStatus } from '../JobFollower';

const f = (x: number, d = 3): string => (Number.isFinite(x) ? x.toFixed(d) : '–');
/** Blue (−1) through white (0) to red (+1) for a correlation. */
const shade = (c: number): string => (c >= 0 ? `rgba(239,83,80,${(0.6 * c).toFixed(2)})` : `rgba(78,154,241,${(-0.6 * c).toFixed(2)})`);

/** Greedy portfolio construction from chosen runs, and its report: the steps, the correlation heat-map and each instrument's contribution. */
export function PortfolioPanel({ runs, jobs, onOpenRun }: { runs: BacktestSummary[]; jobs: JobInfo[]; onOpenRun: (runId: string) => void }) {
  const [chosen, setChosen] = useState<string[]>([]);
  const [objective, setObjective] = useState<'sharpe' | 'cagr_over_maxdd'>('sharpe');
  const [split, setSplit] = useState('');
  const [maxPositions, setMaxPositions] = useState('');
  const [correlation, setCorrelation] = useState('');
  const { start, job, result: r, error } = usePanelJob<PortfolioRun>(jobs);
  const candidates = runs.filter((x) => x.strategy !== 'portfolio');
  const picked = candidates.filter((x) => chosen.includes(x.runId));
  const frames = [...new Set(picked.map((x) => x.timeframe))];
  const positions = maxPositions.trim() === '' ? [] : maxPositions.split(/[\s,]+/).filter(Boolean).map(Number);
  const badPositions = positions.some((n) => !Number.isInteger(n) || n < 1 || n > 1000);
  const corr = correlation.trim() === '' ? undefined : Number(correlation);
  const badCorr = corr !== undefined && !(corr >= -1 && corr <= 1);
  const refusal =
    frames.length > 1
      ? `The chosen runs are on different timeframes (${frames.join(', ')}); a portfolio combines runs of one timeframe.`
      : badPositions
        ? 'Max positions: whole numbers from 1 to 1000, separated by commas (each is tried; e.g. 1, 2, 3).'
        : badCorr
          ? 'Correlation limit: a number from −1 to 1 (e.g. 0.8 keeps out an instrument correlated above 0.8 with one already in).'
          : null;
  const optimise = (): Promise<void> =>
    start(() => ({ kind: 'portfolio', runs: chosen, objective, ...(split ? { split } : {}), ...(positions.length ? { maxPositions: positions } : {}), ...(corr !== undefined ? { correlationLimit: corr } : {}) }));
  return (
    <section className="portfolio-panel" data-testid="portfolio-panel">
      <h3>Portfolio</h3>
      <form className="toolbar wrap" onSubmit={submitWith(optimise)}>
        <label>
          Runs (each symbol of a run is a candidate)
          <select multiple size={Math.min(6, Math.max(2, candidates.length))} value={chosen} onChange={(e) => setChosen(Array.from(e.target.selectedOptions, (o) => o.value))} data-testid="portfolio-runs">
            {candidates.map((x) => (
              <option key={x.runId} value={x.runId}>
                {runName(x)} · {x.runId}
              </option>
            ))}
          </select>
        </label>
        <label>
          Objective
          <select value={objective} onChange={(e) => setObjective(e.target.value as 'sharpe' | 'cagr_over_maxdd')} data-testid="portfolio-objective">
            <option value="sharpe">Sharpe</option>
            <option value="cagr_over_maxdd">CAGR ÷ max drawdown</option>
          </select>
        </label>
        <label>
          Train/test split <DateField value={split} onChange={setSplit} testId="portfolio-split" />
        </label>
        <label>
          Max positions <input value={maxPositions} onChange={(e) => setMaxPositions(e.target.value)} placeholder="1, 2, 3 (all tried)" size={12} data-testid="portfolio-max-positions" />
        </label>
        <label>
          Correlation limit <input type="number" min={-1} max={1} step={0.05} value={correlation} onChange={(e) => setCorrelation(e.target.value)} placeholder="none" data-testid="portfolio-correlation-limit" />
        </label>
        <button type="submit" className="primary" disabled={chosen.length === 0 || refusal !== null} data-testid="portfolio-start">
          Optimise
        </button>
        <JobStatus job={job} />
      </form>
      {refusal && (
        <p className="error" role="alert" data-testid="portfolio-refusal">
          {refusal}
        </p>
      )}
      {runs.length > candidates.length && <p className="muted">Portfolio runs are not offered here: they are this panel's own results.</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {r && (
        <div data-testid="portfolio-report">
          <p className="muted">{job?.summary}</p>
          <table className="grid" data-testid="portfolio-steps">
            <thead>
              <tr>
                <th>step</th>
                <th>added</th>
                <th>{r.result.objective} (train)</th>
                <th>test</th>
              </tr>
            </thead>
            <tbody>
              {r.result.steps.map((s, i) => (
                <tr key={s.added}>
                  <td>{i + 1}</td>
                  <td>{s.added}</td>
                  <td>{f(s.train)}</td>
                  <td>{f(s.test)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {r.backtest && (
            <>
              <p>
                Together on shared capital, at most {r.result.maxPositions} positions:{' '}
                <button className="link" onClick={() => onOpenRun(r.backtest!.run.runId)} data-testid="portfolio-open-run">
                  run {r.backtest.run.runId}
                </button>{' '}
                · return {f(r.backtest.run.metrics.total_return * 100, 2)}% · Sharpe {f(r.backtest.run.metrics.sharpe, 2)}
              </p>
              <table className="grid" data-testid="portfolio-contributions">
                <thead>
                  <tr>
                    <th>instrument</th>
                    <th>net P&amp;L</th>
                    <th>P&amp;L share</th>
                    <th>risk share</th>
                    {r.backtest.instruments.map((i) => (
                      <th key={i.name}>{i.name}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {r.backtest.instruments.map((i, a) => (
                    <tr key={i.name}>
                      <td>{i.name}</td>
                      <td>{i.netPnl.toFixed(2)}</td>
                      <td>{f(i.pnlShare)}</td>
                      <td>{f(i.riskShare)}</td>
                      {r.backtest!.correlation[a]!.map((c, b) => (
                        <td key={b} style={{ background: shade(c) }} title="correlation of daily net P&L" data-testid="portfolio-correlation">
                          {c.toFixed(2)}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {r.backtestSkipped && <p className="muted">No joint backtest: {r.backtestSkipped}</p>}
        </div>
      )}
    </section>
  );
}
