import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Catalog } from '../catalog';
import { openHome, type HomeLayout } from '../home';

/** What a worker thread needs to run lake jobs: the home, its own catalog connection and DuckDB. */
export interface WorkerContext {
  home: HomeLayout;
  catalog: Catalog;
  con: DuckDBConnection;
  /** The DuckDB instance behind `con`, for jobs that encode on several connections at once. */
  db: DuckDBInstance;
}

const contexts = new Map<string, Promise<WorkerContext>>();

/** Opens (once per thread and home) the connections a job uses; later tasks reuse them. */
export function workerContext(homeDir: string, migrations: string, sqliteBinding?: string): Promise<WorkerContext> {
  let ctx = contexts.get(homeDir);
  if (ctx === undefined) {
    ctx = (async () => {
      const home = openHome(homeDir, { create: false });
      const catalog = new Catalog(home.catalog, migrations, { nativeBinding: sqliteBinding });
      const db = await DuckDBInstance.create(':memory:', { threads: '1' });
      return { home, catalog, db, con: await db.connect() };
    })();
    contexts.set(homeDir, ctx);
  }
  return ctx;
}
