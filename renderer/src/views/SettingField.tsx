import { useState, type ReactNode } from 'react';

/** One setting: its control, a Save button, and the outcome (the server's error, next to the field). */
export function Field({ id, label, hint, children, onSave }: { id: string; label: string; hint?: string; children: ReactNode; onSave: () => Promise<string> }) {
  const [state, setState] = useState<{ ok: boolean; text: string } | null>(null);
  return (
    <form
      className="setting"
      onSubmit={(e) => {
        e.preventDefault();
        onSave().then(
          (text) => setState({ ok: true, text }),
          (err: Error) => setState({ ok: false, text: err.message }),
        );
      }}
      data-testid={`setting-${id}`}
    >
      <label>
        <span className="setting-label">{label}</span>
        {children}
      </label>
      <button type="submit">Save</button>
      {state && (
        <span className={state.ok ? 'saved' : 'error'} role={state.ok ? 'status' : 'alert'} data-testid={`setting-${id}-${state.ok ? 'saved' : 'error'}`}>
          {state.text}
        </span>
      )}
      {hint && <div className="hint">{hint}</div>}
    </form>
  );
}
