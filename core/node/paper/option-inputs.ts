import type { DuckDBConnection } from '@duckdb/node-api';
import { parseOptionFeature } from '../../common/features/option-features';
import { computeFeatures, parseFeatureList } from '../../common/features/registry';
import type { Timeframe } from '../../common/timeframes';
import type { Catalog } from '../catalog';
import { calendarFor } from '../calendar';
import { optionFeatureColumns } from '../features/option-build';
import { barLengthMs, sessionSeries } from '../features/silver-build';
import { readBars } from '../lake/bar-reader';
import type { BookInputs } from './book-inputs';

/**
 * Option features (gamma exposure) from the lake's stored options, for known closes (a replay or a
 * backtest): computed as a build computes them — the anchors from the set's key levels over the
 * symbol's stored bars, each session's chain on its front contract — so a replay is served exactly
 * the values the model was trained on. A close not asked for gives NaN.
 */
export class StoredOptionInputs implements BookInputs {
  private constructor(
    readonly outputs: readonly string[],
    private readonly byClose: Map<number, number>,
    private readonly columns: Float64Array[],
  ) {}

  /** The option features of `symbol` at the closes of bars opening at `barOpens`, for a set with bar features `features` and option features `specs`. */
  static async of(ctx: { con: DuckDBConnection; catalog: Catalog; lake: string }, symbol: string, timeframe: Timeframe, barOpens: Float64Array, features: string | string[], specs: readonly string[], setName: string): Promise<StoredOptionInputs> {
    const bars = await readBars(ctx.con, ctx.catalog, ctx.lake, { symbol, timeframe });
    const series = sessionSeries(bars, calendarFor(ctx.catalog, symbol));
    const levels = computeFeatures(series, parseFeatureList(features).filter((f) => f.def.name === 'keylevels'));
    const index = new Map(Array.from(series.t, (t, i) => [t, i]));
    const at = Array.from(barOpens, (t) => index.get(t) ?? -1);
    const pick = (col: ArrayLike<number> | undefined, sign = 1): Float64Array => Float64Array.from(at, (i) => (i < 0 || !col ? Number.NaN : sign * col[i]!));
    const close = pick(series.c);
    const level = (kind: string): Float64Array => {
      const near = pick(levels.get(`kl_${kind}_near`));
      return close.map((c, j) => c - near[j]!);
    };
    const barMs = barLengthMs(timeframe);
    const closes = barOpens.map((t) => t + barMs);
    const cols = await optionFeatureColumns(ctx, symbol, closes, pick(series.day), [close, level('pm'), level('or'), level('sma')], specs.map(parseOptionFeature), setName);
    return new StoredOptionInputs([...cols.keys()], new Map(Array.from(closes, (c, i) => [c, i])), [...cols.values()]);
  }

  at(close: number): Float64Array {
    const i = this.byClose.get(close);
    return Float64Array.from(this.columns, (c) => (i === undefined ? Number.NaN : c[i]!));
  }
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
