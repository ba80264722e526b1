import type { JobInfo, JobProgress } from '../../../core/common/jobs/types';
import { clickOnce } from '../forms';
import { client } from '../api';
import { fmtEta, fmtInt, fmtTime } from '../format';

function describe(j: JobInfo): string {
  const r = j.request as { kind?: string; source?: string; symbols?: string[]; from?: string; to?: string };
  if (r.kind === 'import') return `import ${((j.request as { paths?: string[] }).paths ?? []).map((p) => p.split(/[\\/]/).pop()).join(', ')}`;
  return r.kind === 'backfill' ? `${r.source} ${r.symbols?.join(',')} ${r.from} → ${r.to}` : j.kind;
}

/** Jobs with their progress; a job that failed on its input offers Edit & retry (its dialog, filled in) instead of a Resume that would fail again. */
export function JobsView({ jobs, progress, onRetry }: { jobs: JobInfo[]; progress: Record<string, JobProgress>; onRetry: (j: JobInfo) => void }) {
  return (
    <div className="jobs-view">
      <div className="toolbar">
        <h2>Jobs</h2>
      </div>
      <table className="grid" data-testid="jobs-table">
        <thead>
          <tr>
            <th>Started</th>
            <th>Job</th>
            <th>Status</th>
            <th>Progress</th>
            <th className="num">Rate</th>
            <th>ETA</th>
            <th>Outcome</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => {
            const p = progress[j.id] ?? j.progress;
            const frac = j.status === 'succeeded' ? 1 : p?.fraction ?? 0;
            return (
              <tr key={j.id} data-testid={`job-${j.id}`}>
                <td>{fmtTime(j.startedAt ?? j.createdAt)}</td>
                <td className="wrap">{describe(j)}</td>
                <td className={`job-status ${j.status}`} data-testid={`job-status-${j.id}`}>
                  {j.failedOnInput ? 'failed on its input' : j.status}
                </td>
                <td>
                  <progress max={1} value={frac} /> {Math.round(frac * 100)}%
                </td>
                <td className="num">{p && j.status === 'running' ? `${fmtInt(p.rate)}/s` : ''}</td>
                <td>{j.status === 'running' ? fmtEta(p?.etaSeconds ?? null) : ''}</td>
                <td className="wrap outcome">{j.summary ?? j.error ?? ''}</td>
                <td>
                  {(j.status === 'running' || j.status === 'queued') && <button onClick={clickOnce(() => client.call('jobs.cancel', { jobId: j.id }))}>Cancel</button>}
                  {(j.status === 'interrupted' || j.status === 'failed' || j.status === 'cancelled') && !j.failedOnInput && (
                    <button onClick={clickOnce(() => client.call('jobs.resume', { jobId: j.id }))}>Resume</button>
                  )}
                  {j.failedOnInput && (j.kind === 'backfill' || j.kind === 'import') && (
                    <button onClick={() => onRetry(j)} data-testid={`job-retry-${j.id}`}>
                      Edit &amp; retry…
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {jobs.length === 0 && <p className="muted">No jobs yet.</p>}
    </div>
  );
}
