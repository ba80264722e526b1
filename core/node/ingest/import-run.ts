import type { ImportResult } from '../../common/types';
import type { ImportRequest, ImportTick } from '../jobs/job-service';
import type { WorkerContext } from '../jobs/worker-context';
import { importFile } from './import-file';
import { universeExclusions } from './import-universe';
import { checkDiskSpace } from '../lake/publish';
import { storeRejects } from './reject-store';

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
    const r = await importFile(ctx, file, { ...base, exclude }, runId);
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
