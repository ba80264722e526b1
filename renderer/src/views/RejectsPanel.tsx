import { useEffect, useState } from 'react';
import type { RejectRow } from '../../../core/common/types';
import { client } from '../api';

/** Rows that imports rejected, newest run first, with file, line, reason and the raw text. */
export function RejectsPanel({ dataVersion }: { dataVersion: number }) {
  const [rows, setRows] = useState<RejectRow[] | null>(null);
  useEffect(() => {
    void client.call('rejects.list', { limit: 2000 }).then(setRows);
  }, [dataVersion]);
  if (rows === null) return <p className="muted">Loading…</p>;
  if (rows.length === 0) return <p className="muted">No rejected rows. Imports keep every row they cannot read here, with its file and line.</p>;
  return (
    <table className="grid" data-testid="rejects-table">
      <thead>
        <tr>
          <th>File</th>
          <th className="num">Line</th>
          <th>Reason</th>
          <th>Raw</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.runId}:${r.file}:${r.line}`}>
            <td title={r.file}>{r.file.split(/[\\/]/).pop()}</td>
            <td className="num">{r.line}</td>
            <td>{r.reason}</td>
            <td className="raw">{r.raw}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
