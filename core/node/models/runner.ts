import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { HomeLayout } from '../home';
import { openModel, openSession, type Provider } from './predict';
import { chooseOutput, classProbabilitiesOf, NEIGHBOUR_OUTPUTS, predictionsOf, type OutputChoice } from './model-output';

/** One of the past events a retrieval model found most similar to the row it predicted. */
export interface Neighbour {
  /** The event's bar time, epoch ms. */
  t: number;
  /** Its symbol's index among the model card's symbols. */
  symbol: number;
  /** Its outcome (the label it was trained on: 1 or 0). */
  outcome: number;
}

/**
 * A loaded model ready for inference: ONNX Runtime runs it on its own threads, so calls never block
 * the event loop. Batch calls take feature columns; row calls (paper trading, once per bar) one vector.
 */
export class ModelRunner {
  private readonly output: OutputChoice;
  /** Whether the graph names the neighbours behind a prediction (a kNN or kNN-blended model trained with event times). */
  readonly explains: boolean;

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
  }

  /** Opens `models/<id>/<version>/`, on a GPU provider as the tensorised export when there is one. */
  static async open(home: HomeLayout, id: string, version: number, nf: number, provider: Provider | 'auto' = 'auto'): Promise<ModelRunner> {
    const s = await openModel(path.join(home.models, id, String(version)), provider);
    return new ModelRunner(s.session, s.provider, s.fallback, nf, `${id}@${version}`);
  }

  /** A model from ONNX bytes already in memory (a benchmark's, a test's). */
  static async fromBytes(bytes: Uint8Array, nf: number, provider: Provider | 'auto' = 'auto'): Promise<ModelRunner> {
    const s = await openSession(bytes, provider);
    return new ModelRunner(s.session, s.provider, s.fallback, nf, 'model');
  }

  /** Predictions for feature columns (NaN for missing values), one per row. */
  async predictBatch(columns: Float64Array[]): Promise<Float32Array> {
    const n = columns[0]?.length ?? 0;
    const x = new Float32Array(n * this.nf);
    for (let i = 0; i < n; i++) for (let f = 0; f < this.nf; f++) x[i * this.nf + f] = columns[f]![i]!;
    return this.predictRows(x, n);
  }

  /** A classifier's probability per class for feature columns: [rows, classes] row-major. */
  async predictClasses(columns: Float64Array[]): Promise<{ classes: number; values: Float32Array }> {
    const n = columns[0]?.length ?? 0;
    const x = new Float32Array(n * this.nf);
    for (let i = 0; i < n; i++) for (let f = 0; f < this.nf; f++) x[i * this.nf + f] = columns[f]![i]!;
    const out = await this.session.run({ [this.session.inputNames[0]!]: new ort.Tensor('float32', x, [n, this.nf]) }, [this.output.name]);
    return classProbabilitiesOf(out[this.output.name]!, n, this.output, this.source);
  }

  /** Predictions for `rows` feature vectors laid out one after another in `x`. */
  async predictRows(x: Float32Array, rows: number): Promise<Float32Array> {
    const out = await this.session.run({ [this.session.inputNames[0]!]: new ort.Tensor('float32', x, [rows, this.nf]) }, [this.output.name]);
    return predictionsOf(out[this.output.name]!, rows, this.output, this.source);
  }

  /** The prediction for one feature vector. */
  async predictRow(values: ArrayLike<number>): Promise<number> {
    const out = await this.session.run({ [this.session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from(values), [1, this.nf]) }, [this.output.name]);
    return predictionsOf(out[this.output.name]!, 1, this.output, this.source)[0]!;
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
