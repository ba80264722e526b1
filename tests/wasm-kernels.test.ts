import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble, generatedPath, KERNELS, moduleSource } from '../scripts/build-wasm.mjs';

const root = path.resolve(import.meta.dirname, '..');

describe('WebAssembly kernels', () => {
  it.each(KERNELS)('%s: the committed module holds exactly what its source assembles to, and compiles', async (wat) => {
    const bytes = await assemble(wat);
    const committed = fs.readFileSync(path.join(root, generatedPath(wat)), 'utf8');
    expect(committed, `${generatedPath(wat)} is stale: run npm run build:wasm`).toBe(moduleSource(wat, bytes));
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(bytes)).map((e) => e.name);
    expect(exports.length).toBeGreaterThan(0);
  });

  it('finds every .wat file under core/', () => {
    const found = (fs.readdirSync(path.join(root, 'core'), { recursive: true }) as string[]).filter((f) => f.endsWith('.wat')).map((f) => `core/${f.split(path.sep).join('/')}`);
    expect(found.sort()).toEqual([...KERNELS].sort());
  });
});
