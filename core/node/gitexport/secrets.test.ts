import { describe, expect, it } from 'vitest';
import { scanSecrets } from './secrets';

const files = (entries: Record<string, string | Buffer>): Map<string, Buffer> => new Map(Object.entries(entries).map(([k, v]) => [k, Buffer.isBuffer(v) ? v : Buffer.from(v)]));

describe('scanSecrets', () => {
  it('finds credentials by shape, naming file and line', () => {
    const found = scanSecrets(
      files({
        'a.yml': 'name: a\nkey: AKIAABCDEFGHIJKLMNOP\n',
        'b.yml': 'x: 1\n\ntoken = "ghp_0123456789abcdefghijABCDEFGHIJ012345"\n',
        'c.pem': '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n',
        'd.yml': 'password: hunter2hunter2hunter2\n',
      }),
      [],
    );
    expect(found).toEqual([
      { file: 'a.yml', line: 2, what: 'an AWS access key id' },
      { file: 'b.yml', line: 3, what: 'a GitHub token' },
      { file: 'c.pem', line: 1, what: 'a private key' },
      { file: 'd.yml', line: 1, what: 'a key or password assigned in the file' },
    ]);
  });

  it('finds the stored keys themselves, in binary files too, and leaves ordinary configs alone', () => {
    const key = 'PolyKey0123456789abc';
    const binary = Buffer.concat([Buffer.from([0, 1, 2, 0]), Buffer.from(key), Buffer.from([0])]);
    expect(scanSecrets(files({ 'm.onnx': binary, 'f.yml': `description: ${key}\n` }), [key])).toEqual([
      { file: 'f.yml', line: 1, what: 'a stored API key' },
      { file: 'm.onnx', line: 0, what: 'a stored API key (in a binary file)' },
    ]);
    const clean = files({ 'manifest.json': '{ "sha256": "6f5a7913155936d9a67f76c9325d6acedb67f37349559a75d9af850d2944e4b7", "specHash": "67e1d73d4de1e935" }\n', 'p.yml': 'max_tokens_per_order: 3\nsecret_sauce: false\n' });
    expect(scanSecrets(clean, [key])).toEqual([]);
  });
});
