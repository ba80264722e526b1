import { useEffect, useState } from 'react';
import { DialogActions } from './DialogActions';
import type { ArgOf } from '../../core/common/api';
import { Modal } from './Modal';
import type { ApiError } from '../../core/common/errors';
import type { ImportResult } from '../../core/common/lake/types';
import type { JobInfo, JobProgress } from '../../core/common/jobs/types';
import { client, nativeFileDialog } from './api';
import { BrowseButton } from './BrowseButton';
import type { FileDialogRequest } from '../../core/common/file-dialog';
import { submitWith } from './forms';
import { fieldErrorOf, followJob, JobFollower } from './JobFollower';
import { fmtInt } from './format';
import { usePersistentState } from './hooks';
import { BAR_FIELDS, previewCsv, suggestMapping, symbolFromFileName, zoneWarning, type BarField, type CsvPreview } from '../../core/common/csv-preview';

const FORMATS = ['auto', 'generic', 'backtrader', 'polygon', 'databento-csv', 'dbn', 'yahoo', 'stooq', 'parquet'] as const;
const CHUNK = 8 << 20;
/** The desktop host's open dialog for File → Import…: files are read where they are, not uploaded. */
const IMPORT_FILES: FileDialogRequest = {
  mode: 'open-files',
  title: 'Import bars',
  filters: [
    { name: 'Market data', extensions: ['csv', 'tsv', 'txt', 'gz', 'zst', 'dbn', 'parquet'] },
    { name: 'All files', extensions: ['*'] },
  ],
};

/** Zones offered for local-time files (any IANA zone may be typed). */
const ZONES = ['UTC', 'America/New_York', 'America/Chicago', 'Europe/London', 'Europe/Berlin', 'Europe/Zurich', 'Asia/Tokyo', 'Asia/Hong_Kong', 'Australia/Sydney'];

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

/** An import job's request, as Edit & retry brings it back into the dialog. */
export type ImportRequest = Extract<ArgOf<'jobs.start'>, { kind: 'import' }>;

/** File → Import…: files dropped or chosen (uploaded), or paths on the host (a failed job's, to edit and retry); format, symbol, zone, mapping. */
export function ImportDialog({ initialFiles, onClose, jobs, progress, initial }: { initialFiles: File[]; onClose: () => void; jobs: JobInfo[]; progress: Record<string, JobProgress>; initial?: ImportRequest }) {
  const [files, setFiles] = useState<File[]>(initialFiles);
  const [paths, setPaths] = useState((initial?.paths ?? []).join('\n'));
  const [format, setFormat] = usePersistentState<(typeof FORMATS)[number]>('import.format', 'auto', (x): x is (typeof FORMATS)[number] => (FORMATS as readonly unknown[]).includes(x), initial?.format as (typeof FORMATS)[number] | undefined);
  const [symbol, setSymbol] = useState(initial?.symbol ?? '');
  // The zone is chosen per file, never remembered: one carried over to another file would shift its times silently.
  const [tz, setTz] = useState(initial?.tz ?? '');
  const [preview, setPreview] = useState<CsvPreview | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [symbolTouched, setSymbolTouched] = useState(initial?.symbol !== undefined);
  const [mapping, setMapping] = useState<Partial<Record<BarField, string>>>((initial?.map as Partial<Record<BarField, string>> | undefined) ?? {});
  const [mappingNote, setMappingNote] = useState('');
  const [dirty, setDirty] = useState(initial?.map !== undefined);
  const [error, setError] = useState<{ message: string; path?: string } | null>(null);
  const [uploading, setUploading] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  useEffect(() => setFiles(initialFiles), [initialFiles]);
  const pathList = paths.split('\n').map((x) => x.trim()).filter(Boolean);
  const firstPath = pathList[0] ?? '';
  const fileCount = files.length + pathList.length;
  // The mapping step: the first rows of the first text file (chosen here, or a path on the host), with a mapping proposed or recalled.
  useEffect(() => {
    const f = files.find((x) => /\.(csv|tsv|txt)$/i.test(x.name));
    let live = true;
    const head: Promise<CsvPreview | null> = f
      ? f
          .slice(0, 64 * 1024)
          .text()
          .then((text) => ({ file: f.name, ...previewCsv(text, 8) }))
      : firstPath
        ? new Promise((resolve) => setTimeout(resolve, 300)).then(() => (live ? client.call('imports.preview', { path: firstPath }) : null))
        : Promise.resolve(null);
    void head
      .then(async (p) => {
        if (!live) return;
        setPreviewError(null);
        setPreview(p);
        if (!p) return;
        const remembered = await client.call('imports.layout', { columns: p.columns });
        if (!live) return;
        const proposed = remembered?.map ?? suggestMapping(p.columns);
        setMapping(proposed);
        // A file with a symbol column names its own symbols, several files each their own; one file's name is its symbol, as the importer would read it.
        if (!symbolTouched) setSymbol(proposed.symbol || fileCount > 1 ? '' : symbolFromFileName(p.file));
        if (remembered?.tz) setTz(remembered.tz);
        setMappingNote(remembered ? 'Mapping remembered from an earlier import of this layout.' : 'Mapping proposed from the column names; change it where it is wrong.');
        setDirty(remembered !== null);
      })
      .catch((e: unknown) => {
        if (!live) return;
        setPreview(null);
        setPreviewError((e as ApiError).message);
      });
    return () => {
      live = false;
    };
  }, [files, firstPath, fileCount]);
  const warning = preview ? zoneWarning(preview, mapping.time, tz) : null;

  const result = followJob(jobId, jobs, progress).job?.result as ImportResult | undefined;

  const start = async (): Promise<void> => {
    setError(null);
    if (preview && !mapping.time) {
      setError({ message: `Choose the column that holds the time (Time, above); ${preview.file} has ${preview.columns.join(', ')}.`, path: 'map' });
      return;
    }
    try {
      const all = paths.split('\n').map((x) => x.trim()).filter(Boolean);
      for (const f of files) {
        setUploading(`Uploading ${f.name}…`);
        all.push(await upload(f, (n) => setUploading(`Uploading ${f.name}: ${Math.round((100 * n) / Math.max(1, f.size))}%`)));
      }
      setUploading(null);
      const chosen = Object.fromEntries(Object.entries(mapping).filter(([, v]) => v));
      const r = await client.call('jobs.start', {
        kind: 'import',
        paths: all,
        format,
        ...(symbol ? { symbol } : {}),
        ...(tz ? { tz } : {}),
        ...(dirty && Object.keys(chosen).length ? { map: chosen } : {}),
      });
      setJobId(r.jobId);
    } catch (e) {
      setUploading(null);
      setError({ message: (e as ApiError).message, path: (e as ApiError).path });
    }
  };
  const fieldError = fieldErrorOf(error);

  return (
    <Modal label="Import" testId="import-dialog" onClose={onClose}>
      <h2>Import bars</h2>
      {!jobId && (
        <form onSubmit={submitWith(start)}>
          {nativeFileDialog ? (
            <div className="row">
              Files
              <BrowseButton request={IMPORT_FILES} onChosen={(chosen) => setPaths([...paths.split('\n').filter((x) => x.trim()), ...chosen].join('\n'))} testId="im-browse" />
            </div>
          ) : (
            <label>
              Files
              <input type="file" multiple onChange={(e) => setFiles([...files, ...Array.from(e.target.files ?? [])])} data-testid="im-files" />
            </label>
          )}
          {files.length > 0 && <div className="muted">{files.map((f) => `${f.name} (${fmtInt(f.size)} bytes)`).join(', ')}</div>}
          <label>
            {nativeFileDialog ? 'Paths, one per line' : '…or paths on the machine running Quantdesk, one per line'}
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
              <input
                value={symbol}
                onChange={(e) => {
                  setSymbolTouched(true);
                  setSymbol(e.target.value.toUpperCase());
                }}
                placeholder="from the file name"
                data-testid="im-symbol"
              />
              {fieldError('symbol') && <div className="field-error">{fieldError('symbol')}</div>}
            </label>
            <label>
              Time zone of local times
              <input value={tz} onChange={(e) => setTz(e.target.value)} placeholder="UTC" list="im-zones" data-testid="im-tz" />
              <datalist id="im-zones">
                {ZONES.map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            </label>
          </div>
          {warning && (
            <div className="warning" role="status" data-testid="im-zone-warning">
              {warning}
            </div>
          )}
          {previewError && (
            <div className="field-error" data-testid="im-preview-error">
              {previewError}
            </div>
          )}
          {preview && (
            <div className="mapping" data-testid="im-mapping">
              <div className="muted">{mappingNote}</div>
              <div className="row">
                {BAR_FIELDS.map((f) => (
                  <label key={f}>
                    {f}
                    <select
                      value={mapping[f] ?? ''}
                      onChange={(e) => {
                        setMapping({ ...mapping, [f]: e.target.value || undefined });
                        setDirty(true);
                      }}
                      data-testid={`im-map-${f}`}
                    >
                      <option value="">{f === 'symbol' ? '(file name)' : '—'}</option>
                      {preview.columns.map((c) => (
                        <option key={c}>{c}</option>
                      ))}
                    </select>
                  </label>
                ))}
              </div>
              {fieldError('map') && <div className="field-error">{fieldError('map')}</div>}
              <div className="preview">
                <table className="grid">
                  <thead>
                    <tr>
                      {preview.columns.map((c) => (
                        <th key={c}>{c}</th>
                      ))}
                    </tr>
                  </thead>
                  <tbody>
                    {preview.rows.map((r, i) => (
                      <tr key={i}>
                        {r.map((x, j) => (
                          <td key={j}>{x}</td>
                        ))}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </div>
          )}
          {uploading && <div className="muted">{uploading}</div>}
          {error && !['paths', 'symbol', 'map'].includes((error.path ?? '').split('.')[0]!) && <div className="field-error" data-testid="im-error">{error.message}</div>}
          <DialogActions onCancel={onClose} submit="Import" disabled={uploading !== null} testId="im-start" />
        </form>
      )}
      {jobId && (
        <JobFollower jobId={jobId} jobs={jobs} progress={progress} running={(p) => p?.message ?? ''} ids={{ root: 'im-progress', bar: 'im-progress-bar', summary: 'im-summary', close: 'im-close' }} onClose={onClose}>
          {result && result.rejected > 0 && <p className="muted">Rejected rows are listed under Data → Rejects, with file and line.</p>}
        </JobFollower>
      )}
    </Modal>
  );
}
