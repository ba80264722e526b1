import { rng, type TrainData } from './gbdt';
import { scalerOf } from './moments';

/**
 * A small multilayer perceptron: standardised inputs (missing → the mean), ReLU hidden layers, a
 * sigmoid output for binary targets or a linear one for regression. Trained with Adam on seeded
 * mini-batches, stopping early when the validation loss stops improving; deterministic for a seed.
 * Weights are float32 values, as ONNX runs them.
 */
export interface MlpModel {
  objective: 'binary' | 'regression';
  mean: Float64Array;
  sd: Float64Array;
  /** Per layer: weights [in × out] row-major and biases [out]. */
  layers: { w: Float32Array; b: Float32Array; inputs: number; outputs: number }[];
  /** Validation loss after each epoch, when a validation set was given. */
  validationLoss?: number[];
}

export interface MlpParams {
  objective: 'binary' | 'regression';
  hidden: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  l2: number;
  /** Epochs without validation improvement before stopping. */
  patience: number;
  seed: number;
}

export const MLP_DEFAULTS: MlpParams = { objective: 'binary', hidden: [32], epochs: 50, batchSize: 256, learningRate: 0.001, l2: 1e-4, patience: 5, seed: 1 };

/** Standardised row r of x into z (float32, as the ONNX graph computes it). */
function inputRow(m: Pick<MlpModel, 'mean' | 'sd'>, x: Float64Array[], r: number, z: Float64Array): void {
  for (let f = 0; f < z.length; f++) {
    const v = x[f]![r]!;
    z[f] = Math.fround(Math.fround((Number.isNaN(v) ? m.mean[f]! : v) - Math.fround(m.mean[f]!)) / Math.fround(m.sd[f]!));
  }
}

/** Forward pass of one row; fills `acts` (one array per layer output, pre-activation in `pre`). */
function forward(m: MlpModel, z: Float64Array, acts: Float64Array[], pre: Float64Array[]): number {
  let input = z;
  m.layers.forEach((layer, li) => {
    const out = acts[li]!;
    const p = pre[li]!;
    for (let o = 0; o < layer.outputs; o++) {
      let s = layer.b[o]!;
      for (let i = 0; i < layer.inputs; i++) s += input[i]! * layer.w[i * layer.outputs + o]!;
      p[o] = s;
      out[o] = li < m.layers.length - 1 ? (s > 0 ? s : 0) : m.objective === 'binary' ? 1 / (1 + Math.exp(-s)) : s;
    }
    input = out;
  });
  return acts[m.layers.length - 1]![0]!;
}

/** Predictions: probabilities for binary models, values for regression. */
export function predictMlp(m: MlpModel, x: Float64Array[]): Float64Array {
  const n = x[0]?.length ?? 0;
  const z = new Float64Array(x.length);
  const acts = m.layers.map((l) => new Float64Array(l.outputs));
  const pre = m.layers.map((l) => new Float64Array(l.outputs));
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    inputRow(m, x, r, z);
    out[r] = forward(m, z, acts, pre);
  }
  return out;
}

function meanLoss(m: MlpModel, d: TrainData): number {
  const p = predictMlp(m, d.x);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    if (m.objective === 'binary') {
      const q = Math.min(1 - 1e-7, Math.max(1e-7, p[i]!));
      s -= d.y[i]! * Math.log(q) + (1 - d.y[i]!) * Math.log(1 - q);
    } else s += (p[i]! - d.y[i]!) ** 2;
  }
  return s / Math.max(1, p.length);
}

/** Trains an MLP; `onEpoch` reports progress and may stop training by returning false. */
export function trainMlp(train: TrainData, params: Partial<MlpParams> = {}, validation?: TrainData, onEpoch?: (done: number, total: number) => boolean | void): MlpModel {
  const p: MlpParams = { ...MLP_DEFAULTS, ...params };
  if (p.objective === 'binary' && train.y.some((v) => v !== 0 && v !== 1)) throw new RangeError('binary objective needs labels 0 and 1');
  const nf = train.x.length;
  const n = train.y.length;
  const random = rng(p.seed);
  const sizes = [nf, ...p.hidden, 1];
  const { mean, sd } = scalerOf(train.x);
  // He initialisation from the seeded generator (Box–Muller).
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const layers = sizes.slice(1).map((outputs, li) => {
    const inputs = sizes[li]!;
    const w = Float32Array.from({ length: inputs * outputs }, () => gauss() * Math.sqrt(2 / inputs));
    return { w, b: new Float32Array(outputs), inputs, outputs };
  });
  const model: MlpModel = { objective: p.objective, mean, sd, layers };
  // Adam state, and gradients accumulated per batch, in float64.
  const mom = layers.map((l) => ({ mw: new Float64Array(l.w.length), vw: new Float64Array(l.w.length), mb: new Float64Array(l.b.length), vb: new Float64Array(l.b.length) }));
  const grad = layers.map((l) => ({ w: new Float64Array(l.w.length), b: new Float64Array(l.b.length) }));
  const acts = layers.map((l) => new Float64Array(l.outputs));
  const pre = layers.map((l) => new Float64Array(l.outputs));
  const delta = layers.map((l) => new Float64Array(l.outputs));
  const z = new Float64Array(nf);
  const order = Int32Array.from({ length: n }, (_, i) => i);
  const beta1 = 0.9;
  const beta2 = 0.999;
  let step = 0;
  let best = Number.POSITIVE_INFINITY;
  let bestLayers = layers.map((l) => ({ w: Float32Array.from(l.w), b: Float32Array.from(l.b) }));
  let since = 0;
  for (let epoch = 0; epoch < p.epochs; epoch++) {
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let start = 0; start < n; start += p.batchSize) {
      const end = Math.min(n, start + p.batchSize);
      for (const g of grad) {
        g.w.fill(0);
        g.b.fill(0);
      }
      for (let k = start; k < end; k++) {
        const r = order[k]!;
        inputRow(model, train.x, r, z);
        const out = forward(model, z, acts, pre);
        // Output delta: (p − y) for sigmoid + log-loss, (ŷ − y) for linear + squared error.
        delta[layers.length - 1]![0] = out - train.y[r]!;
        for (let li = layers.length - 1; li >= 0; li--) {
          const layer = layers[li]!;
          const input = li === 0 ? z : acts[li - 1]!;
          const d = delta[li]!;
          const g = grad[li]!;
          for (let o = 0; o < layer.outputs; o++) {
            g.b[o] = g.b[o]! + d[o]!;
            for (let i = 0; i < layer.inputs; i++) g.w[i * layer.outputs + o] = g.w[i * layer.outputs + o]! + input[i]! * d[o]!;
          }
          if (li > 0) {
            const prev = delta[li - 1]!;
            const prevPre = pre[li - 1]!;
            for (let i = 0; i < layer.inputs; i++) {
              let s = 0;
              for (let o = 0; o < layer.outputs; o++) s += layer.w[i * layer.outputs + o]! * d[o]!;
              prev[i] = prevPre[i]! > 0 ? s : 0;
            }
          }
        }
      }
      step++;
      const size = end - start;
      const c1 = 1 - beta1 ** step;
      const c2 = 1 - beta2 ** step;
      layers.forEach((layer, li) => {
        const g = grad[li]!;
        const s = mom[li]!;
        for (let k = 0; k < layer.w.length; k++) {
          const gk = g.w[k]! / size + p.l2 * layer.w[k]!;
          s.mw[k] = beta1 * s.mw[k]! + (1 - beta1) * gk;
          s.vw[k] = beta2 * s.vw[k]! + (1 - beta2) * gk * gk;
          layer.w[k] = layer.w[k]! - (p.learningRate * (s.mw[k]! / c1)) / (Math.sqrt(s.vw[k]! / c2) + 1e-8);
        }
        for (let k = 0; k < layer.b.length; k++) {
          const gk = g.b[k]! / size;
          s.mb[k] = beta1 * s.mb[k]! + (1 - beta1) * gk;
          s.vb[k] = beta2 * s.vb[k]! + (1 - beta2) * gk * gk;
          layer.b[k] = layer.b[k]! - (p.learningRate * (s.mb[k]! / c1)) / (Math.sqrt(s.vb[k]! / c2) + 1e-8);
        }
      });
    }
    if (validation) {
      const l = meanLoss(model, validation);
      (model.validationLoss ??= []).push(l);
      if (l < best - 1e-9) {
        best = l;
        bestLayers = layers.map((x) => ({ w: Float32Array.from(x.w), b: Float32Array.from(x.b) }));
        since = 0;
      } else if (++since >= p.patience) break;
    }
    if (onEpoch?.(epoch + 1, p.epochs) === false) break;
  }
  if (validation) bestLayers.forEach((b, li) => {
    layers[li]!.w.set(b.w);
    layers[li]!.b.set(b.b);
  });
  return model;
}
