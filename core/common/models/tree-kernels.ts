import { TREE_KERNELS_WASM } from './tree-kernels-wasm';

const PAGE = 65_536;
/** Rows the kernel stages at a time: enough reads in flight to hide memory latency, few enough to stay in the first-level cache. */
const BLOCK = 256;
/** WebAssembly memories address 32 bits: 65,536 pages of 64 KiB. */
const MAX_PAGES = 65_536;

/**
 * Where an arena's arrays lie in its memory (byte offsets) and their sizes: plain numbers, so the
 * layout crosses to a helper thread as it is.
 */
export interface ArenaLayout {
  /** Rows of training data. */
  rows: number;
  /** Features per row. */
  nf: number;
  /** Bin pairs in one histogram (every feature's bins). */
  width: number;
  /** Row-major bins, u8 [rows × nf]. */
  bins: number;
  /** The same bins per feature, u8 [nf × rows]. */
  columns: number;
  /** Gradient and hessian of each row, interleaved f64 [rows × 2]. */
  gh: number;
  /** Row order, i32 [rows]: a node owns idx[start, end). */
  idx: number;
  /** Byte offset of each feature's first bin pair within a histogram, i32 [nf]. */
  slots: number;
  /** One histogram region per thread that builds histograms, this thread's first. */
  hist: number[];
  /** One staging area per thread, for `block` rows at a time. */
  scratch: number[];
  /** Rows per block. */
  block: number;
  /** Where a partition parks the rows going right, i32 [rows]. */
  spill: number;
}

/** The arrays tree growth builds histograms from, in one shared WebAssembly memory the kernel reads. */
export interface HistogramArena {
  /** The memory (shared, so a helper thread can work on it too). */
  memory: WebAssembly.Memory;
  /** Where everything lies in it. */
  layout: ArenaLayout;
  /** Row-major bins: bins[row × nf + f] is the row's bin of feature f. */
  bins: Uint8Array;
  /** columns[f][row] is the row's bin of feature f. */
  columns: Uint8Array[];
  /** gh[2 × row] is the row's gradient, gh[2 × row + 1] its hessian. */
  gh: Float64Array;
  /** The row order, partitioned in place as the tree grows. */
  idx: Int32Array;
}

let compiled: WebAssembly.Module | undefined;

/** The compiled kernels (compiled once per thread; a Module also crosses to workers). */
export const treeKernels = (): WebAssembly.Module => (compiled ??= new WebAssembly.Module(TREE_KERNELS_WASM));

/**
 * An arena for `rows` rows whose histograms have the given per-feature bin offsets (offsets[nf] is
 * the width), with one histogram region for each of `threads` builders. Too much data for a 32-bit
 * memory is refused with what to change.
 */
export function createArena(rows: number, offsets: Int32Array, threads: number): HistogramArena {
  const nf = offsets.length - 1;
  const width = offsets[nf]!;
  let end = 0;
  const take = (bytes: number): number => {
    const at = end;
    end += Math.ceil(bytes / 16) * 16;
    return at;
  };
  const gh = take(rows * 16);
  const idx = take(rows * 4);
  const slots = take(nf * 4);
  const hist = Array.from({ length: threads }, () => take(width * 16));
  const scratch = Array.from({ length: threads }, () => take(BLOCK * (Math.ceil(nf / 16) * 16 + 16)));
  const spill = take(rows * 4);
  const columns = take(rows * nf);
  // The kernel copies bins in whole 16-byte pieces, so the last row may read up to 15 bytes past it.
  const bins = take(rows * nf + 16);
  const pages = Math.max(1, Math.ceil(end / PAGE));
  if (pages > MAX_PAGES) {
    const gib = (end / 2 ** 30).toFixed(1);
    throw new RangeError(`training data too large for one job: ${rows.toLocaleString('en-US')} rows × ${nf} features need ${gib} GiB of bins and gradients, and the limit is 4 GiB; train on fewer rows (a shorter date range) or fewer features`);
  }
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  const layout: ArenaLayout = { rows, nf, width, bins, columns, gh, idx, slots, hist, scratch, block: BLOCK, spill };
  const slotView = new Int32Array(memory.buffer, slots, nf);
  for (let f = 0; f < nf; f++) slotView[f] = offsets[f]! * 16;
  return {
    memory,
    layout,
    bins: new Uint8Array(memory.buffer, bins, rows * nf),
    columns: Array.from({ length: nf }, (_, f) => new Uint8Array(memory.buffer, columns + f * rows, rows)),
    gh: new Float64Array(memory.buffer, gh, rows * 2), idx: new Int32Array(memory.buffer, idx, rows) };
}

/** The kernel's signature: (bins, nf, gh, idx, start, end, hist, slots, scratch, block), all byte offsets or counts. */
type HistogramKernel = (bins: number, nf: number, gh: number, idx: number, start: number, end: number, hist: number, slots: number, scratch: number, block: number) => void;

/** The partition kernel's signature: (column, bin, idx, start, end, spill) → where the right side begins. */
type PartitionKernel = (column: number, bin: number, idx: number, start: number, end: number, spill: number) => number;

/** The kernels, instantiated over an arena's memory. */
const kernels = (memory: WebAssembly.Memory): { histogram: HistogramKernel; partition: PartitionKernel } => new WebAssembly.Instance(treeKernels(), { env: { memory } }).exports as never;

/**
 * Builds histograms on this thread into region `region` of an arena: (start, end) fills the region
 * with (gradient sum, hessian sum) per bin slot over rows idx[start, end) and returns it as a view,
 * valid until the next call.
 */
export function histogramBuilder(memory: WebAssembly.Memory, layout: ArenaLayout, region: number): (start: number, end: number) => Float64Array {
  const kernel = kernels(memory).histogram;
  const at = layout.hist[region]!;
  const out = new Float64Array(memory.buffer, at, 2 * layout.width);
  return (start, end) => {
    out.fill(0);
    kernel(layout.bins, layout.nf, layout.gh, layout.idx, start, end, at, layout.slots, layout.scratch[region]!, layout.block);
    return out;
  };
}

/**
 * Partitions rows idx[start, end) of an arena stably by feature f: rows in bins ≤ bin first, then the
 * others; gives the index where the others begin.
 */
export function partitioner(memory: WebAssembly.Memory, layout: ArenaLayout): (f: number, bin: number, start: number, end: number) => number {
  const kernel = kernels(memory).partition;
  return (f, bin, start, end) => kernel(layout.columns + f * layout.rows, bin, layout.idx, start, end, layout.spill);
}
