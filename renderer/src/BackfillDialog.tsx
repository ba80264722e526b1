import { useEffect, useState } from 'react';
import { DialogActions } from './DialogActions';
import { DateField } from './DateField';
import type { ArgOf } from '../../core/common/api';
import { Modal } from './Modal';
import type { SourceInfo } from '../../core/common/api';
import { latestBackfillDay } from '../../core/common/lake/schemas';
import type { ApiError } from '../../core/common/errors';
import type { JobInfo, JobProgress } from '../../core/common/jobs/types';
import type { VendorKeyStatus } from '../../core/common/app-info';
import { client } from './api';
import { submitWith } from './forms';
import { fieldErrorOf, JobFollower } from './JobFollower';
import { fmtDay, fmtEta, fmtInt } from './format';
import { isShortText, isStringList, usePersistentState } from './hooks';

const DAY_MS = 86_400_000;

/** A backfill job's request, as Edit & retry brings it back into the dialog. */
export type BackfillRequest = Extract<ArgOf<'jobs.start'>, { kind: 'backfill' }>;

/** Data → Backfill…: choose source, symbols, timeframe and dates (or a failed job's, to edit and retry); then follow the job to its end. */
export function BackfillDialog({ onClose, jobs, progress, initial }: { onClose: () => void; jobs: JobInfo[]; progress: Record<string, JobProgress>; initial?: BackfillRequest }) {
  const [sources, setSources] = useState<SourceInfo[]>([]);
  // Source, symbols, timeframe and dataset are remembered; the dates default to the 30 days before
  // yesterday each time, as a remembered range would be out of date.
  const [source, setSource] = usePersistentState<string>('backfill.source', 'demo', isShortText, initial?.source);
  const [symbols, setSymbols] = usePersistentState<string[]>('backfill.symbols', ['ES'], isStringList, initial?.source === 'demo' ? initial.symbols : undefined);
  const [typed, setTyped] = usePersistentState('backfill.typed', '', isShortText, initial && initial.source !== 'demo' ? initial.symbols.join(', ') : undefined);
  const [timeframe, setTimeframe] = usePersistentState<'1m' | '1h' | '1d'>('backfill.timeframe', '1m', (x): x is '1m' | '1h' | '1d' => x === '1m' || x === '1h' || x === '1d', initial?.timeframe);
  const [dataset, setDataset] = usePersistentState('backfill.dataset', 'GLBX.MDP3', isShortText, initial?.dataset);
  const [schema, setSchema] = usePersistentState<string>('backfill.schema', 'ohlcv', isShortText, initial?.schema);
  // What each source offers: bars everywhere; the demo's book, and Databento's book and reference schemas.
  const schemas = SCHEMA_CHOICES.filter((c) => source === 'databento' || (source === 'demo' && c.demo) || c.value === 'ohlcv');
  const chosenSchema = schemas.some((c) => c.value === schema) ? schema : 'ohlcv';
  const yesterday = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS;
  const [from, setFrom] = useState(initial?.from ?? fmtDay(yesterday - 29 * DAY_MS));
  const [to, setTo] = useState(initial?.to ?? fmtDay(yesterday));
  const [error, setError] = useState<{ message: string; path?: string } | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const [keys, setKeys] = useState<VendorKeyStatus[]>([]);
  const [keyText, setKeyText] = useState('');

  useEffect(() => {
    void client.call('sources.list', {}).then(setSources);
    void client.call('settings.vendorKeys', {}).then(setKeys);
  }, []);
  const key = keys.find((k) => k.vendor === source);
  const saveKey = async (value: string | null): Promise<void> => {
    setError(null);
    try {
      setKeys(await client.call('settings.setVendorKey', { vendor: source as 'polygon', key: value }));
      setKeyText('');
    } catch (e) {
      setError({ message: (e as ApiError).message, path: (e as ApiError).path });
    }
  };

  const src = sources.find((s) => s.id === source);
  const fieldError = fieldErrorOf(error);

  const start = async (): Promise<void> => {
    setError(null);
    try {
      const vendor = source !== 'demo';
      const chosen = vendor ? typed.split(/[\s,]+/).map((x) => x.trim().toUpperCase()).filter(Boolean) : symbols;
      const r = await client.call('jobs.start', {
        kind: 'backfill',
        source: source as 'demo',
        symbols: chosen,
        timeframe: vendor ? timeframe : '1m',
        from,
        to,
        ...(source === 'databento' ? { dataset } : {}),
        ...(chosenSchema !== 'ohlcv' ? { schema: chosenSchema as 'mbp-10' } : {}),
      });
      setJobId(r.jobId);
    } catch (e) {
      setError({ message: (e as ApiError).message, path: (e as ApiError).path });
    }
  };

  return (
    <Modal label="Backfill" testId="backfill-dialog" onClose={onClose}>
      <h2>Backfill</h2>
      {!jobId && (
        <form onSubmit={submitWith(start)}>
          <label>
            Source
            <select value={source} onChange={(e) => setSource(e.target.value)} data-testid="bf-source">
              {sources.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <fieldset>
            <legend>Symbols</legend>
            {source !== 'demo' && (
              <input value={typed} onChange={(e) => setTyped(e.target.value)} placeholder={source === 'databento' ? 'ESM4, NQM4' : 'AAPL, MSFT'} data-testid="bf-symbols-text" />
            )}
            <div className="checks">
              {(source === 'demo' ? (src?.symbols ?? []) : []).map((s) => (
                <label key={s} className="check">
                  <input
                    type="checkbox"
                    checked={symbols.includes(s)}
                    onChange={(e) => setSymbols(e.target.checked ? [...symbols, s] : symbols.filter((x) => x !== s))}
                    data-testid={`bf-symbol-${s}`}
                  />
                  {s}
                </label>
              ))}
            </div>
            {fieldError('symbols') && <div className="field-error">{fieldError('symbols')}</div>}
          </fieldset>
          <div className="row">
            {schemas.length > 1 && (
              <label>
                Data
                <select value={chosenSchema} onChange={(e) => setSchema(e.target.value)} data-testid="bf-schema">
                  {schemas.map((c) => (
                    <option key={c.value} value={c.value}>
                      {c.label}
                    </option>
                  ))}
                </select>
                {fieldError('schema') && <div className="field-error">{fieldError('schema')}</div>}
              </label>
            )}
            {chosenSchema === 'ohlcv' && (
              <label>
                Timeframe
                {source === 'demo' ? (
                  <select value="1m" disabled>
                    <option value="1m">1 minute (other timeframes are built from it)</option>
                  </select>
                ) : (
                  <select value={timeframe} onChange={(e) => setTimeframe(e.target.value as typeof timeframe)} data-testid="bf-timeframe">
                    <option value="1m">1 minute</option>
                    <option value="1h">1 hour</option>
                    <option value="1d">1 day</option>
                  </select>
                )}
              </label>
            )}
            {source === 'databento' && (
              <label>
                Dataset
                <input value={dataset} onChange={(e) => setDataset(e.target.value.toUpperCase())} data-testid="bf-dataset" />
                {fieldError('dataset') && <div className="field-error">{fieldError('dataset')}</div>}
              </label>
            )}
          </div>
          {key && (
            <div className="row" data-testid="bf-key">
              {key.source === 'environment' ? (
                <span>API key: from {key.env}</span>
              ) : key.canStore ? (
                <label>
                  API key {key.source === 'stored' ? '(stored encrypted)' : ''}
                  <input type="password" value={keyText} onChange={(e) => setKeyText(e.target.value)} placeholder={key.source === 'stored' ? 'replace the stored key' : 'paste your key'} autoComplete="off" data-testid="bf-key-input" />
                  <button type="button" onClick={() => void saveKey(keyText)} disabled={keyText.trim() === ''} data-testid="bf-key-save">
                    Save key
                  </button>
                  {key.source === 'stored' && (
                    <button type="button" onClick={() => void saveKey(null)}>
                      Forget key
                    </button>
                  )}
                  {fieldError('key') && <div className="field-error">{fieldError('key')}</div>}
                </label>
              ) : (
                <span data-testid="bf-key-env">{key.source === 'missing' ? `No API key: set ${key.env} in the environment of quantdesk serve (the desktop app stores keys encrypted)` : `API key: stored`}</span>
              )}
            </div>
          )}
          {fieldError('source') && <div className="field-error">{fieldError('source')}</div>}
          <div className="row">
            <label>
              From
              <DateField value={from} min={src?.earliest} onChange={setFrom} testId="bf-from" />
              {fieldError('from') && <div className="field-error">{fieldError('from')}</div>}
            </label>
            <label>
              To
              <DateField value={to} max={latestBackfillDay()} onChange={setTo} testId="bf-to" />
              {source === 'demo' && <div className="hint" data-testid="bf-to-hint">The demo market ends at the current minute: nothing after now is written.</div>}
              {fieldError('to') && <div className="field-error">{fieldError('to')}</div>}
            </label>
          </div>
          {error && !error.path && <div className="field-error">{error.message}</div>}
          <DialogActions onCancel={onClose} submit="Start backfill" testId="bf-start" />
        </form>
      )}
      {jobId && (
        <JobFollower
          jobId={jobId}
          jobs={jobs}
          progress={progress}
          running={(p) => `${Math.round((p?.fraction ?? 0) * 100)}% · ${fmtInt(p?.rate ?? 0)} bars/s · ETA ${fmtEta(p?.etaSeconds ?? null)}`}
          ids={{ root: 'bf-progress', bar: 'bf-progress-bar', summary: 'bf-summary', close: 'bf-close' }}
          onClose={onClose}
        />
      )}
    </Modal>
  );
}

/** The data a backfill can fetch, as the dialog names it; `demo` marks what the demo source offers too. */
const SCHEMA_CHOICES: { value: string; label: string; demo: boolean }[] = [
  { value: 'ohlcv', label: 'Bars (OHLCV)', demo: true },
  { value: 'mbp-10', label: 'Order book, 10 levels (MBP-10) → book', demo: true },
  { value: 'mbp-1', label: 'Top of book (MBP-1) → quotes', demo: false },
  { value: 'tbbo', label: 'Trades with the quote before (TBBO) → quotes', demo: false },
  { value: 'bbo-1s', label: 'Best bid and offer each second → quotes', demo: false },
  { value: 'bbo-1m', label: 'Best bid and offer each minute → quotes', demo: false },
  { value: 'mbo', label: 'Orders (MBO) → orders', demo: false },
  { value: 'definition', label: 'Instrument definitions → definitions', demo: false },
  { value: 'statistics', label: 'Statistics (settlement, open interest) → statistics', demo: false },
  { value: 'status', label: 'Trading status → status', demo: false },
  { value: 'imbalance', label: 'Auction imbalance → imbalance', demo: false },
  { value: 'options', label: 'Option chains (definitions, open interest, quotes, trades) → options tables; Databento: name the parent, e.g. ES.OPT', demo: true },
];
