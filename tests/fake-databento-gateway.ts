import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { DbnBook } from '../core/node/ingest/dbn-book';
import { encodeDbnBookRecords, encodeDbnMetadata } from '../core/node/ingest/dbn-encode';
import { cramResponse, parseControl } from '../core/node/vendors/databento-live';

/**
 * A local stand-in for Databento's live gateway, speaking its raw TCP protocol: greeting and CRAM
 * challenge, authentication against one key, subscriptions, then on `start_session` a DBN stream —
 * metadata, a symbol mapping per instrument, the book's MBP-10 records from the subscription's
 * `start` on (without one, the first connection gets the tape from its beginning and a later one what
 * comes after the last record sent), in chunks of random size, and a heartbeat. Its first connection
 * can drop, or fall silent, part way to rehearse a reconnect or a restart.
 */
export interface FakeGateway {
  port: number;
  /** Every subscription line received, in order. */
  subscriptions: string[];
  /** Connections accepted. */
  connections: number;
  close(): Promise<void>;
}

const enc = new TextEncoder();

/** A symbol mapping record (rtype 0x16, 176 bytes): instrument id to raw symbol. */
function mappingRecord(instrumentId: number, symbol: string, tsNs: bigint): Uint8Array {
  const b = new Uint8Array(176);
  const dv = new DataView(b.buffer);
  b[0] = 44;
  b[1] = 0x16;
  dv.setUint32(4, instrumentId, true);
  dv.setBigUint64(8, tsNs, true);
  b.set(enc.encode(symbol), 17);
  b.set(enc.encode(symbol), 89);
  dv.setBigUint64(160, tsNs, true);
  dv.setBigUint64(168, tsNs + 86_400_000_000_000n, true);
  return b;
}

/** A heartbeat (system message, rtype 0x17, 320 bytes) stamped `tsNs`. */
function heartbeat(tsNs: bigint): Uint8Array {
  const b = new Uint8Array(320);
  b[0] = 80;
  b[1] = 0x17;
  new DataView(b.buffer).setBigUint64(8, tsNs, true);
  b.set(enc.encode('Heartbeat'), 16);
  return b;
}

export async function startFakeGateway(o: { key: string; book: DbnBook; symbol: string; dropAfter?: number; stallAfter?: number; garbageAfterStart?: boolean; endlessLine?: boolean }): Promise<FakeGateway> {
  const g = { subscriptions: [] as string[], connections: 0 };
  // How far the tape has been sent: a later subscription without a start gets what comes next, as
  // Databento's gateway sends a subscription without a start only the records from now on.
  let sentUpTo = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    const first = g.connections++ === 0;
    const cram = randomBytes(16).toString('hex');
    // A peer that never ends its first line.
    if (o.endlessLine && first) {
      s.write('x'.repeat(64 * 1024));
      return;
    }
    s.write(`lsg_version=0.1.0\ncram=${cram}\n`);
    let text = '';
    let start = -1n;
    s.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        const f = parseControl(line);
        if (f.auth !== undefined) {
          if (f.auth === cramResponse(cram, o.key)) s.write('success=1|session_id=1\n');
          else {
            s.write('success=0|error=Authentication failed.\n');
            s.end();
          }
        } else if (f.schema !== undefined) {
          g.subscriptions.push(line);
          if (f.start !== undefined) start = BigInt(f.start);
        } else if (f.start_session !== undefined) {
          if (o.garbageAfterStart && first) {
            s.write('this is not DBN\n');
            return;
          }
          void stream(s, start, first);
        }
      }
    });
  });
  const stream = async (s: net.Socket, start: bigint, first: boolean): Promise<void> => {
    const b = o.book;
    const id = b.instrumentId[0] ?? 1;
    const t0 = b.tsRecvNs[0] ?? 0n;
    const parts: Uint8Array[] = [encodeDbnMetadata({ dataset: 'GLBX.MDP3', schema: null, start: t0, end: null, stypeIn: 1, stypeOut: 0, symbols: [], mappings: [] }), mappingRecord(id, o.symbol, t0)];
    let from = 0;
    if (start < 0n && !first) from = sentUpTo;
    while (from < b.tsRecvNs.length && b.tsRecvNs[from]! < start) from++;
    // The first connection may drop, or fall silent and stay open, part way.
    const cut = first ? (o.dropAfter ?? o.stallAfter) : undefined;
    const to = cut !== undefined ? Math.min(b.tsRecvNs.length, cut) : b.tsRecvNs.length;
    parts.push(encodeDbnBookRecords(b, from, to));
    sentUpTo = Math.max(sentUpTo, to);
    if (cut === undefined) parts.push(heartbeat(b.tsRecvNs[b.tsRecvNs.length - 1]! + 120_000_000_000n));
    const all = Buffer.concat(parts);
    // In pieces of random size, as TCP delivers them.
    for (let at = 0; at < all.length && !s.destroyed; ) {
      const n = 1 + Math.floor(Math.random() * 9000);
      s.write(all.subarray(at, at + n));
      at += n;
      if (at % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    if (first && o.dropAfter !== undefined) s.destroy();
  };
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    get subscriptions() {
      return g.subscriptions;
    },
    get connections() {
      return g.connections;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
