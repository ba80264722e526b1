import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { setImmediate as yieldToEvents } from 'node:timers/promises';

/** Numbers written between two turns of the event loop. */
const CHUNK = 65_536;

type Numeric = ArrayLike<number | bigint>;

const isTypedArray = (v: unknown): v is Numeric => ArrayBuffer.isView(v) && !(v instanceof DataView);

/** A number as JSON writes it (NaN and ±Infinity as null, as JSON.stringify does). */
const num = (x: number | bigint): string => (typeof x === 'bigint' ? x.toString() : Number.isFinite(x) ? String(x) : 'null');

/**
 * Writes a value as JSON, typed arrays as plain arrays, in pieces: everything but the typed arrays
 * is stringified at once, and a large typed array (five million bars, say) is written 65,536
 * numbers at a time with a turn of the event loop between pieces, so one large answer never holds
 * up the calls and the killswitch behind it. Waits when the stream is full and stops when it closes.
 */
export async function writeJson(out: Writable, value: unknown): Promise<void> {
  const arrays: Numeric[] = [];
  // A random mark per answer: no string in the data can pass for a typed array's place.
  const mark = randomBytes(8).toString('hex');
  const text = JSON.stringify(value, (_k, v: unknown) => (isTypedArray(v) ? `\u0000${mark}:${arrays.push(v) - 1}` : v)) ?? 'null';
  const write = async (s: string): Promise<void> => {
    if (out.destroyed) throw new Error('closed');
    if (!out.write(s))
      await new Promise<void>((resolve) => {
        const done = (): void => {
          out.off('drain', done);
          out.off('close', done);
          resolve();
        };
        out.on('drain', done);
        out.on('close', done);
      });
  };
  try {
    const pieces = text.split(new RegExp(`"\\\\u0000${mark}:(\\d+)"`));
    for (let p = 0; p < pieces.length; p++) {
      if (p % 2 === 0) {
        await write(pieces[p]!);
        continue;
      }
      const v = arrays[Number(pieces[p])]!;
      await write('[');
      for (let at = 0; at < v.length; at += CHUNK) {
        const parts: string[] = [];
        for (let i = at; i < Math.min(v.length, at + CHUNK); i++) parts.push(num(v[i]!));
        await write((at > 0 ? ',' : '') + parts.join(','));
        if (at + CHUNK < v.length) await yieldToEvents();
      }
      await write(']');
    }
    out.end();
  } catch (e) {
    if (!out.destroyed) throw e;
  }
}
