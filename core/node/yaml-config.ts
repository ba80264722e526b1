import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ApiError } from '../common/errors';

/**
 * Reads a YAML config against a schema. Errors name the source, the line and the setting
 * (`es.yml: line 6: model.kind: expected …`), under the API argument `field`.
 */
export function parseYamlConfig<S extends z.ZodType>(schema: S, text: string, source: string, field: string): z.output<S> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const bad = doc.errors[0];
  if (bad) throw new ApiError('invalid_argument', `${source}: line ${bad.linePos?.[0].line ?? 1}: not valid YAML (${bad.message.split('\n')[0]})`, field);
  const cfg = schema.safeParse(doc.toJS());
  if (cfg.success) return cfg.data;
  const issue = cfg.error.issues[0]!;
  // The line of the deepest part of the path present in the document.
  let line: number | undefined;
  for (let n = issue.path.length; n > 0 && line === undefined; n--) {
    const node = doc.getIn(issue.path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
    if (node?.range) line = lines.linePos(node.range[0]).line;
  }
  const where = issue.path.join('.') || 'document';
  throw new ApiError('invalid_argument', `${source}: ${line !== undefined ? `line ${line}: ` : ''}${where}: ${issue.message}`, field);
}
