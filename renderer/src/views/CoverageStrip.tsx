import type { QaCoverage } from '../../../core/common/lake/types';

/** How full a month is: every expected session present, some, or none. */
function fill(m: QaCoverage['months'][number]): 'full' | 'partial' | 'empty' {
  return m.present === m.expected ? 'full' : m.present === 0 ? 'empty' : 'partial';
}

/**
 * One cell per month between a series' first and last bar, coloured by the share of the calendar's
 * sessions that hold bars: holes of any length are visible at a glance, and each cell says its counts.
 */
export function CoverageStrip({ symbol, coverage }: { symbol: string; coverage: QaCoverage | undefined }) {
  if (coverage === undefined) return <span className="muted">…</span>;
  const missing = coverage.expectedSessions - coverage.presentSessions;
  const basis = coverage.basis === 'calendar' ? 'sessions of its calendar' : 'weekdays (no calendar)';
  return (
    <span className="coverage" data-testid={`coverage-${symbol}`} title={`${coverage.presentSessions} of ${coverage.expectedSessions} ${basis} hold bars${missing ? `; missing months: ${coverage.missingMonths.join(', ') || 'none'}` : ''}`}>
      <span className="coverage-strip">
        {coverage.months.map((m) => (
          <span key={m.month} className={`coverage-month ${fill(m)}`} data-month={m.month} data-present={m.present} data-expected={m.expected} title={`${m.month}: ${m.present} of ${m.expected} sessions`} />
        ))}
      </span>
      <span className={missing ? 'coverage-missing' : 'muted'}>{missing ? `${missing} sessions missing` : 'complete'}</span>
    </span>
  );
}
