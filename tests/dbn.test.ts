import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedData } from './helpers';
import { DbnError, decodeDbn } from '../core/node/ingest/dbn';

const load = (name: string) => decodeDbn(new Uint8Array(fs.readFileSync(sharedData('dbn', name))), name);
const rows = (o: NonNullable<ReturnType<typeof load>['ohlcv']>) =>
  Array.from(o.tsNs, (ts, i) => [ts, o.open[i], o.high[i], o.low[i], o.close[i], o.volume[i]]);

describe('DBN decoder against files written by Databento’s own encoder', () => {
  it('reads OHLCV-1m in versions 1, 2 and 3 (plain and zstd) with the listed values', () => {
    const expected = [
      [1609160400000000000n, 372025, 372150, 372025, 372100, 353],
      [1609160460000000000n, 372100, 372150, 372100, 372150, 152],
    ];
    for (const [name, version] of [['test_data.ohlcv-1m.dbn', 2], ['test_data.ohlcv-1m.v1.dbn.zst', 1], ['test_data.ohlcv-1m.v3.dbn.zst', 3]] as const) {
      const f = load(name);
      expect(f.metadata.version, name).toBe(version);
      expect(f.metadata.dataset).toBe('GLBX.MDP3');
      expect(f.metadata.schema).toBe('ohlcv-1m');
      expect(f.ohlcv!.interval).toBe('1m');
      expect(rows(f.ohlcv!), name).toEqual(expected);
      expect(Array.from(f.ohlcv!.instrumentId)).toEqual([5482, 5482]);
      expect(Array.from(f.ohlcv!.tsMs)).toEqual([1609160400000, 1609160460000]);
      expect(f.symbolFor(5482, 20201228)).toBe('ESH1');
    }
  });

  it('reads OHLCV-1s, OHLCV-1h and a metadata-only OHLCV-1d file', () => {
    expect(rows(load('test_data.ohlcv-1s.dbn').ohlcv!)).toEqual([
      [1609160400000000000n, 372025, 372050, 372025, 372050, 57],
      [1609160401000000000n, 372050, 372050, 372050, 372050, 13],
    ]);
    const h = load('test_data.ohlcv-1h.dbn');
    expect(h.ohlcv!.interval).toBe('1h');
    expect(rows(h.ohlcv!)).toEqual([
      [1609160400000000000n, 372025, 372350, 372025, 372225, 9385],
      [1609164000000000000n, 372225, 372450, 371600, 371950, 112698],
    ]);
    const d = load('test_data.ohlcv-1d.dbn');
    expect(d.metadata.schema).toBe('ohlcv-1d');
    expect(d.ohlcv!.interval).toBe('1d');
    expect(d.ohlcv!.open.length).toBe(0);
  });

  it('reads trades in versions 2 and 3 with exact nanosecond times', () => {
    for (const name of ['test_data.trades.dbn', 'test_data.trades.v3.dbn.zst']) {
      const tr = load(name).trades!;
      expect(Array.from(tr.tsNs), name).toEqual([1609160400098821953n, 1609160400107665963n]);
      // The same two trades as Databento's TBBO file (dbn -J, in dbn-go's tests): its receive times and sequences.
      expect(Array.from(tr.tsRecvNs), name).toEqual([1609160400099150057n, 1609160400108142648n]);
      expect(Array.from(tr.sequence), name).toEqual([1170380, 1170414]);
      expect(Array.from(tr.price)).toEqual([3720.25, 3720.25]);
      expect(Array.from(tr.size)).toEqual([5, 21]);
      expect(Array.from(tr.tsMs)).toEqual([1609160400098, 1609160400107]);
    }
  });

  it('refuses truncated, corrupt and foreign input with the file named', () => {
    const whole = fs.readFileSync(sharedData('dbn', 'test_data.ohlcv-1m.dbn'));
    expect(() => decodeDbn(new Uint8Array(whole.subarray(0, whole.length - 5)), 'cut.dbn')).toThrow(/cut\.dbn: truncated or malformed record/);
    expect(() => decodeDbn(new Uint8Array(whole.subarray(0, 200)), 'head.dbn')).toThrow(/head\.dbn: truncated metadata/);
    const zst = fs.readFileSync(sharedData('dbn', 'test_data.ohlcv-1m.v3.dbn.zst'));
    expect(() => decodeDbn(new Uint8Array(zst.subarray(0, zst.length - 20)), 'cut.dbn.zst')).toThrow(DbnError);
    expect(() => decodeDbn(new TextEncoder().encode('Date,Open\n'), 'x.csv')).toThrow(/x\.csv: no DBN signature/);
    expect(() => decodeDbn(new Uint8Array(0), 'empty.dbn')).toThrow(/empty.dbn: empty file/);
  });
});
