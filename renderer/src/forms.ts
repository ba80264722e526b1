import type { FormEvent } from 'react';

/** A form's submit handler that stays on the page and runs `action` (Enter in any field submits). */
export const submitWith =
  (action: () => unknown) =>
  (e: FormEvent): void => {
    e.preventDefault();
    void action();
  };
