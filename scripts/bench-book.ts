// `npm run bench -- book`: decoding and storing a day of MBP-10, on the demo market's book.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Services } from '../core/node/services';
import { demoSession } from '../core/node/demo/demo-market';
import { generateBookSession, demoInstrumentId } from '../core/node/demo/demo-book';
import { bookSeriesOf, bookWords, decodeDbnBook, fillBook, BOOK_LAYOUTS } from '../core/node/ingest/dbn-book';
import { encodeDbnBook } from '../core/node/ingest/dbn-encode';
import type { Result } from './bench-features';
import { computeBookFeatures } from '../core/common/features/book-features';
import { buildKnn, predictKnn } from '../core/common/models/knn';

const log = (s: string): boolean => process.stderr.write(`${s}\n`);

/** Median of a few timed runs of `f`, in ms. */
function median(runs: number, f: () => void): number {
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/**
 * A busy demo ES session (about two million MBP-10 updates) written as DBN: decoded whole (columns
 * allocated for the file) and in reused batches of 65,536 records (as a streaming reader decodes); the
 * OFI, top-of-book, trade-sign and depth features over it at every 2-minute close; exact kNN retrieval
 * per candle at the level pipeline's width; then imported into a fresh lake (decode, gate, Parquet) for
 * records per second and bytes per million.
 */
export async function bookBenchmarks(services: Services): Promise<Result[]> {
  const out: Result[] = [];
  log('bench: generating a busy demo ES session of MBP-10…');
  const session = demoSession('ES', '2024-03-05');
  const book = generateBookSession('ES', 1, session, { updatesPerMinute: 1500 });
  const n = book.tsRecvNs.length;
  const id = String(demoInstrumentId('ES'));
  const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;
  const bytes = encodeDbnBook({ dataset: 'GLBX.MDP3', schema: 'mbp-10', start: ns(session.start), end: ns(session.end), stypeIn: 1, stypeOut: 0, symbols: ['ES'], mappings: [{ rawSymbol: 'ES', intervals: [{ startDate: 20240301, endDate: 20240401, symbol: id }] }] }, book);
  log(`bench: decoding ${n.toLocaleString('en-US')} MBP-10 records (${(bytes.length / 2 ** 20).toFixed(0)} MiB)…`);

  const whole = median(3, () => decodeDbnBook(bytes, 'bench.dbn', 2 ** 31 - 1));
  out.push({ name: 'mbp10_decode_whole_file', value: Math.round(n / (whole / 1000)), unit: 'records/s', target: 'reported (columns for the whole file allocated)', pass: true, detail: { records: n, ms: Math.round(whole) } });

  const head = 8 + new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
  const words = bookWords(bytes.subarray(head), head);
  const layout = BOOK_LAYOUTS[0x0a]!;
  const batch = decodeDbnBook(bytes.subarray(0, head + 65_536 * 368), 'batch.dbn').book!;
  const batched = median(5, () => {
    for (let from = 0; from < n; from += 65_536) fillBook(words, layout, 368, from, Math.min(65_536, n - from), batch);
  });
  const perSec = Math.round(n / (batched / 1000));
  out.push({ name: 'mbp10_decode_batched', value: perSec, unit: 'records/s', target: '>= 5,000,000 per core', pass: perSec >= 5_000_000, detail: { records: n, ms: Math.round(batched), batch: 65_536 } });

  log('bench: book features over the day at every 2-minute close…');
  const series = bookSeriesOf(book);
  const closes = new Float64Array(Math.ceil((session.end - session.start) / 120_000)).map((_, i) => session.start + (i + 1) * 120_000);
  const specs = ['ofi(30,60,120,300)', 'micro', 'tradeimb(60)', 'depth(4,0.25)'];
  const featMs = median(3, () => computeBookFeatures(series, closes, specs));
  out.push({ name: 'book_features_day', value: Number((featMs / 1000).toFixed(2)), unit: 's', target: '<= 60 s for a day of MBP-10', pass: featMs <= 60_000, detail: { records: n, closes: closes.length, features: specs.join(' ') } });

  // Retrieval per candle: exact search at the default index size and at the largest one training
  // allows (maxEvents 200,000), at the level pipeline's width.
  const width = 51;
  const rand = (i: number): number => Math.sin(i * 12.9898) * 43758.5453 - Math.floor(Math.sin(i * 12.9898) * 43758.5453);
  for (const events of [50_000, 200_000]) {
    log(`bench: exact kNN retrieval per candle (${events.toLocaleString('en-US')} events × ${width} features)…`);
    const cols = Array.from({ length: width }, (_, f) => Float64Array.from({ length: events }, (_, i) => rand(i * width + f)));
    const index = buildKnn(cols, Float64Array.from({ length: events }, (_, i) => (rand(i) > 0.5 ? 1 : 0)), 5, events);
    const queries = 100;
    const q = cols.map((c) => c.subarray(0, queries));
    const knnMs = median(3, () => predictKnn(index, q)) / queries;
    out.push({ name: events === 50_000 ? 'knn_exact_per_candle' : 'knn_exact_per_candle_200k', value: Number(knnMs.toFixed(2)), unit: 'ms', target: 'far below a 2-minute candle: exact search kept (no ANN index needed up to the 200,000 events an index may hold)', pass: knnMs < 1000, detail: { events, features: width, k: 5 } });
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qd-bench-book-'));
  const file = path.join(dir, 'es-mbp10.dbn');
  fs.writeFileSync(file, bytes);
  log('bench: importing it into the lake (decode, gate, zstd Parquet by hour)…');
  const t0 = performance.now();
  const { jobId } = await services.handlers['jobs.start']({ kind: 'import', paths: [file] });
  await services.idle();
  const job = await services.handlers['jobs.get']({ jobId });
  if (job.status !== 'succeeded') throw new Error(`bench: the MBP-10 import failed: ${job.error}`);
  const ms = performance.now() - t0;
  const stored = (await services.handlers['lake.summary']({})).filter((r) => r.table === 'book');
  const rows = stored.reduce((a, r) => a + r.rows, 0);
  const onDisk = stored.reduce((a, r) => a + r.bytes, 0);
  out.push({ name: 'mbp10_import', value: Math.round(rows / (ms / 1000)), unit: 'records/s', target: 'reported', pass: rows === n, detail: { records: rows, s: Number((ms / 1000).toFixed(1)), dbn_mib: Number((bytes.length / 2 ** 20).toFixed(1)) } });
  out.push({ name: 'mbp10_bytes_per_million', value: Math.round(onDisk / (rows / 1e6)), unit: 'bytes', target: 'reported (zstd Parquet; DBN is 368 MB a million)', pass: true, detail: { parquet_mib: Number((onDisk / 2 ** 20).toFixed(1)), partitions: stored.reduce((a, r) => a + r.partitions, 0) } });
  fs.rmSync(dir, { recursive: true, force: true });
  return out;
}
