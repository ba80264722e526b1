import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { previewFileHead } from './csv-head';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qd-head-'));
const file = (name: string, data: string | Buffer): string => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, data);
  return f;
};

describe('previewing a CSV on the host for the import mapping step', () => {
  it('reads the header and first rows of the real eustock file, naming it by its base name only', () => {
    const shared = path.resolve(__dirname, '../../../../shared/data/real/eustock.csv');
    const p = previewFileHead(process.env.QUANTDESK_SHARED_DATA ? path.join(process.env.QUANTDESK_SHARED_DATA, 'real/eustock.csv') : shared)!;
    expect(p.file).toBe('eustock.csv');
    expect(p.columns.map((c) => c.toLowerCase())).toEqual(['t', 'dax', 'smi', 'cac', 'ftse']);
    expect(p.rows).toHaveLength(8);
    expect(p.rows[0]!).toHaveLength(5);
  });

  it('reads gzip, keeps only whole lines of a long file, and passes on fixed layouts', () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => `2024-01-01 00:${String(i % 60).padStart(2, '0')}:00,${i}`);
    const p = previewFileHead(file('long.csv.gz', zlib.gzipSync(['time,close', ...rows].join('\n'))), 3)!;
    expect(p).toEqual({ file: 'long.csv.gz', columns: ['time', 'close'], rows: [rows[0]!.split(','), rows[1]!.split(','), rows[2]!.split(',')] });
    const big = previewFileHead(file('big.csv', ['time,close', ...rows].join('\n')), 100_000)!;
    expect(big.rows.length).toBeLessThan(rows.length);
    expect(big.rows.every((r) => r.length === 2 && r[1] !== '')).toBe(true);
    expect(previewFileHead(file('x.dbn', 'DBN\x02'))).toBeNull();
    expect(previewFileHead(file('x.parquet', 'PAR1'))).toBeNull();
  });

  it('refuses relative paths, folders, FIFOs, missing files, binary text and gzip bombs with the path named', () => {
    expect(() => previewFileHead('data/x.csv')).toThrow(/give the full path/);
    fs.mkdirSync(path.join(dir, 'folder.csv'));
    expect(() => previewFileHead(path.join(dir, 'folder.csv'))).toThrow(/it is a folder/);
    execFileSync('mkfifo', [path.join(dir, 'fifo.csv')]);
    expect(() => previewFileHead(path.join(dir, 'fifo.csv'))).toThrow(/FIFO|pipe/i);
    expect(() => previewFileHead(path.join(dir, 'absent.csv'))).toThrow(/absent\.csv/);
    expect(() => previewFileHead(file('utf16.csv', Buffer.from('time,close\n', 'utf16le')))).toThrow(/utf16\.csv: holds NUL bytes/);
    const bomb = previewFileHead(file('bomb.csv.gz', zlib.gzipSync(Buffer.alloc(20 << 20, 0x41))))!;
    expect(bomb.columns[0]!.length).toBeLessThanOrEqual(64 * 1024);
    expect(bomb.rows).toEqual([]);
  });
});
