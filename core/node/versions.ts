import { createRequire } from 'node:module';
import type { DuckDBConnection } from '@duckdb/node-api';
import type Database from 'better-sqlite3';

const requireHere = createRequire(import.meta.url);

/**
 * Versions of the runtime components, for About and `app.info`: better-sqlite3 (the binding) and the
 * SQLite library it embeds are named apart.
 */
export async function runtimeVersions(con: DuckDBConnection, sqlite: Database.Database): Promise<Record<string, string>> {
  const duck = (await con.runAndReadAll('SELECT version() AS v')).getRowsJS()[0]?.[0];
  const out: Record<string, string> = { node: process.versions.node, duckdb: String(duck) };
  if (process.versions.electron) out.electron = process.versions.electron;
  out['better-sqlite3'] = String((requireHere('better-sqlite3/package.json') as { version: string }).version);
  out.sqlite = String((sqlite.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v);
  out.onnxruntime = String((requireHere('onnxruntime-node/package.json') as { version: string }).version);
  return out;
}
