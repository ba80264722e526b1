import type { Handlers, MethodsOf } from '../../common/api';
import { layoutKey } from '../../common/csv-preview';
import type { RejectRow } from '../../common/lake/types';
import type { Catalog } from '../catalog';
import type { ServiceContext } from '../service-context';
import { receiveUpload } from '../uploads';
import { previewFileHead } from './csv-head';

/** Import helpers: uploads, a file's preview, the layout last used for its columns, and rejected rows. */
export function ingestHandlers(ctx: ServiceContext): Pick<Handlers, MethodsOf<'imports' | 'files' | 'rejects'>> {
  const { home, catalog: cat } = ctx;
  return {
    'rejects.list': async (a) => listRejects(cat, a),
    'files.upload': async (a) => receiveUpload(home, a),
    'imports.preview': async (a) => previewFileHead(a.path),
    'imports.layout': async (a) => {
      const saved = JSON.parse(cat.getSetting(`layout:${layoutKey(a.columns)}`) ?? '{}') as { map?: Record<string, string>; tz?: string };
      return saved.map || saved.tz ? { ...(saved.map ? { map: saved.map } : {}), ...(saved.tz ? { tz: saved.tz } : {}) } : null;
    },
  };
}

function listRejects(cat: Catalog, a: { runId?: string; limit?: number }): RejectRow[] {
  const sql = `SELECT r.run_id AS runId, r.file, r.line, r.raw, r.reason, r.source, r.byte_offset AS byteOffset FROM rejects r JOIN ingest_runs i ON i.id = r.run_id
               ${a.runId ? 'WHERE r.run_id = @runId' : ''} ORDER BY i.started_at DESC, r.file, r.line LIMIT @limit`;
  return cat.db.prepare(sql).all({ runId: a.runId, limit: a.limit ?? 10_000 }) as RejectRow[];
}
