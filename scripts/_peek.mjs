import { readFileSync } from 'node:fs';
import { decompress } from 'fzstd';
for (const name of process.argv.slice(2)) {
  let b = readFileSync(name); if (name.endsWith('.zst')) b = decompress(b);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ver = b[3]; const mlen = dv.getUint32(4, true); const body = 8 + mlen;
  console.log(name, 'version', ver, 'meta', mlen, 'body', b.length - body);
  for (let at = body; at < b.length;) { const len = b[at]*4; const rt = b[at+1]; console.log(' rec rtype 0x'+rt.toString(16), 'len', len, 'inst', dv.getUint32(at+4,true), 'ts', dv.getBigUint64(at+8,true)); at += len; }
}
