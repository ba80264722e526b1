import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Catalog } from '../core/node/catalog';
import { openHome } from '../core/node/home';
import { recoverLake } from '../core/node/lake/bar-store';
import { RETIRE_GRACE_MS, retireLakeFiles, startRetiredSweeper, sweepRetired } from '../core/node/lake/retired-files';
import { paths, tempDir } from './helpers';

describe('retired part files (deleted after a grace, so a query that listed them still reads them)', () => {
  const home = openHome(tempDir('qd-retired-'), { create: true });
  const catalog = new Catalog(home.catalog, path.join(paths.resources, 'migrations'));
  afterAll(() => catalog.close());

  /** Writes a part file under the lake and returns its lake-relative path. */
  const part = (rel: string): string => {
    fs.mkdirSync(path.dirname(path.join(home.lake, rel)), { recursive: true });
    fs.writeFileSync(path.join(home.lake, rel), 'PAR1');
    return rel;
  };
  const exists = (rel: string): boolean => fs.existsSync(path.join(home.lake, rel));

  it('keeps a file through its grace, then deletes it and the folders it leaves empty', () => {
    const a = part('bronze/bars/tf=1m/symbol=ZZ/month=2024-01/part-a.parquet');
    const b = part('bronze/bars/tf=1m/symbol=ZZ/month=2024-02/part-b.parquet');
    const t0 = 1_700_000_000_000;
    retireLakeFiles(catalog, [a], t0);
    retireLakeFiles(catalog, [b], t0 + 60_000);
    expect(sweepRetired(home.lake, catalog, t0 - 1)).toBe(0);
    expect(exists(a)).toBe(true);
    expect(sweepRetired(home.lake, catalog, t0)).toBe(1);
    expect(exists(a)).toBe(false);
    expect(fs.existsSync(path.join(home.lake, 'bronze/bars/tf=1m/symbol=ZZ/month=2024-01'))).toBe(false);
    expect(exists(b)).toBe(true);
    expect(sweepRetired(home.lake, catalog)).toBe(1);
    expect(fs.existsSync(path.join(home.lake, 'bronze/bars/tf=1m/symbol=ZZ'))).toBe(false);
    expect(fs.existsSync(home.lake)).toBe(true);
  });

  it('never follows a recorded path out of the lake, and forgets a file already gone', () => {
    const outside = path.join(home.root, 'keep.txt');
    fs.writeFileSync(outside, 'mine');
    retireLakeFiles(catalog, ['../keep.txt', '/etc/passwd', 'bronze/bars/never-written.parquet', '..', '']);
    expect(sweepRetired(home.lake, catalog)).toBe(5);
    expect(fs.readFileSync(outside, 'utf8')).toBe('mine');
    expect(fs.existsSync(home.lake)).toBe(true);
    expect(catalog.db.prepare('SELECT count(*) AS n FROM retired_files').get()).toEqual({ n: 0 });
  });

  it('the sweeper deletes what is due when asked and everything when it stops; a start removes what a process left', () => {
    const sweeper = startRetiredSweeper(home.lake, catalog);
    const fresh = part('silver/book_1s/symbol=ZZ/date=2024-01-02/part-c.parquet');
    const old = part('silver/book_1s/symbol=ZZ/date=2024-01-03/part-d.parquet');
    retireLakeFiles(catalog, [fresh]);
    retireLakeFiles(catalog, [old], Date.now() - RETIRE_GRACE_MS - 1);
    sweeper.sweep();
    expect([exists(fresh), exists(old)]).toEqual([true, false]);
    sweeper.stop();
    expect(exists(fresh)).toBe(false);

    const left = part('silver/book_1s/symbol=ZZ/date=2024-01-04/part-e.parquet');
    retireLakeFiles(catalog, [left]);
    recoverLake(home, catalog);
    expect(exists(left)).toBe(false);
  });
});
