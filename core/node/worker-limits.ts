import os from 'node:os';

/**
 * Heap limit of every worker thread, in MiB (a quarter of the machine's memory, 512 MiB to 4 GiB): a
 * worker that runs out fails its task with an error, where V8 would abort the whole process for a
 * worker without a limit of its own.
 */
export function workerHeapMb(totalBytes = os.totalmem()): number {
  return Math.max(512, Math.min(4096, Math.floor(totalBytes / 4 / (1 << 20))));
}

/** Resource limits for `new Worker` and piscina (see workerHeapMb). */
export const workerLimits = (): { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number } => ({ maxOldGenerationSizeMb: workerHeapMb(), maxYoungGenerationSizeMb: 64 });

/** Whether an error is a worker's end for want of memory. */
export const isWorkerOutOfMemory = (e: unknown): boolean => (e as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
