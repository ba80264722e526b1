import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { plainSqlError } from './sql-errors';

/** What DuckDB itself says for a query, translated. */
async function said(query: string): Promise<string> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  await con.run('CREATE TABLE bars (symbol VARCHAR, ts TIMESTAMP, close DOUBLE)');
  try {
    await con.run(query);
    return 'no error';
  } catch (e) {
    return plainSqlError((e as Error).message);
  } finally {
    con.closeSync();
  }
}

describe('DuckDB errors in the user’s terms', () => {
  it('names the table, column or function that is not there, with the line and DuckDB’s suggestion', async () => {
    expect(await said('SELECT *\nFROM barz')).toBe('SQL error (line 2): there is no table or view named barz (the console has the views bars, trades and rejects, and reads Parquet in the lake with read_parquet); did you mean bars?');
    expect(await said('SELECT closee FROM bars')).toBe('SQL error (line 1): there is no column closee in the tables the query reads; did you mean close or ts?');
    expect(await said('SELECT foo(1)')).toBe('SQL error (line 1): there is no function foo; did you mean floor?');
  });

  it('says what to change for grouping, ambiguous names, argument types, conversions and syntax', async () => {
    expect(await said('SELECT symbol, close FROM bars GROUP BY symbol')).toMatch(/^SQL error \(line 1\): close is neither grouped nor aggregated: add it to GROUP BY, or wrap it in an aggregate/);
    expect(await said('SELECT close FROM bars a, bars b')).toBe('SQL error (line 1): close is a column of more than one table in the query: name which one, as a.close or b.close');
    expect(await said('SELECT lower(1)')).toBe('SQL error (line 1): lower(INTEGER) does not take arguments of those types; it takes lower(VARCHAR): CAST the arguments');
    expect(await said("SELECT 'a'::INT")).toBe("SQL error (line 1): a value could not be converted (Could not convert string 'a' to INT32): compare with a value of the column's type, or CAST it");
    expect(await said('SELEC 1')).toBe('SQL error (line 1): the query does not read as SQL at "SELEC": check the spelling of the keyword and the commas and brackets before it');
    expect(await said('SELECT (1')).toBe('SQL error: the query ends too early: a clause, a bracket or a quote is left open');
  });

  it('keeps DuckDB’s first line for what it does not translate', () => {
    expect(plainSqlError('Invalid Input Error: something new\nmore')).toBe('SQL error: Invalid Input Error: something new');
  });
});
