import { z } from 'zod';

/**
 * What the renderer may ask the desktop host's native open dialog for. (Saving needs no request:
 * downloads, such as SQL results as CSV, get Electron's own save dialog.)
 */
export const fileDialogRequest = z.strictObject({
  /** Choose files to read, or one folder. */
  mode: z.enum(['open-files', 'open-folder']),
  /** The dialog's title. */
  title: z.string().min(1).max(200),
  /** The file or folder the dialog starts at. */
  defaultPath: z.string().max(4096).optional(),
  /** File type filters, e.g. `{ name: 'CSV', extensions: ['csv'] }`. */
  filters: z
    .array(z.strictObject({ name: z.string().min(1).max(100), extensions: z.array(z.string().max(16).regex(/^(\*|[A-Za-z0-9]+(\.[A-Za-z0-9]+)*)$/, 'an extension without the dot, or *')).min(1).max(30) }))
    .max(20)
    .optional(),
});

/** A request for a native open dialog. */
export type FileDialogRequest = z.infer<typeof fileDialogRequest>;

/** The files the user chose (one path for `open-folder`); empty when the dialog was cancelled. */
export type FileDialogResult = string[];
