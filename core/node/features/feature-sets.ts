import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ApiError } from '../../common/errors';
import { FEATURE_CODE_VERSION, FeatureSpecError, parseFeatureList, splitSpecs, type FeatureInstance } from '../../common/features/registry';
import { parseLabelList, type LabelInstance } from '../../common/features/labels';
import { parseBookFeature, type BookFeatureInstance } from '../../common/features/book-features';
import { GEX_FEATURE, parseOptionFeature, type OptionFeatureInstance } from '../../common/features/option-features';
import { TIMEFRAMES, type Timeframe } from '../../common/timeframes';
import { MAX_BYTES, readRegularText } from '../untrusted-files';
import { CONFIG_NAME } from '../../common/ids';

const SPEC_ITEM = "expected a spec such as rsi(14); inside [a, b] lists quote specs that hold commas ('macd(12,26,9)') or write one '- spec' per line";

/** Specs as a YAML list, or as one comma-separated string. */
const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const specList = z.union([z.string().transform((s) => splitSpecs(s)), z.array(z.string({ error: SPEC_ITEM }))], { error: SPEC_ITEM });

const setSchema = z
  .object({
    name: z.string().regex(CONFIG_NAME, 'expected a name of letters, digits, - and _'),
    description: z.string().optional(),
    timeframe: z.enum(TIMEFRAMES, { error: `expected one of ${TIMEFRAMES.join(', ')}` }),
    session: z.enum(['all', 'rth'], { error: 'expected all or rth' }).default('all'),
    symbols: z.array(z.string().regex(/^[A-Z0-9][A-Z0-9._-]{0,11}$/, 'expected a symbol such as ES')).min(1, 'list at least one symbol'),
    features: specList.refine((l) => l.length > 0, 'list at least one feature'),
    labels: specList.default([]),
    /** Book features (MBP-10 of the same symbol), read at each bar's close. */
    book: specList.default([]),
    /** Option features (the 0DTE chain on the session's front contract), read at each bar's close. */
    options: specList.default([]),
    /** Rows kept after features and labels are computed on every bar: bars opening within [from, to) local exchange time. */
    evaluate: z
      .object({ from: z.string().regex(HHMM, 'expected a time such as 09:30'), to: z.string().regex(HHMM, 'expected a time such as 13:30') })
      .strict()
      .refine((w) => w.from < w.to, 'from must be before to')
      .optional(),
  })
  .strict();

/** A feature set, validated and resolved against the registry. */
export interface FeatureSet {
  name: string;
  description?: string;
  timeframe: Timeframe;
  session: 'all' | 'rth';
  symbols: string[];
  features: FeatureInstance[];
  labels: LabelInstance[];
  /** Book features, read at each bar's close from the symbol's stored MBP-10. */
  book: BookFeatureInstance[];
  /** Option features (gamma exposure), read at each bar's close from the front contract's stored options. */
  options: OptionFeatureInstance[];
  /** The rows kept, by local time of the bar's open: every bar when absent. */
  evaluate?: { from: string; to: string };
  /** Where it was read from. */
  file: string;
  /** Hash of the definitions, parameters, bar settings and code version: the silver folder name. */
  hash: string;
}

/** Folders feature sets are looked up in: the user's (in the home) first, then the app's defaults. */
export function featureSetDirs(homeRoot: string, resources: string): string[] {
  return [path.join(homeRoot, 'feature-sets'), path.join(resources, 'feature-sets')];
}

/** Names of the feature sets available, user sets shadowing defaults of the same name. */
export function listFeatureSets(dirs: string[]): { name: string; file: string }[] {
  const seen = new Map<string, string>();
  for (const d of dirs) {
    for (const f of fs.existsSync(d) ? fs.readdirSync(d).sort() : []) {
      const m = /^(.*)\.ya?ml$/.exec(f);
      if (m && !seen.has(m[1]!)) seen.set(m[1]!, path.join(d, f));
    }
  }
  return [...seen].map(([name, file]) => ({ name, file }));
}

/** Validates YAML text as a feature set; errors name the file, the field and what to write. */
export function parseFeatureSet(text: string, file: string): FeatureSet {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ApiError('invalid_argument', `${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`, 'set');
  }
  const r = setSchema.safeParse(doc);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ApiError('invalid_argument', `${file}: ${issue.path.join('.') || 'document'}: ${issue.message}`, 'set');
  }
  const d = r.data;
  let features: FeatureInstance[];
  let labels: LabelInstance[];
  let book: BookFeatureInstance[];
  try {
    features = parseFeatureList(d.features);
    labels = parseLabelList(d.labels);
  } catch (e) {
    if (e instanceof FeatureSpecError) throw new ApiError('invalid_argument', `${file}: ${e.message}`, 'set');
    throw e;
  }
  try {
    book = d.book.map(parseBookFeature);
  } catch (e) {
    throw new ApiError('invalid_argument', `${file}: book: ${(e as Error).message}`, 'set');
  }
  let options: OptionFeatureInstance[];
  try {
    options = d.options.map(parseOptionFeature);
  } catch (e) {
    throw new ApiError('invalid_argument', `${file}: options: ${(e as Error).message}`, 'set');
  }
  const spec = {
    features: features.map((f) => ({ spec: f.spec, outputs: f.outputs, definition: { conventions: f.def.conventions, params: f.def.params, unit: f.def.unit } })),
    labels: labels.map((l) => ({ spec: l.spec, params: l.params, outputs: l.outputs })),
    ...(book.length ? { book: book.map((b) => ({ spec: b.spec, outputs: b.outputs, conventions: b.def.conventions })) } : {}),
    ...(options.length ? { options: options.map((o) => ({ spec: o.spec, outputs: o.outputs, conventions: GEX_FEATURE.conventions })) } : {}),
    ...(d.evaluate ? { evaluate: d.evaluate } : {}),
    timeframe: d.timeframe,
    session: d.session,
    code: FEATURE_CODE_VERSION,
  };
  const hash = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
  return { name: d.name, description: d.description, timeframe: d.timeframe, session: d.session, symbols: d.symbols, features, labels, book, options, ...(d.evaluate ? { evaluate: d.evaluate } : {}), file, hash };
}

/** Loads a set by name (user sets first, then defaults) or from a .yml path. */
export function loadFeatureSet(nameOrFile: string, dirs: string[]): FeatureSet {
  const isFile = /\.ya?ml$/i.test(nameOrFile) || nameOrFile.includes('/') || nameOrFile.includes('\\');
  const file = isFile ? path.resolve(nameOrFile) : listFeatureSets(dirs).find((s) => s.name === nameOrFile)?.file;
  if (file === undefined) throw new ApiError('invalid_argument', `no feature set named ${nameOrFile}; available: ${listFeatureSets(dirs).map((s) => s.name).join(', ') || 'none'} (or pass a .yml path)`, 'set');
  return parseFeatureSet(readRegularText(file, { maxBytes: MAX_BYTES.config, field: 'set', what: 'feature set' }), file);
}
