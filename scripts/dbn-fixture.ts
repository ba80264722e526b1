/**
 * DBN version 2 bytes of OHLCV-1m records laid out as Databento's encoder writes them (metadata with
 * no symbols, 56-byte records, prices fixed-point at 1e-9): fixtures for tests and the benchmark.
 */
export function dbnOhlcv1m(rows: { ms: number; o: number; h: number; l: number; c: number; v: number }[] | { count: number }, instrumentId = 42): Uint8Array {
  const n = 'count' in rows ? rows.count : rows.length;
  const meta = new Uint8Array(8 + 100 + 4 * 5);
  const mv = new DataView(meta.buffer);
  meta.set([0x44, 0x42, 0x4e, 2]);
  mv.setUint32(4, meta.length - 8, true);
  meta.set(new TextEncoder().encode('GLBX.MDP3'), 8);
  mv.setUint16(24, 6, true);
  mv.setUint16(53, 71, true);
  const out = new Uint8Array(meta.length + n * 56);
  out.set(meta);
  const bv = new DataView(out.buffer, meta.length);
  for (let i = 0; i < n; i++) {
    const r = 'count' in rows ? { ms: 1_609_160_400_000 + i * 60_000, o: 3720 + (i % 500) / 4, h: 3720 + (i % 500) / 4, l: 3720 + (i % 500) / 4, c: 3720 + (i % 500) / 4, v: i % 1000 } : rows[i]!;
    const at = i * 56;
    bv.setUint8(at, 14);
    bv.setUint8(at + 1, 0x21);
    bv.setUint32(at + 4, instrumentId, true);
    bv.setBigUint64(at + 8, BigInt(r.ms) * 1_000_000n, true);
    [r.o, r.h, r.l, r.c].forEach((p, k) => bv.setBigInt64(at + 16 + k * 8, BigInt(Math.round(p * 4)) * 250_000_000n, true));
    bv.setBigUint64(at + 48, BigInt(r.v), true);
  }
  return out;
}
