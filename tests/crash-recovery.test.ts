import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateRange } from '../core/node/demo/demo-market';
import { listFiles } from '../core/node/lake/publish';
import { call, openServices, paths, tempDir } from './helpers';

const BIN = path.join(paths.root, 'bin', 'quantdesk.mjs');

function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (check()) resolve();
      else if (Date.now() > until) reject(new Error('timed out'));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

describe('a crash during a backfill', () => {
  it('leaves nothing half-visible; the next start shows the job interrupted and resume completes without duplicates', async () => {
    const home = tempDir();
    const child = spawn(process.execPath, [BIN, '--home', home, 'backfill', '--source', 'demo', '--symbols', 'ES,CL', '--from', '2022-01-01', '--to', '2023-12-31'], { stdio: 'ignore' });
    const bronze = path.join(home, 'lake', 'bronze');
    await waitFor(() => listFiles(path.join(home, 'lake'), 'bronze').length >= 3, 60_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(fs.existsSync(bronze)).toBe(true);
    // What a crash between rename and catalog commit, or mid-write, leaves behind:
    const orphanDir = path.join(bronze, 'bars/tf=1m/symbol=ES/month=2099-01');
    fs.mkdirSync(orphanDir, { recursive: true });
    fs.writeFileSync(path.join(orphanDir, 'part-orphan.parquet'), 'half');
    fs.writeFileSync(path.join(home, 'lake', '_tmp', 'staged.parquet'), 'half');

    const s = await openServices(home);
    try {
      expect(fs.readdirSync(path.join(home, 'lake', '_tmp'))).toEqual([]);
      expect(fs.existsSync(path.join(orphanDir, 'part-orphan.parquet'))).toBe(false);
      const jobs = await call(s, 'jobs.list', { all: true });
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.status).toBe('interrupted');
      const partial = (await call(s, 'lake.summary', {})).reduce((a, r) => a + r.rows, 0);
      expect(partial).toBeGreaterThan(0);

      const { jobId } = await call(s, 'jobs.resume', { jobId: jobs[0]!.id });
      await s.idle();
      const resumed = await call(s, 'jobs.get', { jobId });
      expect(resumed.status).toBe('succeeded');
      const r = resumed.result as { newBars: number; alreadyPresent: number };
      expect(r.alreadyPresent).toBe(partial);

      const from = Date.parse('2022-01-01T00:00:00Z');
      const to = Date.parse('2024-01-01T00:00:00Z');
      const expected = generateRange('ES', 1, from, to).t.length + generateRange('CL', 1, from, to).t.length;
      const files = listFiles(path.join(home, 'lake'), 'bronze').map((f) => `'${path.join(home, 'lake', f)}'`);
      const db = await DuckDBInstance.create(':memory:');
      const con = await db.connect();
      const [[rows, distinct]] = (await con.runAndReadAll(`SELECT count(*)::DOUBLE, count(DISTINCT (symbol, ts))::DOUBLE FROM read_parquet([${files.join(',')}])`)).getRowsJS() as [[number, number]];
      con.closeSync();
      expect(rows).toBe(expected);
      expect(distinct).toBe(expected);
    } finally {
      await s.close();
    }
  });
});
