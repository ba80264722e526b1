import { Worker } from 'node:worker_threads';
import { histogramOf, type HistogramHelper, type HistogramHelperFactory } from '../../common/models/tree';

// Control words shared with the helper: [state, start, end]. State 0: idle, 1: work posted, 2: stop.
const IDLE = 0;
const POSTED = 1;
const STOP = 2;

/**
 * The helper thread's loop, run from source: it waits for a row range, builds that range's histogram
 * with the very same histogramOf (shipped as its source text) into shared memory, and goes back to
 * waiting.
 */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const histogramOf = ${histogramOf.toString()};
const { rows, nf, width, g, h, idx, control, out } = workerData;
const ctl = new Int32Array(control);
const result = new Float64Array(out);
for (;;) {
  Atomics.wait(ctl, 0, ${IDLE});
  if (Atomics.load(ctl, 0) === ${STOP}) break;
  result.set(histogramOf(rows, nf, width, g, h, idx, ctl[1], ctl[2]));
  Atomics.store(ctl, 0, ${IDLE});
  Atomics.notify(ctl, 0);
}
`;

/** Below this many rows a node's histogram is built on this thread alone: the hand-off would cost more. */
const MIN_SHARED_ROWS = 20_000;

/**
 * Histograms built by two threads: this one does the first half of a node's rows while a helper
 * thread does the second half over the same shared arrays; the halves are added. Training blocks
 * (Atomics.wait) while the helper finishes, so this belongs on a worker thread, as training jobs are.
 */
export const parallelHistograms: HistogramHelperFactory = (rows, nf, width, g, h, idx): HistogramHelper => {
  const control = new SharedArrayBuffer(12);
  const out = new SharedArrayBuffer(2 * width * 8);
  const ctl = new Int32Array(control);
  const result = new Float64Array(out);
  const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { rows, nf, width, g, h, idx, control, out } });
  worker.unref();
  return {
    histogram(start, end) {
      if (end - start < MIN_SHARED_ROWS) return histogramOf(rows, nf, width, g, h, idx, start, end);
      const mid = start + ((end - start) >> 1);
      ctl[1] = mid;
      ctl[2] = end;
      Atomics.store(ctl, 0, POSTED);
      Atomics.notify(ctl, 0);
      const hist = histogramOf(rows, nf, width, g, h, idx, start, mid);
      while (Atomics.load(ctl, 0) === POSTED) Atomics.wait(ctl, 0, POSTED);
      for (let k = 0; k < hist.length; k++) hist[k] = hist[k]! + result[k]!;
      return hist;
    },
    close() {
      Atomics.store(ctl, 0, STOP);
      Atomics.notify(ctl, 0);
      void worker.terminate();
    },
  };
};
