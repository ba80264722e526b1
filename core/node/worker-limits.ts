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

/**
 * Resource limits for `new Worker` and piscina (see workerHeapMb). The young generation stays a small
 * fraction of the heap: V8 can stop a worker at its limit only while it still has room to spare.
 */
export const workerLimits = (): { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number } => {
  const old = workerHeapMb();
  return { maxOldGenerationSizeMb: old, maxYoungGenerationSizeMb: Math.max(4, Math.min(32, old >> 4)) };
};

/** What one parse of an untrusted file may take of a worker's heap: a quarter of it. */
export const parseBudgetBytes = (): number => (workerHeapMb() * 2 ** 20) / 4;

/** Whether an error is a worker's end for want of memory. */
export const isWorkerOutOfMemory = (e: unknown): boolean => (e as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
