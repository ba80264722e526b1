import type { MenuItemModel, MenuModel } from '../../core/common/menu';
import { Modal } from './Modal';

/** An accelerator as the keys to press here (Cmd on macOS, Ctrl elsewhere). */
function keys(accelerator: string): string {
  const mac = /Mac/i.test(navigator.platform);
  return accelerator.replace('CmdOrCtrl', mac ? 'Cmd' : 'Ctrl').replaceAll('+', ' + ');
}

/** Every menu command that has a keyboard shortcut, grouped by menu, from the same model the menus are built from. */
export function ShortcutSheet({ menus, onClose }: { menus: MenuModel[]; onClose: () => void }) {
  const groups = menus.map((m) => ({ label: m.label, items: m.items.filter((it): it is Exclude<MenuItemModel, { kind: 'separator' }> & { accelerator: string } => it.kind !== 'separator' && it.accelerator !== undefined) })).filter((g) => g.items.length > 0);
  return (
    <Modal label="Keyboard shortcuts" testId="shortcut-sheet" onClose={onClose}>
      <h2>Keyboard shortcuts</h2>
      <table className="grid">
        <tbody>
          {groups.flatMap((g) => [
            <tr key={g.label}>
              <th colSpan={2}>{g.label}</th>
            </tr>,
            ...g.items.map((it) => (
              <tr key={`${g.label}-${it.label}`}>
                <td>{it.label}</td>
                <td>
                  <kbd>{keys(it.accelerator)}</kbd>
                </td>
              </tr>
            )),
          ])}
          <tr>
            <th colSpan={2}>Dialogs</th>
          </tr>
          <tr>
            <td>Close (only the halts act behind an open dialog)</td>
            <td>
              <kbd>Escape</kbd>
            </td>
          </tr>
        </tbody>
      </table>
      <div className="actions">
        <button onClick={onClose}>Close</button>
      </div>
    </Modal>
  );
}
