import fs from 'node:fs';
import path from 'node:path';
import { ApiError } from '../../common/errors';
import type { FeatureBuildInfo, FeatureSetCheck, FeatureSetInfo } from '../../common/features/set-types';
import type { HomeLayout } from '../home';
import { featureSetDirs, listFeatureSets, parseFeatureSet } from './feature-sets';
import { incompleteSymbols, readBuild } from './analysis';
import { buildDir } from './silver-build';

/** The Features view's handlers: list, check, save feature sets and read a set's current build. */
export function featureSetHandlers(home: HomeLayout, resources: string) {
  const dirs = featureSetDirs(home.root, resources);
  const userDir = dirs[0]!;
  const check = (text: string, file: string): FeatureSetCheck => {
    try {
      const set = parseFeatureSet(text, file);
      return { ok: true, name: set.name, hash: set.hash, columns: [...set.features.flatMap((f) => f.outputs), ...set.book.flatMap((b) => b.outputs), ...set.options.flatMap((o) => o.outputs), ...set.labels.flatMap((l) => l.outputs)], symbols: set.symbols, error: null };
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      return { ok: false, name: null, hash: null, columns: [], symbols: [], error: e.message };
    }
  };
  const info = (name: string, file: string): FeatureSetInfo => {
    const text = fs.readFileSync(file, 'utf8');
    const c = check(text, file);
    return { name, file, builtin: !file.startsWith(userDir + path.sep), text, hash: c.hash, error: c.error };
  };
  return {
    'features.sets': async () => listFeatureSets(dirs).map((s) => info(s.name, s.file)),
    'features.validate': async (a: { text: string }) => check(a.text, 'feature set'),
    'features.save': async (a: { text: string }) => {
      const c = check(a.text, 'feature set');
      if (!c.ok) throw new ApiError('invalid_argument', c.error!, 'text');
      fs.mkdirSync(userDir, { recursive: true });
      const file = path.join(userDir, `${c.name}.yml`);
      const staged = path.join(home.tmp, `${c.name}.yml.${process.pid}.tmp`);
      fs.writeFileSync(staged, a.text.endsWith('\n') ? a.text : `${a.text}\n`);
      fs.renameSync(staged, file);
      return info(c.name!, file);
    },
    'features.build': async (a: { set: string }): Promise<FeatureBuildInfo | null> => {
      const s = listFeatureSets(dirs).find((x) => x.name === a.set);
      if (!s) throw new ApiError('not_found', `no feature set named ${a.set}`, 'set');
      const set = parseFeatureSet(fs.readFileSync(s.file, 'utf8'), s.file);
      const dir = path.join(home.lake, buildDir(set));
      if (!fs.existsSync(path.join(dir, 'manifest.json'))) return null;
      const m = readBuild(home.lake, `${set.name}@${set.hash}`);
      // A build whose first symbol never finished has a manifest (its requested symbols) but no validation yet.
      const vFile = path.join(dir, 'validation.json');
      const v = (fs.existsSync(vFile) ? JSON.parse(fs.readFileSync(vFile, 'utf8')) : { symbols: {} }) as { symbols: Record<string, { columns: FeatureBuildInfo['validation'][string] }> };
      return {
        buildId: m.buildId,
        codeVersion: m.codeVersion,
        columns: m.columns,
        symbols: Object.fromEntries(Object.entries(m.symbols).map(([k, x]) => [k, { rows: x.rows, months: Object.keys(x.months).length, inputs: x.inputs.length }])),
        validation: Object.fromEntries(Object.entries(v.symbols).map(([k, x]) => [k, x.columns])),
        incomplete: incompleteSymbols(m),
      };
    },
  };
}

