import type { Tree } from './gbdt';

/** Features bucketed for histogram splits: cut points, bin of every row, bins per feature. */
export interface Binned {
  cuts: Float64Array[];
  bins: Uint8Array[];
  nb: number[];
  /** The same bins row-major (row × features), for one-pass histograms. */
  rowBins: Uint8Array;
  /** Start of each feature's bins in a histogram; offsets[nf] is the histogram's width. */
  offsets: Int32Array;
}

/** How a tree grows. */
export interface GrowOptions {
  maxDepth: number;
  /** Minimum hessian (or sample weight) sum in a child. */
  minChildWeight: number;
  /** L2 regularisation of leaf values (0: leaves are weighted means). */
  lambda: number;
  /** Factor on leaf values. */
  learningRate: number;
  /** The features a node may split on (called once per node, so forests can sample per split). */
  features: () => number[];
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

/** Buckets every feature into at most `maxBins` (≤ 255) quantile bins. */
export function binFeatures(x: Float64Array[], maxBins: number): Binned {
  const cuts = x.map((c) => cutsOf(c, Math.min(255, maxBins)));
  const bins = x.map((c, f) => binColumn(c, cuts[f]!));
  const nb = cuts.map((c) => c.length + 2);
  const nf = x.length;
  const n = x[0]?.length ?? 0;
  const rowBins = new Uint8Array(n * nf);
  for (let f = 0; f < nf; f++) {
    const b = bins[f]!;
    for (let i = 0; i < n; i++) rowBins[i * nf + f] = b[i]!;
  }
  const offsets = new Int32Array(nf + 1);
  for (let f = 0; f < nf; f++) offsets[f + 1] = offsets[f]! + nb[f]!;
  return { cuts, bins, nb, rowBins, offsets };
}

/**
 * Grows one tree level by level on rows idx[0..m) from gradient/hessian histograms: the best split
 * maximises GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ); leaves get −G/(H+λ) × learning rate. Missing values
 * (bin 0) go left. A node's histogram is built in one pass over its rows (bins stored row-major) only
 * for the smaller child; the larger one is the parent's minus it. Split gains are added to
 * `importance`, `idx` is reordered in place, and when `rowValue` is given each row of idx[0..m) gets
 * the value of the leaf it falls in.
 */
export function growTree(binned: Binned, g: Float64Array, h: Float64Array, idx: Int32Array, m: number, o: GrowOptions, importance: Float64Array, rowValue?: Float64Array): Tree {
  const nf = binned.bins.length;
  const rowBins = binned.rowBins;
  const offsets = binned.offsets;
  const width = offsets[nf]!;
  const tree = { feature: [] as number[], threshold: [] as number[], left: [] as number[], right: [] as number[], value: [] as number[] };
  const newNode = (): number => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    return tree.feature.length - 1;
  };
  /** Gradient and hessian sums per (feature, bin), interleaved, for rows idx[start, end). */
  const histogram = (start: number, end: number): Float64Array => {
    const hist = new Float64Array(2 * width);
    for (let k = start; k < end; k++) {
      const r = idx[k]!;
      const gr = g[r]!;
      const hr = h[r]!;
      const base = r * nf;
      for (let f = 0; f < nf; f++) {
        const at = 2 * (offsets[f]! + rowBins[base + f]!);
        hist[at] = hist[at]! + gr;
        hist[at + 1] = hist[at + 1]! + hr;
      }
    }
    return hist;
  };
  type Pending = { node: number; start: number; end: number; G: number; H: number; hist: Float64Array };
  let level: Pending[] = [];
  {
    let G = 0;
    let H = 0;
    for (let k = 0; k < m; k++) {
      G += g[idx[k]!]!;
      H += h[idx[k]!]!;
    }
    level.push({ node: newNode(), start: 0, end: m, G, H, hist: histogram(0, m) });
  }
  for (let depth = 0; depth <= o.maxDepth && level.length > 0; depth++) {
    const next: Pending[] = [];
    for (const nd of level) {
      const leaf = (): void => {
        const v = (-nd.G / (nd.H + o.lambda)) * o.learningRate;
        tree.value[nd.node] = v;
        if (rowValue) for (let k = nd.start; k < nd.end; k++) rowValue[idx[k]!] = v;
      };
      if (depth === o.maxDepth || nd.H < 2 * o.minChildWeight) {
        leaf();
        continue;
      }
      const parentScore = (nd.G * nd.G) / (nd.H + o.lambda);
      let bestGain = 1e-12;
      let bestF = -1;
      let bestBin = -1;
      const hist = nd.hist;
      for (const f of o.features()) {
        const nbins = binned.nb[f]!;
        const off = 2 * offsets[f]!;
        // Missing values (bin 0) always go left with the low bins.
        let GL = hist[off]!;
        let HL = hist[off + 1]!;
        for (let k = 1; k < nbins - 1; k++) {
          GL += hist[off + 2 * k]!;
          HL += hist[off + 2 * k + 1]!;
          const GR = nd.G - GL;
          const HR = nd.H - HL;
          if (HL < o.minChildWeight || HR < o.minChildWeight) continue;
          const gain = (GL * GL) / (HL + o.lambda) + (GR * GR) / (HR + o.lambda) - parentScore;
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
      let lo = nd.start;
      let hi = nd.end - 1;
      while (lo <= hi) {
        if (rowBins[idx[lo]! * nf + bestF]! <= bestBin) lo++;
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
      tree.threshold[nd.node] = binned.cuts[bestF]![bestBin - 1]!;
      const l = newNode();
      const r = newNode();
      tree.left[nd.node] = l;
      tree.right[nd.node] = r;
      // Children that will certainly be leaves need no histogram.
      const needs = depth + 1 < o.maxDepth;
      let lh: Float64Array = new Float64Array(0);
      let rh: Float64Array = new Float64Array(0);
      if (needs) {
        const leftSmaller = lo - nd.start <= nd.end - lo;
        const small = leftSmaller ? histogram(nd.start, lo) : histogram(lo, nd.end);
        const large = hist;
        for (let k = 0; k < large.length; k++) large[k] = large[k]! - small[k]!;
        [lh, rh] = leftSmaller ? [small, large] : [large, small];
      }
      next.push({ node: l, start: nd.start, end: lo, G: GL, H: HL, hist: lh }, { node: r, start: lo, end: nd.end, G: nd.G - GL, H: nd.H - HL, hist: rh });
    }
    level = next;
  }
  return { feature: Int32Array.from(tree.feature), threshold: Float64Array.from(tree.threshold), left: Int32Array.from(tree.left), right: Int32Array.from(tree.right), value: Float64Array.from(tree.value) };
}
