import { useState } from 'react';
import { client } from '../api';
import { submitWith } from '../forms';

/** Saves a run's strategy, parameters, model and the terms it was backtested on as a strategy config (strategies/NAME.yml). */
export function SaveStrategyForm({ runId, suggested }: { runId: string; suggested: string }) {
  const [name, setName] = useState(suggested);
  const [replace, setReplace] = useState(false);
  const [state, setState] = useState<{ ok: boolean; text: string } | null>(null);
  const save = async (): Promise<void> => {
    setState(null);
    try {
      const c = await client.call('backtest.saveStrategy', { runId, name: name.trim(), ...(replace ? { overwrite: true } : {}) });
      setState({ ok: true, text: `saved strategies/${c.name}.yml: ${c.strategy} with this run's parameters${c.model ? `, ${c.model}` : ''} and terms; the Backtest dialog and sweeps offer it` });
    } catch (e) {
      setState({ ok: false, text: (e as Error).message });
    }
  };
  return (
    <form className="toolbar" onSubmit={submitWith(save)} data-testid="save-strategy">
      <label>
        Save as strategy config <input value={name} onChange={(e) => setName(e.target.value)} aria-label="Strategy config name" data-testid="save-strategy-name" />
      </label>
      <label>
        <input type="checkbox" checked={replace} onChange={(e) => setReplace(e.target.checked)} data-testid="save-strategy-replace" /> replace one of that name
      </label>
      <button type="submit" data-testid="save-strategy-start">
        Save
      </button>
      {state && (
        <span className={state.ok ? 'saved' : 'error'} role={state.ok ? 'status' : 'alert'} data-testid={state.ok ? 'save-strategy-saved' : 'save-strategy-error'}>
          {state.text}
        </span>
      )}
    </form>
  );
}
