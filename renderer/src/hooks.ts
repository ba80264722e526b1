import { useEffect, useState, type Dispatch, type SetStateAction } from 'react';
import type { ArgOf } from '../../core/common/api';
import type { JobInfo, JobProgress } from '../../core/common/jobs/types';
import type { KillswitchStatus, PaperSessionInfo } from '../../core/common/trading/types';
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

/** A panel's own job: `start` runs `make` and starts the job it returns (what either throws becomes `error`); `job` follows it in `jobs`; `result` is its result once it has succeeded. */
export function usePanelJob<R>(jobs: JobInfo[]): { start: (make: () => ArgOf<'jobs.start'>) => Promise<void>; job: JobInfo | undefined; result: R | null; error: string | null; setError: (e: string | null) => void } {
  const [error, setError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const start = async (make: () => ArgOf<'jobs.start'>): Promise<void> => {
    setError(null);
    try {
      setJobId((await client.call('jobs.start', make())).jobId);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const job = jobs.find((j) => j.id === jobId);
  return { start, job, result: job?.status === 'succeeded' ? (job.result as R) : null, error, setError };
}

/** Every mounted killswitch control, so that a change made in one (the Paper view) shows at once in the others (the status bar). */
const killswitchViews = new Set<(s: KillswitchStatus) => void>();
let killswitchNow: KillswitchStatus | null = null;

function showKillswitch(s: KillswitchStatus): void {
  killswitchNow = s;
  for (const view of killswitchViews) view(s);
}

/** A fetched status, unless a change already shown is newer than it (answers can cross). */
function showFetchedKillswitch(s: KillswitchStatus): void {
  if ((s.history[0]?.at ?? 0) >= (killswitchNow?.history[0]?.at ?? 0)) showKillswitch(s);
}

/** The killswitch's status, kept current from `paper.state` events and shared by every control; the setter takes what a change returned. */
export function useKillswitch(): [KillswitchStatus | null, (s: KillswitchStatus) => void] {
  const [status, setStatus] = useState<KillswitchStatus | null>(killswitchNow);
  useEffect(() => {
    killswitchViews.add(setStatus);
    void client.call('paper.killswitch.get', {}).then(showFetchedKillswitch);
    const off = client.on('paper.state', () => void client.call('paper.killswitch.get', {}).then(showFetchedKillswitch));
    return () => {
      killswitchViews.delete(setStatus);
      off();
    };
  }, []);
  return [status, showKillswitch];
}

/** The paper sessions, kept current from `paper.session` events. */
export function useSessions(): PaperSessionInfo[] {
  const [sessions, setSessions] = useState<PaperSessionInfo[]>([]);
  useEffect(() => {
    void client.call('paper.sessions', {}).then(setSessions);
    return client.on('paper.session', (info) => setSessions((prev) => (prev.some((s) => s.id === info.id) ? prev.map((s) => (s.id === info.id ? info : s)) : [info, ...prev])));
  }, []);
  return sessions;
}

/** A number that grows each time the lake changes, to refetch on. */
export function useLakeVersion(): number {
  const [v, setV] = useState(0);
  useEffect(() => client.on('lake.changed', () => setV((x) => x + 1)), []);
  return v;
}

/**
 * State kept in the window's localStorage under `quantdesk.<key>`, so it survives a reload and (in the
 * desktop app, whose storage lives in its profile) a restart. A stored value that `valid` refuses, or
 * that is not JSON, is ignored; storage that is full or off only loses the persistence. A `given` value
 * (a failed job's, brought back by Edit & retry) wins over the stored one.
 */
export function usePersistentState<T>(key: string, initial: T, valid: (x: unknown) => x is T, given?: T): [T, Dispatch<SetStateAction<T>>] {
  const name = `quantdesk.${key}`;
  const [value, setValue] = useState<T>(() => {
    if (given !== undefined) return given;
    try {
      const raw = window.localStorage.getItem(name);
      const parsed: unknown = raw === null ? undefined : JSON.parse(raw);
      return valid(parsed) ? parsed : initial;
    } catch {
      return initial;
    }
  });
  useEffect(() => {
    try {
      window.localStorage.setItem(name, JSON.stringify(value));
    } catch {
      // Full or disabled storage: the state still works, it is just not kept.
    }
  }, [name, value]);
  return [value, setValue];
}

/** Whether a stored value is a short text (a form field as typed). */
export const isShortText = (x: unknown): x is string => typeof x === 'string' && x.length <= 200;

/** Whether a stored value is a list of short strings (indicator specs). */
export const isStringList = (x: unknown): x is string[] => Array.isArray(x) && x.length <= 50 && x.every((s) => typeof s === 'string' && s.length <= 200);
