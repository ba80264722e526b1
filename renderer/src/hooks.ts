import { useEffect, useState } from 'react';
import type { JobInfo, JobProgress } from '../../core/common/types';
import { client } from './api';

/** Jobs with their live progress, kept current from `job.state` and `job.progress` events. */
export function useJobs(): { jobs: JobInfo[]; progress: Record<string, JobProgress> } {
  const [jobs, setJobs] = useState<JobInfo[]>([]);
  const [progress, setProgress] = useState<Record<string, JobProgress>>({});
  useEffect(() => {
    let live = true;
    void client.call('jobs.list', { all: true }).then((j) => live && setJobs(j));
    const offState = client.on('job.state', (j) =>
      setJobs((prev) => {
        const i = prev.findIndex((x) => x.id === j.id);
        if (i < 0) return [j, ...prev];
        const next = prev.slice();
        next[i] = j;
        return next;
      }),
    );
    const offProgress = client.on('job.progress', (p) => setProgress((prev) => ({ ...prev, [p.jobId]: p })));
    return () => {
      live = false;
      offState();
      offProgress();
    };
  }, []);
  return { jobs, progress };
}

/** A number that grows each time the lake changes, to refetch on. */
export function useLakeVersion(): number {
  const [v, setV] = useState(0);
  useEffect(() => client.on('lake.changed', () => setV((x) => x + 1)), []);
  return v;
}
