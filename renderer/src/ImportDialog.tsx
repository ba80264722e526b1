import { useEffect, useState } from 'react';
import type { ApiError } from '../../core/common/errors';
import type { ImportResult, JobInfo, JobProgress } from '../../core/common/types';
import { client } from './api';
import { fmtInt } from './format';

const FORMATS = ['auto', 'generic', 'backtrader', 'polygon', 'databento-csv', 'dbn', 'yahoo', 'stooq', 'parquet'] as const;
const CHUNK = 8 << 20;

/** Sends a local file to the services in chunks; resolves with the path the import reads. */
async function upload(file: File, onBytes: (n: number) => void): Promise<string> {
  let uploadId: string | undefined;
  for (let offset = 0; ; offset += CHUNK) {
    const data = new Uint8Array(await file.slice(offset, offset + CHUNK).arrayBuffer());
    const done = offset + CHUNK >= file.size;
    const r = await client.call('files.upload', { uploadId, name: file.name, offset, data, done });
    uploadId = r.uploadId;
    onBytes(r.bytes);
    if (done) return r.path!;
  }
}

/** File → Import…: files dropped or chosen (uploaded), or paths on the host; format, symbol, zone, mapping. */
export function ImportDialog({ initialFiles, onClose, jobs, progress }: { initialFiles: File[]; onClose: () => void; jobs: JobInfo[]; progress: Record<string, JobProgress> }) {
  const [files, setFiles] = useState<File[]>(initialFiles);
  const [paths, setPaths] = useState('');
  const [format, setFormat] = useState<(typeof FORMATS)[number]>('auto');
  const [symbol, setSymbol] = useState('');
  const [tz, setTz] = useState('');
  const [map, setMap] = useState('');
  const [error, setError] = useState<{ message: string; path?: string } | null>(null);
  const [uploading, setUploading] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  useEffect(() => setFiles(initialFiles), [initialFiles]);

  const job = jobs.find((j) => j.id === jobId);
  const p = jobId ? progress[jobId] : undefined;
  const done = job && !['queued', 'running'].includes(job.status);
  const result = job?.result as ImportResult | undefined;

  const start = async (): Promise<void> => {
    setError(null);
    try {
      const all = paths.split('\n').map((x) => x.trim()).filter(Boolean);
      for (const f of files) {
        setUploading(`Uploading ${f.name}…`);
        all.push(await upload(f, (n) => setUploading(`Uploading ${f.name}: ${Math.round((100 * n) / Math.max(1, f.size))}%`)));
      }
      setUploading(null);
      const mapping: Record<string, string> = {};
      for (const pair of map.split(',').map((x) => x.trim()).filter(Boolean)) {
        const [k, v] = pair.split('=').map((x) => x.trim());
        if (!k || !v) throw Object.assign(new Error(`mapping: expected field=Column, got "${pair}"`), { path: 'map' });
        mapping[k] = v;
      }
      const r = await client.call('jobs.start', {
        kind: 'import',
        paths: all,
        format,
        ...(symbol ? { symbol } : {}),
        ...(tz ? { tz } : {}),
        ...(Object.keys(mapping).length ? { map: mapping as Record<'time', string> } : {}),
      });
      setJobId(r.jobId);
    } catch (e) {
      setUploading(null);
      setError({ message: (e as ApiError).message, path: (e as ApiError).path });
    }
  };
  const fieldError = (f: string): string | null => (error && (error.path ?? '').split('.')[0] === f ? error.message : null);

  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-label="Import" data-testid="import-dialog">
        <h2>Import bars</h2>
        {!jobId && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void start();
            }}
          >
            <label>
              Files
              <input type="file" multiple onChange={(e) => setFiles([...files, ...Array.from(e.target.files ?? [])])} data-testid="im-files" />
            </label>
            {files.length > 0 && <div className="muted">{files.map((f) => `${f.name} (${fmtInt(f.size)} bytes)`).join(', ')}</div>}
            <label>
              …or paths on the machine running Quantdesk, one per line
              <textarea rows={2} value={paths} onChange={(e) => setPaths(e.target.value)} data-testid="im-paths" />
              {fieldError('paths') && <div className="field-error">{fieldError('paths')}</div>}
            </label>
            <div className="row">
              <label>
                Format
                <select value={format} onChange={(e) => setFormat(e.target.value as typeof format)} data-testid="im-format">
                  {FORMATS.map((f) => (
                    <option key={f}>{f}</option>
                  ))}
                </select>
              </label>
              <label>
                Symbol (if the file has none)
                <input value={symbol} onChange={(e) => setSymbol(e.target.value.toUpperCase())} placeholder="from the file name" data-testid="im-symbol" />
                {fieldError('symbol') && <div className="field-error">{fieldError('symbol')}</div>}
              </label>
              <label>
                Time zone of local times
                <input value={tz} onChange={(e) => setTz(e.target.value)} placeholder="UTC" data-testid="im-tz" />
              </label>
            </div>
            <label>
              Column mapping (field=Column, comma separated)
              <input value={map} onChange={(e) => setMap(e.target.value)} placeholder="time=Date,close=Last" data-testid="im-map" />
              {fieldError('map') && <div className="field-error">{fieldError('map')}</div>}
            </label>
            {uploading && <div className="muted">{uploading}</div>}
            {error && !['paths', 'symbol', 'map'].includes((error.path ?? '').split('.')[0]!) && <div className="field-error" data-testid="im-error">{error.message}</div>}
            <div className="actions">
              <button type="button" onClick={onClose}>
                Cancel
              </button>
              <button type="submit" className="primary" disabled={uploading !== null} data-testid="im-start">
                Import
              </button>
            </div>
          </form>
        )}
        {jobId && (
          <div>
            <progress max={1} value={job?.status === 'succeeded' ? 1 : p?.fraction ?? 0} />
            <p data-testid="im-summary">
              {done ? (job?.status === 'succeeded' ? `Done: ${job.summary}` : `${job?.status}: ${job?.error ?? ''}`) : `${job?.status ?? 'queued'} · ${p?.message ?? ''}`}
            </p>
            {result && result.rejected > 0 && <p className="muted">Rejected rows are listed under Data → Rejects, with file and line.</p>}
            <div className="actions">
              <button type="button" className="primary" onClick={onClose} data-testid="im-close">
                {done ? 'Close' : 'Run in background'}
              </button>
            </div>
          </div>
        )}
      </div>
    </div>
  );
}
