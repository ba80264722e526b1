import type { BackfillResult, ImportResult } from '../../common/lake/types';

/** A count with thousands separators, as summaries print it. */
export const fmt = (n: number): string => n.toLocaleString('en-US');

/** Human summary of an import outcome. */
export function importSummary(r: ImportResult): string {
  const outside = r.excluded?.length ? ` (${fmt(r.excluded.length)} symbols outside the universe)` : '';
  return `${fmt(r.accepted)} accepted, ${fmt(r.rejected)} rejected, ${fmt(r.duplicates)} duplicates of ${fmt(r.inputRows)} rows${outside}`;
}

/** Human summary of a backfill outcome. */
export function backfillSummary(r: BackfillResult): string {
  return `${fmt(r.newBars)} new ${r.table ? `${r.table} records` : 'bars'}, ${fmt(r.alreadyPresent)} already present${r.rejected ? `, ${fmt(r.rejected)} rejected (quantdesk rejects --run ${r.runId})` : ''}`;
}
