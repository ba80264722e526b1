import type { OpenDialogOptions, SaveDialogOptions } from 'electron';
import { fileDialogRequest, type FileDialogResult } from '../../core/common/file-dialog';

/** A native dialog to show: Electron's open or save dialog with its options. */
export type NativeDialog = { kind: 'open'; options: OpenDialogOptions } | { kind: 'save'; options: SaveDialogOptions };

/** Checks a renderer's dialog request and turns it into Electron dialog options; a bad request throws naming the field. */
export function nativeDialog(request: unknown): NativeDialog {
  const parsed = fileDialogRequest.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`file dialog request: ${issue.path.join('.') || 'request'}: ${issue.message}`);
  }
  const { mode, title, defaultPath, filters } = parsed.data;
  const common = { title, ...(defaultPath ? { defaultPath } : {}), ...(filters ? { filters } : {}) };
  if (mode === 'save') return { kind: 'save', options: { ...common, properties: ['createDirectory', 'showOverwriteConfirmation'] } };
  return { kind: 'open', options: { ...common, properties: mode === 'open-folder' ? ['openDirectory', 'createDirectory'] : ['openFile', 'multiSelections'] } };
}

/** The chosen paths from what Electron's open or save dialog resolved with; empty when cancelled. */
export function chosenPaths(r: { canceled: boolean; filePaths?: string[]; filePath?: string }): FileDialogResult {
  if (r.canceled) return [];
  if (r.filePaths) return r.filePaths;
  return r.filePath ? [r.filePath] : [];
}
