/**
 * DuckDB's error messages say what its parser, binder or catalog found; the console says what the
 * user wrote that it could not use, with the line, and the suggestion DuckDB made where it made one.
 */

/** Quoted names in a DuckDB message ("a", "b") as a readable list. */
const names = (s: string): string[] => [...s.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
const orList = (xs: string[]): string => (xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`);

const RULES: [RegExp, (m: RegExpMatchArray, rest: string) => string][] = [
  [/^Catalog Error: Table with name (\S+) does not exist!/, (m, rest) => `there is no table or view named ${m[1]} (the console has the views bars, trades and rejects, and reads Parquet in the lake with read_parquet)${suggest(rest)}`],
  [/^Catalog Error: (?:Scalar |Aggregate |Table )?Function with name (\S+) does not exist!/, (m, rest) => `there is no function ${m[1]}${suggest(rest)}`],
  [/^Binder Error: Referenced column "([^"]+)" not found in FROM clause!/, (m, rest) => {
    const candidates = /Candidate bindings: (.*)/.exec(rest)?.[1];
    return `there is no column ${m[1]} in the tables the query reads${candidates ? `; did you mean ${orList(names(candidates))}?` : ''}`;
  }],
  [/^Binder Error: column "([^"]+)" must appear in the GROUP BY clause/, (m) => `${m[1]} is neither grouped nor aggregated: add it to GROUP BY, or wrap it in an aggregate such as min(${m[1]}), max(${m[1]}) or any_value(${m[1]})`],
  [/^Binder Error: Ambiguous reference to column name "([^"]+)"(?: \(use: (.*)\))?/, (m) => `${m[1]} is a column of more than one table in the query: name which one${m[2] ? `, as ${orList(names(m[2]))}` : ' (table.column)'}`],
  [/^Binder Error: No function matches the given name and argument types '([^']+)'/, (m, rest) => {
    const takes = [...rest.matchAll(/^\t(\S+\(.*\)) ->/gm)].map((x) => x[1]!);
    return `${m[1]!.replace(/_LITERAL/g, '')} does not take arguments of those types${takes.length ? `; it takes ${orList(takes.slice(0, 4))}` : ''}: CAST the arguments`;
  }],
  [/^Parser Error: syntax error at end of input/, () => 'the query ends too early: a clause, a bracket or a quote is left open'],
  [/^Parser Error: syntax error at or near "([^"]*)"/, (m) => `the query does not read as SQL at "${m[1]}": check the spelling of the keyword and the commas and brackets before it`],
  [/^Conversion Error: (.*)$/m, (m) => `a value could not be converted (${m[1]}): compare with a value of the column's type, or CAST it`],
  [/^IO Error: No files found that match the pattern "([^"]+)"/, (m) => `no file matches ${m[1]}: check the path (the console reads Parquet inside the lake)`],
];

/** DuckDB's "Did you mean …?", as the translation's ending. */
function suggest(rest: string): string {
  const m = /Did you mean "([^"]+)"\?/.exec(rest);
  return m ? `; did you mean ${m[1]}?` : '';
}

/** A DuckDB error message as the console shows it: `SQL error (line N): …` in the user's terms. */
export function plainSqlError(message: string): string {
  const line = /^LINE (\d+):/m.exec(message)?.[1];
  const where = line ? ` (line ${line})` : '';
  for (const [re, say] of RULES) {
    const m = re.exec(message);
    if (m) return `SQL error${where}: ${say(m, message)}`;
  }
  return `SQL error${where}: ${message.split('\n')[0]}`;
}
