import type { MessagePort } from 'node:worker_threads';
import { backfillSymbol, type BackfillSymbolResult } from '../core/node/jobs/backfill';
import type { BackfillTask } from '../core/node/jobs/job-service';
import { workerContext } from '../core/node/jobs/worker-context';

/** Pool entry point: runs one backfill task, streaming progress to `port`, stopping when `cancel[0]` is set. */
export default async function run(task: BackfillTask & { port: MessagePort }): Promise<BackfillSymbolResult> {
  const ctx = await workerContext(task.homeDir, task.migrations, task.sqliteBinding);
  const flag = new Int32Array(task.cancel);
  try {
    return await backfillSymbol(ctx, task.req, (tick) => task.port.postMessage(tick), () => Atomics.load(flag, 0) === 1);
  } finally {
    task.port.close();
  }
}
