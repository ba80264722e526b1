import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/errors';
import type { HomeLayout } from './home';

/**
 * Appends one chunk of an uploaded file under `<home>/inbox/<uploadId>/<name>`. Chunks must arrive
 * in order (`offset` equals the bytes received so far); the last one returns the file's path.
 */
export function receiveUpload(home: HomeLayout, a: { uploadId?: string; name: string; offset: number; data: Uint8Array; done: boolean }): { uploadId: string; path: string | null; bytes: number } {
  const uploadId = a.uploadId ?? randomUUID();
  const dir = path.join(home.root, 'inbox', uploadId);
  const file = path.join(dir, path.basename(a.name));
  if (a.uploadId === undefined) {
    if (a.offset !== 0) throw new ApiError('invalid_argument', 'the first chunk of an upload starts at offset 0', 'offset');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, '');
  } else if (!fs.existsSync(file)) {
    throw new ApiError('not_found', `no upload ${a.uploadId} of ${a.name}; start again without an uploadId`, 'uploadId');
  }
  const size = fs.statSync(file).size;
  if (a.offset !== size) throw new ApiError('invalid_argument', `chunk at offset ${a.offset} but ${size} bytes have arrived; send chunks in order`, 'offset');
  fs.appendFileSync(file, a.data);
  return { uploadId, path: a.done ? file : null, bytes: size + a.data.length };
}
