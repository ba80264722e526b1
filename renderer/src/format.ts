/** `1,234,567` */
export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Human byte size. */
export function fmtBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(2)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** `2024-03-01` in UTC: the one date format of the app, its fields and its errors. */
export const fmtDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** `2024-03-01 14:30` in UTC. */
export const fmtTime = (ms: number): string => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');

/** Seconds as `1m 05s`. */
export function fmtEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '—';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m ${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

/** Price with the decimals its tick needs. */
export function fmtPrice(p: number): string {
  return Number.isInteger(p) ? p.toFixed(0) : p.toFixed(Math.min(4, Math.max(2, (String(p).split('.')[1] ?? '').length)));
}

/** A backtest run as people name it: strategy · symbols · timeframe · period. */
export function runName(r: { strategy: string; symbols: string[]; timeframe: string; from: number; to: number }): string {
  return `${r.strategy} · ${r.symbols.join(' ')} · ${r.timeframe} · ${fmtDay(r.from)} → ${fmtDay(r.to)}`;
}

/**
 * A percentage as typed (`20`, `20%`, `12.5 %`) as a fraction (0.2); a field labelled in percent
 * says so, so 0.2 means 0.2 % here, never 20 %.
 */
export function parsePercent(text: string, label: string, max = 100): number {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const v = m ? Number(m[1]) : Number.NaN;
  if (!(v > 0 && v <= max)) throw new Error(`${label}: a percentage above 0 and at most ${max}, such as 20 for 20 %; got "${text}"`);
  return v / 100;
}

/** A fraction shown in a percent field (0.2 → "20"). */
export const toPercentText = (fraction: number): string => String(Math.round(fraction * 1e8) / 1e6);
