import { useEffect, useState } from 'react';
import { client } from '../api';

interface Card {
  id: string;
  version: number;
  kind: string;
  metrics?: { validation?: Record<string, number>; test?: Record<string, number> };
  importance?: Record<string, number>;
  calibration?: { from: number; to: number; n: number; meanPredicted: number; observed: number }[];
  roc?: { fpr: number; tpr: number }[];
}

const METRICS: [string, string][] = [
  ['balancedAccuracy', 'balanced accuracy'],
  ['auc', 'AUC'],
  ['logLoss', 'log loss'],
  ['precisionAtTop10', 'precision @ top 10%'],
  ['brier', 'Brier'],
  ['f1', 'F1'],
  ['ic', 'IC'],
  ['rmse', 'RMSE'],
];
const COLORS = ['#4a90e2', '#f5a623'];
/** Header cells naming each model in its colour. */
function ModelHeads({ cards, label }: { cards: Card[]; label?: string }) {
  return (
    <>
      {cards.map((c, i) => (
        <th key={i} style={{ color: COLORS[i] }}>
          {label ?? `${c.id}@${c.version}`}
        </th>
      ))}
    </>
  );
}

const num = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(4));

/** Two model versions side by side: test metrics, feature importance, ROC curves and calibration. */
export function ModelCompare({ refs }: { refs: string[] }) {
  const [cards, setCards] = useState<Card[]>([]);
  useEffect(() => {
    void Promise.all(refs.map((model) => client.call('models.get', { model }))).then((ms) => setCards(ms.map((m) => m.card as Card)));
  }, [refs.join(' ')]);
  if (cards.length !== 2) return null;
  const features = [...new Set(cards.flatMap((c) => Object.keys(c.importance ?? {})))];
  const imp = (c: Card, f: string): number => {
    const all = Object.values(c.importance ?? {});
    const total = all.reduce((a, b) => a + b, 0);
    return total > 0 ? (c.importance?.[f] ?? 0) / total : 0;
  };
  features.sort((a, b) => imp(cards[0]!, b) + imp(cards[1]!, b) - imp(cards[0]!, a) - imp(cards[1]!, a));
  return (
    <div className="compare" data-testid="model-compare">
      <h3>
        {cards.map((c, i) => (
          <span key={i} style={{ color: COLORS[i] }}>
            {i ? ' vs ' : ''}
            {c.id}@{c.version} ({c.kind})
          </span>
        ))}
      </h3>
      <div className="compare-grid">
        <table className="grid" data-testid="compare-metrics">
          <thead>
            <tr>
              <th>test metric</th>
              <ModelHeads cards={cards} />
            </tr>
          </thead>
          <tbody>
            {METRICS.filter(([k]) => cards.some((c) => c.metrics?.test?.[k] !== undefined)).map(([k, label]) => (
              <tr key={k}>
                <td>{label}</td>
                {cards.map((c, i) => (
                  <td key={i}>{num(c.metrics?.test?.[k])}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <svg viewBox="0 0 100 100" className="roc" data-testid="compare-roc" aria-label="ROC curves">
          <line x1="0" y1="100" x2="100" y2="0" stroke="var(--line)" strokeDasharray="2 2" />
          {cards.map((c, i) => (
            <polyline key={i} fill="none" stroke={COLORS[i]} strokeWidth="1.2" points={(c.roc ?? []).map((p) => `${p.fpr * 100},${100 - p.tpr * 100}`).join(' ')} />
          ))}
        </svg>
        <table className="grid" data-testid="compare-importance">
          <thead>
            <tr>
              <th>feature importance (share)</th>
              <ModelHeads cards={cards} />
            </tr>
          </thead>
          <tbody>
            {features.slice(0, 12).map((f) => (
              <tr key={f}>
                <td>{f}</td>
                {cards.map((c, i) => (
                  <td key={i}>
                    <span className="imp-bar" style={{ width: `${imp(c, f) * 100}%`, background: COLORS[i] }} /> {(imp(c, f) * 100).toFixed(1)}%
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <table className="grid" data-testid="compare-calibration">
          <thead>
            <tr>
              <th>calibration bin</th>
              <ModelHeads cards={cards} label="predicted → observed" />
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: 10 }, (_, k) => k / 10).map((from) => (
              <tr key={from}>
                <td>
                  {from.toFixed(1)}–{(from + 0.1).toFixed(1)}
                </td>
                {cards.map((c, i) => {
                  const b = c.calibration?.find((x) => Math.abs(x.from - from) < 1e-9);
                  return <td key={i}>{b ? `${b.meanPredicted.toFixed(3)} → ${b.observed.toFixed(3)} (${b.n})` : '–'}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
