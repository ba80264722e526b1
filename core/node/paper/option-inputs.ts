import type { DuckDBConnection } from '@duckdb/node-api';
import { parseOptionFeature } from '../../common/features/option-features';
import { computeFeatures, parseFeatureList } from '../../common/features/registry';
import type { Timeframe } from '../../common/timeframes';
import type { Catalog } from '../catalog';
import { calendarFor } from '../calendar';
import { gexAnchors, optionFeatureColumns } from '../features/option-build';
import { barLengthMs, sessionSeries } from '../features/silver-build';
import { readBars } from '../lake/bar-reader';
import { StoredInputs, type BookInputs } from './book-inputs';

/**
 * Option features (gamma exposure) from the lake's stored options at the closes of bars opening at
 * `barOpens`, computed as a build computes them — the anchors from the set's key levels (`features`)
 * over the symbol's stored bars, each session's chain on its front contract — so a replay is served
 * exactly the values the model was trained on.
 */
export async function storedOptionInputs(ctx: { con: DuckDBConnection; catalog: Catalog; lake: string }, symbol: string, timeframe: Timeframe, barOpens: Float64Array, features: string | string[], specs: readonly string[], setName: string): Promise<StoredInputs> {
  const bars = await readBars(ctx.con, ctx.catalog, ctx.lake, { symbol, timeframe });
  const series = sessionSeries(bars, calendarFor(ctx.catalog, symbol));
  const levels = computeFeatures(series, parseFeatureList(features).filter((f) => f.def.name === 'keylevels'));
  const index = new Map(Array.from(series.t, (t, i) => [t, i]));
  const at = Array.from(barOpens, (t) => index.get(t) ?? -1);
  const pick = (col: ArrayLike<number> | undefined): Float64Array => Float64Array.from(at, (i) => (i < 0 || !col ? Number.NaN : col[i]!));
  const near = new Map([...levels].map(([name, col]) => [name, pick(col)]));
  const barMs = barLengthMs(timeframe);
  const closes = barOpens.map((t) => t + barMs);
  return new StoredInputs(closes, await optionFeatureColumns(ctx, symbol, closes, pick(series.day), gexAnchors(pick(series.c), near), specs.map(parseOptionFeature), setName));
}

/** Several inputs read as one: their outputs in order, each close's values side by side. */
export class JoinedInputs implements BookInputs {
  readonly outputs: readonly string[];

  constructor(private readonly parts: readonly BookInputs[]) {
    this.outputs = parts.flatMap((p) => p.outputs);
  }

  at(close: number): Float64Array {
    const out = new Float64Array(this.outputs.length);
    let o = 0;
    for (const p of this.parts) {
      const v = p.at(close);
      for (let j = 0; j < v.length; j++) out[o++] = v[j]!;
    }
    return out;
  }
}
