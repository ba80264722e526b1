import WebSocket from 'ws';
import { ApiError } from '../../common/errors';
import { INTRADAY_MS, type Timeframe } from '../../common/timeframes';
import type { SessionCalendar } from '../../common/instruments';
import { BarAggregator, type OhlcvBar } from '../../common/trading/bar-aggregator';
import { sessionSeries } from '../features/silver-build';
import type { Feed, FeedBar } from './feeds';
import { liveMinuteProblem } from '../../common/bar-gate';

/** The bar length a live session of `timeframe` aggregates minutes to; daily and weekly bars are refused. */
export function liveBarMs(timeframe: string): number {
  const ms = INTRADAY_MS[timeframe as Exclude<Timeframe, '1d' | '1w'>];
  if (ms === undefined) throw new ApiError('invalid_argument', `a live session builds intraday bars (1m to 1h) from the feed's minutes; this portfolio trades ${timeframe} bars, so replay it instead`, 'portfolio');
  return ms;
}

/** Whom a live adapter tells what arrives. */
export interface LiveHandlers {
  /** A closed one-minute bar of one of the subscribed symbols. */
  onMinute(symbol: string, m: OhlcvBar): void;
  /** Something went wrong; `fatal` when retrying cannot help (the key was refused). */
  onProblem(message: string, fatal: boolean): void;
}

/** A vendor's stream of closed one-minute bars: connects, subscribes and keeps the connection up. */
export interface LiveAdapter {
  /** Connects and subscribes; reconnects after a drop until closed. */
  start(h: LiveHandlers): void;
  close(): void;
}

const RECONNECT_MS = [500, 1000, 2000, 5000, 10_000, 30_000];

/**
 * Polygon's WebSocket protocol for per-minute aggregates: the server greets with a `connected`
 * status, the client sends `{"action":"auth","params":KEY}`, waits for `auth_success`, then sends
 * `{"action":"subscribe","params":"AM.ES,AM.NQ"}`; events come as JSON arrays of
 * `{"ev":"AM","sym","o","h","l","c","v","s","e"}` with `s` and `e` the minute's start and end (epoch ms).
 */
export function polygonAdapter(o: { url: string; key: string; symbols: readonly string[] }): LiveAdapter {
  let ws: WebSocket | null = null;
  let closed = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | null = null;
  return {
    start(h) {
      const connect = (): void => {
        const socket = new WebSocket(o.url);
        ws = socket;
        socket.on('message', (raw) => {
          let events: unknown;
          try {
            events = JSON.parse(raw.toString());
          } catch {
            h.onProblem(`the feed at ${o.url} sent a message that is not JSON`, false);
            return;
          }
          for (const e of Array.isArray(events) ? events : [events]) {
            const ev = e as Record<string, unknown>;
            if (ev.ev === 'status') {
              if (ev.status === 'connected') socket.send(JSON.stringify({ action: 'auth', params: o.key }));
              else if (ev.status === 'auth_success') {
                attempt = 0;
                socket.send(JSON.stringify({ action: 'subscribe', params: o.symbols.map((s) => `AM.${s}`).join(',') }));
              } else if (ev.status === 'auth_failed') {
                closed = true;
                socket.close();
                h.onProblem(`the feed at ${o.url} refused the API key (${String(ev.message ?? 'auth_failed')}); check the Polygon key in Settings or POLYGON_API_KEY`, true);
              }
            } else if (ev.ev === 'AM') {
              const nums = [ev.s, ev.o, ev.h, ev.l, ev.c, ev.v];
              if (typeof ev.sym !== 'string' || nums.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
                h.onProblem(`the feed at ${o.url} sent a minute bar without sym, s, o, h, l, c and v: ${JSON.stringify(ev).slice(0, 200)}`, false);
                continue;
              }
              h.onMinute(ev.sym, { t: ev.s as number, o: ev.o as number, h: ev.h as number, l: ev.l as number, c: ev.c as number, v: ev.v as number });
            }
          }
        });
        socket.on('error', (e) => h.onProblem(`the feed at ${o.url}: ${e.message}`, false));
        socket.on('close', () => {
          if (closed) return;
          const wait = RECONNECT_MS[Math.min(attempt++, RECONNECT_MS.length - 1)]!;
          h.onProblem(`the feed at ${o.url} disconnected; reconnecting in ${wait} ms`, false);
          timer = setTimeout(connect, wait);
        });
      };
      connect();
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      ws?.close();
    },
  };
}

/** Options of a live feed. */
export interface LiveFeedOptions {
  adapter: LiveAdapter;
  symbols: readonly string[];
  /** The bars' length in ms (an intraday timeframe); minutes are aggregated to it. */
  barMs: number;
  calendars: readonly (SessionCalendar | undefined)[];
  /** Waits up to ms, or less when the session has a message (the worker channel's wait). */
  wait: (ms: number) => Promise<void>;
  /** Every minute taken, as it arrives (to append to bronze). */
  onMinute?: (k: number, m: OhlcvBar) => void;
  /** A problem the session journals as an error (it counts toward the error-burst trip). */
  onProblem?: (message: string) => void;
  /** A minute the bar gate refused: it reaches bronze's rejects but never the session's bars. */
  onRefused?: (symbol: string, reason: string) => void;
  /** The clock minutes are judged against (a minute stamped in the future is refused). */
  now?: () => number;
  /** How old a minute may be (liveMaxAgeMs()). */
  maxAgeMs?: number;
}

/**
 * How old a live minute may be: a day, or QUANTDESK_LIVE_MAX_AGE_HOURS for a feed server that
 * replays recorded minutes (a rehearsal over last month's tape).
 */
export function liveMaxAgeMs(): number {
  const hours = Number(process.env.QUANTDESK_LIVE_MAX_AGE_HOURS);
  return Number.isFinite(hours) && hours > 0 ? hours * 3_600_000 : 86_400_000;
}

/** How long `next` waits for a bar before it returns so the session can act on controls and watch for a stale feed. */
const IDLE_MS = 250;

/**
 * A live feed: closed minutes from an adapter, aggregated to the session's timeframe and given their
 * calendar facts, one bar at a time. `next` resolves undefined when nothing arrived within a
 * quarter second; it rejects once the adapter reports a fatal problem.
 */
export function liveFeed(o: LiveFeedOptions): Feed {
  const index = new Map(o.symbols.map((s, k) => [s, k]));
  const agg = new BarAggregator(o.symbols.length, o.barMs);
  const ready: FeedBar[] = [];
  let fatal: string | null = null;
  let arrived: (() => void) | null = null;
  const toFeedBar = (k: number, b: OhlcvBar): FeedBar => {
    const s = sessionSeries({ symbol: o.symbols[k]!, timeframe: '1m', t: new Float64Array([b.t]), o: new Float64Array([b.o]), h: new Float64Array([b.h]), l: new Float64Array([b.l]), c: new Float64Array([b.c]), v: new Float64Array([b.v]) }, o.calendars[k]);
    return { k, bar: { ...b, day: s.day[0]!, sessionStart: s.sessionStart[0]!, monthEnd: s.monthEnd[0] === 1 } };
  };
  o.adapter.start({
    onMinute(symbol, m) {
      const k = index.get(symbol);
      if (k === undefined) return;
      o.onMinute?.(k, m);
      // A minute repeated after a reconnect is no fault: the aggregator skips it and bronze counts it a duplicate.
      const why = liveMinuteProblem(m, (o.now ?? Date.now)(), o.maxAgeMs);
      if (why) {
        o.onRefused?.(symbol, why);
        return;
      }
      for (const [j, b] of agg.push(k, m)) ready.push(toFeedBar(j, b));
      if (ready.length) arrived?.();
    },
    onProblem(message, isFatal) {
      if (isFatal) fatal = message;
      o.onProblem?.(message);
      arrived?.();
    },
  });
  let back: FeedBar | null = null;
  return {
    async next() {
      if (back) {
        const b = back;
        back = null;
        return b;
      }
      if (ready.length === 0 && fatal === null) {
        await Promise.race([new Promise<void>((r) => (arrived = r)), o.wait(IDLE_MS)]);
        arrived = null;
      }
      if (fatal !== null) throw new Error(fatal);
      return ready.shift();
    },
    unread(b) {
      back = b;
    },
    close() {
      o.adapter.close();
    },
  };
}
