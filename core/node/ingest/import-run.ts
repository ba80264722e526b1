import path from 'node:path';
import type { ImportResult } from '../../common/lake/types';
import type { ImportRequest } from '../../common/job-requests';
import type { ImportTick } from '../jobs/tasks';
import type { WorkerContext } from '../jobs/worker-context';
import { importFile } from './import-file';
import { universeExclusions } from './import-universe';
import { checkDiskSpace } from '../lake/publish';
import { storeRejects } from './reject-store';

/** An uploaded file's error names it as the user chose it, not by the host's inbox folder it was copied to. */
function hideInbox(e: unknown, home: string): unknown {
  if (!(e instanceof Error)) return e;
  const inbox = path.join(home, 'inbox') + path.sep;
  let message = e.message;
  for (let at = message.indexOf(inbox); at >= 0; at = message.indexOf(inbox, at)) {
    const end = message.indexOf(path.sep, at + inbox.length);
    if (end < 0) break;
    message = message.slice(0, at) + message.slice(end + 1);
  }
  e.message = message;
  return e;
}

/**
 * Imports the files of one request in order, storing every reject in the catalog as it goes.
 * A file that cannot be read at all stops the run with an error naming it; files before it stay.
 */
export async function runImport(ctx: WorkerContext, req: ImportRequest, runId: string, report: (t: ImportTick) => void, cancelled: () => boolean): Promise<ImportResult> {
  const out: ImportResult = { runId, accepted: 0, rejected: 0, duplicates: 0, inputRows: 0, symbols: [], files: [] };
  const base = { format: req.format, symbol: req.symbol, tz: req.tz, map: req.map };
  // A universe filter needs every file's symbols first: a first pass judges them, the import then rejects the rest.
  const exclude = req.universe ? await universeExclusions(ctx, req.paths, base, req.universe) : undefined;
  if (exclude) out.excluded = [...exclude.keys()].sort();
  for (const [i, file] of req.paths.entries()) {
    if (cancelled()) break;
    checkDiskSpace(ctx.home.root);
    const r = await importFile(ctx, file, { ...base, exclude }, runId).catch((e: unknown) => {
      throw hideInbox(e, ctx.home.root);
    });
    storeRejects(ctx.catalog, runId, r.file, `import:${r.format}`, r.rejects);
    const { rejects: _rejects, ...summary } = r;
    out.files.push(summary);
    out.accepted += r.accepted;
    out.rejected += r.rejected;
    out.duplicates += r.duplicates;
    out.inputRows += r.inputRows;
    for (const s of r.series) {
      if (!out.symbols.includes(s.symbol)) out.symbols.push(s.symbol);
      if (req.calendar) ctx.catalog.setSymbolCalendar(s.symbol, req.calendar);
    }
    report({ filesDone: i + 1, filesTotal: req.paths.length, rows: out.inputRows, accepted: out.accepted });
  }
  return out;
}
