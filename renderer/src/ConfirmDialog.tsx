import { useState } from 'react';
import { clickOnce } from './forms';
import { Modal } from './Modal';

/** A question before an action that changes what is stored: the action runs only on the confirming button, and its error stays in the dialog. */
export function ConfirmDialog(p: { title: string; text: string; verb: string; testId: string; action: () => Promise<unknown>; onDone: () => void; onClose: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const confirm = async (): Promise<void> => {
    try {
      await p.action();
      p.onDone();
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Modal label={p.title} testId={p.testId} onClose={p.onClose}>
      <h2>{p.title}</h2>
      <p>{p.text}</p>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      <div className="actions">
        <button className="primary" onClick={clickOnce(confirm)} data-testid={`${p.testId}-yes`}>
          {p.verb}
        </button>
        <button onClick={p.onClose}>Cancel</button>
      </div>
    </Modal>
  );
}
