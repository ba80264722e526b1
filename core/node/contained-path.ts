import path from 'node:path';
import { ApiError } from '../common/errors';

/**
 * A path inside `folder`, or a refusal: names from outside (a bundle, a file, a client) must not
 * reach beyond the folder they are meant for, whatever `..` or absolute parts they hold.
 */
export function insideFolder(folder: string, parts: readonly string[], field: string): string {
  const base = path.resolve(folder);
  const target = path.resolve(base, ...parts);
  if (!target.startsWith(base + path.sep)) throw new ApiError('invalid_argument', `${parts.join('/')} leads outside ${base}; names may not hold folders or ..`, field);
  return target;
}
