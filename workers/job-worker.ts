import type { MessagePort } from 'node:worker_threads';
import type { ImportResult } from '../core/common/types';
import { backfillSymbol, type BackfillSymbolResult } from '../core/node/jobs/backfill';
import type { BackfillTask, ImportTask } from '../core/node/jobs/job-service';
import { workerContext } from '../core/node/jobs/worker-context';
import { runImport } from '../core/node/ingest/import-run';

/** Pool entry point: runs one task, streaming progress to `port`, stopping when `cancel[0]` is set. */
export default async function run(task: (BackfillTask | ImportTask) & { port: MessagePort }): Promise<BackfillSymbolResult | ImportResult> {
  const ctx = await workerContext(task.homeDir, task.migrations, task.sqliteBinding);
  const flag = new Int32Array(task.cancel);
  const cancelled = (): boolean => Atomics.load(flag, 0) === 1;
  const report = (tick: unknown): void => task.port.postMessage(tick);
  try {
    return task.type === 'import' ? await runImport(ctx, task.req, task.runId, report, cancelled) : await backfillSymbol(ctx, task.req, report, cancelled);
  } finally {
    task.port.close();
  }
}
