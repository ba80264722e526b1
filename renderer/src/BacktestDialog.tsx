import { useEffect, useState } from 'react';
import { DialogActions } from './DialogActions';
import { DateField } from './DateField';
import { Modal } from './Modal';
import { resolveParams, STRATEGIES } from '../../core/common/backtest/strategies';
import type { ApiError } from '../../core/common/errors';
import type { StrategyConfig } from '../../core/common/backtest/schemas';
import { TIMEFRAMES } from '../../core/common/timeframes';
import type { BacktestSummary } from '../../core/common/backtest/types';
import type { JobInfo, JobProgress } from '../../core/common/jobs/types';
import type { ModelInfo } from '../../core/common/models/types';
import { client } from './api';
import { parsePercent, toPercentText } from './format';
import { submitWith } from './forms';
import { isShortText, usePersistentState } from './hooks';
import { JobFollower } from './JobFollower';

/** Research → Backtest…: a built-in strategy, its parameters, symbols, costs and an optional gating model; then follow the job. */
export function BacktestDialog({ onClose, onOpen, jobs, progress }: { onClose: () => void; onOpen: (runId: string) => void; jobs: JobInfo[]; progress: Record<string, JobProgress> }) {
  const [strategy, setStrategy] = useState('ibs');
  const [configs, setConfigs] = useState<StrategyConfig[]>([]);
  const config = configs.find((c) => c.name === strategy);
  const def = STRATEGIES.get(config?.strategy ?? strategy)!;
  const [params, setParams] = useState<Record<string, string>>({});
  const [symbols, setSymbols] = usePersistentState('backtest.symbols', 'ES', isShortText);
  const [timeframe, setTimeframe] = usePersistentState('backtest.timeframe', '1d', (x): x is string => (TIMEFRAMES as readonly unknown[]).includes(x));
  const [from, setFrom] = usePersistentState('backtest.from', '', isShortText);
  const [to, setTo] = usePersistentState('backtest.to', '', isShortText);
  const [model, setModel] = useState('');
  const [models, setModels] = useState<ModelInfo[]>([]);
  const [capital, setCapital] = usePersistentState('backtest.capital', '100000', isShortText);
  const [benchmark, setBenchmark] = useState('');
  const [commission, setCommission] = usePersistentState('backtest.commission', '2.5', isShortText);
  const [slippage, setSlippage] = usePersistentState('backtest.slippage', '1', isShortText);
  const [fillAt, setFillAt] = useState<'next_open' | 'close'>('next_open');
  const [maxPositions, setMaxPositions] = useState('0');
  const [sizing, setSizing] = useState<'fixed' | 'notional' | 'volatility' | 'kelly'>('fixed');
  const [size, setSize] = useState('1');
  const [error, setError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);

  useEffect(() => {
    void client.call('models.list', {}).then((all) => setModels(all.filter((m) => m.objective === 'binary')));
  }, []);
  useEffect(() => {
    void client.call('backtest.strategies', {}).then(setConfigs);
  }, []);
  // A stored config fills in its parameters, model and terms; a built-in strategy its defaults.
  useEffect(() => {
    setParams(Object.fromEntries(def.params.map((p) => [p.name, String(config?.params?.[p.name] ?? p.default)])));
    if (config?.model) setModel(config.model);
    const t = config?.terms;
    if (!t) return;
    if (t.capital !== undefined) setCapital(String(t.capital));
    if (t.commission !== undefined) setCommission(String(t.commission));
    if (t.slippage_ticks !== undefined) setSlippage(String(t.slippage_ticks));
    if (t.fill_at) setFillAt(t.fill_at);
    if (t.max_positions !== undefined) setMaxPositions(String(t.max_positions));
    if (t.sizing) {
      setSizing(t.sizing.kind);
      setSize(t.sizing.kind === 'fixed' ? String(t.sizing.contracts) : t.sizing.kind === 'notional' ? String(t.sizing.amount) : toPercentText(t.sizing.kind === 'volatility' ? t.sizing.target : t.sizing.cap));
    }
  }, [def, config]);

  const start = async (): Promise<void> => {
    setError(null);
    const num = (label: string, v: string): number => {
      const x = Number(v);
      if (v.trim() === '' || !Number.isFinite(x)) throw new Error(`${label}: expected a number, got "${v}"`);
      return x;
    };
    try {
      // Checked here as the job would check them, so the message appears beside the form.
      const checked = resolveParams(def, Object.fromEntries(def.params.map((p) => [p.name, num(p.name, params[p.name] ?? '')])));
      const arg = {
        kind: 'backtest' as const,
        strategy,
        symbols: symbols.split(/[\s,]+/).filter(Boolean).map((x) => x.toUpperCase()),
        timeframe: timeframe as (typeof TIMEFRAMES)[number],
        params: checked,
        capital: num('capital', capital),
        commission: num('commission', commission),
        slippageTicks: num('slippage', slippage),
        fillAt,
        maxPositions: num('max positions', maxPositions),
        // One number sizes each kind: contracts, notional, annual volatility target, or the Kelly cap.
        sizing:
          sizing === 'fixed'
            ? { kind: 'fixed' as const, contracts: num('contracts', size) }
            : sizing === 'notional'
              ? { kind: 'notional' as const, amount: num('notional', size) }
              : sizing === 'volatility'
                ? { kind: 'volatility' as const, target: parsePercent(size, 'Target volatility (% a year)', 1000), lookback: 20 }
                : { kind: 'kelly' as const, cap: parsePercent(size, 'Kelly cap (% of capital)'), payoff: 1 },
        ...(from ? { from } : {}),
        ...(to ? { to } : {}),
        ...(benchmark.trim() ? { benchmark: benchmark.trim().toUpperCase() } : {}),
        ...(model ? { model } : {}),
      };
      setJobId((await client.call('jobs.start', arg)).jobId);
    } catch (e) {
      setError((e as ApiError).message);
    }
  };

  const job = jobs.find((j) => j.id === jobId);
  const result = job?.status === 'succeeded' ? (job.result as BacktestSummary) : null;
  return (
    <Modal label="Backtest a strategy" testId="backtest-dialog" wide onClose={onClose}>
      <h2>Backtest</h2>
      {!jobId && (
        <form onSubmit={submitWith(start)}>
          <div className="form-grid">
            <label>
              Strategy
              <select value={strategy} onChange={(e) => setStrategy(e.target.value)} data-testid="backtest-strategy">
                {[...STRATEGIES.values()].map((s) => (
                  <option key={s.name} value={s.name} title={s.description}>
                    {s.name}
                  </option>
                ))}
                {configs.map((c) => (
                  <option key={`config-${c.name}`} value={c.name} title={`strategies/${c.name}.yml`}>
                    {c.name} ({c.strategy}, stored config)
                  </option>
                ))}
              </select>
            </label>
            <label>
              Symbols
              <input value={symbols} onChange={(e) => setSymbols(e.target.value)} data-testid="backtest-symbols" />
            </label>
            <label>
              Timeframe
              <select value={timeframe} onChange={(e) => setTimeframe(e.target.value)} data-testid="backtest-timeframe">
                {TIMEFRAMES.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </label>
            <label>
              From
              <DateField value={from} onChange={setFrom} testId="backtest-from" />
            </label>
            <label>
              To
              <DateField value={to} onChange={setTo} testId="backtest-to" />
            </label>
            {def.params.map((p) => (
              <label key={p.name} title={p.description}>
                {p.name}
                <input value={params[p.name] ?? ''} onChange={(e) => setParams({ ...params, [p.name]: e.target.value })} data-testid={`backtest-param-${p.name}`} />
              </label>
            ))}
            <label>
              Starting capital
              <input value={capital} onChange={(e) => setCapital(e.target.value)} data-testid="backtest-capital" />
            </label>
            <label>
              Commission per contract
              <input value={commission} onChange={(e) => setCommission(e.target.value)} data-testid="backtest-commission" />
            </label>
            <label>
              Slippage (ticks)
              <input value={slippage} onChange={(e) => setSlippage(e.target.value)} data-testid="backtest-slippage" />
            </label>
            <label title="a symbol whose daily returns give alpha, beta and the information ratio">
              Benchmark (optional)
              <input value={benchmark} onChange={(e) => setBenchmark(e.target.value)} placeholder="e.g. ES" data-testid="backtest-benchmark" />
            </label>
            <label>
              Fill market orders at
              <select value={fillAt} onChange={(e) => setFillAt(e.target.value as 'next_open' | 'close')} data-testid="backtest-fill-at">
                <option value="next_open">the next bar's open</option>
                <option value="close">the signal bar's close</option>
              </select>
            </label>
            <label title="0: no limit">
              Max positions at once
              <input value={maxPositions} onChange={(e) => setMaxPositions(e.target.value)} data-testid="backtest-max-positions" />
            </label>
            <label>
              Sizing
              <select
                value={sizing}
                onChange={(e) => {
                  const k = e.target.value as typeof sizing;
                  setSizing(k);
                  setSize({ fixed: '1', notional: '100000', volatility: '15', kelly: '25' }[k]);
                }}
                data-testid="backtest-sizing"
              >
                <option value="fixed">fixed contracts</option>
                <option value="notional">fixed notional</option>
                <option value="volatility">volatility target (annual, 20 bars)</option>
                <option value="kelly">Kelly fraction, capped (needs a model)</option>
              </select>
            </label>
            <label>
              {{ fixed: 'Contracts', notional: 'Notional', volatility: 'Target volatility (% a year)', kelly: 'Kelly cap (% of capital)' }[sizing]}
              <input value={size} onChange={(e) => setSize(e.target.value)} data-testid="backtest-size" />
            </label>
            <label>
              Gate entries with a model
              <select value={model} onChange={(e) => setModel(e.target.value)} data-testid="backtest-model">
                <option value="">none</option>
                {models.map((m) => (
                  <option key={`${m.id}@${m.version}`} value={`${m.id}@${m.version}`}>
                    {m.id}@{m.version}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <p className="muted">{def.description}</p>
          {error && (
            <p className="error" role="alert" data-testid="backtest-error">
              {error}
            </p>
          )}
          <DialogActions onCancel={onClose} submit="Run" testId="backtest-start" />
        </form>
      )}
      {jobId && (
        <JobFollower jobId={jobId} jobs={jobs} progress={progress} running={() => 'running'} ids={{ root: 'backtest-job', bar: 'backtest-progress', summary: 'backtest-summary', close: 'backtest-close' }} onClose={onClose}>
          {result && (
            <button className="primary" onClick={() => onOpen(result.runId)} data-testid="backtest-open">
              Show results
            </button>
          )}
        </JobFollower>
      )}
    </Modal>
  );
}
