import { parentPort, workerData } from 'node:worker_threads';
import { ApiError } from '../core/common/errors';
import { Catalog } from '../core/node/catalog';
import { SqlSandbox } from '../core/node/lake/sql-sandbox';
import type { SqlWorkerData, SqlWorkerReply, SqlWorkerRequest } from '../core/node/lake/sql-console';

/** Entry point of the SQL console's worker: one sandboxed DuckDB, queries and cancels from the main thread. */
const data = workerData as SqlWorkerData;
const port = parentPort!;
const catalog = new Catalog(data.catalog, data.migrations, { readonly: true, ...(data.sqliteBinding ? { nativeBinding: data.sqliteBinding } : {}) });
const sandbox = await SqlSandbox.open(data.lake, catalog, data.limits);
port.on('message', (m: SqlWorkerRequest) => {
  if (m.type === 'cancel') {
    sandbox.cancel(m.id);
    return;
  }
  sandbox.run(m.id, m.query).then(
    (value) => port.postMessage({ id: m.id, ok: true, value } satisfies SqlWorkerReply),
    (e: unknown) => port.postMessage({ id: m.id, ok: false, error: e instanceof ApiError ? e.toData() : { code: 'internal', message: e instanceof Error ? e.message : String(e) } } satisfies SqlWorkerReply),
  );
});
