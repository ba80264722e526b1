import { copyBar } from '../../common/backtest/bar-walk';
import { ApiError } from '../../common/errors';
import { parseFeatureList } from '../../common/features/registry';
import { parseOptionFeature } from '../../common/features/option-features';
import { parseBookFeature } from '../../common/features/book-features';
import type { FeatureBar, FeatureSeries, StreamingKernel } from '../../common/features/types';
import type { Timeframe } from '../../common/timeframes';
import type { PaperBar } from '../../common/trading/paper-engine';
import type { PortfolioRun } from '../../common/backtest/types';
import type { Bars } from '../../common/bars';
import type { Catalog } from '../catalog';
import { calendarFor } from '../calendar';
import { readBuild } from '../features/analysis';
import { barLengthMs, sessionSeries } from '../features/silver-build';
import { evaluationWindow } from '../features/evaluation-window';
import { LiveBookInputs, storedBookInputs, type BookInputs } from './book-inputs';
import { JoinedInputs, storedOptionInputs } from './option-inputs';
import type { HomeLayout } from '../home';
import { readBars } from '../lake/bar-reader';
import { defaultProvider } from '../models/providers';
import { getModel, parseModelRef } from '../models/registry';
import { ModelRunner, type Neighbour } from '../models/runner';
import { WindowRing } from '../../common/models/window-ring';
import type { DuckDBConnection } from '@duckdb/node-api';

type Ctx = { home: HomeLayout; catalog: Catalog; con: DuckDBConnection };
type Instrument = PortfolioRun['config']['instruments'][number];

/** Rows predicted per ONNX call when a whole series is known in advance (a replay). */
const BATCH = 8_192;

/** What a streaming model computes besides its bar kernels: its book features, and the hours its feature set evaluates. */
export interface StreamingExtras {
  /** Where its book features come from (none when it reads none). */
  book?: BookInputs;
  /** A bar's length, to read the book at its close. */
  barMs?: number;
  /** Whether a bar opening at t is one the feature set evaluates (others get no prediction). */
  evaluates?: (t: number) => boolean;
}

/**
 * A model fed bar by bar: the streaming kernels of its feature set, its book features at each close,
 * their outputs gathered in the model's input order, and its ONNX session. Paper sessions predict
 * one row per bar; a replay, whose bars are all known, the same rows in batches; either way each row
 * is what the kernels give after that bar, so both give the same probabilities. Bars outside the
 * set's evaluation hours update the kernels but are not predicted: the model never saw such rows.
 */
export class StreamingModel {
  private readonly fb: FeatureBar = { t: 0, o: 0, h: 0, l: 0, c: 0, v: 0, day: 0, sessionStart: 0, monthEnd: false, partner: Number.NaN };
  /** Each kernel's outputs after the last bar, then the book's. */
  private readonly outs: ArrayLike<number>[] = [];
  /** The last bar the kernels were warmed on (−∞ before any). */
  warmedTo = Number.NEGATIVE_INFINITY;
  /** A sequence model's last input rows (its window), fed every bar's row as a build has one for every bar. */
  private readonly ring: WindowRing | undefined;

  constructor(
    /** The model's reference, `id@version`. */
    readonly ref: string,
    /** The model's ONNX session. */
    readonly runner: ModelRunner,
    private readonly kernels: { outputs: string[]; kernel: StreamingKernel }[],
    /** For each model input, in order: [source, output index]; the source is a kernel's index, or the kernels' count for the book. */
    private readonly inputs: readonly (readonly [number, number])[],
    private readonly extras: StreamingExtras = {},
  ) {
    this.ring = runner.window > 1 ? new WindowRing(runner.window, inputs.length) : undefined;
  }

  /** A model over `features` (a feature list, as a feature set writes it) and the book's, reading `names` of their outputs, in that order. */
  static of(ref: string, runner: ModelRunner, features: string | string[], names: readonly string[], extras: StreamingExtras = {}): StreamingModel {
    const specs = parseFeatureList(features);
    const kernels = specs.map((f) => ({ outputs: f.outputs, kernel: f.def.stream(f.params) }));
    const bookOutputs = extras.book?.outputs ?? [];
    const inputs = names.map((name): [number, number] => {
      const at = kernels.findIndex((x) => x.outputs.includes(name));
      if (at >= 0) return [at, kernels[at]!.outputs.indexOf(name)];
      if (bookOutputs.includes(name)) return [kernels.length, bookOutputs.indexOf(name)];
      throw new ApiError('invalid_argument', `${ref} reads feature ${name}, which its features (${[features, bookOutputs].flat().join(', ')}) do not compute`, 'portfolio');
    });
    return new StreamingModel(ref, runner, kernels, inputs, extras);
  }

  /** Whether the model reads book features. */
  get readsBook(): boolean {
    return this.inputs.some(([source]) => source === this.kernels.length);
  }

  /** Whether the model predicts a bar opening at t (its feature set evaluates that hour). */
  evaluates(t: number): boolean {
    return this.extras.evaluates?.(t) ?? true;
  }

  /** Number of model inputs. */
  get width(): number {
    return this.inputs.length;
  }

  /** Feeds one bar to the kernels (and the book up to its close) and writes the model's input row for it into `row` at `at`. */
  update(bar: PaperBar, row: Float32Array | Float64Array, at = 0): void {
    this.advance(bar);
    const { book, barMs } = this.extras;
    if (book) this.outs[this.kernels.length] = book.at(bar.t + (barMs ?? 0));
    const outs = this.outs;
    const inputs = this.inputs;
    for (let j = 0; j < inputs.length; j++) row[at + j] = outs[inputs[j]![0]]![inputs[j]![1]]!;
    this.ring?.push(row, at);
  }

  /**
   * The prediction for the last bar fed (`row` being its input row), with the neighbours behind it
   * where the model names them; a sequence model reads the window of rows ending there.
   */
  async predictLast(row: ArrayLike<number>): Promise<{ p: number; neighbours: Neighbour[] }> {
    if (!this.ring) return this.runner.explainRow(row);
    const x = new Float32Array(this.ring.length * this.ring.width);
    this.ring.write(x);
    return { p: (await this.runner.predictRows(x, 1))[0]!, neighbours: [] };
  }

  /** Feeds one bar to the bar kernels only (a bar whose prediction is known already: warm-up, a resumed session's journaled bars). */
  advance(bar: PaperBar): void {
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
    for (let k = 0; k < this.kernels.length; k++) this.outs[k] = this.kernels[k]!.kernel.update(fb);
  }

  /** Warms the bar kernels on a series' bars before `before`, as the feature build computed them (the book's windows are shorter than a session's warm-up and start with the feed). */
  warm(bars: Bars, sessions: Pick<FeatureSeries, 'day' | 'sessionStart' | 'monthEnd'>, before: number): void {
    const bar: PaperBar = { t: 0, o: 0, h: 0, l: 0, c: 0, v: 0, day: 0, sessionStart: 0, monthEnd: false };
    // A sequence model's window takes the warm-up's rows too, as the build's rows precede the first prediction.
    const row = this.ring ? new Float64Array(this.width) : undefined;
    for (let i = 0; i < bars.t.length && bars.t[i]! < before; i++) {
      seriesBar(bar, bars, sessions, i);
      if (row) this.update(bar, row);
      else this.advance(bar);
      this.warmedTo = bars.t[i]!;
    }
  }

  /** The model's probability for each bar of a series fed in order (bars at or before the warm-up's last give NaN). */
  async probabilities(bars: Bars, sessions: Pick<FeatureSeries, 'day' | 'sessionStart' | 'monthEnd'>): Promise<Float64Array> {
    const n = bars.t.length;
    const out = new Float64Array(n).fill(Number.NaN);
    const nf = this.width;
    const ring = this.ring;
    const perRow = ring ? ring.length * nf : nf;
    const x = new Float32Array(BATCH * perRow);
    const row = new Float32Array(nf);
    const bar: PaperBar = { t: 0, o: 0, h: 0, l: 0, c: 0, v: 0, day: 0, sessionStart: 0, monthEnd: false };
    let i = 0;
    while (i < n && bars.t[i]! <= this.warmedTo) i++;
    while (i < n) {
      const rows = Math.min(BATCH, n - i);
      for (let r = 0; r < rows; r++) {
        seriesBar(bar, bars, sessions, i + r);
        if (ring) {
          this.update(bar, row);
          ring.write(x, r * perRow);
        } else this.update(bar, x, r * nf);
      }
      const p = await this.runner.predictRows(x.subarray(0, rows * perRow), rows);
      for (let r = 0; r < rows; r++) out[i + r] = this.evaluates(bars.t[i + r]!) ? p[r]! : Number.NaN;
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
 * Where a gated model's book features come from: a live feed's book, the lake's stored book at known
 * bar opens, inputs already computed for the same model and bars (`ready`: another reader of the
 * same stored book), or nowhere (a feed without a book: such models are refused, with the reason).
 */
export type BookSource = { kind: 'live' } | { kind: 'stored'; bars: Float64Array } | { kind: 'ready'; book: BookInputs } | { kind: 'none'; why: string };

/**
 * Opens a gated instrument's model for streaming, checking that it can filter trades bar by bar (a
 * classifier, trained on a stored feature set of the instrument's timeframe over all hours, with no
 * pair features, and with a book where it reads book features), its kernels warmed on the
 * instrument's stored bars before `before`. `book` is where its book features come from (a live
 * feed's book goes to it when it is a LiveBookInputs).
 */
export async function openStreamingModel(ctx: Ctx, inst: Instrument, before: number, bookSource: BookSource): Promise<{ model: StreamingModel; card: ReturnType<typeof getModel>; build: ReturnType<typeof readBuild>; book: BookInputs | undefined }> {
  const m = getModel(ctx.catalog, ctx.home, parseModelRef(inst.model!));
  const ref = `${m.id}@${m.version}`;
  if (m.objective !== 'binary') throw new ApiError('invalid_argument', `${inst.name}: ${ref} is a regressor; a trade filter needs a classifier`, 'portfolio');
  if (!m.featureSet || !m.specHash) throw new ApiError('invalid_argument', `${inst.name}: ${ref} names no feature set, so its features cannot be computed as bars arrive`, 'portfolio');
  const build = readBuild(ctx.home.lake, `${m.featureSet}@${m.specHash}`);
  if (build.spec.timeframe !== inst.timeframe) throw new ApiError('invalid_argument', `${inst.name}: ${ref} was trained on ${build.spec.timeframe} bars, but the instrument trades ${inst.timeframe} bars`, 'portfolio');
  if (build.spec.session !== 'all') throw new ApiError('invalid_argument', `${inst.name}: ${ref}'s feature set keeps regular hours only; paper sessions run feature sets over all hours`, 'portfolio');
  if (parseFeatureList(build.spec.features).some((f) => f.params.symbol)) throw new ApiError('invalid_argument', `${inst.name}: ${ref}'s feature set uses another symbol's bars (a pair feature); paper sessions run single-symbol feature sets`, 'portfolio');
  const optionSpecs = build.spec.options ?? [];
  const readsOptions = optionSpecs.map(parseOptionFeature).some((o) => o.outputs.some((x) => m.features.includes(x)));
  if (readsOptions && bookSource.kind !== 'stored' && bookSource.kind !== 'ready')
    throw new ApiError('invalid_argument', `${inst.name}: ${ref} reads option features (${optionSpecs.join(', ')}), which only the lake's stored options can serve: no live feed carries options' quotes; replay it from the lake`, 'portfolio');
  const bookSpecs = build.spec.book ?? [];
  const readsBook = bookSpecs.length > 0 && bookSpecs.map(parseBookFeature).some((b) => b.outputs.some((o) => m.features.includes(o)));
  if (readsBook && bookSource.kind === 'none') throw new ApiError('invalid_argument', `${inst.name}: ${ref} reads book features (${bookSpecs.join(', ')}), but ${bookSource.why}`, 'portfolio');
  const barMs = barLengthMs(build.spec.timeframe as Timeframe);
  const lake = { con: ctx.con, catalog: ctx.catalog, lake: ctx.home.lake };
  // The book's features, then the options': from the feed, the lake, or inputs a caller read already.
  let book: BookInputs | undefined;
  if (bookSource.kind === 'ready') book = readsBook || readsOptions ? bookSource.book : undefined;
  else {
    const own = !readsBook ? undefined : bookSource.kind === 'stored' ? await storedBookInputs(lake, inst.symbol, bookSource.bars.map((t) => t + barMs), bookSpecs, m.featureSet) : new LiveBookInputs(bookSpecs);
    const options = readsOptions && bookSource.kind === 'stored' ? await storedOptionInputs(lake, inst.symbol, build.spec.timeframe as Timeframe, bookSource.bars, build.spec.features, optionSpecs, m.featureSet) : undefined;
    book = own && options ? new JoinedInputs([own, options]) : (own ?? options);
  }
  const evaluates = build.spec.evaluate ? evaluationWindow(build.spec.evaluate, calendarFor(ctx.catalog, inst.symbol), m.featureSet) : undefined;
  const runner = await ModelRunner.open(ctx.home, m.id, m.version, m.features.length, defaultProvider(ctx.catalog));
  try {
    if (runner.window > 1 && (readsBook || readsOptions)) throw new ApiError('invalid_argument', `${inst.name}: ${ref} reads windows of ${runner.window} rows; sequence models are served on bar features only, and it reads book or option features`, 'portfolio');
    const model = StreamingModel.of(ref, runner, build.spec.features, m.features, { ...(book ? { book } : {}), barMs, ...(evaluates ? { evaluates } : {}) });
    const warm = await readBars(ctx.con, ctx.catalog, ctx.home.lake, { symbol: inst.symbol, timeframe: inst.timeframe as Timeframe });
    model.warm(warm, sessionSeries(warm, calendarFor(ctx.catalog, inst.symbol)), before);
    return { model, card: m, build, book };
  } catch (e) {
    await runner.close();
    throw e;
  }
}
