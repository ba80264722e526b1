/**
 * Quarterly index-futures contracts (March, June, September, December; expiring on the third
 * Friday) and the two ways a date maps to one: the contract an option expiring that day is written
 * on (the nearest quarterly expiring on or after it, as CME lists E-mini S&P weeklies and dailies),
 * and the contract the futures market trades as front (volume moves to the next quarterly about eight
 * days before expiry). The two differ in roll week: the week's 0DTE options are on the expiring
 * contract while the futures trade the next.
 */

const DAY_MS = 86_400_000;
const MONTH_CODES = 'FGHJKMNQUVXZ';

/** Day number (days since 1970-01-01) of the third Friday of a month (1–12). */
export function thirdFriday(year: number, month: number): number {
  const first = Math.floor(Date.UTC(year, month - 1, 1) / DAY_MS);
  const toFriday = (5 - new Date(first * DAY_MS).getUTCDay() + 7) % 7;
  return first + toFriday + 14;
}

/** A quarterly contract: its symbol (ESZ6), and its expiry's day number. */
export interface Quarterly {
  symbol: string;
  expiryDay: number;
}

function quarterlyAtOrAfter(root: string, day: number): Quarterly {
  const d = new Date(day * DAY_MS);
  let year = d.getUTCFullYear();
  let month = Math.ceil((d.getUTCMonth() + 1) / 3) * 3;
  for (;;) {
    const expiryDay = thirdFriday(year, month);
    if (expiryDay >= day) return { symbol: `${root}${MONTH_CODES[month - 1]}${year % 10}`, expiryDay };
    month += 3;
    if (month > 12) {
      month = 3;
      year++;
    }
  }
}

/** The quarterly contract an option expiring on a day is written on: the first expiring on or after it. */
export function optionUnderlying(root: string, expiryDay: number): Quarterly {
  return quarterlyAtOrAfter(root, expiryDay);
}

/** Days before a quarterly's expiry from which the next contract is front (CME's customary roll, the Thursday eight days before). */
export const ROLL_DAYS_BEFORE_EXPIRY = 8;

/** The contract the futures market trades as front on a trading day, by the customary roll: the first whose roll day (expiry − 8 days) is still ahead. */
export function frontByRoll(root: string, day: number): Quarterly {
  return quarterlyAtOrAfter(root, day + ROLL_DAYS_BEFORE_EXPIRY + 1);
}
