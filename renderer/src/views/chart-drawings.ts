/** A horizontal line at a price. */
export interface HorizontalLine {
  kind: 'h';
  price: number;
}

/** A trend line between two points of the chart (bar time in epoch seconds, price). */
export interface TrendLine {
  kind: 'trend';
  a: { time: number; price: number };
  b: { time: number; price: number };
}

/** What the user drew on a symbol's chart. */
export type Drawing = HorizontalLine | TrendLine;

/** Drawings per symbol, as kept in window storage. */
export type DrawingsBySymbol = Record<string, Drawing[]>;

/** The most drawings kept per symbol and the most symbols with drawings: storage is bounded whatever is stored. */
export const MAX_DRAWINGS = 100;
const MAX_SYMBOLS = 500;

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const point = (x: unknown): boolean => typeof x === 'object' && x !== null && finite((x as { time?: unknown }).time) && finite((x as { price?: unknown }).price);

/** Whether a stored value is one drawing (anything else in storage is dropped). */
function isDrawing(x: unknown): x is Drawing {
  if (typeof x !== 'object' || x === null) return false;
  const d = x as Record<string, unknown>;
  if (d.kind === 'h') return finite(d.price);
  return d.kind === 'trend' && point(d.a) && point(d.b);
}

/** Whether a stored value is a map of symbols to drawings within the bounds. */
export function isDrawingsBySymbol(x: unknown): x is DrawingsBySymbol {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const entries = Object.entries(x);
  return entries.length <= MAX_SYMBOLS && entries.every(([k, v]) => k.length <= 64 && Array.isArray(v) && v.length <= MAX_DRAWINGS && v.every(isDrawing));
}

/** A drawing in words, for its chip. */
export function describeDrawing(d: Drawing, fmtPrice: (p: number) => string, fmtDay: (sec: number) => string): string {
  if (d.kind === 'h') return `— ${fmtPrice(d.price)}`;
  return `╱ ${fmtDay(d.a.time)} ${fmtPrice(d.a.price)} → ${fmtDay(d.b.time)} ${fmtPrice(d.b.price)}`;
}

/** A trend line's two points in time order (the chart's line series needs ascending times); null when both fall on one bar. */
export function trendPoints(d: TrendLine): [{ time: number; value: number }, { time: number; value: number }] | null {
  if (d.a.time === d.b.time) return null;
  const [p, q] = d.a.time < d.b.time ? [d.a, d.b] : [d.b, d.a];
  return [
    { time: p.time, value: p.price },
    { time: q.time, value: q.price },
  ];
}
