// Builds the app when the build output is missing or older than any source file, so
// `npx quantdesk` and `npm run bench` work right after `npm ci`.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'out', '.build-stamp');
const sources = ['core', 'electron', 'renderer', 'workers', 'scripts', 'electron.vite.config.ts', 'package.json'];

function newest(p) {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of fs.readdirSync(p)) if (e !== 'node_modules') m = Math.max(m, newest(path.join(p, e)));
  return m;
}

export function ensureBuilt({ quiet = false } = {}) {
  const built = fs.statSync(stamp, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  const src = Math.max(...sources.map((s) => newest(path.join(root, s))));
  if (built >= src) return false;
  if (!quiet) process.stderr.write('quantdesk: building the app (electron-vite build)…\n');
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
    cwd: root,
    stdio: ['ignore', quiet ? 'ignore' : process.stderr, 'inherit'],
  });
  fs.writeFileSync(stamp, new Date().toISOString());
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) ensureBuilt();
