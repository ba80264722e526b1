import { copyBar } from '../../common/backtest/engine';
import { ApiError } from '../../common/errors';
import { parseFeatureList } from '../../common/features/registry';
import type { FeatureBar, FeatureSeries, StreamingKernel } from '../../common/features/types';
import type { Timeframe } from '../../common/timeframes';
import type { PaperBar } from '../../common/trading/paper-engine';
import type { Bars, PortfolioRun } from '../../common/types';
import type { Catalog } from '../catalog';
import { calendarFor } from '../calendar';
import { readBuild } from '../features/analysis';
import { sessionSeries } from '../features/silver-build';
import type { HomeLayout } from '../home';
import { readBars } from '../lake/bar-reader';
import { defaultProvider } from '../models/predict';
import { getModel, parseModelRef } from '../models/registry';
import { ModelRunner } from '../models/runner';
import type { DuckDBConnection } from '@duckdb/node-api';

type Ctx = { home: HomeLayout; catalog: Catalog; con: DuckDBConnection };
type Instrument = PortfolioRun['config']['instruments'][number];

/** Rows predicted per ONNX call when a whole series is known in advance (a replay). */
const BATCH = 8_192;

/**
 * A model fed bar by bar: the streaming kernels of its feature set, their outputs gathered in the
 * model's input order, and its ONNX session. Paper sessions predict one row per bar; a replay, whose
 * bars are all known, the same rows in batches; either way each row is what the kernels give after
 * that bar, so both give the same probabilities.
 */
export class StreamingModel {
  private readonly fb: FeatureBar = { t: 0, o: 0, h: 0, l: 0, c: 0, v: 0, day: 0, sessionStart: 0, monthEnd: false, partner: Number.NaN };
  /** Each kernel's outputs after the last bar. */
  private readonly outs: ArrayLike<number>[] = [];
  /** The last bar the kernels were warmed on (−∞ before any). */
  warmedTo = Number.NEGATIVE_INFINITY;

  constructor(
    /** The model's reference, `id@version`. */
    readonly ref: string,
    /** The model's ONNX session. */
    readonly runner: ModelRunner,
    private readonly kernels: { outputs: string[]; kernel: StreamingKernel }[],
    /** For each model input, in order: [kernel index, output index]. */
    private readonly inputs: readonly (readonly [number, number])[],
  ) {}

  /** A model over `features` (a feature list, as a feature set writes it) reading `names` of their outputs, in that order. */
  static of(ref: string, runner: ModelRunner, features: string | string[], names: readonly string[]): StreamingModel {
    const specs = parseFeatureList(features);
    const kernels = specs.map((f) => ({ outputs: f.outputs, kernel: f.def.stream(f.params) }));
    const inputs = names.map((name): [number, number] => {
      const at = kernels.findIndex((x) => x.outputs.includes(name));
      if (at < 0) throw new ApiError('invalid_argument', `${ref} reads feature ${name}, which its features (${[features].flat().join(', ')}) do not compute`, 'portfolio');
      return [at, kernels[at]!.outputs.indexOf(name)];
    });
    return new StreamingModel(ref, runner, kernels, inputs);
  }

  /** Number of model inputs. */
  get width(): number {
    return this.inputs.length;
  }

  /** Feeds one bar to the kernels and writes the model's input row for it into `row` at `at`. */
  update(bar: PaperBar, row: Float32Array | Float64Array, at = 0): void {
    const fb = this.fb;
    fb.t = bar.t;
    fb.o = bar.o;
    fb.h = bar.h;
    fb.l = bar.l;
    fb.c = bar.c;
    fb.v = bar.v;
    fb.day = bar.day;
    fb.sessionStart = bar.sessionStart;
    fb.monthEnd = bar.monthEnd;
    const outs = this.outs;
    for (let k = 0; k < this.kernels.length; k++) outs[k] = this.kernels[k]!.kernel.update(fb);
    const inputs = this.inputs;
    for (let j = 0; j < inputs.length; j++) row[at + j] = outs[inputs[j]![0]]![inputs[j]![1]]!;
  }

  /** Warms the kernels on a series' bars before `before`, as the feature build computed them. */
  warm(bars: Bars, sessions: Pick<FeatureSeries, 'day' | 'sessionStart' | 'monthEnd'>, before: number): void {
    const scratch = new Float64Array(this.width);
    const bar: PaperBar = { t: 0, o: 0, h: 0, l: 0, c: 0, v: 0, day: 0, sessionStart: 0, monthEnd: false };
    for (let i = 0; i < bars.t.length && bars.t[i]! < before; i++) {
      seriesBar(bar, bars, sessions, i);
      this.update(bar, scratch);
      this.warmedTo = bars.t[i]!;
    }
  }

  /** The model's probability for each bar of a series fed in order (bars at or before the warm-up's last give NaN). */
  async probabilities(bars: Bars, sessions: Pick<FeatureSeries, 'day' | 'sessionStart' | 'monthEnd'>): Promise<Float64Array> {
    const n = bars.t.length;
    const out = new Float64Array(n).fill(Number.NaN);
    const nf = this.width;
    const x = new Float32Array(BATCH * nf);
    const bar: PaperBar = { t: 0, o: 0, h: 0, l: 0, c: 0, v: 0, day: 0, sessionStart: 0, monthEnd: false };
    let i = 0;
    while (i < n && bars.t[i]! <= this.warmedTo) i++;
    while (i < n) {
      const rows = Math.min(BATCH, n - i);
      for (let r = 0; r < rows; r++) {
        seriesBar(bar, bars, sessions, i + r);
        this.update(bar, x, r * nf);
      }
      const p = await this.runner.predictRows(x.subarray(0, rows * nf), rows);
      out.set(p, i);
      i += rows;
    }
    return out;
  }
}

/** Copies bar i of a series, with its session facts, into `bar` (no allocation per bar). */
export function seriesBar(bar: PaperBar, bars: Bars, s: Pick<FeatureSeries, 'day' | 'sessionStart' | 'monthEnd'>, i: number): void {
  copyBar(bar, bars, i);
  bar.day = s.day[i]!;
  bar.sessionStart = s.sessionStart[i]!;
  bar.monthEnd = s.monthEnd[i] === 1;
}

/**
 * Opens a gated instrument's model for streaming, checking that it can filter trades bar by bar (a
 * classifier, trained on a stored feature set of the instrument's timeframe over all hours, with no
 * pair features), its kernels warmed on the instrument's stored bars before `before`.
 */
export async function openStreamingModel(ctx: Ctx, inst: Instrument, before: number): Promise<{ model: StreamingModel; card: ReturnType<typeof getModel>; build: ReturnType<typeof readBuild> }> {
  const m = getModel(ctx.catalog, ctx.home, parseModelRef(inst.model!));
  const ref = `${m.id}@${m.version}`;
  if (m.objective !== 'binary') throw new ApiError('invalid_argument', `${inst.name}: ${ref} is a regressor; a trade filter needs a classifier`, 'portfolio');
  if (!m.featureSet || !m.specHash) throw new ApiError('invalid_argument', `${inst.name}: ${ref} names no feature set, so its features cannot be computed as bars arrive`, 'portfolio');
  const build = readBuild(ctx.home.lake, `${m.featureSet}@${m.specHash}`);
  if (build.spec.timeframe !== inst.timeframe) throw new ApiError('invalid_argument', `${inst.name}: ${ref} was trained on ${build.spec.timeframe} bars, but the instrument trades ${inst.timeframe} bars`, 'portfolio');
  if (build.spec.session !== 'all') throw new ApiError('invalid_argument', `${inst.name}: ${ref}'s feature set keeps regular hours only; paper sessions run feature sets over all hours`, 'portfolio');
  if (parseFeatureList(build.spec.features).some((f) => f.params.symbol)) throw new ApiError('invalid_argument', `${inst.name}: ${ref}'s feature set uses another symbol's bars (a pair feature); paper sessions run single-symbol feature sets`, 'portfolio');
  const runner = await ModelRunner.open(ctx.home, m.id, m.version, m.features.length, defaultProvider(ctx.catalog));
  try {
    const model = StreamingModel.of(ref, runner, build.spec.features, m.features);
    const warm = await readBars(ctx.con, ctx.catalog, ctx.home.lake, { symbol: inst.symbol, timeframe: inst.timeframe as Timeframe });
    model.warm(warm, sessionSeries(warm, calendarFor(ctx.catalog, inst.symbol)), before);
    return { model, card: m, build };
  } catch (e) {
    await runner.close();
    throw e;
  }
}
