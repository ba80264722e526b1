import type { OpenDialogOptions } from 'electron';
import { fileDialogRequest, type FileDialogResult } from '../../core/common/file-dialog';

/** Checks a renderer's dialog request and turns it into Electron's open dialog options; a bad request throws naming the field. */
export function nativeDialog(request: unknown): OpenDialogOptions {
  const parsed = fileDialogRequest.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`file dialog request: ${issue.path.join('.') || 'request'}: ${issue.message}`);
  }
  const { mode, title, defaultPath, filters } = parsed.data;
  return { title, ...(defaultPath ? { defaultPath } : {}), ...(filters ? { filters } : {}), properties: mode === 'open-folder' ? ['openDirectory', 'createDirectory'] : ['openFile', 'multiSelections'] };
}

/** The chosen paths from what Electron's open dialog resolved with; empty when cancelled. */
export function chosenPaths(r: { canceled: boolean; filePaths: string[] }): FileDialogResult {
  return r.canceled ? [] : r.filePaths;
}
