import { Worker } from 'node:worker_threads';
import { histogramBuilder, treeKernels } from '../../common/models/tree-kernels';
import type { HistogramHelper, HistogramHelperFactory } from '../../common/models/tree';

// Control words shared with the helper: [state, start, end]. State 0: idle, 1: work posted, 2: stop.
const IDLE = 0;
const POSTED = 1;
const STOP = 2;

/**
 * The helper thread's loop: it instantiates the same histogram kernel over the arena's shared memory,
 * waits for a row range, builds that range's histogram into the arena's second region, and goes back
 * to waiting.
 */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, module, layout, control } = workerData;
const kernel = new WebAssembly.Instance(module, { env: { memory } }).exports.histogram;
const region = layout.hist[1];
const out = new Float64Array(memory.buffer, region, 2 * layout.width);
const ctl = new Int32Array(control);
for (;;) {
  Atomics.wait(ctl, 0, ${IDLE});
  if (Atomics.load(ctl, 0) === ${STOP}) break;
  out.fill(0);
  kernel(layout.bins, layout.nf, layout.gh, layout.idx, ctl[1], ctl[2], region, layout.slots, layout.scratch[1], layout.block);
  Atomics.store(ctl, 0, ${IDLE});
  Atomics.notify(ctl, 0);
}
`;

/** Below this many rows a node's histogram is built on this thread alone: the hand-off would cost more. */
const MIN_SHARED_ROWS = 20_000;

/**
 * Histograms built by two threads: this one does the first half of a node's rows into the arena's
 * first region while a helper thread does the second half into the second; the halves are added.
 * Training blocks (Atomics.wait) while the helper finishes, so this belongs on a worker thread, as
 * training jobs are.
 */
export const parallelHistograms: HistogramHelperFactory = (memory, layout): HistogramHelper => {
  const control = new SharedArrayBuffer(12);
  const ctl = new Int32Array(control);
  const own = histogramBuilder(memory, layout, 0);
  const theirs = new Float64Array(memory.buffer, layout.hist[1], 2 * layout.width);
  const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { memory, module: treeKernels(), layout, control } });
  worker.unref();
  return {
    histogram(start, end) {
      if (end - start < MIN_SHARED_ROWS) return own(start, end).slice();
      const mid = start + ((end - start) >> 1);
      ctl[1] = mid;
      ctl[2] = end;
      Atomics.store(ctl, 0, POSTED);
      Atomics.notify(ctl, 0);
      const hist = own(start, mid).slice();
      while (Atomics.load(ctl, 0) === POSTED) Atomics.wait(ctl, 0, POSTED);
      for (let k = 0; k < hist.length; k++) hist[k] = hist[k]! + theirs[k]!;
      return hist;
    },
    close() {
      Atomics.store(ctl, 0, STOP);
      Atomics.notify(ctl, 0);
      void worker.terminate();
    },
  };
};
