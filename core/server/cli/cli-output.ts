import type { JobInfo } from '../../common/jobs/types';
import type { QaReport } from '../../common/lake/types';
import type { Bars } from '../../common/bars';
import type { CliIo } from './cli-support';

/** A number with `digits` decimals; Infinity and NaN as words. */
export const fixed = (x: number, digits: number): string => (Number.isFinite(x) ? x.toFixed(digits) : String(x));

/** An instant (epoch ms) in ISO 8601, UTC. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** A byte count in B, KiB, MiB or GiB. */
export const fmtBytes = (n: number): string => (n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(2)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

/** QA's coverage in one line: sessions present of those expected, and the missing months and sessions. */
export function coverageLine(c: QaReport['coverage']): string {
  const missing = c.expectedSessions - c.presentSessions;
  const basis = c.basis === 'calendar' ? 'calendar sessions' : 'weekdays (no calendar)';
  const months = c.missingMonths.length ? ` · missing months ${c.missingMonths.length}: ${c.missingMonths.slice(0, 24).join(', ')}${c.missingMonths.length > 24 ? ', …' : ''}` : '';
  const days = missing > 0 ? ` · missing sessions ${missing}: ${c.missingSessions.slice(0, 10).join(', ')}${missing > 10 ? ', …' : ''}` : '';
  return `coverage ${c.presentSessions}/${c.expectedSessions} ${basis}${months}${days}`;
}

/** A job as a row of `jobs` output. */
export function jobRow(j: JobInfo): string[] {
  return [j.id.slice(0, 8), j.kind, j.status, iso(j.createdAt).slice(0, 19).replace('T', ' '), j.summary ?? j.error ?? ''];
}

/** Bars as CSV lines, or as JSON with --json. */
export function printBars(b: Bars, json: boolean, io: CliIo): void {
  const daily = b.timeframe === '1d';
  const time = (i: number): string => (daily ? iso(b.t[i]!).slice(0, 10) : iso(b.t[i]!));
  if (json) {
    const bars = Array.from({ length: b.t.length }, (_, i) => ({ time: time(i), open: b.o[i], high: b.h[i], low: b.l[i], close: b.c[i], volume: b.v[i] }));
    io.out(JSON.stringify({ symbol: b.symbol, timeframe: b.timeframe, count: bars.length, bars }));
    return;
  }
  const lines = ['time,open,high,low,close,volume'];
  for (let i = 0; i < b.t.length; i++) lines.push(`${time(i)},${b.o[i]},${b.h[i]},${b.l[i]},${b.c[i]},${b.v[i]}`);
  io.out(lines.join('\n'));
}
