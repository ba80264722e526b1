import { useState } from 'react';
import { DateRangeFields } from '../DateField';
import type { ApiError } from '../../../core/common/errors';
import type { JobInfo } from '../../../core/common/jobs/types';
import type { PaperSummary } from '../../../core/common/trading/types';
import type { TradingState } from '../../../core/common/trading/risk';
import { client } from '../api';
import { fmtTime } from '../format';
import { PortfolioList } from './PortfolioList';
import { submitWith } from '../forms';
import { useKillswitch, usePanelJob, useSessions } from '../hooks';
import { JobStatus } from '../JobFollower';
import { KillswitchHistory } from '../Killswitch';
import { PaperMonitor } from './PaperMonitor';
import { AlertList } from '../Alerts';


/** Paper trading: the killswitch as a large control (halt, halt and flatten, reduce, re-arm) with the open positions and its history, and replays of a portfolio through the paper path. */
export function PaperView({ jobs, sessionRequest }: { jobs: JobInfo[]; sessionRequest: number }) {
  const [status, setStatus] = useKillswitch();
  const [reason, setReason] = useState('');
  const [portfolio, setPortfolio] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const { start, job, result: r, error } = usePanelJob<PaperSummary>(jobs);
  const [ksError, setKsError] = useState<string | null>(null);
  const sessions = useSessions();
  const open = sessions.filter((x) => x.status === 'running' || x.status === 'paused').flatMap((x) => x.positions.filter((p) => p.qty !== 0).map((p) => ({ ...p, session: x.id })));

  // The reason stays in the field for the next action; an error shows next to the buttons that caused it.
  const setState = async (state: TradingState, flatten = false): Promise<void> => {
    setKsError(null);
    try {
      setStatus(await client.call('paper.killswitch.set', { state, reason, source: 'ui', ...(flatten ? { flatten: true } : {}) }));
    } catch (e) {
      setKsError((e as ApiError).message);
    }
  };
  const replay = (): Promise<void> => start(() => ({ kind: 'paper', portfolio, from, to }));
  const state = status?.state ?? 'active';
  return (
    <div className="paper-view">
      <section className={`killswitch-panel ${state}`} data-testid="paper-killswitch">
        <h2>Trading is {state}</h2>
        <input value={reason} onChange={(e) => setReason(e.target.value)} placeholder="Reason (kept in the audit log)" aria-label="Reason" data-testid="paper-reason" />
        <div className="actions">
          <button className="big halt" onClick={() => void setState('halted')} disabled={state === 'halted'} data-testid="paper-halt">
            HALT
          </button>
          <button className="big halt" onClick={() => void setState('halted', true)} data-testid="paper-halt-flatten">
            {state === 'halted' ? 'FLATTEN ALL' : 'HALT & FLATTEN'}
          </button>
          <button className="big" onClick={() => void setState('reducing')} disabled={state === 'reducing'} data-testid="paper-reduce">
            Reduce only
          </button>
          <button className="big" onClick={() => void setState('active')} disabled={state === 'active'} data-testid="paper-resume">
            Re-arm
          </button>
        </div>
        {ksError && (
          <p className="error" role="alert" data-testid="paper-ks-error">
            {ksError}
          </p>
        )}
        {state !== 'active' && (
          <div data-testid="paper-open-positions">
            <p className="muted">
              {state === 'halted' ? 'Halted: every order is refused, exits too; FLATTEN ALL closes what is open at the last price.' : 'Reducing: only orders that reduce a position go through.'}{' '}
              {open.length === 0 ? 'No open positions.' : `${open.length} open position${open.length > 1 ? 's' : ''}:`}
            </p>
            {open.length > 0 && (
              <table className="grid">
                <tbody>
                  {open.map((p) => (
                    <tr key={`${p.session}:${p.symbol}`}>
                      <td>{p.symbol}</td>
                      <td className="num">{p.qty > 0 ? `+${p.qty}` : p.qty}</td>
                      <td className="num">{p.unrealised.toFixed(2)}</td>
                      <td className="muted">{p.session}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        )}
        <KillswitchHistory history={status?.history ?? []} testId="paper-history" rows={8} />
      </section>
      <PaperMonitor focusRequest={sessionRequest} />
      <AlertList />
      <section>
        <h3>Replay a portfolio</h3>
        <form className="toolbar" onSubmit={submitWith(replay)}>
          <label>
            Portfolio <input value={portfolio} onChange={(e) => setPortfolio(e.target.value)} placeholder="stored id or file" list="replay-portfolios" data-testid="paper-portfolio" />
          </label>
          <PortfolioList id="replay-portfolios" />
          <DateRangeFields from={from} to={to} onFrom={setFrom} onTo={setTo} testIdPrefix="paper" />
          <button type="submit" className="primary" data-testid="paper-replay">
            Replay
          </button>
          <JobStatus job={job} />
        </form>
        {error && (
          <p className="error" role="alert" data-testid="paper-error">
            {error}
          </p>
        )}
        {r && (
          <div data-testid="paper-summary">
            <p>
              {r.bars.toLocaleString('en-US')} bars under {r.state} · {r.orders} orders · {r.denials.length} denied · {r.trades.length} trades · net P&amp;L {r.netPnl.toFixed(2)}
            </p>
            {r.denials.length > 0 && <p className="muted">First denial: {r.denials[0]!.symbol}: {r.denials[0]!.reason}</p>}
            <table className="grid" data-testid="paper-trades">
              <thead>
                <tr>
                  {['symbol', 'side', 'entry', 'price', 'exit', 'price', 'qty', 'net P&L'].map((h, i) => (
                    <th key={i}>{h}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {r.trades.slice(0, 200).map((t, i) => (
                  <tr key={i}>
                    <td>{t.symbol}</td>
                    <td>{t.side}</td>
                    <td>{fmtTime(t.entryTime)}</td>
                    <td>{t.entryPrice.toFixed(2)}</td>
                    <td>{fmtTime(t.exitTime)}</td>
                    <td>{t.exitPrice.toFixed(2)}</td>
                    <td>{t.qty}</td>
                    <td>{(t.pnl - t.fees).toFixed(2)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
