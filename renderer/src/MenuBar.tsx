import { useEffect, useState } from 'react';
import type { MenuCommand, MenuModel } from '../../core/common/menu';

/** The application menu drawn in the page, for the browser host (Electron shows the native one). */
export function MenuBar({ menus, onCommand }: { menus: MenuModel[]; onCommand: (c: MenuCommand) => void }) {
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    if (open === null) return;
    const close = (): void => setOpen(null);
    window.addEventListener('click', close);
    return () => window.removeEventListener('click', close);
  }, [open]);
  return (
    <div className="menubar" role="menubar">
      {menus
        .filter((m) => m.items.length > 0)
        .map((m) => (
          <div key={m.label} className="menu">
            <button
              role="menuitem"
              aria-haspopup="true"
              aria-expanded={open === m.label}
              onClick={(e) => {
                e.stopPropagation();
                setOpen(open === m.label ? null : m.label);
              }}
            >
              {m.label}
            </button>
            {open === m.label && (
              <div className="menu-items" role="menu">
                {m.items.map((it, i) =>
                  it.kind === 'separator' ? (
                    <hr key={i} />
                  ) : it.kind === 'command' ? (
                    <button key={i} role="menuitem" onClick={() => (setOpen(null), onCommand(it.command))}>
                      <span>{it.label}</span>
                      <kbd>{it.accelerator?.replace('CmdOrCtrl', navigator.platform.startsWith('Mac') ? '⌘' : 'Ctrl')}</kbd>
                    </button>
                  ) : null,
                )}
              </div>
            )}
          </div>
        ))}
    </div>
  );
}
