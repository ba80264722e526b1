import { DEMO_SYMBOLS } from '../../common/instruments';
import type { Catalog } from '../catalog';
import type { JobService } from '../jobs/job-service';

const DAY_MS = 86_400_000;

/**
 * Starts the demo backfill on a home that has never been seeded (and holds no bars), or resumes a
 * seed an ended process interrupted; returns its job id, or undefined when there is nothing to do.
 */
export function seedDemoIfNeeded(cat: Catalog, jobs: JobService, opts: { days?: number; today?: Date }): string | undefined {
  const seeded = cat.getSetting('demo.seeded');
  if (seeded !== undefined) {
    const j = cat.getJob(seeded);
    if (j && (j.status === 'interrupted' || j.status === 'failed')) {
      const { jobId } = jobs.resume(seeded);
      cat.setSetting('demo.seeded', jobId);
      return jobId;
    }
    return undefined;
  }
  if (cat.barFiles().length > 0) return undefined;
  const today = opts.today ?? new Date();
  const days = opts.days ?? 730;
  const to = new Date(Math.floor(today.getTime() / DAY_MS) * DAY_MS - DAY_MS).toISOString().slice(0, 10);
  const from = new Date(Date.parse(to) - (days - 1) * DAY_MS).toISOString().slice(0, 10);
  const { jobId } = jobs.start({ kind: 'backfill', source: 'demo', symbols: [...DEMO_SYMBOLS], timeframe: '1m', from, to });
  cat.setSetting('demo.seeded', jobId);
  return jobId;
}
