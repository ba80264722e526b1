import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { readFloat64Columns } from './duck-columns';

describe('reading numeric columns from DuckDB', () => {
  it('reads every chunk of a large result, NULL as NaN, while other queries run on the same connection', async () => {
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    await con.run('CREATE TABLE t AS SELECT i::DOUBLE AS a, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 0.5 END::DOUBLE AS b FROM range(10000) r(i)');
    const [[a, b], other] = await Promise.all([readFloat64Columns(con, 'SELECT a, b FROM t ORDER BY a'), readFloat64Columns(con, 'SELECT a FROM t WHERE a < 3000 ORDER BY a')]);
    expect(a!.length).toBe(10_000);
    expect(other![0]!.length).toBe(3000);
    for (let i = 0; i < 10_000; i++) {
      expect(a![i]).toBe(i);
      if (i % 7 === 0) expect(b![i]).toBeNaN();
      else expect(b![i]).toBe(i * 0.5);
    }
    con.closeSync();
  });
});
