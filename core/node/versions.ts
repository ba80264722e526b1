import { createRequire } from 'node:module';
import type { DuckDBConnection } from '@duckdb/node-api';

const requireHere = createRequire(import.meta.url);

/** Versions of the runtime components, for About and `app.info`. */
export async function runtimeVersions(con: DuckDBConnection): Promise<Record<string, string>> {
  const duck = (await con.runAndReadAll('SELECT version() AS v')).getRowsJS()[0]?.[0];
  const out: Record<string, string> = { node: process.versions.node, duckdb: String(duck) };
  if (process.versions.electron) out.electron = process.versions.electron;
  out.sqlite = String((requireHere('better-sqlite3/package.json') as { version: string }).version);
  out.onnxruntime = String((requireHere('onnxruntime-node/package.json') as { version: string }).version);
  return out;
}
