/**
 * Histogram-based gradient-boosted trees (binary log-loss or squared error), deterministic for a seed.
 * Features are bucketed once into at most `maxBins` quantile bins; each tree grows level by level from
 * gradient/hessian histograms. Thresholds are float32 values and rows go left when `x < threshold` or
 * x is missing, exactly as ONNX's TreeEnsemble (BRANCH_LT, missing tracks true) evaluates them.
 */

/** Training parameters. */
export interface GbdtParams {
  objective: 'binary' | 'regression';
  nTrees: number;
  maxDepth: number;
  learningRate: number;
  /** Minimum hessian sum in a child. */
  minChildWeight: number;
  /** L2 regularisation of leaf values. */
  lambda: number;
  /** Fraction of rows drawn (without replacement) per tree. */
  subsample: number;
  /** Fraction of features drawn per tree. */
  colsample: number;
  maxBins: number;
  seed: number;
  /** Stop when the validation loss has not improved for this many trees (0: never). */
  earlyStoppingRounds: number;
}

export const GBDT_DEFAULTS: GbdtParams = { objective: 'binary', nTrees: 100, maxDepth: 6, learningRate: 0.1, minChildWeight: 1, lambda: 1, subsample: 1, colsample: 1, maxBins: 255, seed: 1, earlyStoppingRounds: 0 };

/** One tree, as flat arrays; node 0 is the root. */
export interface Tree {
  /** Feature index of a split node, -1 for a leaf. */
  feature: Int32Array;
  /** Split threshold (a float32 value): left when x < threshold or x is missing. */
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf value (learning rate applied). */
  value: Float64Array;
}

/** A trained ensemble. */
export interface GbdtModel {
  objective: 'binary' | 'regression';
  /** Raw score every prediction starts from (log-odds for binary). */
  base: number;
  trees: Tree[];
  nFeatures: number;
  /** Total gain of the splits on each feature. */
  importance: Float64Array;
  /** Validation loss after each tree, when a validation set was given. */
  validationLoss: number[];
}

/** Columns of a feature matrix (one Float64Array per feature, NaN for missing) and targets. */
export interface TrainData {
  x: Float64Array[];
  y: Float64Array;
}

/** A small seeded generator (mulberry32), so training is reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MISSING = 0;

/** Quantile cut points of a column (float32 values, strictly increasing); bin k holds x < cuts[k]. */
function cutsOf(col: Float64Array, maxBins: number): Float64Array {
  const vals = Float64Array.from(col.filter((v) => !Number.isNaN(v))).sort();
  if (vals.length === 0) return new Float64Array(0);
  const distinct: number[] = [];
  for (let i = 0; i < vals.length; i++) if (i === 0 || vals[i] !== vals[i - 1]) distinct.push(vals[i]!);
  const cuts: number[] = [];
  const push = (a: number, b: number): void => {
    const c = Math.fround((a + b) / 2);
    // The float32 cut must separate the two values, else fall back to the upper one.
    const cut = c > a && c <= b ? c : Math.fround(b);
    if (cuts.length === 0 || cut > cuts[cuts.length - 1]!) cuts.push(cut);
  };
  if (distinct.length <= maxBins - 1) for (let i = 1; i < distinct.length; i++) push(distinct[i - 1]!, distinct[i]!);
  else {
    for (let k = 1; k < maxBins - 1; k++) {
      const i = Math.floor((k * vals.length) / (maxBins - 1));
      const hi = vals[i]!;
      let j = i;
      while (j > 0 && vals[j - 1] === hi) j--;
      if (j > 0) push(vals[j - 1]!, hi);
    }
  }
  return Float64Array.from(cuts);
}

/** Bin of every row: 0 for missing, else 1 + the number of cuts ≤ fround(x). */
function binColumn(col: Float64Array, cuts: Float64Array): Uint8Array {
  const out = new Uint8Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!;
    if (Number.isNaN(v)) {
      out[i] = MISSING;
      continue;
    }
    const x = Math.fround(v);
    let lo = 0;
    let hi = cuts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cuts[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo + 1;
  }
  return out;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** Raw score of one row (x read through `get`). */
export function rawScore(m: GbdtModel, get: (f: number) => number): number {
  let s = m.base;
  for (const t of m.trees) {
    let n = 0;
    while (t.feature[n]! >= 0) {
      const v = get(t.feature[n]!);
      n = Number.isNaN(v) || Math.fround(v) < t.threshold[n]! ? t.left[n]! : t.right[n]!;
    }
    s += t.value[n]!;
  }
  return s;
}

/** Predictions for columns: probabilities for binary models, values for regression. */
export function predictGbdt(m: GbdtModel, x: Float64Array[]): Float64Array {
  const n = x[0]?.length ?? 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const r = rawScore(m, (f) => x[f]![i]!);
    out[i] = m.objective === 'binary' ? sigmoid(r) : r;
  }
  return out;
}

function loss(objective: GbdtParams['objective'], y: Float64Array, raw: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    if (objective === 'binary') {
      const p = Math.min(1 - 1e-15, Math.max(1e-15, sigmoid(raw[i]!)));
      s -= y[i]! * Math.log(p) + (1 - y[i]!) * Math.log(1 - p);
    } else s += (raw[i]! - y[i]!) ** 2;
  }
  return s / y.length;
}

/** Trains an ensemble; `onTree` reports progress and may stop training by returning false. */
export function trainGbdt(train: TrainData, params: Partial<GbdtParams> = {}, validation?: TrainData, onTree?: (done: number, total: number) => boolean | void): GbdtModel {
  const p: GbdtParams = { ...GBDT_DEFAULTS, ...params };
  const nf = train.x.length;
  const n = train.y.length;
  if (p.objective === 'binary' && train.y.some((v) => v !== 0 && v !== 1)) throw new RangeError('binary objective needs labels 0 and 1');
  const cuts = train.x.map((c) => cutsOf(c, Math.min(255, p.maxBins)));
  const bins = train.x.map((c, f) => binColumn(c, cuts[f]!));
  const nb = cuts.map((c) => c.length + 2);
  const mean = train.y.reduce((a, b) => a + b, 0) / n;
  const base = p.objective === 'binary' ? Math.log(Math.max(1e-12, mean) / Math.max(1e-12, 1 - mean)) : mean;
  const raw = new Float64Array(n).fill(base);
  const vraw = validation ? new Float64Array(validation.y.length).fill(base) : undefined;
  const g = new Float64Array(n);
  const h = new Float64Array(n);
  const random = rng(p.seed);
  const trees: Tree[] = [];
  const importance = new Float64Array(nf);
  const validationLoss: number[] = [];
  let best = Number.POSITIVE_INFINITY;
  let bestAt = 0;
  const idx = new Int32Array(n);
  const histG = new Float64Array(257);
  const histH = new Float64Array(257);
  for (let t = 0; t < p.nTrees; t++) {
    for (let i = 0; i < n; i++) {
      if (p.objective === 'binary') {
        const q = sigmoid(raw[i]!);
        g[i] = q - train.y[i]!;
        h[i] = Math.max(q * (1 - q), 1e-16);
      } else {
        g[i] = raw[i]! - train.y[i]!;
        h[i] = 1;
      }
    }
    // Rows and features for this tree.
    let m = 0;
    for (let i = 0; i < n; i++) if (p.subsample >= 1 || random() < p.subsample) idx[m++] = i;
    const feats: number[] = [];
    for (let f = 0; f < nf; f++) if (p.colsample >= 1 || random() < p.colsample) feats.push(f);
    if (feats.length === 0) feats.push(Math.floor(random() * nf));
    const tree = { feature: [] as number[], threshold: [] as number[], left: [] as number[], right: [] as number[], value: [] as number[] };
    const newNode = (): number => {
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      tree.value.push(0);
      return tree.feature.length - 1;
    };
    let level: { node: number; start: number; end: number; G: number; H: number }[] = [];
    {
      let G = 0;
      let H = 0;
      for (let k = 0; k < m; k++) {
        G += g[idx[k]!]!;
        H += h[idx[k]!]!;
      }
      level.push({ node: newNode(), start: 0, end: m, G, H });
    }
    for (let depth = 0; depth <= p.maxDepth && level.length > 0; depth++) {
      const next: typeof level = [];
      for (const nd of level) {
        const leaf = (): void => {
          tree.value[nd.node] = (-nd.G / (nd.H + p.lambda)) * p.learningRate;
        };
        if (depth === p.maxDepth || nd.H < 2 * p.minChildWeight) {
          leaf();
          continue;
        }
        const parentScore = (nd.G * nd.G) / (nd.H + p.lambda);
        let bestGain = 1e-12;
        let bestF = -1;
        let bestBin = -1;
        for (const f of feats) {
          const b = bins[f]!;
          const nbins = nb[f]!;
          histG.fill(0, 0, nbins);
          histH.fill(0, 0, nbins);
          for (let k = nd.start; k < nd.end; k++) {
            const r = idx[k]!;
            const bin = b[r]!;
            histG[bin] = histG[bin]! + g[r]!;
            histH[bin] = histH[bin]! + h[r]!;
          }
          // Missing values (bin 0) always go left with the low bins.
          let GL = 0;
          let HL = 0;
          for (let k = 0; k < nbins - 1; k++) {
            GL += histG[k]!;
            HL += histH[k]!;
            if (k === 0) continue;
            const GR = nd.G - GL;
            const HR = nd.H - HL;
            if (HL < p.minChildWeight || HR < p.minChildWeight) continue;
            const gain = (GL * GL) / (HL + p.lambda) + (GR * GR) / (HR + p.lambda) - parentScore;
            if (gain > bestGain) {
              bestGain = gain;
              bestF = f;
              bestBin = k;
            }
          }
        }
        if (bestF < 0) {
          leaf();
          continue;
        }
        importance[bestF] = importance[bestF]! + bestGain;
        // Rows in bins ≤ bestBin go left: x < cuts[bestBin - 1] (bin k holds cuts[k-2] ≤ x < cuts[k-1]).
        const b = bins[bestF]!;
        let lo = nd.start;
        let hi = nd.end - 1;
        while (lo <= hi) {
          if (b[idx[lo]!]! <= bestBin) lo++;
          else {
            const tmp = idx[lo]!;
            idx[lo] = idx[hi]!;
            idx[hi--] = tmp;
          }
        }
        let GL = 0;
        let HL = 0;
        for (let k = nd.start; k < lo; k++) {
          GL += g[idx[k]!]!;
          HL += h[idx[k]!]!;
        }
        tree.feature[nd.node] = bestF;
        tree.threshold[nd.node] = cuts[bestF]![bestBin - 1]!;
        const l = newNode();
        const r = newNode();
        tree.left[nd.node] = l;
        tree.right[nd.node] = r;
        next.push({ node: l, start: nd.start, end: lo, G: GL, H: HL }, { node: r, start: lo, end: nd.end, G: nd.G - GL, H: nd.H - HL });
      }
      level = next;
    }
    const done: Tree = { feature: Int32Array.from(tree.feature), threshold: Float64Array.from(tree.threshold), left: Int32Array.from(tree.left), right: Int32Array.from(tree.right), value: Float64Array.from(tree.value) };
    trees.push(done);
    const one: GbdtModel = { objective: p.objective, base: 0, trees: [done], nFeatures: nf, importance, validationLoss };
    for (let i = 0; i < n; i++) raw[i] = raw[i]! + rawScore(one, (f) => train.x[f]![i]!);
    if (validation && vraw) {
      for (let i = 0; i < vraw.length; i++) vraw[i] = vraw[i]! + rawScore(one, (f) => validation.x[f]![i]!);
      const l = loss(p.objective, validation.y, vraw);
      validationLoss.push(l);
      if (l < best - 1e-12) {
        best = l;
        bestAt = t + 1;
      } else if (p.earlyStoppingRounds > 0 && t + 1 - bestAt >= p.earlyStoppingRounds) break;
    }
    if (onTree?.(t + 1, p.nTrees) === false) break;
  }
  const keep = validation && p.earlyStoppingRounds > 0 ? bestAt : trees.length;
  return { objective: p.objective, base, trees: trees.slice(0, keep), nFeatures: nf, importance, validationLoss };
}
