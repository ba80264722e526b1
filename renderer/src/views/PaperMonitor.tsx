import { useEffect, useRef, useState } from 'react';
import { DateRangeFields } from '../DateField';
import { clickOnce } from '../forms';
import { LineStyle, LineSeries, type UTCTimestamp } from 'lightweight-charts';
import type { ApiError } from '../../../core/common/errors';
import { client } from '../api';
import { createThemedChart } from '../chart-theme';
import { fmtTime } from '../format';
import { PortfolioList } from './PortfolioList';
import { submitWith } from '../forms';
import { useSessions } from '../hooks';

const money = (n: number): string => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

const CHART_POINTS = 4000;
const seconds = (c: { t: Float64Array; value: Float64Array }) => Array.from(c.t, (t, i) => ({ time: Math.floor(t / 1000) as UTCTimestamp, value: c.value[i]! }));

/** A session's equity against the backtest of the same bars (what it should track), refreshed while it runs. */
function SessionEquity({ session, running }: { session: string; running: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const { api, remove } = createThemedChart(box.current, true);
    const expected = api.addSeries(LineSeries, { color: '#9e9e9e', lineWidth: 1, lineStyle: LineStyle.Dashed, priceLineVisible: false, title: 'backtest' });
    const paper = api.addSeries(LineSeries, { color: '#4e9af1', lineWidth: 2, priceLineVisible: false, title: 'paper' });
    let fitted = false;
    let live = true;
    const load = async (): Promise<void> => {
      const d = await client.call('paper.session.get', { session, points: CHART_POINTS });
      // The session may have ended (and this chart been replaced) while the call was out.
      if (!live) return;
      if (d.expected) expected.setData(seconds(d.expected));
      paper.setData(seconds(d.equityCurve));
      if (!fitted && (d.equityCurve.t.length > 1 || d.expected)) {
        api.timeScale().fitContent();
        fitted = true;
      }
    };
    void load();
    const timer = running ? setInterval(() => void load(), 2000) : undefined;
    return () => {
      live = false;
      clearInterval(timer);
      remove();
    };
  }, [session, running]);
  return <div className="equity-chart" ref={box} data-testid="session-equity" />;
}

/** The monitor: start a paced replay or a live session; per session its equity against the backtest's, its positions, working orders, fills, P&L, denials and risk-limit usage, with pause, step, resume and stop. */
export function PaperMonitor({ focusRequest }: { focusRequest: number }) {
  const sessions = useSessions();
  const portfolioInput = useRef<HTMLInputElement>(null);
  // Trading → Start Paper Session… lands here, ready to type the portfolio.
  useEffect(() => {
    if (focusRequest > 0) portfolioInput.current?.focus();
  }, [focusRequest]);
  const [portfolio, setPortfolio] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [speed, setSpeed] = useState('max');
  const [feed, setFeed] = useState<'replay' | 'live'>('replay');
  const [url, setUrl] = useState('wss://socket.polygon.io/stocks');
  const [liveFeatures, setLiveFeatures] = useState('');
  const [sets, setSets] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  // The feature sets a live session may evaluate at every close (valid ones; the session checks the timeframe).
  useEffect(() => {
    if (feed !== 'live') return;
    let alive = true;
    void client.call('features.sets', {}).then((all) => {
      if (alive) setSets(all.filter((x) => x.error === null).map((x) => x.name));
    });
    return () => {
      alive = false;
    };
  }, [feed]);
  const act = async (f: () => Promise<unknown>): Promise<void> => {
    setError(null);
    try {
      await f();
    } catch (e) {
      setError((e as ApiError).message);
    }
  };
  const start = (): Promise<void> => act(() => client.call('paper.session.start', feed === 'live' ? { portfolio, live: url, ...(liveFeatures ? { features: liveFeatures } : {}) } : { portfolio, from, to, speed: speed === 'max' ? 'max' : Number(speed) }));
  const live = sessions.filter((s) => s.status === 'running' || s.status === 'paused');
  const shown = live.length ? live : sessions.slice(0, 1);
  return (
    <section data-testid="paper-monitor">
      <h3>Paper sessions</h3>
      <form className="toolbar" onSubmit={submitWith(start)}>
        <label>
          Portfolio
          <input ref={portfolioInput} value={portfolio} onChange={(e) => setPortfolio(e.target.value)} placeholder="stored id or file" list="session-portfolios" data-testid="session-portfolio" />
        </label>
        <PortfolioList id="session-portfolios" />
        <label>
          Feed
          <select value={feed} onChange={(e) => setFeed(e.target.value as 'replay' | 'live')} data-testid="session-feed">
            <option value="replay">replay from the lake</option>
            <option value="live">live feed (Polygon WebSocket, Databento dbn://)</option>
          </select>
        </label>
        {feed === 'live' ? (
          <>
            <label>
              Feed URL
              <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="wss://… or dbn://host:port/GLBX.MDP3" data-testid="session-url" size={36} />
            </label>
            <label>
              Evaluate
              <select value={liveFeatures} onChange={(e) => setLiveFeatures(e.target.value)} data-testid="session-features-set">
                <option value="">no feature set</option>
                {sets.map((name) => (
                  <option key={name} value={name}>
                    {name} at every close
                  </option>
                ))}
              </select>
            </label>
          </>
        ) : (
          <>
            <DateRangeFields from={from} to={to} onFrom={setFrom} onTo={setTo} testIdPrefix="session" />
            <label>
              Speed
              <select value={speed} onChange={(e) => setSpeed(e.target.value)} data-testid="session-speed">
                {['max', '1', '60', '3600', '86400'].map((v) => (
                  <option key={v} value={v}>
                    {v === 'max' ? 'as fast as possible' : `${v}× real time`}
                  </option>
                ))}
              </select>
            </label>
          </>
        )}
        <button type="submit" className="primary" data-testid="session-start">
          Start session
        </button>
      </form>
      {error && (
        <p className="error" role="alert" data-testid="session-error">
          {error}
        </p>
      )}
      {shown.map((s) => (
        <div key={s.id} className="session" data-testid="session">
          <p>
            <b>{s.id}</b> · {s.portfolio} · <span data-testid="session-status">{s.status}</span>
            {s.error ? ` (${s.error})` : ''} · {s.bars.toLocaleString('en-US')} bars{s.feedTime !== null ? ` to ${fmtTime(s.feedTime)}` : ''} · equity {money(s.equity)} · today {money(s.todayPnl)} · {s.orders} orders · {s.fills} fills · {s.denials} denied
          </p>
          {(s.status === 'running' || s.status === 'paused') && (
            <div className="toolbar">
              {s.status === 'running' ? <button onClick={clickOnce(() => act(() => client.call('paper.session.control', { session: s.id, action: 'pause' })))}>Pause</button> : <button onClick={clickOnce(() => act(() => client.call('paper.session.control', { session: s.id, action: 'resume' })))}>Resume</button>}
              <button onClick={clickOnce(() => act(() => client.call('paper.session.control', { session: s.id, action: 'step' })))} disabled={s.status !== 'paused'}>
                Step
              </button>
              <button onClick={clickOnce(() => act(() => client.call('paper.session.control', { session: s.id, action: 'stop' })))} data-testid="session-stop">
                Stop
              </button>
            </div>
          )}
          <SessionEquity session={s.id} running={s.status === 'running' || s.status === 'starting'} />
          <div className="limits" data-testid="session-limits">
            {s.limits.map((l) => (
              <label key={l.name}>
                {l.name} <meter min={0} max={l.limit} value={Math.min(l.used, l.limit)} high={l.limit * 0.8} /> {l.used.toFixed(2)} / {l.limit}
              </label>
            ))}
          </div>
          <table className="grid" data-testid="session-positions">
            <thead>
              <tr>
                {['symbol', 'qty', 'avg', 'last', 'unrealised'].map((h) => (
                  <th key={h}>{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {s.positions.map((p) => (
                <tr key={p.symbol}>
                  <td>{p.symbol}</td>
                  <td>{p.qty}</td>
                  <td>{p.avgPrice.toFixed(2)}</td>
                  <td>{p.last.toFixed(2)}</td>
                  <td>{money(p.unrealised)}</td>
                </tr>
              ))}
              {s.working.map((w) => (
                <tr key={`w${w.id}`} className="muted">
                  <td>{w.symbol}</td>
                  <td>{w.qty}</td>
                  <td colSpan={3}>
                    working {w.type} {w.action} ({w.reason})
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <table className="grid" data-testid="session-fills">
            <thead>
              <tr>
                {['time', 'symbol', 'qty', 'price', 'fee', 'reason'].map((h) => (
                  <th key={h}>{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {[...s.recentFills].reverse().slice(0, 10).map((f, i) => (
                <tr key={i}>
                  <td>{fmtTime(f.t)}</td>
                  <td>{f.symbol}</td>
                  <td>{f.qty}</td>
                  <td>{f.price.toFixed(2)}</td>
                  <td>{f.fee.toFixed(2)}</td>
                  <td>{f.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {s.models && s.models.length > 0 && (
            <table className="grid" data-testid="session-models">
              <thead>
                <tr>
                  {['instrument', 'model', 'predictions', 'resolved', 'last p', 'live accuracy', 'backtest accuracy', 'calibration (p → rate)', 'largest drift (PSI)'].map((h) => (
                    <th key={h}>{h}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {s.models.map((m) => {
                  const drift = m.psi.reduce<{ feature: string; value: number | null } | null>((a, x) => (x.value !== null && (a === null || x.value > a.value!) ? x : a), null);
                  const pct = (x: number | null): string => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
                  return (
                    <tr key={m.instrument}>
                      <td>{m.instrument}</td>
                      <td>{m.model}</td>
                      <td>{m.predictions}</td>
                      <td>{m.resolved}</td>
                      <td>{m.lastProbability === null ? '–' : m.lastProbability.toFixed(3)}</td>
                      <td>{pct(m.liveAccuracy)}</td>
                      <td>{pct(m.backtestAccuracy)}</td>
                      <td className="wrap">
                        {m.calibration
                          .filter((c) => c.n > 0)
                          .map((c) => `${c.meanP!.toFixed(2)}→${c.rate!.toFixed(2)}`)
                          .join(' ')}
                      </td>
                      <td className={drift && drift.value! > 0.25 ? 'error' : undefined}>{drift ? `${drift.feature} ${drift.value!.toFixed(3)}` : '–'}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {s.models
            ?.filter((m) => m.neighbours.length > 0)
            .map((m) => (
              <table className="grid" key={`nn-${m.instrument}`} data-testid="session-neighbours">
                <caption>
                  {m.instrument}: the {m.neighbours.length} past setups most like the bar of {fmtTime(m.lastT!)} (p {m.lastProbability!.toFixed(3)}), nearest first
                </caption>
                <thead>
                  <tr>
                    {['bar', 'symbol', 'outcome'].map((h) => (
                      <th key={h}>{h}</th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {m.neighbours.map((n, i) => (
                    <tr key={i}>
                      <td>{fmtTime(n.t)}</td>
                      <td>{n.symbol}</td>
                      <td>{n.outcome === 1 ? 'hit' : 'miss'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ))}
          {s.features && (
            <details data-testid="session-features">
              <summary>
                Live features ({s.features.set}): {s.features.rows} rows journaled{s.features.last ? `, the newest for ${s.features.last.symbol}'s bar of ${fmtTime(s.features.last.t)}` : ''}
              </summary>
              {s.features.last && (
                <table className="grid">
                  <tbody>
                    {Object.entries(s.features.last.values).map(([name, v]) => (
                      <tr key={name}>
                        <td>{name}</td>
                        <td>{v === null ? '–' : Number(v.toPrecision(6))}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </details>
          )}
          {s.recentDenials.length > 0 && <p className="muted">Last denial: {s.recentDenials.at(-1)!.symbol}: {s.recentDenials.at(-1)!.reason}</p>}
        </div>
      ))}
    </section>
  );
}
