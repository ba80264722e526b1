import os from 'node:os';

/** The environment variable that sets the worker heap limit in MiB. */
export const WORKER_HEAP_ENV = 'QUANTDESK_WORKER_HEAP_MB';

/**
 * Heap limit of every worker thread, in MiB: QUANTDESK_WORKER_HEAP_MB, else a quarter of the
 * machine's memory within 512 MiB to 4 GiB. A worker that runs out fails its task with an error,
 * where V8 would abort the whole process for a worker without a limit of its own.
 */
export function workerHeapMb(totalBytes = os.totalmem(), env: Record<string, string | undefined> = process.env): number {
  const set = Number(env[WORKER_HEAP_ENV]);
  if (Number.isInteger(set) && set >= 16) return set;
  return Math.max(512, Math.min(4096, Math.floor(totalBytes / 4 / (1 << 20))));
}

/** Resource limits for `new Worker` and piscina (see workerHeapMb). */
export const workerLimits = (): { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number } => ({ maxOldGenerationSizeMb: workerHeapMb(), maxYoungGenerationSizeMb: 64 });

/** Whether an error is a worker's end for want of memory. */
export const isWorkerOutOfMemory = (e: unknown): boolean => (e as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
