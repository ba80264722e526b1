import { useEffect, useState } from 'react';
import { fmtDay } from '../format';
import { DEFAULT_SCORE } from '../../../core/common/models/leaderboard';
import { engineLine } from '../../../core/common/models/engine';
import type { ModelCheck, ModelInfo } from '../../../core/common/models/types';
import { client } from '../api';
import { ModelCompare } from './ModelCompare';
import { ModelPage } from './ModelPage';
import { StageConfirm, type StageChange } from './StageConfirm';

type Row = ModelInfo & { score: number; values: Record<string, number>; runsOn: string };

const COLUMNS: [string, string][] = [
  ['balanced_accuracy', 'bal. acc'],
  ['auc', 'AUC'],
  ['log_loss', 'log loss'],
  ['precision_at_k', 'prec@10%'],
  ['ic', 'IC'],
  ['sharpe', 'Sharpe'],
  ['sortino', 'Sortino'],
  ['max_drawdown', 'max DD'],
  ['trades', 'trades'],
];

const num = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(4));
const PROVIDER_CHOICES = ['auto', 'cpu', 'coreml', 'webgpu', 'cuda', 'dml'] as const;
type ProviderChoice = (typeof PROVIDER_CHOICES)[number];

/** What an inference check showed: the provider that ran the model (and why not a faster one), where its nodes really ran, time, spread. */
function CheckResult({ check }: { check: ModelCheck }) {
  return (
    <div className="inference-check" data-testid="inference-check">
      <strong>{check.model}</strong> ran {check.rows.toLocaleString('en-US')} rows of {check.symbols.join(' ')} ({fmtDay(check.from)} → {fmtDay(check.to)}) on{' '}
      <span className="provider" data-testid="inference-provider">
        {check.provider}
      </span>{' '}
      in {check.ms.toFixed(1)} ms · mean {check.mean.toFixed(4)}, range {check.min.toFixed(4)}–{check.max.toFixed(4)}
      {check.aboveThreshold !== null && ` · ${(100 * check.aboveThreshold).toFixed(1)}% ≥ threshold ${check.threshold}`}
      {check.fallback && <div className="hint">Fell back to the CPU: {check.fallback}</div>}
      <div className="hint" data-testid="inference-placement" title={check.placement.nodes.map((n) => `${n.op} × ${n.count} on ${n.provider}`).join('\n')}>
        Placement: {check.placement.summary}
      </div>
      <div className="hint" data-testid="inference-engine">
        {engineLine(check.engine)}
      </div>
    </div>
  );
}

/** The leaderboard: model versions ranked by an editable score, filtered and sorted, promoted from their row. */
export function ModelsView({ dataVersion }: { dataVersion: number }) {
  const [formula, setFormula] = useState(DEFAULT_SCORE);
  const [applied, setApplied] = useState(DEFAULT_SCORE);
  const [minScore, setMinScore] = useState('0.2');
  const [onlyAbove, setOnlyAbove] = useState(false);
  const [filter, setFilter] = useState('');
  const [sortBy, setSortBy] = useState('score');
  const [rows, setRows] = useState<Row[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [changed, setChanged] = useState(0);
  const [compare, setCompare] = useState<string[]>([]);
  const [provider, setProvider] = useState<ProviderChoice | ''>('');
  const [defaultProvider, setDefaultProvider] = useState<string | null>(null);
  const [check, setCheck] = useState<ModelCheck | null>(null);
  const [stageChange, setStageChange] = useState<StageChange | null>(null);
  const [openModel, setOpenModel] = useState<string | null>(null);

  useEffect(() => {
    const min = Number(minScore);
    void client
      .call('models.leaderboard', { formula: applied, ...(onlyAbove && Number.isFinite(min) ? { minScore: min } : {}) })
      .then((r) => {
        setRows(r);
        setError(null);
      })
      .catch((e: Error) => setError(e.message));
  }, [applied, onlyAbove, minScore, dataVersion, changed]);

  useEffect(() => {
    void client.call('settings.leaderboard', {}).then((r) => {
      setFormula(r.formula);
      setApplied(r.formula);
    });
    void client
      .call('settings.inference', {})
      .then((r) => setDefaultProvider(r.provider))
      .catch((e: Error) => setError(e.message));
  }, []);

  const shown = rows
    .filter((r) => !filter || `${r.id} ${r.kind} ${r.symbols.join(' ')} ${r.label ?? ''} ${r.stage}`.toLowerCase().includes(filter.toLowerCase()))
    .sort((a, b) => (sortBy === 'score' ? b.score - a.score : (b.values[sortBy] ?? -Infinity) - (a.values[sortBy] ?? -Infinity)));

  return (
    <div className="models-view" data-testid="models-view">
      {openModel && <ModelPage model={openModel} onStage={setStageChange} onClose={() => setOpenModel(null)} changed={changed} />}
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(formula);
        }}
      >
        <label>
          Score <input className="formula" value={formula} onChange={(e) => setFormula(e.target.value)} aria-label="Score formula" data-testid="score-formula" />
        </label>
        <button type="submit">Apply</button>
        <label>
          <input type="checkbox" checked={onlyAbove} onChange={(e) => setOnlyAbove(e.target.checked)} data-testid="only-above" /> keep only score ≥{' '}
          <input className="narrow" value={minScore} onChange={(e) => setMinScore(e.target.value)} aria-label="Minimum score" />
        </label>
        <input placeholder="filter: symbol, kind, label, stage" value={filter} onChange={(e) => setFilter(e.target.value)} aria-label="Filter" />
        <label>
          Inference on{' '}
          <select value={provider} onChange={(e) => setProvider(e.target.value as typeof provider)} aria-label="Execution provider" data-testid="provider-choice">
            <option value="">default{defaultProvider ? ` (${defaultProvider})` : ''}</option>
            {PROVIDER_CHOICES.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
      </form>
      {error && (
        <div className="error" data-testid="score-error">
          {error}
        </div>
      )}
      <table className="grid" data-testid="leaderboard">
        <thead>
          <tr>
            <th title="Pick two to compare">⇄</th>
            <th>model</th>
            <th>kind</th>
            <th>stage</th>
            <th>symbols</th>
            <th>timeframe</th>
            <th>label</th>
            <th title="Where ONNX Runtime can run it: tree operators have CPU kernels only">runs on</th>
            {COLUMNS.map(([k, label]) => (
              <th key={k} className="sortable" onClick={() => setSortBy(k)}>
                {label}
                {sortBy === k ? ' ▾' : ''}
              </th>
            ))}
            <th className="sortable" onClick={() => setSortBy('score')}>
              score{sortBy === 'score' ? ' ▾' : ''}
            </th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr
              key={`${r.id}@${r.version}`}
              className="clickable"
              title="Open the model's page"
              onClick={(e) => {
                // The row's own controls act on their own; a click elsewhere on the row opens the model's page.
                if (!(e.target as HTMLElement).closest('button, input, select, a')) setOpenModel(`${r.id}@${r.version}`);
              }}
              data-testid="leaderboard-row"
            >
              <td>
                <input
                  type="checkbox"
                  aria-label={`Compare ${r.id}@${r.version}`}
                  checked={compare.includes(`${r.id}@${r.version}`)}
                  onChange={(e) => {
                    const ref = `${r.id}@${r.version}`;
                    setCompare((cur) => (e.target.checked ? [...cur.filter((x) => x !== ref), ref].slice(-2) : cur.filter((x) => x !== ref)));
                  }}
                  data-testid={`compare-${r.id}@${r.version}`}
                />
              </td>
              <td>
                {r.id}@{r.version}
              </td>
              <td>{r.kind}</td>
              <td className={`stage-${r.stage}`}>{r.stage}</td>
              <td>{r.symbols.join(' ')}</td>
              <td>{r.timeframe}</td>
              <td>{r.label}</td>
              <td className="muted" title={r.runsOn} data-testid="leaderboard-runs-on">
                {r.runsOn.startsWith('CPU only') ? 'CPU only' : r.runsOn.startsWith('CPU; GPU') ? 'CPU · GPU (tensorised)' : r.runsOn}
              </td>
              {COLUMNS.map(([k]) => (
                <td key={k}>{num(r.values[k])}</td>
              ))}
              <td>{num(r.score)}</td>
              <td>
                <button
                  title="Run the model on the latest rows of its feature build"
                  onClick={() =>
                    void client
                      .call('models.check', { model: `${r.id}@${r.version}`, ...(provider ? { provider } : {}) })
                      .then((c) => {
                        setCheck(c);
                        setError(null);
                      })
                      .catch((e: Error) => setError(e.message))
                  }
                  data-testid={`check-${r.id}@${r.version}`}
                >
                  Check
                </button>
                {r.stage !== 'production' && (
                  <button onClick={() => setStageChange({ action: 'promote', model: r, production: rows.find((x) => x.id === r.id && x.stage === 'production')?.version })} data-testid={`promote-${r.id}@${r.version}`}>
                    Promote
                  </button>
                )}
                {r.stage === 'production' && (
                  <>
                    <button onClick={() => setStageChange({ action: 'rollback', model: r })} title="Put back the version that was in production before this one" data-testid={`rollback-${r.id}@${r.version}`}>
                      Roll back
                    </button>
                    <button onClick={() => setStageChange({ action: 'demote', model: r })} title="Take this version out of production" data-testid={`demote-${r.id}@${r.version}`}>
                      Demote
                    </button>
                  </>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {check && <CheckResult check={check} />}
      {stageChange && (
        <StageConfirm
          change={stageChange}
          onClose={() => setStageChange(null)}
          onDone={() => {
            setStageChange(null);
            setChanged((x) => x + 1);
          }}
        />
      )}
      {rows.length === 0 && !error && <p className="empty" data-testid="models-empty">No models yet: train one with Research → Train… (Ctrl/Cmd+Shift+L).</p>}
      {compare.length === 2 ? <ModelCompare refs={compare} /> : <p className="hint">Tick two models to compare them side by side.</p>}
    </div>
  );
}
