import { useState } from 'react';
import type { FileDialogRequest } from '../../core/common/file-dialog';
import { nativeFileDialog } from './api';

/**
 * "Browse…" beside a path field: the desktop host's native dialog fills the field. In a browser the
 * page cannot see the host's folders, so the path is typed and no button shows.
 */
export function BrowseButton({ request, onChosen, testId }: { request: FileDialogRequest; onChosen: (paths: string[]) => void; testId?: string }) {
  const [error, setError] = useState<string | null>(null);
  if (!nativeFileDialog) return null;
  const open = (): void => {
    setError(null);
    nativeFileDialog!(request).then(
      (paths) => paths.length > 0 && onChosen(paths),
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };
  return (
    <>
      <button type="button" onClick={open} data-testid={testId}>
        Browse…
      </button>
      {error && <span className="field-error">{error}</span>}
    </>
  );
}

/** "Browse…" for a folder path: the dialog starts at the folder typed so far and puts the chosen one in the field. */
export function BrowseFolderButton({ title, value, onChange, testId }: { title: string; value: string; onChange: (path: string) => void; testId: string }) {
  return <BrowseButton request={{ mode: 'open-folder', title, ...(value ? { defaultPath: value } : {}) }} onChosen={([path]) => onChange(path!)} testId={testId} />;
}
