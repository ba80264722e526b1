// Finds the Electron binary without triggering Electron's own download-on-first-use.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', 'electron');

/** Path of the installed Electron executable, or undefined. */
export function electronBinary() {
  const pathFile = path.join(pkg, 'path.txt');
  if (!fs.existsSync(pathFile)) return undefined;
  const exe = path.join(process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkg, 'dist'), fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(exe) ? exe : undefined;
}

/** Tries Electron's installer once, quietly; returns the binary path or undefined when it cannot be fetched. */
export function fetchElectronBinary({ timeoutMs = 120_000 } = {}) {
  if (!fs.existsSync(path.join(pkg, 'install.js'))) return undefined;
  spawnSync(process.execPath, [path.join(pkg, 'install.js')], { cwd: pkg, stdio: 'ignore', timeout: timeoutMs });
  return electronBinary();
}
