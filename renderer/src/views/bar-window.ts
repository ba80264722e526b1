import type { Bars } from '../../../core/common/bars';

/** Candle and volume points for the chart, built only for the bars actually loaded. */
export interface ChartPoints {
  candles: { time: number; open: number; high: number; low: number; close: number }[];
  volumes: { time: number; value: number; color: string }[];
}

const UP = 'rgba(38,166,154,0.5)';
const DOWN = 'rgba(239,83,80,0.5)';

/** Joins an older page of bars in front of a newer one (columnar), dropping any overlap. */
export function prependBars(older: Bars, newer: Bars): Bars {
  const first = newer.t.length ? newer.t[0]! : Number.POSITIVE_INFINITY;
  let n = older.t.length;
  while (n > 0 && older.t[n - 1]! >= first) n--;
  const cat = (a: Float64Array, b: Float64Array): Float64Array => {
    const out = new Float64Array(n + b.length);
    out.set(a.subarray(0, n));
    out.set(b, n);
    return out;
  };
  const joined: Bars = { ...newer, t: cat(older.t, newer.t), o: cat(older.o, newer.o), h: cat(older.h, newer.h), l: cat(older.l, newer.l), c: cat(older.c, newer.c), v: cat(older.v, newer.v) };
  if (older.sessions && newer.sessions) {
    const join = <T extends Int32Array | Float64Array | Uint8Array>(a: T, b: T, C: new (len: number) => T): T => {
      const out = new C(n + b.length);
      out.set(a.subarray(0, n));
      out.set(b, n);
      return out;
    };
    joined.sessions = {
      day: join(older.sessions.day, newer.sessions.day, Int32Array),
      sessionStart: join(older.sessions.sessionStart, newer.sessions.sessionStart, Float64Array),
      monthEnd: join(older.sessions.monthEnd, newer.sessions.monthEnd, Uint8Array),
    };
  } else delete joined.sessions;
  return joined;
}

/** Converts columnar bars to the chart's points (seconds since epoch). */
export function toChartPoints(b: Bars): ChartPoints {
  const n = b.t.length;
  const candles = new Array<ChartPoints['candles'][number]>(n);
  const volumes = new Array<ChartPoints['volumes'][number]>(n);
  for (let i = 0; i < n; i++) {
    const time = b.t[i]! / 1000;
    candles[i] = { time, open: b.o[i]!, high: b.h[i]!, low: b.l[i]!, close: b.c[i]! };
    volumes[i] = { time, value: b.v[i]!, color: b.c[i]! >= b.o[i]! ? UP : DOWN };
  }
  return { candles, volumes };
}
