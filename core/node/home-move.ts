import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ApiError } from '../common/errors';
import { openHome } from './home';
import { acquireLock } from './lock';

/** What a home move did. */
export interface HomeMove {
  from: string;
  to: string;
  /** `rename` on one file system (atomic), `copy` across file systems (copied, verified, then the old one removed). */
  method: 'rename' | 'copy';
  /** Files and bytes now at the destination. */
  files: number;
  bytes: number;
  /** Lake files the catalog lists, every one found at the destination. */
  lakeFiles: number;
}

/** Relative path → size of every file under a folder. */
function inventory(root: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(path.relative(root, p), fs.statSync(p).size);
    }
  };
  walk(root);
  return out;
}

/** The catalog at `root` is intact and every lake file it lists is there; returns how many it lists. */
function verifyHome(root: string, nativeBinding: string | undefined): number {
  const db = new Database(path.join(root, 'catalog.sqlite'), { readonly: true, fileMustExist: true, nativeBinding });
  try {
    const check = db.pragma('integrity_check', { simple: true });
    if (check !== 'ok') throw new ApiError('internal', `the catalog at ${root} failed its integrity check (${String(check)})`);
    const files = (db.prepare('SELECT path FROM bar_files').all() as { path: string }[]).map((r) => r.path);
    const missing = files.filter((f) => !fs.existsSync(path.join(root, 'lake', f)));
    if (missing.length) throw new ApiError('internal', `${missing.length} lake files the catalog lists are missing at ${root}, e.g. ${missing[0]}`);
    return files.length;
  } finally {
    db.close();
  }
}

/** The destination of a home move, resolved; refused when it contains or lies inside the home, or holds files. */
export function checkMoveTarget(home: string, toDir: string): string {
  const to = path.resolve(toDir);
  const inside = (a: string, b: string): boolean => a === b || a.startsWith(b + path.sep);
  if (inside(to, home) || inside(home, to)) throw new ApiError('invalid_argument', `cannot move ${home} to ${to}: one folder contains the other; choose a destination outside the home`, 'to');
  const st = fs.statSync(to, { throwIfNoEntry: false });
  if (st && (!st.isDirectory() || fs.readdirSync(to).length > 0)) throw new ApiError('invalid_argument', `${to} already exists and is not an empty folder; choose a new or empty one`, 'to');
  if (!fs.existsSync(path.dirname(to))) throw new ApiError('invalid_argument', `${path.dirname(to)} does not exist; create it first or choose another destination`, 'to');
  return to;
}

/**
 * Moves a home folder, keeping catalog and lake together: it takes the home's write lock (so no app
 * or job is using it), renames the folder where source and destination share a file system, and
 * otherwise copies it beside the destination, checks every file's size, renames the copy into place
 * and only then removes the original. Either way the catalog is checked and every lake file it lists
 * is found at the destination. The destination must not exist or be an empty folder. `copy` forces
 * the copy path; `sqliteBinding` is the better-sqlite3 addon for runtimes other than Node (Electron).
 */
export function moveHome(fromDir: string, toDir: string, opts: { copy?: boolean; sqliteBinding?: string } = {}): HomeMove {
  const from = openHome(fromDir, { create: false });
  const to = checkMoveTarget(from.root, toDir);
  const st = fs.statSync(to, { throwIfNoEntry: false });
  const lock = acquireLock(from.lock, 'quantdesk home move');
  let method: HomeMove['method'] = 'rename';
  try {
    if (st) fs.rmdirSync(to);
    try {
      if (opts.copy) throw Object.assign(new Error('copy asked for'), { code: 'EXDEV' });
      fs.renameSync(from.root, to);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      method = 'copy';
      const partial = `${to}.partial-${process.pid}`;
      fs.rmSync(partial, { recursive: true, force: true });
      fs.cpSync(from.root, partial, { recursive: true, errorOnExist: true, force: false, filter: (src) => src !== from.lock });
      const want = inventory(from.root);
      want.delete(path.relative(from.root, from.lock));
      const got = inventory(partial);
      const differs = [...want].filter(([f, size]) => got.get(f) !== size);
      if (differs.length || got.size !== want.size) {
        fs.rmSync(partial, { recursive: true, force: true });
        throw new ApiError('internal', `the copy of ${from.root} differs from the original (${differs[0]?.[0] ?? 'file count'}); nothing was moved`);
      }
      fs.renameSync(partial, to);
    }
  } catch (e) {
    lock.release();
    throw e instanceof ApiError ? e : new ApiError('invalid_argument', `cannot move ${from.root} to ${to}: ${(e as Error).message}`, 'to');
  }
  // After a rename the lock came along; after a copy it still guards the original.
  fs.rmSync(path.join(to, path.basename(from.lock)), { force: true });
  let lakeFiles: number;
  try {
    lakeFiles = verifyHome(to, opts.sqliteBinding);
  } catch (e) {
    // A copy that does not check out is dropped and the original stays; a renamed home is where it is.
    if (method === 'copy') {
      fs.rmSync(to, { recursive: true, force: true });
      lock.release();
    }
    throw e;
  }
  if (method === 'copy') fs.rmSync(from.root, { recursive: true, force: true });
  const files = inventory(to);
  return { from: from.root, to, method, files: files.size, bytes: [...files.values()].reduce((a, b) => a + b, 0), lakeFiles };
}
