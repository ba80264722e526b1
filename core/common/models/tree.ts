import { createArena, histogramBuilder, partitioner, type ArenaLayout } from './tree-kernels';

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
  /** Per node, 1 when missing values go left; absent means always left (trees trained here). */
  missingLeft?: Uint8Array;
  /** A linear model in each leaf (LightGBM linear_tree); absent for constant leaves. */
  linear?: LinearLeaves;
}

/**
 * Linear leaves, indexed by node: a leaf predicts const + Σ coeff·x[feature], or its plain `value`
 * when any of its features is missing (as LightGBM evaluates linear trees).
 */
export interface LinearLeaves {
  const: Float64Array;
  features: Int32Array[];
  coeff: Float64Array[];
}

/** Features bucketed for histogram splits: cut points, bins per feature, and every row's bins. */
export interface Binned {
  cuts: Float64Array[];
  nb: number[];
  /** Start of each feature's bins in a histogram; offsets[nf] is the histogram's width. */
  offsets: Int32Array;
  /** The bins per feature: a partition on one feature reads only that feature's bytes. */
  columns: Uint8Array[];
}

/** How a tree grows. */
export interface GrowOptions {
  maxDepth: number;
  /** At most this many leaves, grown best split first (absent: no limit). */
  maxLeaves?: number;
  /** Minimum hessian (or sample weight) sum in a child. */
  minChildWeight: number;
  /** L2 regularisation of leaf values (0: leaves are weighted means). */
  lambda: number;
  /** Factor on leaf values. */
  learningRate: number;
  /** The features a node may split on (called once per node, so forests can sample per split). */
  features: () => number[];
}

/**
 * Histograms built with another thread's help: made once per training from the arena (whose memory
 * is shared), then asked for row ranges.
 */
export interface HistogramHelper {
  /** The histogram of rows idx[start, end), a new array equal to a single thread's. */
  histogram(start: number, end: number): Float64Array;
  /** Stops the helper. */
  close(): void;
}

/** Makes a HistogramHelper over an arena's memory; the host provides it (threads are not this layer's business). */
export type HistogramHelperFactory = (memory: WebAssembly.Memory, layout: ArenaLayout) => HistogramHelper;

/** What a trainer grows its trees over: the binned features, gradients and hessians, the row order, and who builds histograms. */
export interface GrowthSpace {
  binned: Binned;
  /** gh[2 × row] is the row's gradient, gh[2 × row + 1] its hessian (or sample weight); the trainer fills it. */
  gh: Float64Array;
  /** The rows a tree grows on come first; growTree partitions them in place. */
  idx: Int32Array;
  /** The histogram of rows idx[start, end), a new array. */
  histogram: (start: number, end: number) => Float64Array;
  /** Partitions rows idx[start, end) stably: bins of feature f ≤ bin first; gives where the rest begin. */
  partition: (f: number, bin: number, start: number, end: number) => number;
  /** Stops the helper, if any. */
  close(): void;
}

/**
 * Bins the features and lays the rows out for the histogram kernel (in WebAssembly memory, shared
 * with a helper thread when a helper factory is given).
 */
export function growthSpace(x: Float64Array[], maxBins: number, helper?: HistogramHelperFactory): GrowthSpace {
  const n = x[0]?.length ?? 0;
  const nf = x.length;
  const cuts = x.map((c) => cutsOf(c, Math.min(255, maxBins)));
  const nb = cuts.map((c) => c.length + 2);
  const offsets = new Int32Array(nf + 1);
  for (let f = 0; f < nf; f++) offsets[f + 1] = offsets[f]! + nb[f]!;
  const arena = createArena(n, offsets, helper ? 2 : 1);
  x.forEach((col, f) => binColumn(col, cuts[f]!, arena.columns[f]!));
  arena.columns.forEach((col, f) => {
    for (let i = 0, at = f; i < n; i++, at += nf) arena.bins[at] = col[i]!;
  });
  const binned: Binned = { cuts, nb, offsets, columns: arena.columns };
  const partition = partitioner(arena.memory, arena.layout);
  const space = { binned, gh: arena.gh, idx: arena.idx, partition };
  if (helper) {
    const helping = helper(arena.memory, arena.layout);
    return { ...space, histogram: (start, end) => helping.histogram(start, end), close: () => helping.close() };
  }
  const build = histogramBuilder(arena.memory, arena.layout, 0);
  return { ...space, histogram: (start, end) => build(start, end).slice(), close: () => undefined };
}

const MISSING = 0;
/** Quantiles come from at most this many values per column, taken at an even stride (as histogram GBDTs sketch them). */
const QUANTILE_SAMPLE = 262_144;

/** The non-missing values of a column, or an evenly strided sample of them, sorted. */
function sortedSample(col: Float64Array): Float64Array {
  const stride = Math.max(1, Math.ceil(col.length / QUANTILE_SAMPLE));
  const vals = new Float64Array(Math.ceil(col.length / stride));
  let m = 0;
  for (let i = 0; i < col.length; i += stride) if (!Number.isNaN(col[i]!)) vals[m++] = col[i]!;
  return vals.subarray(0, m).sort();
}

/**
 * Quantile cut points of a column (float32 values, strictly increasing); bin k holds x < cuts[k].
 * Columns with fewer distinct values than bins get a cut between every pair of neighbours.
 */
function cutsOf(col: Float64Array, maxBins: number): Float64Array {
  const vals = sortedSample(col);
  if (vals.length === 0) return new Float64Array(0);
  const distinct: number[] = [];
  for (let i = 0; i < vals.length && distinct.length < maxBins; i++) if (i === 0 || vals[i] !== vals[i - 1]) distinct.push(vals[i]!);
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

const LOOKUP_BUCKETS = 4096;

/**
 * Writes every row's bin into `out`: 0 for missing, else 1 + the number of cuts ≤ fround(x). An
 * equal-width lookup over the cuts' range narrows each search to a few cuts (a plain binary search
 * mispredicts a branch at every step).
 */
function binColumn(col: Float64Array, cuts: Float64Array, out: Uint8Array): void {
  const k = cuts.length;
  if (k === 0) {
    for (let i = 0; i < col.length; i++) out[i] = Number.isNaN(col[i]!) ? MISSING : 1;
    return;
  }
  const lo = cuts[0]!;
  const span = cuts[k - 1]! - lo;
  const scale = span > 0 ? LOOKUP_BUCKETS / span : 0;
  // below[b]: cuts ≤ the lower edge of bucket b, so a value in bucket b has below[b]..below[b+1] cuts ≤ it.
  const below = new Int32Array(LOOKUP_BUCKETS + 2);
  for (let b = 0, c = 0; b <= LOOKUP_BUCKETS + 1; b++) {
    const edge = lo + b / scale;
    while (c < k && cuts[c]! <= edge) c++;
    below[b] = scale > 0 ? c : k;
  }
  for (let i = 0; i < col.length; i++) {
    const v = col[i]!;
    if (Number.isNaN(v)) {
      out[i] = MISSING;
      continue;
    }
    const x = Math.fround(v);
    let n: number;
    if (x < lo) n = 0;
    else if (x >= cuts[k - 1]!) n = k;
    else {
      // One bucket of slack either side absorbs rounding in the bucket's computation.
      const b = Math.min(LOOKUP_BUCKETS, Math.floor((x - lo) * scale));
      n = b > 0 ? below[b - 1]! : 0;
      let hi = below[b + 2] ?? k;
      while (n < hi) {
        const mid = (n + hi) >> 1;
        if (cuts[mid]! <= x) n = mid + 1;
        else hi = mid;
      }
    }
    out[i] = n + 1;
  }
}

/** The best split of a node: feature, last bin going left, gain and the left child's sums. */
interface Split {
  f: number;
  bin: number;
  gain: number;
  GL: number;
  HL: number;
}

/** A node that is a leaf for now: its rows idx[start, end), sums, depth, histogram and best split. */
interface Open {
  node: number;
  start: number;
  end: number;
  G: number;
  H: number;
  depth: number;
  hist: Float64Array;
  split: Split | null;
}

/** The split maximising GL²/(HL+λ) + GR²/(HR+λ) − G²/(H+λ) over the given features, or null when none gains. */
function bestSplit(binned: Binned, hist: Float64Array, G: number, H: number, features: number[], o: GrowOptions): Split | null {
  const parentScore = (G * G) / (H + o.lambda);
  let best: Split | null = null;
  let bestGain = 1e-12;
  for (const f of features) {
    const nbins = binned.nb[f]!;
    const off = 2 * binned.offsets[f]!;
    // Missing values (bin 0) always go left with the low bins.
    let GL = hist[off]!;
    let HL = hist[off + 1]!;
    for (let k = 1; k < nbins - 1; k++) {
      GL += hist[off + 2 * k]!;
      HL += hist[off + 2 * k + 1]!;
      const GR = G - GL;
      const HR = H - HL;
      if (HL < o.minChildWeight || HR < o.minChildWeight) continue;
      const gain = (GL * GL) / (HL + o.lambda) + (GR * GR) / (HR + o.lambda) - parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        best = { f, bin: k, gain, GL, HL };
      }
    }
  }
  return best;
}

/**
 * Grows one tree on rows idx[0..m) from gradient/hessian histograms, best split first: while the tree
 * has fewer than `maxLeaves` leaves, the open node whose split gains most is split (a node deeper than
 * maxDepth − 1, or with too little hessian, stays a leaf). Without a leaf limit every gaining split
 * within maxDepth is made, which is level-wise growth. Leaves get −G/(H+λ) × learning rate; missing
 * values (bin 0) go left. A node's histogram is built in one pass over its rows (bins stored row-major)
 * only for the smaller child; the larger one is the parent's minus it. Rows are partitioned stably, so
 * each node's rows stay in ascending order and histogram passes read memory forwards. Split gains are
 * added to `importance`, the space's `idx` is reordered in place, and when `rowValue` is given each
 * row of idx[0..m) gets the value of the leaf it falls in.
 */
export function growTree(space: GrowthSpace, m: number, o: GrowOptions, importance: Float64Array, rowValue?: Float64Array): Tree {
  const { binned, gh, idx, histogram, partition } = space;
  const maxLeaves = o.maxLeaves ?? Number.POSITIVE_INFINITY;
  const tree = { feature: [] as number[], threshold: [] as number[], left: [] as number[], right: [] as number[], value: [] as number[] };
  const newNode = (): number => {
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    return tree.feature.length - 1;
  };
  const open: Open[] = [];
  const opened = (nd: Omit<Open, 'split'>): void => {
    const splittable = nd.depth < o.maxDepth && nd.H >= 2 * o.minChildWeight && nd.hist.length > 0;
    open.push({ ...nd, split: splittable ? bestSplit(binned, nd.hist, nd.G, nd.H, o.features(), o) : null });
  };
  let G = 0;
  let H = 0;
  for (let k = 0; k < m; k++) {
    G += gh[2 * idx[k]!]!;
    H += gh[2 * idx[k]! + 1]!;
  }
  opened({ node: newNode(), start: 0, end: m, G, H, depth: 0, hist: histogram(0, m) });
  let leaves = 1;
  while (leaves < maxLeaves) {
    // Without a leaf limit the order does not matter; with one, the largest gain goes first.
    let at = -1;
    for (let k = 0; k < open.length; k++) if (open[k]!.split && (at < 0 || open[k]!.split!.gain > open[at]!.split!.gain)) at = k;
    if (at < 0) break;
    const nd = open[at]!;
    const sp = nd.split!;
    nd.split = null;
    importance[sp.f] = importance[sp.f]! + sp.gain;
    // Rows in bins ≤ sp.bin go left: x < cuts[sp.bin - 1] (bin k holds cuts[k-2] ≤ x < cuts[k-1]).
    const lo = partition(sp.f, sp.bin, nd.start, nd.end);
    tree.feature[nd.node] = sp.f;
    tree.threshold[nd.node] = binned.cuts[sp.f]![sp.bin - 1]!;
    const l = newNode();
    const r = newNode();
    tree.left[nd.node] = l;
    tree.right[nd.node] = r;
    // Children that will certainly be leaves need no histogram.
    let lh: Float64Array = new Float64Array(0);
    let rh: Float64Array = new Float64Array(0);
    if (nd.depth + 1 < o.maxDepth && leaves + 1 < maxLeaves) {
      const leftSmaller = lo - nd.start <= nd.end - lo;
      const small = leftSmaller ? histogram(nd.start, lo) : histogram(lo, nd.end);
      const large = nd.hist;
      for (let k = 0; k < large.length; k++) large[k] = large[k]! - small[k]!;
      [lh, rh] = leftSmaller ? [small, large] : [large, small];
    }
    open.splice(at, 1);
    opened({ node: l, start: nd.start, end: lo, G: sp.GL, H: sp.HL, depth: nd.depth + 1, hist: lh });
    opened({ node: r, start: lo, end: nd.end, G: nd.G - sp.GL, H: nd.H - sp.HL, depth: nd.depth + 1, hist: rh });
    leaves++;
  }
  for (const nd of open) {
    const v = (-nd.G / (nd.H + o.lambda)) * o.learningRate;
    tree.value[nd.node] = v;
    if (rowValue) for (let k = nd.start; k < nd.end; k++) rowValue[idx[k]!] = v;
  }
  return { feature: Int32Array.from(tree.feature), threshold: Float64Array.from(tree.threshold), left: Int32Array.from(tree.left), right: Int32Array.from(tree.right), value: Float64Array.from(tree.value) };
}
