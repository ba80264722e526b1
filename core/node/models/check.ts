import type { DuckDBConnection } from '@duckdb/node-api';
import type { Catalog } from '../catalog';
import type { HomeLayout } from '../home';
import { ApiError } from '../../common/errors';
import type { ModelCheck } from '../../common/models/types';
import { fileList, readBuild } from '../features/analysis';
import { readFloat64Columns } from '../lake/duck-columns';
import fs from 'node:fs';
import path from 'node:path';
import { modelFileFor } from './predict';
import type { Provider } from './providers';
import { placementOf } from './placement';
import { classLabels, getModel } from './registry';
import { ModelRunner } from './runner';
import { mostProbable } from './model-output';

/** Each row's largest class probability. */
function topProbabilities(p: { classes: number; values: Float32Array }): Float32Array {
  return Float32Array.from({ length: p.values.length / p.classes }, (_, i) => Math.max(...p.values.subarray(i * p.classes, (i + 1) * p.classes)));
}

/** Per class, the share of rows where it is the most probable. */
function classShare(p: { classes: number; values: Float32Array }, labels: string[]): Record<string, number> {
  const best = mostProbable(p);
  const counts = new Array<number>(p.classes).fill(0);
  for (const c of best) counts[c]!++;
  return Object.fromEntries(labels.map((l, c) => [l, counts[c]! / best.length]));
}

/** Predictions for rows grouped by symbol (`sym`, ascending): a sequence model's windows are built within each symbol's rows. */
async function predictBySymbol(runner: ModelRunner, sym: Float64Array, columns: Float64Array[]): Promise<Float32Array> {
  if (runner.window === 1) return runner.predictBatch(columns);
  const out = new Float32Array(sym.length);
  for (let from = 0; from < sym.length; ) {
    let to = from;
    while (to < sym.length && sym[to] === sym[from]) to++;
    out.set(await runner.predictBatch(columns.map((c) => c.subarray(from, to))), from);
    from = to;
  }
  return out;
}

/** The largest difference between predictions (every class's probability for a multiclass model) and ONNX Runtime's own on the same columns. */
async function differenceFromRuntime(home: HomeLayout, m: { id: string; version: number; features: string[]; objective: string }, provider: Provider | 'auto', columns: Float64Array[], values: Float32Array): Promise<number> {
  const reference = await ModelRunner.open(home, m.id, m.version, m.features.length, provider, 'onnxruntime');
  try {
    const want = m.objective === 'multiclass' ? (await reference.predictClasses(columns)).values : await reference.predictBatch(columns);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(values[i]! - want[i]!));
    return worst;
  } finally {
    await reference.close();
  }
}

/**
 * Runs a registered model through the inference service on the latest `rows` rows per symbol of the
 * feature build it reads (its feature set at its spec hash): proof that it loads, which provider ran
 * it, what served it (compiled trees, checked against ONNX Runtime on the same rows), how fast, and
 * what its predictions look like on recent data.
 */
export async function checkModel(ctx: { home: HomeLayout; catalog: Catalog; con: DuckDBConnection }, ref: { id: string; version?: number }, provider: Provider | 'auto', rows: number): Promise<ModelCheck> {
  const m = getModel(ctx.catalog, ctx.home, ref);
  const name = `${m.id}@${m.version}`;
  if (!m.featureSet || !m.specHash) throw new ApiError('invalid_argument', `${name} names no feature set; import it with --feature-set SET, or predict from a CSV with quantdesk predict`, 'model');
  const build = readBuild(ctx.home.lake, `${m.featureSet}@${m.specHash}`);
  const symbols = (m.symbols.length ? m.symbols : Object.keys(build.symbols)).filter((s) => build.symbols[s]);
  if (symbols.length === 0) throw new ApiError('invalid_argument', `build ${build.buildId} has none of ${name}'s symbols (${m.symbols.join(', ')}); rebuild the feature set`, 'model');
  const missing = m.features.filter((f) => !build.columns.includes(f));
  if (missing.length) throw new ApiError('invalid_argument', `build ${build.buildId} lacks ${name}'s features ${missing.join(', ')}`, 'model');
  const cols = ['epoch_ms(ts)::DOUBLE AS c0', ...m.features.map((f, i) => `"${f}"::DOUBLE AS c${i + 1}`)];
  const latest = symbols.map((s, k) => `(SELECT ${k}::DOUBLE AS sym, ${cols.join(', ')} FROM read_parquet([${fileList(ctx.home.lake, build.symbols[s]!)}]) ORDER BY ts DESC LIMIT ${rows})`);
  // Symbol by symbol, each in time order: a sequence model's windows never reach into another symbol's rows.
  const [sym = new Float64Array(0), times = new Float64Array(0), ...columns] = await readFloat64Columns(ctx.con, `SELECT * FROM (${latest.join(' UNION ALL ')}) ORDER BY sym, c0`);
  if (times.length === 0) throw new ApiError('invalid_argument', `build ${build.buildId} has no rows for ${symbols.join(', ')}`, 'model');
  const runner = await ModelRunner.open(ctx.home, m.id, m.version, m.features.length, provider);
  try {
    const t0 = performance.now();
    const multi = m.objective === 'multiclass' ? await runner.predictClasses(columns) : null;
    const values = multi ? topProbabilities(multi) : await predictBySymbol(runner, sym, columns);
    const ms = performance.now() - t0;
    const card = m.card as { threshold?: { value: number } };
    const classifier = m.objective === 'binary';
    const threshold = classifier ? (card.threshold?.value ?? 0.5) : null;
    let sum = 0;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let above = 0;
    let counted = 0;
    for (const v of values) {
      // A sequence model gives no prediction where its window reaches before the rows read.
      if (Number.isNaN(v)) continue;
      counted++;
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
      if (threshold !== null && v >= threshold) above++;
    }
    // Compiled trees answer to ONNX Runtime, run on the same rows as the reference.
    const engine: ModelCheck['engine'] = runner.engine.kind === 'compiled' ? { kind: 'compiled', maxDiff: await differenceFromRuntime(ctx.home, m, provider, columns, multi ? multi.values : values) } : runner.engine;
    // Where the runtime really ran each node, from its profile of one more inference on the same file.
    const placement = await placementOf(fs.readFileSync(modelFileFor(path.join(ctx.home.models, m.id, String(m.version)), runner.provider)), runner.provider, ctx.home.tmp);
    return {
      model: name,
      symbols,
      rows: values.length,
      from: times.reduce((a, b) => Math.min(a, b), Infinity),
      to: times.reduce((a, b) => Math.max(a, b), -Infinity),
      provider: runner.provider,
      fallback: runner.fallback ?? null,
      placement,
      engine,
      ms,
      mean: sum / counted,
      min,
      max,
      threshold,
      aboveThreshold: threshold === null ? null : above / counted,
      ...(multi ? { classShare: classShare(multi, classLabels(m.card, multi.classes)) } : {}),
    };
  } finally {
    await runner.close();
  }
}
