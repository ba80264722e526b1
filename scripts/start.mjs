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
try {
  electron = createRequire(import.meta.url)('electron');
  if (!fs.existsSync(electron)) electron = undefined;
} catch {
  electron = undefined;
}

const args = process.argv.slice(2);
const child = electron
  ? spawn(electron, [root, ...args], { stdio: 'inherit' })
  : (console.log('Electron binary not found (it could not be downloaded on this machine): starting the headless host instead; open the URL below in a browser.'),
    spawn(process.execPath, [path.join(root, 'bin', 'quantdesk.mjs'), 'serve', ...args], { stdio: 'inherit' }));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
