import { ApiError } from '../../common/errors';
import { parseLabelList, type LabelInstance } from '../../common/features/labels';
import type { PaperBar } from '../../common/trading/paper-engine';
import type { ModelMonitorInfo } from '../../common/trading/types';
import type { PortfolioRun } from '../../common/backtest/types';
import { fileList, readBuild } from '../features/analysis';
import type { WorkerContext } from '../jobs/worker-context';
import { readFloat64Columns } from '../lake/duck-columns';
import type { getModel } from '../models/registry';
import type { DbnBook } from '../ingest/dbn-book';
import type { Neighbour } from '../models/runner';
import { LiveBookInputs, type BookInputs } from './book-inputs';
import { openStreamingModel, type BookSource, type StreamingModel } from './streaming-model';

/** Bars kept per symbol to compute labels (outcomes) over; a prediction unresolved this long stays so. */
const LABEL_WINDOW = 512;
/** Labels are recomputed every this many bars of a symbol. */
const RESOLVE_EVERY = 8;
/** Resolved predictions the live accuracy is taken over. */
const ROLLING = 200;
const BINS = 10;
/** Alert thresholds: live accuracy this far under the backtest's (after enough outcomes); PSI above this (after enough bars). */
const ACCURACY_DROP = 0.1;
const MIN_OUTCOMES = 50;
const PSI_ALERT = 0.25;
const MIN_PSI_BARS = 100;

/** A feature's training distribution: decile edges and the share of training rows in each bin. */
interface Reference {
  edges: number[];
  expected: number[];
}

interface Gated {
  k: number;
  instrument: string;
  symbol: string;
  /** The model card's symbols, which a neighbour's symbol index points into. */
  symbols: string[];
  model: StreamingModel;
  /** Where its book features come from (a live feed's book goes to it when it is a LiveBookInputs). */
  book: BookInputs | undefined;
  /** The model's input row for the latest bar. */
  row: Float64Array;
  featureNames: string[];
  /** The label its outcomes are followed by; null for a model imported without one (its predictions are logged, not resolved). */
  label: { instance: LabelInstance; column: number } | null;
  backtestAccuracy: number | null;
  references: Reference[];
  live: number[][];
  liveCount: number;
  /** The last LABEL_WINDOW bars and the prediction made at each (NaN where none). */
  window: { bar: PaperBar; p: number }[];
  sinceResolve: number;
  predictions: number;
  lastP: number | null;
  lastT: number | null;
  neighbours: Neighbour[];
  /** Resolved predictions, oldest first: probability and outcome (1 or 0). */
  resolved: { p: number; y: number }[];
  resolvedTotal: number;
  calibration: { n: number; sumP: number; hits: number }[];
  alerted: Set<string>;
}

/**
 * The models of a paper session's gated instruments, run as bars arrive: each bar updates the
 * streaming kernels of the model's feature set (warmed on every stored bar before the session, as the
 * feature build computed them), and the model's ONNX session predicts on that one row. Every
 * prediction is logged and, once its label is known from later bars, resolved: live accuracy against
 * the backtest's, calibration, and each feature's drift (PSI) against its training distribution.
 */
export class SessionModels {
  /** A prediction's outcome became known (to journal it). */
  onResolved: ((k: number, t: number, outcome: number) => void) | null = null;

  /** The gated instruments' models by symbol index (undefined for an ungated symbol). */
  private readonly byK: (Gated | undefined)[] = [];

  private constructor(private readonly gated: Gated[]) {
    for (const g of gated) this.byK[g.k] = g;
  }

  /** Opens the models of `config`'s gated instruments, their kernels warmed on bars before `before`, symbol k's book features from `bookOf(k)`; null when none is gated. */
  static async open(ctx: WorkerContext, config: PortfolioRun['config'], before: number, bookOf: (k: number) => BookSource): Promise<SessionModels | null> {
    const gated: Gated[] = [];
    for (const [k, inst] of config.instruments.entries()) {
      if (!inst.model || inst.threshold === null) continue;
      const { model, card: m, build, book } = await openStreamingModel(ctx, inst, before, bookOf(k));
      const labels = parseLabelList(build.spec.labels);
      const li = labels.find((l) => l.outputs.includes(m.label ?? ''));
      if (!li && m.label !== null) {
        await model.runner.close();
        throw new ApiError('invalid_argument', `${inst.name}: ${model.ref}'s label ${m.label} is not among its feature set's labels, so its outcomes cannot be followed`, 'portfolio');
      }
      const references = await trainingReferences(ctx, m, build);
      const test = (m.metrics as { test?: { accuracy?: number } }).test;
      gated.push({
        k,
        instrument: inst.name,
        symbol: inst.symbol,
        symbols: m.symbols,
        model,
        book,
        row: new Float64Array(model.width),
        featureNames: m.features,
        label: li ? { instance: li, column: li.outputs.indexOf(m.label!) } : null,
        backtestAccuracy: typeof test?.accuracy === 'number' ? test.accuracy : null,
        references,
        live: m.features.map(() => new Array<number>(BINS).fill(0)),
        liveCount: 0,
        window: [],
        sinceResolve: 0,
        predictions: 0,
        lastP: null,
        lastT: null,
        neighbours: [],
        resolved: [],
        resolvedTotal: 0,
        calibration: Array.from({ length: BINS }, () => ({ n: 0, sumP: 0, hits: 0 })),
        alerted: new Set(),
      });
    }
    return gated.length ? new SessionModels(gated) : null;
  }

  /** Takes a batch of a live feed's book (rows 0…n, symbol by row) for the models that read it. */
  book(b: DbnBook, n: number, symbolOf: (i: number) => string | undefined): void {
    for (const g of this.gated) {
      if (!(g.book instanceof LiveBookInputs)) continue;
      const rows: number[] = [];
      for (let i = 0; i < n; i++) if (symbolOf(i) === g.symbol) rows.push(i);
      if (rows.length) g.book.add(b, rows);
    }
  }

  /** Symbol k's model's book inputs (none for an ungated symbol or a model without book features): a replay's expectation reads the same. */
  bookInputs(k: number): BookInputs | undefined {
    return this.byK[k]?.book;
  }

  /**
   * Symbol k's bar has closed: its model's probability for it (NaN for an ungated symbol, a bar at
   * or before the warm-up's last one, or one outside its feature set's evaluation hours). Outcomes of
   * earlier predictions that this bar decides are resolved. A resumed session passes the journaled
   * prediction (`journaled`, NaN for none): the kernels take the bar, and the decision stays the one
   * made live, which a live feed's book, gone by now, may not remake.
   */
  async predict(k: number, bar: PaperBar, journaled?: number): Promise<number> {
    const g = this.byK[k];
    if (!g || bar.t <= g.model.warmedTo) return Number.NaN;
    const row = g.row;
    let p = Number.NaN;
    // A journaled bar of a model on book features: its input row cannot be made again (the live book it read is gone).
    const rowKnown = journaled === undefined || !g.model.readsBook;
    if (rowKnown) g.model.update(bar, row);
    else g.model.advance(bar);
    if (journaled !== undefined) p = journaled;
    else if (g.model.evaluates(bar.t)) {
      const explained = await g.model.predictLast(row);
      p = explained.p;
      g.neighbours = explained.neighbours;
    }
    if (!Number.isNaN(p)) {
      g.predictions++;
      g.lastP = p;
      g.lastT = bar.t;
      if (rowKnown) {
        row.forEach((x, j) => {
          if (Number.isFinite(x) && g.references[j]) g.live[j]![binOf(g.references[j]!.edges, x)]!++;
        });
        g.liveCount++;
      }
    }
    // Every bar joins the window: the labels of earlier predictions look ahead through it.
    g.window.push({ bar, p });
    if (g.window.length > LABEL_WINDOW) g.window.shift();
    if (++g.sinceResolve >= RESOLVE_EVERY) this.resolve(g);
    return p;
  }

  /** Labels over the window: predictions whose outcome is now known are resolved. */
  private resolve(g: Gated): void {
    g.sinceResolve = 0;
    if (!g.label) return;
    const w = g.window;
    const n = w.length;
    const col = (f: (b: PaperBar) => number): Float64Array => Float64Array.from(w, (x) => f(x.bar));
    const series = { t: col((b) => b.t), o: col((b) => b.o), h: col((b) => b.h), l: col((b) => b.l), c: col((b) => b.c), v: col((b) => b.v), day: Int32Array.from(w, (x) => x.bar.day), sessionStart: col((b) => b.sessionStart), monthEnd: Uint8Array.from(w, (x) => (x.bar.monthEnd ? 1 : 0)) };
    const { instance, column } = g.label;
    const y = instance.def.compute(series, instance.params)[column]!;
    const keep: { bar: PaperBar; p: number }[] = [];
    for (let i = 0; i < n; i++) {
      const { p } = w[i]!;
      if (Number.isNaN(p) || Number.isNaN(y[i]!)) {
        keep.push(w[i]!);
        continue;
      }
      const outcome = y[i]! > 0 ? 1 : 0;
      this.onResolved?.(g.k, w[i]!.bar.t, outcome);
      g.resolved.push({ p, y: outcome });
      if (g.resolved.length > ROLLING) g.resolved.shift();
      g.resolvedTotal++;
      const c = g.calibration[Math.min(BINS - 1, Math.floor(p * BINS))]!;
      c.n++;
      c.sumP += p;
      c.hits += outcome;
      // Resolved: kept in the window for later labels' look-back, without its prediction.
      keep.push({ bar: w[i]!.bar, p: Number.NaN });
    }
    g.window = keep;
  }

  /** Each gated instrument's monitoring figures now. */
  monitor(): ModelMonitorInfo[] {
    return this.gated.map((g) => this.monitorOf(g));
  }

  private monitorOf(g: Gated): ModelMonitorInfo {
    const hits = g.resolved.filter((r) => (r.p >= 0.5 ? 1 : 0) === r.y).length;
    return {
      instrument: g.instrument,
      model: g.model.ref,
      predictions: g.predictions,
      resolved: g.resolvedTotal,
      lastProbability: g.lastP,
      lastT: g.lastT,
      // A resumed session's journaled predictions come without their neighbours: none are shown until the next one.
      neighbours: g.neighbours.map((x) => ({ t: x.t, symbol: g.symbols[x.symbol] ?? '?', outcome: x.outcome })),
      liveAccuracy: g.resolved.length ? hits / g.resolved.length : null,
      backtestAccuracy: g.backtestAccuracy,
      calibration: g.calibration.map((c, i) => ({ from: i / BINS, to: (i + 1) / BINS, n: c.n, meanP: c.n ? c.sumP / c.n : null, rate: c.n ? c.hits / c.n : null })),
      psi: g.featureNames.map((feature, j) => ({ feature, value: g.references[j] && g.liveCount > 0 ? psi(g.references[j]!.expected, g.live[j]!) : null })),
    };
  }

  /** Alerts raised since the last call: live accuracy well under the backtest's, a feature drifting from its training distribution. */
  alerts(): { title: string; body: string }[] {
    const out: { title: string; body: string }[] = [];
    for (const g of this.gated) {
      const m = this.monitorOf(g);
      if (m.liveAccuracy !== null && m.backtestAccuracy !== null && g.resolved.length >= MIN_OUTCOMES && m.liveAccuracy < m.backtestAccuracy - ACCURACY_DROP && !g.alerted.has('accuracy')) {
        g.alerted.add('accuracy');
        out.push({ title: `${m.instrument}: ${m.model} underperforms its backtest`, body: `live accuracy ${(100 * m.liveAccuracy).toFixed(1)}% over the last ${g.resolved.length} outcomes, against ${(100 * m.backtestAccuracy).toFixed(1)}% on its test period` });
      }
      for (const f of m.psi) {
        if (f.value !== null && g.liveCount >= MIN_PSI_BARS && f.value > PSI_ALERT && !g.alerted.has(`psi:${f.feature}`)) {
          g.alerted.add(`psi:${f.feature}`);
          out.push({ title: `${m.instrument}: feature ${f.feature} drifted`, body: `population stability index ${f.value.toFixed(3)} against ${m.model}'s training distribution (above ${PSI_ALERT} is a significant shift)` });
        }
      }
    }
    return out;
  }

  async close(): Promise<void> {
    for (const g of this.gated) await g.model.runner.close();
  }
}

/** The bin of x among decile edges (BINS − 1 inner edges). */
function binOf(edges: number[], x: number): number {
  let b = 0;
  while (b < edges.length && x > edges[b]!) b++;
  return b;
}

/** Population stability index of live bin counts against expected shares (a small floor keeps empty bins finite). */
function psi(expected: number[], counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  let sum = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i]!, 1e-4);
    const a = Math.max(counts[i]! / total, 1e-4);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/** Each model input's decile edges and bin shares over the build's rows the model trained on (its symbols, its training period). */
async function trainingReferences(ctx: WorkerContext, m: ReturnType<typeof getModel>, build: ReturnType<typeof readBuild>): Promise<Reference[]> {
  const files = m.symbols.flatMap((x) => (build.symbols[x] ? [fileList(ctx.home.lake, build.symbols[x])] : []));
  if (files.length === 0) return [];
  // The card's training window (imported models have none: their whole build is the reference).
  const train = (m.card as { window?: { train?: [string, string] } }).window?.train;
  const where = train ? [`ts >= epoch_ms(${Date.parse(train[0])}::BIGINT)`, `ts < epoch_ms(${Date.parse(train[1])}::BIGINT)`] : [];
  const cols = await readFloat64Columns(ctx.con, `SELECT ${m.features.map((f) => `"${f}"::DOUBLE`).join(', ')} FROM read_parquet([${files.join(', ')}])${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`);
  return cols.map((col) => {
    const xs = Array.from(col).filter(Number.isFinite).sort((a, b) => a - b);
    if (xs.length < BINS) return { edges: [], expected: [1] };
    const edges = Array.from({ length: BINS - 1 }, (_, i) => xs[Math.floor(((i + 1) * xs.length) / BINS)]!);
    const counts = new Array<number>(BINS).fill(0);
    for (const x of xs) counts[binOf(edges, x)]!++;
    return { edges, expected: counts.map((c) => c / xs.length) };
  });
}
