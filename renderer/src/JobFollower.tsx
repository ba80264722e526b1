import type { ReactNode } from 'react';
import { clickOnce } from './forms';
import type { JobInfo, JobProgress } from '../../core/common/jobs/types';
import { client } from './api';

/** The job a dialog started, its live progress, and whether it has ended. */
export function followJob(jobId: string | null, jobs: JobInfo[], progress: Record<string, JobProgress>): { job?: JobInfo; p?: JobProgress; done: boolean } {
  const job = jobs.find((j) => j.id === jobId);
  return { job, p: jobId ? progress[jobId] : undefined, done: job !== undefined && !['queued', 'running'].includes(job.status) };
}

/** The message of an API error when it names `field` (its path's first part), for display beside that field. */
export function fieldErrorOf(error: { message: string; path?: string } | null): (field: string) => string | null {
  return (field) => (error && (error.path ?? '').split('.')[0] === field ? error.message : null);
}

/** A panel's job while it has not succeeded: its status, or why it failed. */
export function JobStatus({ job }: { job: JobInfo | undefined }) {
  return job && job.status !== 'succeeded' ? <span className="muted">{job.status === 'failed' ? `failed: ${job.error}` : job.status}</span> : null;
}

/** A dialog's view of the job it started: progress bar, running or final status, cancel and close. */
export function JobFollower(o: { jobId: string; jobs: JobInfo[]; progress: Record<string, JobProgress>; running: (p?: JobProgress) => string; ids: { root: string; bar: string; summary: string; close: string }; onClose: () => void; children?: ReactNode }) {
  const { job, p, done } = followJob(o.jobId, o.jobs, o.progress);
  return (
    <div data-testid={o.ids.root}>
      <progress max={1} value={job?.status === 'succeeded' ? 1 : p?.fraction ?? 0} data-testid={o.ids.bar} />
      <p data-testid={o.ids.summary} className={done ? job?.status : undefined}>
        {done ? (job?.status === 'succeeded' ? `Done: ${job.summary}` : `${job?.status}: ${job?.error ?? job?.summary ?? ''}`) : `${job?.status ?? 'queued'} · ${o.running(p)}`}
      </p>
      {o.children}
      <div className="actions">
        {!done && (
          <button type="button" onClick={clickOnce(() => client.call('jobs.cancel', { jobId: o.jobId }))}>
            Cancel job
          </button>
        )}
        <button type="button" className="primary" onClick={o.onClose} data-testid={o.ids.close}>
          {done ? 'Close' : 'Run in background'}
        </button>
      </div>
    </div>
  );
}
