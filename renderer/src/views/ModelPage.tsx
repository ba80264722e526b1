import { useEffect, useState } from 'react';
import type { ModelInfo, StageEvent } from '../../../core/common/models/types';
import { client } from '../api';
import { fmtTime } from '../format';
import { SvgPlot } from './SvgPlot';
import type { StageChange } from './StageConfirm';

/** The parts of a model card this page reads (cards of imported models hold fewer of them). */
interface Card {
  featureSet?: string;
  build?: string;
  symbols?: string[];
  timeframe?: string;
  label?: string;
  features?: string[];
  window?: Record<string, [string, string]>;
  rows?: Record<string, number>;
  params?: Record<string, unknown>;
  metrics?: Record<string, Record<string, number>>;
  importance?: Record<string, number>;
  walkForward?: { fold: number; from: string; to: string; trainRows: number; validationRows: number; metrics: Record<string, number> }[];
  calibration?: { from: number; to: number; n: number; meanPredicted: number; observed: number }[];
  curve?: { loss: string; per: string; validation: number[] };
  source?: unknown;
}

const num = (x: unknown): string => (typeof x === 'number' ? (Number.isInteger(x) ? x.toLocaleString('en-US') : x.toPrecision(4)) : JSON.stringify(x));
/** The metrics worth a column, in a fixed order, where the card has them. */
const METRICS = ['auc', 'logLoss', 'brier', 'accuracy', 'balancedAccuracy', 'precisionAtTop10', 'ic', 'rmse', 'mae', 'r2'];
const metricKeys = (rows: Record<string, number>[]): string[] => METRICS.filter((k) => rows.some((r) => typeof r[k] === 'number'));

/** A model version's page: its card, parameters, metrics (per fold), training curve, feature importance, reliability, stage history, and its stage buttons. */
export function ModelPage({ model, onStage, onClose, changed }: { model: string; onStage: (c: StageChange) => void; onClose: () => void; changed: number }) {
  const [m, setM] = useState<(ModelInfo & { card: unknown; history: StageEvent[] }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    client.call('models.get', { model }).then(setM, (e: Error) => setError(e.message));
  }, [model, changed]);
  if (error) return <p className="error">{error}</p>;
  if (!m) return <p className="muted">Loading {model}…</p>;
  const card = (m.card ?? {}) as Card;
  const importance = Object.entries(card.importance ?? {}).sort((a, b) => b[1] - a[1]).slice(0, 20);
  const topImportance = importance[0]?.[1] ?? 0;
  const metricRows = Object.entries(card.metrics ?? {});
  const cols = metricKeys(metricRows.map(([, v]) => v));
  const folds = card.walkForward ?? [];
  const foldCols = metricKeys(folds.map((f) => f.metrics));
  const production = m.stage === 'production';
  return (
    <section className="model-page" data-testid="model-page">
      <div className="toolbar">
        <button onClick={onClose} data-testid="model-page-close">
          ← Leaderboard
        </button>
        <h3>
          {m.id}@{m.version}
        </h3>
        <span className="muted">
          {m.kind} · {m.objective} · {m.stage}
        </span>
        {!production && (
          <button onClick={() => onStage({ action: 'promote', model: m })} data-testid="model-page-promote">
            Promote…
          </button>
        )}
        {production && (
          <>
            <button onClick={() => onStage({ action: 'demote', model: m })} data-testid="model-page-demote">
              Demote…
            </button>
            <button onClick={() => onStage({ action: 'rollback', model: m })} data-testid="model-page-rollback">
              Roll back…
            </button>
          </>
        )}
      </div>
      <div className="model-grid">
        <div>
          <h4>Card</h4>
          <table className="grid" data-testid="model-card">
            <tbody>
              {card.featureSet && <tr><th>Feature set</th><td>{card.featureSet} (build {card.build})</td></tr>}
              {card.symbols && <tr><th>Symbols</th><td>{card.symbols.join(' ')} · {card.timeframe}</td></tr>}
              {card.label && <tr><th>Label</th><td>{card.label}</td></tr>}
              <tr><th>Features</th><td>{m.features.length}: {m.features.join(', ')}</td></tr>
              {Object.entries(card.window ?? {}).map(([k, [a, b]]) => (
                <tr key={k}><th>{k} window</th><td>{a.slice(0, 10)} → {b.slice(0, 10)}{card.rows?.[k] !== undefined && ` · ${card.rows[k]!.toLocaleString('en-US')} rows`}</td></tr>
              ))}
            </tbody>
          </table>
          <h4>Parameters</h4>
          <table className="grid" data-testid="model-params">
            <tbody>
              {Object.entries(card.params ?? {}).map(([k, v]) => (
                <tr key={k}><th>{k}</th><td>{num(v)}</td></tr>
              ))}
            </tbody>
          </table>
        </div>
        <div>
          <h4>Metrics</h4>
          <table className="grid" data-testid="model-metrics">
            <thead><tr><th />{cols.map((k) => <th key={k}>{k}</th>)}</tr></thead>
            <tbody>
              {metricRows.map(([split, v]) => (
                <tr key={split}><th>{split}</th>{cols.map((k) => <td key={k}>{num(v[k])}</td>)}</tr>
              ))}
            </tbody>
          </table>
          {folds.length > 0 && (
            <>
              <h4>Walk-forward folds</h4>
              <table className="grid" data-testid="model-folds">
                <thead><tr><th>fold</th><th>validation block</th><th>train rows</th>{foldCols.map((k) => <th key={k}>{k}</th>)}</tr></thead>
                <tbody>
                  {folds.map((f) => (
                    <tr key={f.fold}><td>{f.fold}</td><td>{f.from.slice(0, 10)} → {f.to.slice(0, 10)}</td><td>{f.trainRows.toLocaleString('en-US')}</td>{foldCols.map((k) => <td key={k}>{num(f.metrics[k])}</td>)}</tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {card.curve && (
            <>
              <h4>Training curve</h4>
              <SvgPlot points={card.curve.validation.map((y, i) => ({ x: i + 1, y }))} line xLabel={card.curve.per} yLabel={`validation ${card.curve.loss}`} testId="model-curve" />
            </>
          )}
          {card.calibration && card.calibration.length > 0 && (
            <>
              <h4>Reliability (test)</h4>
              <SvgPlot points={card.calibration.map((b) => ({ x: b.meanPredicted, y: b.observed, r: 2 + Math.min(6, Math.sqrt(b.n) / 4) }))} diagonal xLabel="mean predicted" yLabel="observed share" domain={{ x: [0, 1], y: [0, 1] }} testId="model-calibration" />
            </>
          )}
        </div>
        <div>
          <h4>Feature importance</h4>
          {importance.length === 0 || topImportance === 0 ? (
            <p className="muted">This model kind reports no importance.</p>
          ) : (
            <div className="importance" data-testid="model-importance">
              {importance.map(([f, v]) => (
                <div key={f} className="importance-row" data-testid="importance-row">
                  <span className="name">{f}</span>
                  <span className="bar" style={{ width: `${(100 * v) / topImportance}%` }} />
                  <span className="value">{num(v)}</span>
                </div>
              ))}
            </div>
          )}
          <h4>Stage history</h4>
          {m.history.length === 0 ? (
            <p className="muted">Never promoted.</p>
          ) : (
            <table className="grid" data-testid="model-history">
              <tbody>
                {m.history.map((h, i) => (
                  <tr key={i}><td>{fmtTime(h.at)} UTC</td><td>v{h.version}</td><td>{h.from} → {h.to}</td></tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </section>
  );
}
