import { TRADING_DAYS } from './metrics';

const DAY_MS = 86_400_000;

/** Daily factor returns from a CSV, as fractions. */
export interface FactorSeries {
  /** UTC day numbers (days since 1970-01-01), increasing. */
  day: Float64Array;
  /** Factor names in file order (a risk-free column named RF included). */
  names: string[];
  columns: Float64Array[];
}

/** A factor file that cannot be read: says where and why. */
export class FactorFileError extends Error {
  override name = 'FactorFileError';
}

const DATE = /^(\d{4})-?(\d{2})-?(\d{2})$/;

/**
 * Reads daily factor returns: a header row naming the factors after a date column, then one row per
 * day (`YYYYMMDD` or `YYYY-MM-DD`). Lines before the header and after the daily block (as in Kenneth
 * French's files, whose annual block follows a blank line) are ignored. Values are percent when
 * `percent` is set (as Kenneth French publishes them), else fractions.
 */
export function parseFactorCsv(text: string, file: string, percent: boolean): FactorSeries {
  const lines = text.split(/\r?\n/);
  let at = lines.findIndex((l, i) => {
    const cells = l.split(',').map((c) => c.trim());
    const next = (lines[i + 1] ?? '').split(',')[0]!.trim();
    return cells.length >= 2 && cells.slice(1).every((c) => c !== '' && Number.isNaN(Number(c))) && DATE.test(next);
  });
  if (at < 0) throw new FactorFileError(`${file}: no header row naming factors followed by dated rows (e.g. "date,Mkt-RF,SMB,HML,RF" then "20240102,0.5,0.1,-0.2,0.02")`);
  const names = lines[at]!.split(',').slice(1).map((c) => c.trim());
  const days: number[] = [];
  const cols: number[][] = names.map(() => []);
  for (at++; at < lines.length; at++) {
    const cells = lines[at]!.split(',').map((c) => c.trim());
    const m = DATE.exec(cells[0] ?? '');
    if (!m) break;
    if (cells.length !== names.length + 1) throw new FactorFileError(`${file}: line ${at + 1}: ${cells.length - 1} values for ${names.length} factors (${names.join(', ')})`);
    const day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
    if (days.length > 0 && day <= days[days.length - 1]!) throw new FactorFileError(`${file}: line ${at + 1}: ${cells[0]} is not after the date before it`);
    days.push(day);
    cells.slice(1).forEach((c, k) => {
      const v = Number(c);
      if (c === '' || !Number.isFinite(v)) throw new FactorFileError(`${file}: line ${at + 1}: ${names[k]} is "${c}", not a number`);
      cols[k]!.push(percent ? v / 100 : v);
    });
  }
  if (days.length === 0) throw new FactorFileError(`${file}: the header names ${names.join(', ')} but no dated rows follow it`);
  return { day: Float64Array.from(days), names, columns: cols.map((c) => Float64Array.from(c)) };
}

/** An OLS regression of a strategy's daily returns on factor returns. */
export interface FactorRegression {
  /** Days both had. */
  n: number;
  /** Intercept, annualised (× 252). */
  alpha: number;
  alphaT: number;
  /** Loading and t-statistic per factor. */
  betas: Record<string, { beta: number; t: number }>;
  r2: number;
  /** Whether the returns were taken in excess of the RF column. */
  excessOfRf: boolean;
}

/** Solves A x = b (A symmetric positive definite, small) by Gaussian elimination with partial pivoting; returns x and A⁻¹'s diagonal. */
function solve(a: number[][], b: number[]): { x: number[]; invDiag: number[] } {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    if (Math.abs(m[p]![c]!) < 1e-300) throw new RangeError('the factors are collinear: one is a combination of the others');
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k < 2 * n + 1; k++) m[r]![k] = m[r]![k]! - f * m[c]![k]!;
    }
  }
  return { x: m.map((row, i) => row[n]! / row[i]!), invDiag: m.map((row, i) => row[n + 1 + i]! / row[i]!) };
}

/**
 * Regresses daily strategy returns (by UTC day) on the factors over the days both have: in excess of
 * the RF column when there is one (which is then not a regressor), with an intercept.
 */
export function factorRegression(day: Float64Array, returns: Float64Array, f: FactorSeries): FactorRegression {
  const rf = f.names.indexOf('RF');
  const used = f.names.map((_, k) => k).filter((k) => k !== rf);
  const byDay = new Map<number, number>();
  f.day.forEach((d, i) => byDay.set(d, i));
  const rows: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < day.length; i++) {
    const j = byDay.get(day[i]!);
    if (j === undefined) continue;
    rows.push([1, ...used.map((k) => f.columns[k]![j]!)]);
    y.push(returns[i]! - (rf >= 0 ? f.columns[rf]![j]! : 0));
  }
  const p = used.length + 1;
  if (rows.length <= p + 1) throw new RangeError(`only ${rows.length} days are both in the backtest and in the factor file; a regression on ${used.length} factors needs more than ${p + 1}`);
  const xtx = Array.from({ length: p }, (_, a) => Array.from({ length: p }, (_, b) => rows.reduce((s, r) => s + r[a]! * r[b]!, 0)));
  const xty = Array.from({ length: p }, (_, a) => rows.reduce((s, r, i) => s + r[a]! * y[i]!, 0));
  const { x: coef, invDiag } = solve(xtx, xty);
  let sse = 0;
  let sst = 0;
  const mean = y.reduce((s, v) => s + v, 0) / y.length;
  rows.forEach((r, i) => {
    const fit = r.reduce((s, v, k) => s + v * coef[k]!, 0);
    sse += (y[i]! - fit) ** 2;
    sst += (y[i]! - mean) ** 2;
  });
  const sigma2 = sse / (rows.length - p);
  const t = (k: number): number => coef[k]! / Math.sqrt(sigma2 * invDiag[k]!);
  return {
    n: rows.length,
    alpha: coef[0]! * TRADING_DAYS,
    alphaT: t(0),
    betas: Object.fromEntries(used.map((k, i) => [f.names[k]!, { beta: coef[i + 1]!, t: t(i + 1) }])),
    r2: sst > 0 ? 1 - sse / sst : 0,
    excessOfRf: rf >= 0,
  };
}
