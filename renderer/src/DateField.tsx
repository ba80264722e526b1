import { useRef } from 'react';
import { dateSchema } from '../../core/common/schemas';

/**
 * A date typed as YYYY-MM-DD, the format of every date the app shows and every error it gives (a
 * native date input shows the system's locale format instead), with the system's calendar a click away.
 */
export function DateField({ value, onChange, min, max, testId }: { value: string; onChange: (v: string) => void; min?: string; max?: string; testId: string }) {
  const picker = useRef<HTMLInputElement>(null);
  const valid = dateSchema.safeParse(value).success;
  return (
    <span className="date-field">
      <input value={value} onChange={(e) => onChange(e.target.value.trim())} placeholder="YYYY-MM-DD" maxLength={10} spellCheck={false} aria-invalid={value !== '' && !valid} data-testid={testId} />
      <button type="button" className="date-pick" title="Pick a date" aria-label="Pick a date" onClick={() => openPicker(picker.current)}>
        ▦
      </button>
      <input type="date" ref={picker} className="date-picker-proxy" tabIndex={-1} aria-hidden value={valid ? value : ''} min={min} max={max} onChange={(e) => e.target.value && onChange(e.target.value)} />
    </span>
  );
}

/** A from–to pair of DateFields, labelled, with test ids `<testIdPrefix>-from` and `<testIdPrefix>-to`. */
export function DateRangeFields({ from, to, onFrom, onTo, testIdPrefix, labels = ['From', 'To'] }: { from: string; to: string; onFrom: (v: string) => void; onTo: (v: string) => void; testIdPrefix: string; labels?: [string, string] }) {
  return (
    <>
      <label>
        {labels[0]} <DateField value={from} onChange={onFrom} testId={`${testIdPrefix}-from`} />
      </label>
      <label>
        {labels[1]} <DateField value={to} onChange={onTo} testId={`${testIdPrefix}-to`} />
      </label>
    </>
  );
}

function openPicker(input: HTMLInputElement | null): void {
  try {
    input?.showPicker();
  } catch {
    // A browser that cannot show it here (no picker, no user activation) leaves the typed field to use.
  }
}
