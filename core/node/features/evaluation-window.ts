import { DateTime } from 'luxon';
import { ApiError } from '../../common/errors';
import type { SessionCalendar } from '../../common/instruments';

/**
 * Whether a bar opening at t (epoch ms) falls in a feature set's evaluation hours, [from, to) local
 * time of the symbol's exchange: the rule a build keeps rows by, a paper session journals rows by
 * and a model gate predicts by.
 */
export function evaluationWindow(w: { from: string; to: string }, cal: SessionCalendar | undefined, setName: string): (t: number) => boolean {
  if (!cal) throw new ApiError('invalid_argument', `feature set ${setName} evaluates ${w.from}–${w.to}, which needs the symbol's exchange calendar; choose one on import (--calendar)`, 'set');
  const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  const from = minutes(w.from);
  const to = minutes(w.to);
  return (t) => {
    const local = DateTime.fromMillis(t, { zone: cal.tz });
    const m = local.hour * 60 + local.minute;
    return m >= from && m < to;
  };
}
