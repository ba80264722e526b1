import type { FormEvent, MouseEvent } from 'react';

/** Forms and buttons whose work is in flight: a second submit or click is ignored until it settles. */
const inFlight = new WeakSet<Element>();

/** Runs `action` for `el` unless its last run is still in flight; `aria-busy` marks it (and greys its buttons) meanwhile. */
function once(el: Element, action: () => unknown): void {
  if (inFlight.has(el)) return;
  inFlight.add(el);
  el.setAttribute('aria-busy', 'true');
  void Promise.resolve()
    .then(action)
    .finally(() => {
      inFlight.delete(el);
      el.removeAttribute('aria-busy');
    });
}

/**
 * A form's submit handler that stays on the page and runs `action` (Enter in any field submits); a
 * double click or a second Enter while it runs does not start the work twice.
 */
export const submitWith =
  (action: () => unknown) =>
  (e: FormEvent): void => {
    e.preventDefault();
    once(e.currentTarget, action);
  };

/** A click handler for a button that starts work: clicks while the work is in flight are ignored. */
export const clickOnce =
  (action: () => unknown) =>
  (e: MouseEvent): void => {
    once(e.currentTarget, action);
  };
