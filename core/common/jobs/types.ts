/** Lifecycle of a job. `interrupted` means the process died while it ran; it can be resumed. */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

/** Progress of a running job. */
export interface JobProgress {
  /** Job id. */
  jobId: string;
  /** Fraction done, 0–1. */
  fraction: number;
  /** Rows processed so far. */
  rows: number;
  /** Rows per second over the job so far. */
  rate: number;
  /** Seconds left at the current rate, or null when unknown. */
  etaSeconds: number | null;
  /** What the job is doing now, for humans. */
  message: string;
}

/** A job as the catalog records it. */
export interface JobInfo {
  /** Job id. */
  id: string;
  /** Kind of job, e.g. `backfill`. */
  kind: string;
  /** The request that started it (what `jobs.resume` re-runs). */
  request: unknown;
  /** Current status. */
  status: JobStatus;
  /** When it was created, epoch ms. */
  createdAt: number;
  /** When it started running, epoch ms, or null. */
  startedAt: number | null;
  /** When it ended, epoch ms, or null. */
  endedAt: number | null;
  /** Last progress reported. */
  progress: JobProgress | null;
  /** Summary of the outcome for humans, e.g. "0 new bars, 1,234 already present". */
  summary: string | null;
  /** Error message when it failed. */
  error: string | null;
  /** Whether it failed on its input (a bad file, zone or argument): resuming would fail the same way, so the request is edited and started again. */
  failedOnInput: boolean;
  /** Structured result when it succeeded. */
  result: unknown;
}
