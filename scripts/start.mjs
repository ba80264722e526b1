// `npm start`: the Electron app where its binary is installed, otherwise the headless host.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './ensure-built.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
ensureBuilt();

let electron;
let why = '';
try {
  electron = createRequire(import.meta.url)('electron');
  if (!fs.existsSync(electron)) throw new Error(`${electron} is missing`);
} catch (e) {
  electron = undefined;
  why = String(e.message).split('\n')[0];
}

const args = process.argv.slice(2);
const child = electron
  ? spawn(electron, [root, ...args], { stdio: 'inherit' })
  : (console.log(`Electron is not installed here (${why}); starting the headless host instead — open the URL below in a browser.`),
    spawn(process.execPath, [path.join(root, 'bin', 'quantdesk.mjs'), 'serve', ...args], { stdio: 'inherit' }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
