import { useEffect, useRef, type ReactNode } from 'react';

/** The open dialogs' close handlers, innermost last: Escape closes the innermost only. */
const openDialogs: (() => void)[] = [];

/** Whether a dialog is open: the app's keyboard shortcuts (but the halts) wait behind it. */
export const dialogOpen = (): boolean => openDialogs.length > 0;

/**
 * A dialog over a backdrop: Escape and a click on the backdrop close it (a drag that starts inside and
 * ends outside does not), and while it is open the app's shortcuts do not act behind it.
 */
export function Modal(p: { label: string; testId?: string; wide?: boolean; onClose: () => void; children: ReactNode }) {
  const close = useRef(p.onClose);
  close.current = p.onClose;
  const downOnBackdrop = useRef(false);
  useEffect(() => {
    const handler = (): void => close.current();
    openDialogs.push(handler);
    const onKey = (e: KeyboardEvent): void => {
      if (e.key !== 'Escape' || openDialogs[openDialogs.length - 1] !== handler) return;
      e.preventDefault();
      e.stopPropagation();
      handler();
    };
    window.addEventListener('keydown', onKey, true);
    return () => {
      openDialogs.splice(openDialogs.indexOf(handler), 1);
      window.removeEventListener('keydown', onKey, true);
    };
  }, []);
  return (
    <div
      className="modal-backdrop"
      onMouseDown={(e) => (downOnBackdrop.current = e.target === e.currentTarget)}
      onClick={(e) => {
        if (downOnBackdrop.current && e.target === e.currentTarget) close.current();
        downOnBackdrop.current = false;
      }}
    >
      <div className={p.wide ? 'modal wide' : 'modal'} role="dialog" aria-modal="true" aria-label={p.label} data-testid={p.testId}>
        {p.children}
      </div>
    </div>
  );
}
