import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { ApiError } from '../common/errors';

const MARKER = 'quantdesk.json';
const FORMAT = 1;

/** Paths inside a home folder. */
export interface HomeLayout {
  /** The home folder itself. */
  root: string;
  /** Stable id of this home, written at creation. */
  id: string;
  /** Root of the Parquet lake. */
  lake: string;
  /** Staging folder for atomic publication, emptied at start-up. */
  tmp: string;
  /** Catalog database. */
  catalog: string;
  /** Paper-trading journal database. */
  journal: string;
  /** Model registry folder. */
  models: string;
  /** Write lock file. */
  lock: string;
}

function layout(root: string, id: string): HomeLayout {
  const lake = path.join(root, 'lake');
  return {
    root,
    id,
    lake,
    tmp: path.join(lake, '_tmp'),
    catalog: path.join(root, 'catalog.sqlite'),
    journal: path.join(root, 'journal.sqlite'),
    models: path.join(root, 'models'),
    lock: path.join(root, 'quantdesk.lock'),
  };
}

function describe(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code === 'EACCES' || err.code === 'EPERM' ? 'permission denied' : err.code === 'ENOTDIR' ? 'a file is in the way' : (err.message ?? String(e));
}

/**
 * Opens a home folder, creating it when absent or empty. A folder that holds other files but no
 * Quantdesk marker is refused, so the app never scatters its lake into someone else's folder.
 */
export function openHome(dir: string, opts: { create?: boolean } = {}): HomeLayout {
  const root = path.resolve(dir);
  let entries: string[];
  try {
    const st = fs.statSync(root);
    if (!st.isDirectory()) throw new ApiError('invalid_argument', `home ${root} is a file, not a folder; pass --home with a folder path`, 'home');
    entries = fs.readdirSync(root);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ApiError('invalid_argument', `cannot read home ${root}: ${describe(e)}; check its permissions or choose another with --home`, 'home');
    }
    if (opts.create === false) throw new ApiError('not_found', `home ${root} does not exist; run a backfill or \`quantdesk serve\` to create it`, 'home');
    entries = [];
  }
  const markerPath = path.join(root, MARKER);
  if (entries.includes(MARKER)) {
    let marker: { app?: string; format?: number; id?: string };
    try {
      marker = JSON.parse(fs.readFileSync(markerPath, 'utf8')) as typeof marker;
    } catch (e) {
      throw new ApiError('invalid_argument', `home ${root}: ${MARKER} is unreadable (${describe(e)}); restore it or choose another home`, 'home');
    }
    if (marker.app !== 'quantdesk' || typeof marker.id !== 'string') {
      throw new ApiError('invalid_argument', `home ${root}: ${MARKER} does not belong to Quantdesk; choose another home`, 'home');
    }
    if ((marker.format ?? 0) > FORMAT) {
      throw new ApiError('invalid_argument', `home ${root} was written by a newer Quantdesk (format ${marker.format}); upgrade the app`, 'home');
    }
    return ensureFolders(layout(root, marker.id));
  }
  if (entries.length > 0) {
    throw new ApiError('invalid_argument', `home ${root} is not a Quantdesk home (it holds ${entries.length} other entries and no ${MARKER}); choose an empty or new folder`, 'home');
  }
  if (opts.create === false) throw new ApiError('not_found', `home ${root} is empty; run a backfill or \`quantdesk serve\` to seed it`, 'home');
  try {
    fs.mkdirSync(root, { recursive: true });
    const id = randomUUID();
    fs.writeFileSync(markerPath, `${JSON.stringify({ app: 'quantdesk', format: FORMAT, id, createdAt: new Date().toISOString() }, null, 2)}\n`);
    return ensureFolders(layout(root, id));
  } catch (e) {
    throw new ApiError('invalid_argument', `cannot create home ${root}: ${describe(e)}; choose another with --home`, 'home');
  }
}

function ensureFolders(h: HomeLayout): HomeLayout {
  for (const d of [h.lake, h.tmp, h.models]) fs.mkdirSync(d, { recursive: true });
  return h;
}
