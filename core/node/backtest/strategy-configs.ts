import fs from 'node:fs';
import path from 'node:path';
import { STRATEGIES } from '../../common/backtest/strategies';
import { ApiError } from '../../common/errors';
import { strategyConfigSchema, type StrategyConfig } from '../../common/backtest/schemas';
import { stringify as toYaml } from 'yaml';
import { parseYamlConfig } from '../yaml-config';
import { camelCase, snakeCase } from '../../common/key-case';
import { publishFile } from '../lake/publish';
import type { BacktestRequest } from '../../common/job-requests';
import { MAX_BYTES, readRegularText } from '../untrusted-files';

/** Where stored strategy configs live: `<home>/strategies/<name>.yml`. */
export const strategiesDir = (homeRoot: string): string => path.join(homeRoot, 'strategies');

/** Names of the strategy configs stored in the home. */
export function listStrategyConfigs(homeRoot: string): string[] {
  const dir = strategiesDir(homeRoot);
  return fs.existsSync(dir) ? fs.readdirSync(dir).flatMap((f) => /^(.*)\.ya?ml$/.exec(f)?.slice(1, 2) ?? []).sort() : [];
}

/** The file of a stored strategy config (`strategies/NAME.yml` or `.yaml`), if there is one. */
export function storedStrategyFile(homeRoot: string, name: string): string | undefined {
  return ['.yml', '.yaml'].map((ext) => path.join(strategiesDir(homeRoot), `${name}${ext}`)).find((f) => fs.existsSync(f));
}

/**
 * What `--strategy` names: a built-in strategy as it is, a stored config by name, or a YAML file by
 * path. Errors list what exists, or name the file, line and setting that is wrong.
 */
export function resolveStrategyRef(homeRoot: string, ref: string): StrategyConfig {
  if (STRATEGIES.has(ref)) return { name: ref, strategy: ref };
  const isFile = /\.ya?ml$/i.test(ref) || ref.includes('/') || ref.includes('\\');
  const file = isFile ? path.resolve(ref) : storedStrategyFile(homeRoot, ref);
  if (file === undefined) {
    const stored = listStrategyConfigs(homeRoot);
    throw new ApiError('invalid_argument', `unknown strategy "${ref}"; built in: ${[...STRATEGIES.keys()].join(', ')}${stored.length ? `; stored configs: ${stored.join(', ')}` : ''} (or pass a .yml path)`, 'strategy');
  }
  const text = readRegularText(file, { maxBytes: MAX_BYTES.config, field: 'strategy', what: 'strategy config' });
  const cfg = parseYamlConfig(strategyConfigSchema, text, file, 'strategy');
  if (!STRATEGIES.has(cfg.strategy)) throw new ApiError('invalid_argument', `${file}: strategy: unknown strategy "${cfg.strategy}"; built in: ${[...STRATEGIES.keys()].join(', ')}`, 'strategy');
  return cfg;
}

/** The request fields a strategy config's terms give (its YAML keys are their names in snake_case). */
export type ConfigTerms = Partial<Pick<BacktestRequest, 'capital' | 'fillAt' | 'commission' | 'commissionBps' | 'minCommission' | 'slippageTicks' | 'slippageBps' | 'slippageRange' | 'participation' | 'maxPositions' | 'sizing'>>;

/** A strategy config's terms as a request's fields (what its backtests and sweeps trade on unless the request says otherwise). */
export function configTerms(sc: StrategyConfig): ConfigTerms {
  return Object.fromEntries(
    Object.entries(sc.terms ?? {})
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [camelCase(k), v]),
  ) as ConfigTerms;
}

/** A request's terms as a strategy config records them. */
export function strategyTerms(t: ConfigTerms): NonNullable<StrategyConfig['terms']> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [snakeCase(k), v])) as NonNullable<StrategyConfig['terms']>;
}

/**
 * Stores a strategy config as `strategies/<name>.yml` (written whole, then renamed into place); an
 * existing one is replaced only with `overwrite`.
 */
export function writeStrategyConfig(homeRoot: string, tmpDir: string, cfg: StrategyConfig, overwrite: boolean): string {
  const checked = strategyConfigSchema.parse(cfg);
  const existing = storedStrategyFile(homeRoot, checked.name);
  if (existing && !overwrite) throw new ApiError('conflict', `a strategy config ${checked.name} exists (${existing}); choose another name, or replace it`, 'name');
  const file = existing ?? path.join(strategiesDir(homeRoot), `${checked.name}.yml`);
  const staged = path.join(tmpDir, `strategy-${checked.name}.${process.pid}.${Date.now()}.tmp`);
  fs.writeFileSync(staged, toYaml(checked, { version: '1.1', lineWidth: 0 }));
  publishFile(staged, file);
  return file;
}
