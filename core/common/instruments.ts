/** Holiday rules of an exchange, from which each year's closed dates are computed. */
export interface HolidayRules {
  /** Month-day pairs (`MM-DD`) closed every year. */
  fixed: readonly string[];
  /** Whether a fixed holiday on a Saturday moves to Friday and on a Sunday to Monday. */
  observed?: boolean;
  /** Days relative to Easter Sunday (-2 Good Friday, +1 Easter Monday). */
  easter?: readonly number[];
  /** Nth weekday of a month (weekday 0 = Sunday; n = -1 for the last), e.g. Thanksgiving. */
  nth?: readonly { month: number; weekday: number; n: number; since?: number }[];
  /** Fixed holidays that start in a given year (e.g. Juneteenth from 2022). */
  fixedSince?: readonly { date: string; since: number }[];
}

/** A trading session calendar. Sessions whose open is later than their close open the evening before. */
export interface SessionCalendar {
  /** Short id, as `--calendar` takes it. */
  id: string;
  /** Human name. */
  name: string;
  /** IANA time zone the session times are given in. */
  tz: string;
  /** Local time the session opens (on the previous calendar day when later than `close`), `HH:MM`. */
  open: string;
  /** Local time the session closes on the trading date, `HH:MM`. */
  close: string;
  /** Local regular-trading-hours window on the trading date, `HH:MM`. */
  rth: { start: string; end: string };
  /** Dates on which no session trades. */
  holidays: HolidayRules;
}

/** Contract specification of an instrument. */
export interface ContractSpec {
  /** Root symbol, e.g. `ES`. */
  symbol: string;
  /** Human name. */
  name: string;
  /** Minimum price increment. */
  tickSize: number;
  /** Currency per point of price. */
  multiplier: number;
  /** Settlement currency. */
  currency: string;
  /**
   * Maintenance margin per contract held, in the settlement currency: an account whose equity falls
   * under that of its positions is called and ruined. The table's figures are of the order of the
   * exchange's outright margins; set your broker's (Settings → Instruments, `quantdesk instruments margin`).
   */
  maintenanceMargin: number;
  /** Session calendar. */
  calendar: SessionCalendar;
}

/** Parameters of the synthetic demo market for one symbol. */
export interface DemoParams {
  /** Price level around 2000-01-01. */
  priceStart: number;
  /** Price level around 2026-01-01. */
  priceEnd: number;
  /** Annualised volatility of daily returns. */
  annualVol: number;
  /** Typical contracts traded per session. */
  sessionVolume: number;
  /** Loading on the equity-index factor. */
  equityLoading: number;
  /** Loading on the commodity factor. */
  commodityLoading: number;
}

/** CME Globex: Sunday–Friday 18:00–17:00 New York time with a one-hour maintenance break. */
export const CME_GLOBEX: SessionCalendar = {
  id: 'cme',
  name: 'CME Globex',
  tz: 'America/New_York',
  open: '18:00',
  close: '17:00',
  rth: { start: '09:30', end: '16:00' },
  holidays: { fixed: ['01-01', '12-25'] },
};

/** NYSE and Nasdaq: 09:30–16:00 New York time, US market holidays. */
export const NYSE: SessionCalendar = {
  id: 'nyse',
  name: 'NYSE / Nasdaq',
  tz: 'America/New_York',
  open: '09:30',
  close: '16:00',
  rth: { start: '09:30', end: '16:00' },
  holidays: {
    fixed: ['01-01', '07-04', '12-25'],
    observed: true,
    easter: [-2],
    nth: [
      { month: 1, weekday: 1, n: 3, since: 1998 },
      { month: 2, weekday: 1, n: 3 },
      { month: 5, weekday: 1, n: -1 },
      { month: 9, weekday: 1, n: 1 },
      { month: 11, weekday: 4, n: 4 },
    ],
    fixedSince: [{ date: '06-19', since: 2022 }],
  },
};

/** Deutsche Börse Xetra: 09:00–17:30 Frankfurt time. */
export const XETRA: SessionCalendar = {
  id: 'xetra',
  name: 'Xetra',
  tz: 'Europe/Berlin',
  open: '09:00',
  close: '17:30',
  rth: { start: '09:00', end: '17:30' },
  holidays: { fixed: ['01-01', '05-01', '12-24', '12-25', '12-26', '12-31'], easter: [-2, 1] },
};

/** Every calendar by id. */
export const CALENDARS: Readonly<Record<string, SessionCalendar>> = { cme: CME_GLOBEX, nyse: NYSE, xetra: XETRA };

const CME_ENERGY_METALS: SessionCalendar = { ...CME_GLOBEX, rth: { start: '08:30', end: '13:30' } };

/** The demo instruments with their contract specs and the demo market's parameters. */
export const DEMO_INSTRUMENTS: readonly (ContractSpec & { demo: DemoParams })[] = [
  { symbol: 'ES', name: 'E-mini S&P 500', tickSize: 0.25, multiplier: 50, currency: 'USD', maintenanceMargin: 14_500, calendar: CME_GLOBEX,
    demo: { priceStart: 1450, priceEnd: 5900, annualVol: 0.18, sessionVolume: 1_500_000, equityLoading: 0.97, commodityLoading: 0.1 } },
  { symbol: 'NQ', name: 'E-mini Nasdaq-100', tickSize: 0.25, multiplier: 20, currency: 'USD', maintenanceMargin: 21_000, calendar: CME_GLOBEX,
    demo: { priceStart: 3700, priceEnd: 21000, annualVol: 0.24, sessionVolume: 600_000, equityLoading: 0.92, commodityLoading: 0.05 } },
  { symbol: 'YM', name: 'E-mini Dow', tickSize: 1, multiplier: 5, currency: 'USD', maintenanceMargin: 10_000, calendar: CME_GLOBEX,
    demo: { priceStart: 11400, priceEnd: 42500, annualVol: 0.16, sessionVolume: 150_000, equityLoading: 0.94, commodityLoading: 0.1 } },
  { symbol: 'RTY', name: 'E-mini Russell 2000', tickSize: 0.1, multiplier: 50, currency: 'USD', maintenanceMargin: 7_500, calendar: CME_GLOBEX,
    demo: { priceStart: 500, priceEnd: 2250, annualVol: 0.23, sessionVolume: 200_000, equityLoading: 0.85, commodityLoading: 0.12 } },
  { symbol: 'CL', name: 'Crude Oil', tickSize: 0.01, multiplier: 1000, currency: 'USD', maintenanceMargin: 6_000, calendar: CME_ENERGY_METALS,
    demo: { priceStart: 25, priceEnd: 72, annualVol: 0.35, sessionVolume: 350_000, equityLoading: 0.25, commodityLoading: 0.8 } },
  { symbol: 'GC', name: 'Gold', tickSize: 0.1, multiplier: 100, currency: 'USD', maintenanceMargin: 10_000, calendar: CME_ENERGY_METALS,
    demo: { priceStart: 285, priceEnd: 2650, annualVol: 0.16, sessionVolume: 200_000, equityLoading: 0.05, commodityLoading: 0.45 } },
];

/** Symbols of the demo market. */
export const DEMO_SYMBOLS: readonly string[] = DEMO_INSTRUMENTS.map((i) => i.symbol);

/** Contract spec of a known symbol, or undefined. */
export function findInstrument(symbol: string): (ContractSpec & { demo: DemoParams }) | undefined {
  return DEMO_INSTRUMENTS.find((i) => i.symbol === symbol);
}
