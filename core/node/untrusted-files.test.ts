import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { decompress } from 'fzstd';
import { afterAll, describe, expect, it } from 'vitest';
import { gunzipCapped, gunzipHead, inflateCap, readRegularFile, readRegularHead, TooLargeError, zstdCapped } from './untrusted-files';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qd-untrusted-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const DBN = path.join(process.env.QUANTDESK_SHARED_DATA ?? path.resolve(__dirname, '../../../shared/data'), 'dbn');

/** A zstd frame of RLE blocks: `blocks` × 128 KiB of one byte from 4 bytes per block. */
function zstdBomb(blocks: number): Uint8Array {
  const out = new Uint8Array(6 + blocks * 4);
  new DataView(out.buffer).setUint32(0, 0xfd2fb528, true);
  out[4] = 0; // no single segment, no checksum, no content size
  out[5] = 7 << 3; // window 2^17 = 128 KiB
  for (let i = 0; i < blocks; i++) {
    const h = ((128 * 1024) << 3) | (1 << 1) | (i === blocks - 1 ? 1 : 0);
    out.set([h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff, 0x30], 6 + i * 4);
  }
  return out;
}

describe('untrusted files', () => {
  it('opens only regular files: a FIFO, a device and a folder are refused at once, naming what they are', () => {
    const fifo = path.join(dir, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    const t0 = performance.now();
    expect(() => readRegularFile(fifo, { maxBytes: 100 })).toThrow(/pipe\.csv: cannot read it \(it is a named pipe \(FIFO\); give a regular file\)/);
    expect(() => readRegularHead(fifo, 100)).toThrow(/named pipe/);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(() => readRegularFile('/dev/zero', { maxBytes: 100 })).toThrow(/\/dev\/zero: cannot read it \(it is a device/);
    expect(() => readRegularFile(dir, { maxBytes: 100 })).toThrow(/is a folder/);
    expect(() => readRegularFile(path.join(dir, 'absent'), { maxBytes: 100 })).toThrow(/absent: cannot read it \(no such file\)/);
    // A symbolic link to a device is judged by what it points at.
    fs.symlinkSync('/dev/zero', path.join(dir, 'zero.csv'));
    expect(() => readRegularFile(path.join(dir, 'zero.csv'), { maxBytes: 100 })).toThrow(/is a device/);
  });

  it('refuses a file over its size limit before reading it, and reads one within it exactly', () => {
    const f = path.join(dir, 'big.json');
    fs.writeFileSync(f, Buffer.alloc(2048, 0x20));
    expect(() => readRegularFile(f, { maxBytes: 1024, what: 'portfolio config' })).toThrow(TooLargeError);
    expect(() => readRegularFile(f, { maxBytes: 1024, what: 'portfolio config' })).toThrow(/big\.json: 2048 bytes is more than a portfolio config may be \(1024 bytes\)/);
    expect(readRegularFile(f, { maxBytes: 2048 }).length).toBe(2048);
    expect(readRegularHead(f, 10).length).toBe(10);
  });

  it('stops a gzip bomb at the cap with an error naming the file and the setting, and inflates honest data', () => {
    const bomb = zlib.gzipSync(Buffer.alloc(64 << 20));
    expect(bomb.length).toBeLessThan(100_000);
    expect(() => gunzipCapped(bomb, 'zeros.csv.gz', 8 << 20)).toThrow(/zeros\.csv\.gz: inflates to more than 8 MiB.*QUANTDESK_MAX_INFLATE_BYTES/);
    const text = Buffer.from('time,close\n2024-01-02,1\n'.repeat(1000));
    expect(gunzipCapped(zlib.gzipSync(text), 'ok.csv.gz', 1 << 20).equals(text)).toBe(true);
    expect(() => gunzipCapped(Buffer.from([0x1f, 0x8b, 1, 2, 3]), 'broken.gz')).toThrow(/broken\.gz: gzip data is corrupt or truncated/);
    // The head used for sniffing a layout is bounded too, and is the start of the text.
    expect(gunzipHead(bomb, 1 << 20).length).toBeLessThanOrEqual(1 << 20);
    expect(Buffer.from(gunzipHead(zlib.gzipSync(text), 1 << 20)).subarray(0, 11).toString()).toBe('time,close\n');
  });

  it('stops a zstd bomb at the cap, refuses a giant window before allocating it, and decodes Databento files as fzstd does', () => {
    const bomb = zstdBomb(512); // 2 KiB in, 64 MiB out
    expect(() => zstdCapped(bomb, 'bomb.dbn.zst', 8 << 20)).toThrow(/bomb\.dbn\.zst: inflates to more than 8 MiB/);
    expect(zstdCapped(zstdBomb(4), 'small.zst', 8 << 20).length).toBe(4 * 128 * 1024);
    const wide = zstdBomb(1);
    wide[5] = 21 << 3; // a 2 GiB window
    expect(() => zstdCapped(wide, 'wide.zst')).toThrow(/asks for a 2 GiB window/);
    for (const f of fs.readdirSync(DBN).filter((x) => x.endsWith('.zst'))) {
      const bytes = fs.readFileSync(path.join(DBN, f));
      expect(Buffer.from(zstdCapped(bytes, f)).equals(Buffer.from(decompress(bytes)))).toBe(true);
    }
    expect(() => zstdCapped(bomb.subarray(0, 40), 'cut.zst')).toThrow(/cut\.zst: zstd data is corrupt or truncated/);
  });

  it('takes the inflate cap from QUANTDESK_MAX_INFLATE_BYTES, else 1 GiB', () => {
    expect(inflateCap({})).toBe(1 << 30);
    expect(inflateCap({ QUANTDESK_MAX_INFLATE_BYTES: '1048576' })).toBe(1 << 20);
    expect(inflateCap({ QUANTDESK_MAX_INFLATE_BYTES: 'lots' })).toBe(1 << 30);
  });
});
