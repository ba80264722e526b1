/** A form dialog's footer: Cancel, which closes it, and the button that submits the form and starts its work. */
export function DialogActions({ onCancel, submit, disabled = false, testId }: { onCancel: () => void; submit: string; disabled?: boolean; testId: string }) {
  return (
    <div className="actions">
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      <button type="submit" className="primary" disabled={disabled} data-testid={testId}>
        {submit}
      </button>
    </div>
  );
}
