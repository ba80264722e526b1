import { useEffect, useState } from 'react';
import type { RejectRow } from '../../../core/common/lake/types';
import { client } from '../api';

/** Rows the bar gate refused on any entry path (imports, backfills, the live feed, retention), newest run first. */
export function RejectsPanel({ dataVersion }: { dataVersion: number }) {
  const [rows, setRows] = useState<RejectRow[] | null>(null);
  useEffect(() => {
    void client.call('rejects.list', { limit: 2000 }).then(setRows);
  }, [dataVersion]);
  if (rows === null) return <p className="muted">Loading…</p>;
  if (rows.length === 0) return <p className="muted">No rejected rows. Every bar refused on its way into the lake (imports, backfills, the live feed) is kept here with where it came from and why.</p>;
  return (
    <table className="grid" data-testid="rejects-table">
      <thead>
        <tr>
          <th>Source</th>
          <th>File or request</th>
          <th className="num">Row</th>
          <th>Reason</th>
          <th>Raw</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.runId}:${r.file}:${r.line}`}>
            <td>{r.source}</td>
            <td title={r.file}>{r.file.split(/[\\/]/).pop()}</td>
            <td className="num" title={r.byteOffset === null ? undefined : `byte ${r.byteOffset}`}>{r.line}</td>
            <td>{r.reason}</td>
            <td className="raw">{r.raw}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
