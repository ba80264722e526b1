import fs from 'node:fs';
import type { Handlers, MethodsOf } from '../../common/api';
import { ApiError } from '../../common/errors';
import { DEMO_SYMBOLS } from '../../common/instruments';
import type { JobRequest } from '../../common/job-requests';
import { trainConfigSchema } from '../../common/models/schemas';
import type { Catalog } from '../catalog';
import { readBuild, requireComplete } from '../features/analysis';
import { featureSetDirs, loadFeatureSet } from '../features/feature-sets';
import { resolveTraining } from '../models/train';
import type { ServiceContext } from '../service-context';
import { assertRegularFile } from '../untrusted-files';
import { missingVendorKey } from './backfill';

/** Jobs: start (a request is checked before it is queued, so a bad one is a usage error), list, get, cancel, resume. */
export function jobHandlers(ctx: ServiceContext): Pick<Handlers, MethodsOf<'jobs'>> {
  const { catalog: cat } = ctx;
  return {
    'jobs.start': async (a) => {
      refuseBadRequest(ctx, a);
      return ctx.needJobs().start(a);
    },
    'jobs.list': async (a) => (ctx.jobs ? ctx.jobs.list(a.all ?? false) : cat.listJobs({ all: a.all })),
    'jobs.get': async (a) => {
      const j = cat.getJob(a.jobId);
      if (!j) throw new ApiError('not_found', `no job ${a.jobId}`, 'jobId');
      return j;
    },
    'jobs.cancel': async (a) => ctx.needJobs().cancel(a.jobId),
    'jobs.resume': async (a) => ctx.needJobs().resume(a.jobId),
  };
}

/** Throws the usage error a request would only meet once its job ran: a missing key, an unknown symbol, an incomplete build. */
function refuseBadRequest(ctx: ServiceContext, a: JobRequest): void {
  const { home, catalog: cat } = ctx;
  const resources = ctx.options.resources;
  const noKey = a.kind === 'backfill' ? missingVendorKey(a.source, ctx.vendorKeys.config()) : undefined;
  if (noKey) throw new ApiError('invalid_argument', noKey, 'source');
  const unknown = a.kind === 'backfill' && a.source === 'demo' ? a.symbols.filter((s) => !DEMO_SYMBOLS.includes(s)) : [];
  if (a.kind === 'backfill' && unknown.length) {
    throw new ApiError('invalid_argument', `the demo source has no symbol ${unknown.join(', ')}; it offers ${DEMO_SYMBOLS.join(', ')}`, `symbols.${a.symbols.indexOf(unknown[0]!)}`);
  }
  if (a.kind === 'features') {
    const set = loadFeatureSet(a.set, featureSetDirs(home.root, resources));
    const missing = [...(a.symbols?.length ? a.symbols : set.symbols), ...set.features.flatMap((f) => (f.params.symbol ? [f.params.symbol] : []))].find((s) => cat.storedTimeframes(s).length === 0);
    if (missing) throw new ApiError('invalid_argument', `feature set ${set.name} (${set.file}) refers to symbol ${missing}, which the lake lacks; import or backfill it first`, 'symbols');
  }
  // A path that is there but is no regular file (a FIFO, a device) is refused now, not after the job waited on it.
  if (a.kind === 'import') a.paths.forEach((p, i) => fs.existsSync(p) && assertRegularFile(p, `paths.${i}`));
  // An incomplete build is refused now, naming its missing symbols, unless the request allows a partial one.
  if (a.kind === 'promote') requireComplete(readBuild(home.lake, a.build), a.allowPartial, 'promotion to a gold dataset');
  if (a.kind === 'train') resolveTraining(home, resources, trainConfigSchema.parse(a.config), a.allowPartial);
  if (a.kind === 'portfolio') refuseMixedTimeframes(cat, a.runs);
  if (a.kind === 'ic') {
    const set = loadFeatureSet(a.set, featureSetDirs(home.root, resources));
    requireComplete(readBuild(home.lake, `${set.name}@${set.hash}`), a.allowPartial, 'an IC analysis');
  }
}

/** A portfolio combines trades bar by bar: runs on different timeframes are refused before a job is queued. */
function refuseMixedTimeframes(cat: Catalog, runs: string[]): void {
  const rows = cat.db.prepare(`SELECT id, timeframe FROM backtests WHERE id IN (${runs.map(() => '?').join(',')})`).all(...runs) as { id: string; timeframe: string }[];
  const missing = runs.filter((id) => !rows.some((r) => r.id === id));
  if (missing.length) throw new ApiError('not_found', `no backtest run ${missing.join(', ')}; the Backtests view lists the stored runs`, 'runs');
  const frames = [...new Set(rows.map((r) => r.timeframe))];
  if (frames.length > 1) throw new ApiError('invalid_argument', `the runs are on different timeframes (${frames.map((tf) => `${tf}: ${rows.filter((r) => r.timeframe === tf).map((r) => r.id).join(', ')}`).join('; ')}); a portfolio combines runs of one timeframe`, 'runs');
}
