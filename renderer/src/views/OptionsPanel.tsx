import { useEffect, useState } from 'react';
import type { ApiError } from '../../../core/common/errors';
import type { SolvedChain } from '../../../core/common/options/chain';
import type { OptionChainView } from '../../../core/common/options/types';
import { client } from '../api';

const num = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');

/** Strikes shown around the forward: the rest of a chain is far out of the money and mostly left out. */
const STRIKES_SHOWN = 12;

/** Dealer gamma exposure by strike, as horizontal bars (positive right, negative left), highest strike on top like a price axis; the forward dashed. */
function GexProfile({ strikes, gex, F }: { strikes: Float64Array; gex: Float64Array; F: number }) {
  const W = 300;
  const row = 12;
  // Far strikes with next to no exposure (under 0.5% of the largest) are left off, two either side kept for context.
  const top = Math.max(0, ...Array.from(gex, Math.abs));
  const live = Array.from(gex.keys()).filter((i) => Math.abs(gex[i]!) > 0.005 * top);
  const lo = Math.max(0, (live[0] ?? 0) - 2);
  const hi = Math.min(strikes.length - 1, (live[live.length - 1] ?? strikes.length - 1) + 2);
  const order = Array.from({ length: hi - lo + 1 }, (_, j) => hi - j);
  const peak = Math.max(1, top);
  // Strike labels at the left; bars either side of the middle of the rest.
  const mid = (40 + W) / 2;
  const scale = (W - mid - 4) / peak;
  const H = order.length * row + 4;
  const fYAt = order.findIndex((i) => strikes[i]! <= F);
  return (
    <svg viewBox={`0 0 ${W} ${H}`} width={W} height={H} className="gex-profile" role="img" aria-label="Gamma exposure by strike" data-testid="gex-profile">
      <line x1={mid} y1={0} x2={mid} y2={H} className="axis" />
      {order.map((i, r) => {
        const g = gex[i]!;
        const w = Math.abs(g) * scale;
        return (
          <g key={strikes[i]} data-testid="gex-bar" data-strike={strikes[i]} data-gex={g}>
            <text x={36} y={r * row + 10} className="tick" textAnchor="end">
              {strikes[i]}
            </text>
            <rect x={g >= 0 ? mid : mid - w} y={r * row + 2} width={w} height={row - 3} className={g >= 0 ? 'gex-pos' : 'gex-neg'} />
          </g>
        );
      })}
      {fYAt >= 0 && <line x1={40} y1={fYAt * row + 1} x2={W} y2={fYAt * row + 1} className="gex-forward" />}
    </svg>
  );
}

function ChainTable({ c }: { c: SolvedChain }) {
  const atm = c.strikes.findIndex((k) => k >= c.F);
  const from = Math.max(0, (atm < 0 ? c.strikes.length : atm) - STRIKES_SHOWN / 2);
  const rows = Array.from(c.strikes.slice(from, from + STRIKES_SHOWN), (k, j) => ({ k, i: from + j }));
  const side = (s: SolvedChain['calls'], i: number) =>
    s.problem[i] === '' ? (
      <>
        <td>{num(s.iv[i]! * 100, 1)}</td>
        <td>{num(s.delta[i]!, 2)}</td>
        <td>{num(s.gamma[i]! * 1000, 2)}</td>
      </>
    ) : (
      <td colSpan={3} className="muted" title={s.problem[i]}>
        {s.problem[i]!.length > 18 ? `${s.problem[i]!.slice(0, 17)}…` : s.problem[i]}
      </td>
    );
  return (
    <table className="chain-table" data-testid="chain-table">
      <thead>
        <tr>
          <th>OI</th>
          <th>IV %</th>
          <th>Δ</th>
          <th>Γ‰</th>
          <th>Strike</th>
          <th>IV %</th>
          <th>Δ</th>
          <th>Γ‰</th>
          <th>OI</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ k, i }) => (
          <tr key={k} className={k === c.strikes[atm] ? 'atm' : ''} data-testid="chain-row">
            <td>{num(c.calls.oi[i]!, 0)}</td>
            {side(c.calls, i)}
            <th>{k}</th>
            {side(c.puts, i)}
            <td>{num(c.puts.oi[i]!, 0)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * Beside the chart: the symbol's option chain at a moment (the bar clicked, else the last bar) on the
 * session's front contract — gamma exposure by strike and the chain around the money with implied
 * volatility and greeks, calls left and puts right.
 */
export function OptionsPanel({ symbol, at: clicked }: { symbol: string; at: number | null }) {
  const [dte, setDte] = useState(0);
  // The moment: the bar clicked, or one typed (UTC).
  const [at, setAt] = useState<number | null>(clicked);
  const [atText, setAtText] = useState('');
  const [atError, setAtError] = useState<string | null>(null);
  useEffect(() => {
    setAt(clicked);
    setAtText(clicked === null ? '' : new Date(clicked).toISOString().slice(0, 16).replace('T', ' '));
    setAtError(null);
  }, [clicked]);
  const [view, setView] = useState<OptionChainView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (at === null) return;
    let live = true;
    setError(null);
    client
      .call('options.chain', { symbol, at: new Date(at).toISOString(), dte })
      .then((v) => live && setView(v))
      .catch((e: ApiError) => live && (setView(null), setError(e.message)));
    return () => {
      live = false;
    };
  }, [symbol, at, dte]);
  const chain = view?.chains[0];
  return (
    <aside className="options-panel" data-testid="options-panel">
      <div className="row">
        <strong>Options</strong>
        <label>
          Days to expiry{' '}
          <select value={dte} onChange={(e) => setDte(Number(e.target.value))} data-testid="options-dte">
            {[0, 1, 2, 5].map((d) => (
              <option key={d} value={d}>
                {d === 0 ? '0 (0DTE)' : `≤ ${d}`}
              </option>
            ))}
          </select>
        </label>
      </div>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          const ms = Date.parse(`${atText.trim().replace(' ', 'T')}:00Z`);
          if (!/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}$/.test(atText.trim()) || !Number.isFinite(ms)) return setAtError('write the moment as YYYY-MM-DD HH:MM (UTC)');
          setAtError(null);
          setAt(ms);
        }}
      >
        <label>
          At (UTC){' '}
          <input value={atText} onChange={(e) => setAtText(e.target.value)} placeholder="2026-09-09 15:00" size={16} aria-invalid={atError !== null} data-testid="options-at" />
        </label>
        <button type="submit" data-testid="options-show">
          Show
        </button>
      </form>
      {atError && (
        <p className="error" data-testid="options-at-error">
          {atError}
        </p>
      )}
      {at === null && <p className="muted">Click a bar for its chain, or type a moment.</p>}
      {error && (
        <p className="error" data-testid="options-error">
          {error}
        </p>
      )}
      {view && (
        <>
          <p className="muted" data-testid="options-caption">
            {`${new Date(view.at).toISOString().slice(0, 16).replace('T', ' ')} UTC · session ${view.session} · options on ${view.contract}`}
            {view.leftOut.length > 0 && ` · left out: ${view.leftOut.join(', ')} (not the front contract)`}
          </p>
          {chain ? (
            <>
              <p data-testid="options-forward">{`F ${num(chain.F, 2)} (put–call parity) · ${num(chain.T * 365 * 24, 1)} h to expiry · GEX net ${num(view.profile.gex.reduce((a, b) => a + b, 0) / 1e6, 0)}M $/1%`}</p>
              {view.profile.strikes.length > 0 ? <GexProfile strikes={view.profile.strikes} gex={view.profile.gex} F={chain.F} /> : <p className="muted">No strike has both a call and a put quote: no forward, no exposure.</p>}
              <ChainTable c={chain} />
            </>
          ) : (
            <p className="muted" data-testid="options-none">
              No options of {view.contract} expire within {dte === 0 ? 'the session' : `${dte} days`}.
            </p>
          )}
        </>
      )}
    </aside>
  );
}
