import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { HomeLayout } from '../home';
import { openModel, openSession } from './predict';
import type { Provider } from './providers';
import { chooseOutput, classProbabilitiesOf, NEIGHBOUR_OUTPUTS, predictionsOf, type OutputChoice } from './model-output';
import type { CompiledTrees } from './compiled-trees';
import { serveCompiled } from './served-trees';
import { windowsOf } from '../../common/models/window-ring';

/** One of the past events a retrieval model found most similar to the row it predicted. */
export interface Neighbour {
  /** The event's bar time, epoch ms. */
  t: number;
  /** Its symbol's index among the model card's symbols. */
  symbol: number;
  /** Its outcome (the label it was trained on: 1 or 0). */
  outcome: number;
}

/** Which evaluator serves a model: compiled trees, or ONNX Runtime (and why not compiled). */
export type Engine = { kind: 'compiled' } | { kind: 'onnxruntime'; why: string };

/**
 * A loaded model ready for inference. A plain tree ensemble run on the CPU is served by its compiled
 * evaluator (`compiled-trees.ts`) once it has matched ONNX Runtime on probe rows at open, batch and
 * row calls alike, so a backtest and a paper session compute the same numbers; everything else runs
 * on ONNX Runtime's own threads, so calls never block the event loop. Batch calls take feature
 * columns; row calls (paper trading, once per bar) one vector.
 */
export class ModelRunner {
  private readonly output: OutputChoice;
  /** Whether the graph names the neighbours behind a prediction (a kNN or kNN-blended model trained with event times). */
  readonly explains: boolean;
  private compiled: CompiledTrees | null = null;
  /** A multiclass ensemble compiled: one probability per class a row. */
  private compiledClasses: { trees: CompiledTrees; classes: number } | null = null;
  /** The evaluator that serves predictions. */
  engine: Engine = { kind: 'onnxruntime', why: 'not checked' };

  private constructor(
    private readonly session: ort.InferenceSession,
    /** The execution provider that runs this model. */
    readonly provider: Provider,
    /** Why a faster provider was not used, when one was not. */
    readonly fallback: string | undefined,
    private readonly nf: number,
    /** Where the model came from, for errors. */
    private readonly source: string,
  ) {
    this.output = chooseOutput(session, source);
    this.explains = NEIGHBOUR_OUTPUTS.every((name) => session.outputNames.includes(name));
    const shape = (session.inputMetadata?.[0] as { shape?: (number | string)[] } | undefined)?.shape ?? [];
    this.window = shape.length === 3 && Number.isInteger(shape[1]) ? Number(shape[1]) : 1;
  }

  /** Rows a prediction reads: T for a sequence model (input [batch, T, features]), 1 for one row. */
  readonly window: number;

  /**
   * Opens `models/<id>/<version>/`, on a GPU provider as the tensorised export when there is one;
   * `engine: 'onnxruntime'` keeps ONNX Runtime even where compiled trees would serve (the reference).
   */
  static async open(home: HomeLayout, id: string, version: number, nf: number, provider: Provider | 'auto' = 'auto', engine: 'auto' | 'onnxruntime' = 'auto'): Promise<ModelRunner> {
    const s = await openModel(path.join(home.models, id, String(version)), provider, home.tmp);
    return new ModelRunner(s.session, s.provider, s.fallback, nf, `${id}@${version}`).choose(s.bytes, engine);
  }

  /** A model from ONNX bytes already in memory (a benchmark's, a test's). */
  static async fromBytes(bytes: Uint8Array, nf: number, provider: Provider | 'auto' = 'auto', engine: 'auto' | 'onnxruntime' = 'auto'): Promise<ModelRunner> {
    const s = await openSession(bytes, provider);
    return new ModelRunner(s.session, s.provider, s.fallback, nf, 'model').choose(bytes, engine);
  }

  /** Serves compiled trees where the graph is a plain ensemble its session runs on the CPU and the probe agrees. */
  private async choose(bytes: Uint8Array, engine: 'auto' | 'onnxruntime'): Promise<this> {
    if (engine === 'onnxruntime') this.engine = { kind: 'onnxruntime', why: 'asked for' };
    else if (this.explains) this.engine = { kind: 'onnxruntime', why: 'the graph names neighbours' };
    else {
      const served = await serveCompiled(bytes, this.nf, async (x, rows, classes) => (classes > 1 ? (await this.runtimeClasses(x, rows)).values : this.runtimeRows(x, rows)));
      if (served.compiled) {
        if (served.classes > 1) this.compiledClasses = { trees: served.compiled, classes: served.classes };
        else this.compiled = served.compiled;
        this.engine = { kind: 'compiled' };
      } else this.engine = { kind: 'onnxruntime', why: served.why };
    }
    return this;
  }

  private async runtimeRows(x: Float32Array, rows: number): Promise<Float32Array> {
    const dims = this.window > 1 ? [rows, this.window, this.nf] : [rows, this.nf];
    const out = await this.session.run({ [this.session.inputNames[0]!]: new ort.Tensor('float32', x, dims) }, [this.output.name]);
    return predictionsOf(out[this.output.name]!, rows, this.output, this.source);
  }

  /** Predictions for feature columns (NaN for missing values), one per row; a sequence model reads at each row the window of rows ending there. */
  async predictBatch(columns: Float64Array[]): Promise<Float32Array> {
    const n = columns[0]?.length ?? 0;
    // Windows of one row are the rows themselves, laid out one after another.
    return this.predictRows(windowsOf(columns, this.window), n);
  }

  /** A classifier's probability per class for feature columns: [rows, classes] row-major. */
  async predictClasses(columns: Float64Array[]): Promise<{ classes: number; values: Float32Array }> {
    const n = columns[0]?.length ?? 0;
    const x = windowsOf(columns, 1);
    if (this.compiledClasses) return { classes: this.compiledClasses.classes, values: Float32Array.from(this.compiledClasses.trees.predict(x, n)) };
    return this.runtimeClasses(x, n);
  }

  private async runtimeClasses(x: Float32Array, rows: number): Promise<{ classes: number; values: Float32Array }> {
    const out = await this.session.run({ [this.session.inputNames[0]!]: new ort.Tensor('float32', x, [rows, this.nf]) }, [this.output.name]);
    return classProbabilitiesOf(out[this.output.name]!, rows, this.output, this.source);
  }

  /** Predictions for `rows` feature vectors (windows of `window` vectors for a sequence model) laid out one after another in `x` (float32, as ONNX Runtime gives them). */
  async predictRows(x: Float32Array, rows: number): Promise<Float32Array> {
    if (this.compiled) return Float32Array.from(this.compiled.predict(x, rows));
    const p = await this.runtimeRows(x, rows);
    // A window with a missing value (the stream's first rows, a feature still warming up) gets no
    // prediction: sequence models have no notion of missing, and ONNX Runtime's activations clamp NaN away.
    if (this.window > 1) {
      const per = this.window * this.nf;
      for (let r = 0; r < rows; r++) if (x.subarray(r * per, (r + 1) * per).some(Number.isNaN)) p[r] = Number.NaN;
    }
    return p;
  }

  /** The prediction for one feature vector. */
  async predictRow(values: ArrayLike<number>): Promise<number> {
    return (await this.predictRows(Float32Array.from(values), 1))[0]!;
  }

  /** The prediction for one feature vector, with the neighbours it was retrieved from, nearest first (none when the model does not name them). */
  async explainRow(values: ArrayLike<number>): Promise<{ p: number; neighbours: Neighbour[] }> {
    if (!this.explains) return { p: await this.predictRow(values), neighbours: [] };
    const out = await this.session.run({ [this.session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(values), [1, this.nf]) }, [this.output.name, ...NEIGHBOUR_OUTPUTS]);
    const [t, symbol, outcome] = NEIGHBOUR_OUTPUTS.map((name) => out[name]!.data as BigInt64Array);
    const neighbours = Array.from(t!, (x, j) => ({ t: Number(x), symbol: Number(symbol![j]), outcome: Number(outcome![j]) }));
    return { p: predictionsOf(out[this.output.name]!, 1, this.output, this.source)[0]!, neighbours };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
