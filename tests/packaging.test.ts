import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { paths } from './helpers';

const root = paths.root;
const require = createRequire(import.meta.url);
type Target = string | { target: string; arch?: string[] };
interface BuilderConfig {
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  mac: { target: Target[]; hardenedRuntime: boolean; entitlements: string; entitlementsInherit: string; notarize: boolean };
  win: { target: Target[] };
  linux: { target: Target[] };
}
const config = YAML.parse(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const targets = (list: Target[]): Record<string, string[]> => Object.fromEntries(list.map((t) => (typeof t === 'string' ? [t, []] : [t.target, t.arch ?? []])));

/** Production dependencies, transitively, with the folder each is installed in. */
function productionModules(): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (name: string, from: string): void => {
    if (found.has(name)) return;
    let dir = from;
    for (;;) {
      const candidate = path.join(dir, 'node_modules', name);
      if (fs.existsSync(path.join(candidate, 'package.json'))) {
        found.set(name, candidate);
        const pkg = JSON.parse(fs.readFileSync(path.join(candidate, 'package.json'), 'utf8')) as { dependencies?: object; optionalDependencies?: object };
        for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dep, candidate);
        return;
      }
      if (dir === root) return; // an optional dependency for another platform
      dir = path.dirname(dir);
    }
  };
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: object };
  for (const dep of Object.keys(pkg.dependencies)) visit(dep, root);
  return found;
}

/** Files in a module that make it native: compiled addons and node-gyp build files. */
function nativeFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name !== 'node_modules' && depth < 8) walk(p, depth + 1);
      else if (e.isFile() && (e.name.endsWith('.node') || e.name === 'binding.gyp')) out.push(p);
    }
  };
  walk(dir, 0);
  return out;
}

describe('packaging (electron-builder.yml)', () => {
  it('is a configuration electron-builder accepts', async () => {
    const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as { validateConfiguration(c: unknown, log: unknown): Promise<void> };
    await expect(validateConfiguration(structuredClone(config), { isEnabled: false, add: () => undefined })).resolves.toBeUndefined();
  });

  it('builds macOS dmg and zip for Apple Silicon and Intel with the hardened runtime, Windows nsis, Linux AppImage and deb', () => {
    expect(targets(config.mac.target)).toEqual({ dmg: ['arm64', 'x64'], zip: ['arm64', 'x64'] });
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(typeof config.mac.notarize).toBe('boolean');
    const entitlements = fs.readFileSync(path.join(root, config.mac.entitlements), 'utf8');
    expect(entitlements).toContain('com.apple.security.cs.allow-jit');
    expect(config.mac.entitlementsInherit).toBe(config.mac.entitlements);
    expect(Object.keys(targets(config.win.target))).toEqual(['nsis']);
    expect(Object.keys(targets(config.linux.target)).sort()).toEqual(['AppImage', 'deb']);
  });

  it('sets the Electron fuses: no RunAsNode, NODE_OPTIONS or inspector flags; app only from an integrity-checked asar', () => {
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toMatchObject({ runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, onlyLoadAppFromAsar: true, enableEmbeddedAsarIntegrityValidation: true });
  });

  it('ships the built app and resources/, and unpacks every native module from the asar', () => {
    for (const want of ['out/main/**', 'out/preload/**', 'out/renderer/**', 'resources/**']) expect(config.files).toContain(want);
    const native = [...productionModules()].flatMap(([name, dir]) => nativeFiles(dir).map((f) => ({ name, file: path.relative(root, f).split(path.sep).join('/') })));
    // The three the app is built on must be found, so the check cannot pass by finding nothing.
    for (const name of ['better-sqlite3', 'onnxruntime-node']) expect(native.map((n) => n.name)).toContain(name);
    expect(native.some((n) => n.name.startsWith('@duckdb/'))).toBe(true);
    for (const n of native) expect(config.asarUnpack.some((g) => path.matchesGlob(n.file, g)), `${n.file} (${n.name}) is not unpacked`).toBe(true);
  });

  it('is reachable as npm run dist and documented in the README', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; devDependencies: Record<string, string> };
    expect(pkg.scripts.dist).toMatch(/electron-vite build && electron-builder --config electron-builder\.yml/);
    expect(pkg.devDependencies['electron-builder']).toBeDefined();
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8')).toMatch(/npm run dist/);
  });
});
