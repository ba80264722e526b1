import { adx, macd, rsi, stoch } from './oscillator-features';
import { atr, bbands, channel, hvol, obv, tr, volpct } from './range-features';
import { ema, ibs, kin, logret, ret, roc, sma, std, window } from './price-features';
import { calendar, keylevels, levels, macdday, pair, vwap } from './session-features';
import type { FeatureDef, FeatureParams, FeatureSeries } from './types';

/** Every feature, by name: the one definition batch builds, backtests, the chart and paper trading share. */
export const FEATURES: ReadonlyMap<string, FeatureDef> = new Map(
  [ibs, rsi, atr, tr, sma, ema, std, macd, bbands, adx, roc, stoch, channel, obv, vwap, volpct, hvol, ret, logret, kin, levels, keylevels, calendar, pair, window, macdday].map((f) => [f.name, f]),
);

/** Version of the kernels' arithmetic and outputs, part of every spec hash: bump it when a kernel's or a label's outputs change. */
export const FEATURE_CODE_VERSION = 'features-2';

const KIN_DEFAULT = [1, 3, 5, 10, 20];

/** A spec that cannot be used; the message names the spec and what to change. */
export class FeatureSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureSpecError';
  }
}

/** One feature instance: its definition, parameters and output columns. */
export interface FeatureInstance {
  /** The spec as written, normalised (`rsi(14)`). */
  spec: string;
  def: FeatureDef;
  params: FeatureParams;
  outputs: string[];
  warmup: number;
}

/** Splits a comma-separated list of specs, keeping commas inside parentheses: `ibs,macd(12,26,9)`. */
export function splitSpecs(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of list) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '' || out.length > 0) out.push(cur.trim());
  return out;
}

/** Parses one spec such as `rsi(14)`, `bbands(20,2)`, `kin(1,3,5)` or `pair(NQ,60)`, applying defaults and bounds. */
export function parseFeatureSpec(spec: string): FeatureInstance {
  const m = /^\s*([a-z][a-z0-9_]*)\s*(?:\((.*)\))?\s*$/i.exec(spec);
  if (!m) throw new FeatureSpecError(`feature "${spec}": write it as name or name(param,…), e.g. rsi(14)`);
  const name = m[1]!.toLowerCase();
  const def = FEATURES.get(name);
  if (!def) throw new FeatureSpecError(`unknown feature "${name}" in "${spec}"; known features: ${[...FEATURES.keys()].join(', ')}`);
  const args = m[2] === undefined || m[2].trim() === '' ? [] : m[2].split(',').map((a) => a.trim());
  const params: FeatureParams = { nums: [] };
  if (def.takesSymbol) {
    const sym = args.shift();
    if (sym === undefined || !/^[A-Za-z][A-Za-z0-9._-]*$/.test(sym)) throw new FeatureSpecError(`feature "${spec}": the first argument must be the partner symbol, e.g. ${name}(NQ,60)`);
    params.symbol = sym.toUpperCase();
  }
  const template = def.params;
  if (!def.variadic && args.length > template.length) {
    throw new FeatureSpecError(`feature "${spec}": ${name} takes ${template.length === 0 ? 'no parameters' : `at most ${template.length} (${template.map((p) => p.name).join(', ')})`}, got ${args.length}`);
  }
  const values = def.variadic ? (args.length > 0 ? args : KIN_DEFAULT.map(String)) : template.map((p, i) => args[i] ?? String(p.default));
  values.forEach((raw, i) => {
    const p = template[def.variadic ? 0 : i]!;
    const x = raw === '' ? Number.NaN : Number(raw);
    if (!Number.isFinite(x)) throw new FeatureSpecError(`feature "${spec}": ${p.name} must be a number, got "${raw}"`);
    if (p.integer && !Number.isInteger(x)) throw new FeatureSpecError(`feature "${spec}": ${p.name} must be a whole number, got ${raw}`);
    if (x < p.min || x > p.max) throw new FeatureSpecError(`feature "${spec}": ${p.name} must be between ${p.min} and ${p.max}, got ${raw}`);
    params.nums.push(x);
  });
  if (name === 'macd' && params.nums[0]! >= params.nums[1]!) throw new FeatureSpecError(`feature "${spec}": the fast span must be shorter than the slow span`);
  const normal = `${name}${args.length || def.takesSymbol ? `(${[...(params.symbol ? [params.symbol] : []), ...params.nums].join(',')})` : ''}`;
  return { spec: normal, def, params, outputs: def.outputs(params), warmup: def.warmup(params) };
}

/** Parses a list of specs; output columns must not collide. */
export function parseFeatureList(list: string | string[]): FeatureInstance[] {
  const specs = typeof list === 'string' ? splitSpecs(list) : list;
  if (specs.length === 0 || specs.some((s) => s === '')) throw new FeatureSpecError(`feature list "${String(list)}" has an empty entry; separate features with commas, e.g. ibs,rsi(14)`);
  const out = specs.map(parseFeatureSpec);
  const seen = new Set<string>();
  for (const f of out) {
    for (const col of f.outputs) {
      if (seen.has(col)) throw new FeatureSpecError(`feature "${f.spec}": column ${col} is produced twice; list each feature once`);
      seen.add(col);
    }
  }
  return out;
}

/** Computes features over a series with the batch kernels: column name → values (NaN during warm-up). */
export function computeFeatures(series: FeatureSeries, features: FeatureInstance[]): Map<string, Float64Array> {
  const out = new Map<string, Float64Array>();
  for (const f of features) {
    if (f.def.takesSymbol && series.partner === undefined) throw new FeatureSpecError(`feature "${f.spec}" needs the partner symbol's closes`);
    const cols = f.def.batch(series, f.params);
    f.outputs.forEach((name, i) => out.set(name, cols[i]!));
  }
  return out;
}
