import { FIRST_STORABLE_MS, gateSeries, LAST_STORABLE_MS, type GateColumns, type GateOutcome } from '../../common/bar-gate';
import { monthBounds, monthOf, type BarWriter, type PartToWrite } from '../lake/bar-store';
import { noBars } from '../demo/demo-market';

/** One series of an input: its rows (indices into the input's columns) and where they are stored. */
export interface SeriesRows {
  symbol: string;
  timeframe: string;
  rows: Uint32Array;
}

/**
 * Passes one series through the bar gate (against itself and what the lake stores) and cuts what it
 * keeps into month parts ready to write. Every entry path that stores bars goes through here.
 */
export async function gatedParts(
  writer: BarWriter,
  b: GateColumns,
  s: SeriesRows,
  o: { now: number; where: (i: number) => string; source: string; ingestRun: string | null; rowCheck?: (i: number) => string | undefined },
): Promise<{ parts: PartToWrite[]; outcome: GateOutcome }> {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const i of s.rows) {
    const t = b.t[i]!;
    if (t >= FIRST_STORABLE_MS && t <= Math.min(LAST_STORABLE_MS, o.now + 86_400_000)) {
      if (t < lo) lo = t;
      if (t > hi) hi = t;
    }
  }
  const stored = lo <= hi ? await writer.storedBars(s.timeframe, s.symbol, lo, hi + 1) : noBars();
  const outcome = gateSeries(b, s.rows, s.timeframe, stored, o.now, o.where, o.rowCheck);
  const keep = outcome.kept;
  const parts: PartToWrite[] = [];
  for (let start = 0; start < keep.length; ) {
    const month = monthOf(b.t[keep[start]!]!);
    const end = monthBounds(month)[1];
    let stop = start;
    while (stop < keep.length && b.t[keep[stop]!]! < end) stop++;
    const col = (a: Float64Array): Float64Array => {
      const out = new Float64Array(stop - start);
      for (let k = start; k < stop; k++) out[k - start] = a[keep[k]!]!;
      return out;
    };
    parts.push({ timeframe: s.timeframe, symbol: s.symbol, month, bars: { t: col(b.t), o: col(b.o), h: col(b.h), l: col(b.l), c: col(b.c), v: col(b.v) }, source: o.source, ingestRun: o.ingestRun });
    start = stop;
  }
  return { parts, outcome };
}
