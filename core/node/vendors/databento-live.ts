import net from 'node:net';
import { createHash } from 'node:crypto';
import type { OhlcvBar } from '../../common/trading/bar-aggregator';
import { DbnError, openDbn, type DbnMetadata } from '../ingest/dbn';
import { allocBook, BOOK_LAYOUTS, bookWords, fillBook, type DbnBook } from '../ingest/dbn-book';
import type { LiveAdapter, LiveHandlers } from '../paper/live-feed';

/**
 * A client of Databento's live gateway (the raw TCP protocol): text control lines until the session
 * starts — the gateway's greeting and CRAM challenge, the client's authentication, subscription and
 * session start — then a DBN stream (metadata, then records of any type). MBP-10 records are handed
 * on in batches for the book features and the bronze appender, and their trades closed into minute
 * bars for the paper session. A dropped connection is reopened with back-off and the subscription
 * asks for a replay from the last record received, so nothing between is lost and nothing repeated.
 */

/** The gateway's CRAM answer: SHA-256 of `challenge|key` in hex, then `-` and the key's last five characters (its bucket). */
export function cramResponse(challenge: string, key: string): string {
  return `${createHash('sha256').update(`${challenge}|${key}`).digest('hex')}-${key.slice(-5)}`;
}

/** A control line from the gateway as fields (`a=1|b=2`). */
export function parseControl(line: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const part of line.split('|')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return out;
}

/** Longest control line and metadata accepted before the peer is taken for something else. */
const MAX_LINE = 4096;
const MAX_METADATA = 1 << 20;
const RTYPE_MBP10 = 0x0a;
const RTYPE_MAPPING = 0x16;
const RTYPE_SYSTEM = 0x17;
const RTYPE_ERROR = 0x15;
const BATCH = 4096;
const latin1 = new TextDecoder('latin1');
const cstr = (b: Uint8Array, at: number, len: number): string => {
  const raw = b.subarray(at, at + len);
  const end = raw.indexOf(0);
  return latin1.decode(end < 0 ? raw : raw.subarray(0, end));
};

/** What a DBN stream reader hands on. */
export interface DbnStreamHandlers {
  metadata(m: DbnMetadata): void;
  /** A record: its type, and its bytes (valid only during the call). */
  record(rtype: number, rec: Uint8Array): void;
}

/**
 * Reads a DBN stream pushed in chunks of any size: the metadata once, then each whole record. Lengths
 * are checked before anything is kept, so a hostile peer cannot make it buffer more than one record
 * (at most 1,020 bytes) or the metadata (at most 1 MiB) beyond what it has sent.
 */
export class DbnStreamReader {
  private buf = new Uint8Array(0);
  private meta: DbnMetadata | null = null;

  constructor(
    private readonly h: DbnStreamHandlers,
    private readonly what: string,
  ) {}

  push(chunk: Uint8Array): void {
    const b = this.buf.length ? concat(this.buf, chunk) : chunk;
    let at = 0;
    if (this.meta === null) {
      if (b.length < 8) {
        this.buf = b.slice();
        return;
      }
      const len = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(4, true);
      if (b[0] !== 0x44 || b[1] !== 0x42 || b[2] !== 0x4e) throw new DbnError(this.what, 0, 'the stream does not start with DBN metadata');
      if (len > MAX_METADATA) throw new DbnError(this.what, 4, `metadata of ${len} bytes is larger than ${MAX_METADATA}`);
      if (b.length < 8 + len) {
        this.buf = b.slice();
        return;
      }
      this.meta = openDbn(b.subarray(0, 8 + len), this.what).metadata;
      this.h.metadata(this.meta);
      at = 8 + len;
    }
    while (at < b.length) {
      const len = b[at]! * 4;
      if (len < 16) throw new DbnError(this.what, at, `record of ${len} bytes is shorter than a record header`);
      if (at + len > b.length) break;
      this.h.record(b[at + 1]!, b.subarray(at, at + len));
      at += len;
    }
    this.buf = at < b.length ? b.slice(at) : new Uint8Array(0);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Options of a live client. */
export interface DatabentoLiveOptions {
  host: string;
  port: number;
  key: string;
  dataset: string;
  /** Raw symbols to subscribe to (MBP-10). */
  symbols: readonly string[];
  /** MBP-10 records as they arrive, a batch at a time, with each record's symbol (the batch is reused after the call). */
  onBook?: (book: DbnBook, n: number, symbolOf: (i: number) => string | undefined) => void;
  /** Back-off between reconnects, ms (default 500 ms doubling to 30 s). */
  backoffMs?: readonly number[];
  /** Silence after which the connection is taken for dead and reopened (default 3 heartbeats of 30 s). */
  silenceMs?: number;
  /** Ask the gateway to replay from this receive time (ns) rather than start with what comes next (a resumed session). */
  replayFromNs?: bigint;
}

/** Open minute bars per symbol, closed when a later record (or a heartbeat) passes their end. */
class MinuteBars {
  private readonly open = new Map<string, OhlcvBar>();

  constructor(private readonly emit: (symbol: string, bar: OhlcvBar) => void) {}

  trade(symbol: string, ms: number, price: number, size: number): void {
    this.advance(ms);
    const t = Math.floor(ms / 60_000) * 60_000;
    const bar = this.open.get(symbol);
    if (bar === undefined || bar.t !== t) {
      this.open.set(symbol, { t, o: price, h: price, l: price, c: price, v: size });
      return;
    }
    if (price > bar.h) bar.h = price;
    if (price < bar.l) bar.l = price;
    bar.c = price;
    bar.v += size;
  }

  /** Closes every minute that ends at or before `ms`. */
  advance(ms: number): void {
    for (const [symbol, bar] of this.open) {
      if (bar.t + 60_000 > ms) continue;
      this.open.delete(symbol);
      this.emit(symbol, bar);
    }
  }
}

const DEFAULT_BACKOFF = [500, 1000, 2000, 5000, 10_000, 30_000];

/** A live adapter over Databento's gateway: minutes for the paper session, book batches for whoever asks. */
export function databentoLive(o: DatabentoLiveOptions): LiveAdapter & { stats(): { records: number; duplicates: number; reconnects: number; gaps: number } } {
  // Control lines are `key=value|…`: a field that could carry `|`, `=` or a newline would forge others.
  if (!/^[A-Z0-9.]{3,32}$/.test(o.dataset)) throw new Error(`Databento dataset "${o.dataset.slice(0, 40)}": expected a code such as GLBX.MDP3`);
  const bad = o.symbols.find((x) => !/^[A-Za-z0-9._ -]{1,64}$/.test(x));
  if (bad !== undefined) throw new Error(`Databento symbol "${bad.slice(0, 40)}": expected letters, digits, . _ - and spaces`);
  const backoff = o.backoffMs ?? DEFAULT_BACKOFF;
  const silenceMs = o.silenceMs ?? 90_000;
  let socket: net.Socket | null = null;
  let closed = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | null = null;
  let watchdog: NodeJS.Timeout | null = null;
  // The last record received: a reconnect replays from it and drops what it already had.
  let lastRecvNs = o.replayFromNs !== undefined ? o.replayFromNs - 1n : -1n;
  let lastSeq = new Map<number, number>();
  const names = new Map<number, string>();
  const stats = { records: 0, duplicates: 0, reconnects: 0, gaps: 0 };
  const batch = allocBook('mbp-10', BOOK_LAYOUTS[RTYPE_MBP10]!, BATCH);
  const batchSymbols: (string | undefined)[] = new Array(BATCH);
  let inBatch = 0;

  return {
    stats: () => ({ ...stats }),
    start(h: LiveHandlers) {
      const minutes = new MinuteBars((symbol, bar) => h.onMinute(symbol, bar));
      const flush = (): void => {
        if (inBatch === 0) return;
        o.onBook?.(batch, inBatch, (i) => batchSymbols[i]);
        inBatch = 0;
      };
      const connect = (): void => {
        const s = net.createConnection({ host: o.host, port: o.port });
        socket = s;
        let text = '';
        let streaming = false;
        const reader = new DbnStreamReader(
          {
            metadata() {},
            record(rtype, rec) {
              const dv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
              const id = dv.getUint32(4, true);
              if (rtype === RTYPE_MAPPING) {
                names.set(id, cstr(rec, 17, 71));
                return;
              }
              if (rtype === RTYPE_SYSTEM) {
                // A heartbeat says the gateway's clock has passed its time: minutes before it are complete.
                minutes.advance(Number(dv.getBigUint64(8, true) / 1_000_000n));
                return;
              }
              if (rtype === RTYPE_ERROR) {
                h.onProblem(`Databento's gateway ${o.host}: ${cstr(rec, 16, 302)}`, false);
                return;
              }
              if (rtype !== RTYPE_MBP10 || rec.length < 368) return;
              const recv = dv.getBigUint64(32, true);
              if (recv <= lastRecvNs) {
                stats.duplicates++;
                return;
              }
              lastRecvNs = recv;
              stats.records++;
              const seq = dv.getUint32(44, true);
              const before = lastSeq.get(id);
              if (before !== undefined && seq < before) stats.gaps++;
              lastSeq.set(id, seq);
              const row = inBatch;
              fillBook(bookWords(rec, 0), BOOK_LAYOUTS[RTYPE_MBP10]!, 368, 0, 1, batch, row);
              const symbol = names.get(id);
              batchSymbols[row] = symbol;
              const trade = batch.action[row] === 0x54;
              const price = batch.price[row]!;
              const size = batch.size[row]!;
              if (++inBatch === BATCH) flush();
              // Minutes by the venue's event time, as Databento's own OHLCV; replay and order by receive time.
              const event = Number(dv.getBigUint64(8, true) / 1_000_000n);
              if (symbol !== undefined && trade) minutes.trade(symbol, event, price, size);
              else minutes.advance(event);
            },
          },
          `Databento live ${o.host}`,
        );
        const alive = (): void => {
          if (watchdog) clearTimeout(watchdog);
          watchdog = setTimeout(() => {
            h.onProblem(`Databento's gateway ${o.host} sent nothing for ${Math.round(silenceMs / 1000)} s; reconnecting`, false);
            s.destroy();
          }, silenceMs);
        };
        alive();
        s.on('data', (chunk: Buffer) => {
          alive();
          if (streaming) {
            try {
              reader.push(chunk);
              flush();
            } catch (e) {
              h.onProblem((e as Error).message, false);
              s.destroy();
            }
            return;
          }
          text += latin1.decode(chunk);
          for (let nl = text.indexOf('\n'); nl >= 0 && !streaming; nl = text.indexOf('\n')) {
            const line = text.slice(0, nl);
            text = text.slice(nl + 1);
            const f = parseControl(line);
            if (f.cram !== undefined) {
              s.write(`auth=${cramResponse(f.cram, o.key)}|dataset=${o.dataset}|encoding=dbn|ts_out=0|heartbeat_interval_s=30|client=Quantdesk\n`);
            } else if (f.success === '0') {
              closed = true;
              s.destroy();
              h.onProblem(`Databento's gateway ${o.host} refused the API key (${f.error ?? 'authentication failed'}); check the Databento key in Settings or DATABENTO_API_KEY`, true);
              return;
            } else if (f.success === '1') {
              // After a drop, ask for a replay from the last record received.
              const start = lastRecvNs >= 0n ? `|start=${lastRecvNs}` : '';
              s.write(`schema=mbp-10|stype_in=raw_symbol|symbols=${o.symbols.join(',')}${start}|is_last=1\n`);
              s.write('start_session=0\n');
              streaming = true;
              attempt = 0;
              const rest = Buffer.from(text, 'latin1');
              text = '';
              if (rest.length) reader.push(rest);
            } else if (f.lsg_version === undefined) {
              h.onProblem(`Databento's gateway ${o.host} sent an unexpected line: ${line.slice(0, 200)}`, false);
            }
          }
          if (text.length > MAX_LINE) {
            h.onProblem(`Databento's gateway ${o.host} sent a control line longer than ${MAX_LINE} bytes`, false);
            s.destroy();
          }
        });
        s.on('error', (e) => h.onProblem(`Databento's gateway ${o.host}:${o.port}: ${e.message}`, false));
        s.on('close', () => {
          if (watchdog) clearTimeout(watchdog);
          flush();
          if (closed) return;
          stats.reconnects++;
          lastSeq = new Map();
          const wait = backoff[Math.min(attempt++, backoff.length - 1)]!;
          h.onProblem(`Databento's gateway ${o.host} disconnected; reconnecting in ${wait} ms and replaying from the last record received`, false);
          timer = setTimeout(connect, wait);
        });
      };
      connect();
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (watchdog) clearTimeout(watchdog);
      socket?.destroy();
    },
  };
}
