// better-sqlite3 is built against Node's ABI; Electron has its own. This fetches (or compiles) a copy
// of the addon for the installed Electron into out/native/electron-<version>/, which the Electron
// host passes to better-sqlite3 as its nativeBinding; Node keeps using the normal build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Path of the Electron-ABI addon, building it when missing; undefined (with a reason printed) on failure. */
export function ensureElectronSqlite() {
  const electronVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  const target = path.join(root, 'out', 'native', `electron-${electronVersion}`, 'better_sqlite3.node');
  if (fs.existsSync(target)) return target;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'qd-sqlite-electron-'));
  fs.cpSync(path.join(root, 'node_modules', 'better-sqlite3'), work, { recursive: true, filter: (src) => !src.includes(`${path.sep}build${path.sep}`) });
  const bin = path.join(root, 'node_modules', '.bin');
  const env = { ...process.env, npm_config_runtime: 'electron', npm_config_target: electronVersion, npm_config_disturl: 'https://electronjs.org/headers' };
  const prebuilt = spawnSync(path.join(bin, 'prebuild-install'), ['--runtime', 'electron', '--target', electronVersion], { cwd: work, env, stdio: 'ignore' });
  if (prebuilt.status !== 0) {
    const gyp = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    spawnSync(process.execPath, [gyp, 'rebuild', '--release', `--target=${electronVersion}`, '--dist-url=https://electronjs.org/headers'], { cwd: work, env, stdio: 'ignore' });
  }
  const built = path.join(work, 'build', 'Release', 'better_sqlite3.node');
  if (!fs.existsSync(built)) {
    fs.rmSync(work, { recursive: true, force: true });
    console.error(`quantdesk: could not build better-sqlite3 for Electron ${electronVersion}; the app will not open its catalog`);
    return undefined;
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(built, target);
  fs.rmSync(work, { recursive: true, force: true });
  return target;
}
