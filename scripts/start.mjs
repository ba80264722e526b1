// `npm start`: the Electron app where its binary is installed (or can be fetched now), otherwise the
// headless host.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureBuilt } from './ensure-built.mjs';
import { electronBinary, fetchElectronBinary } from './electron-binary.mjs';
import { ensureElectronSqlite } from './electron-native.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
ensureBuilt();

const electron = electronBinary() ?? fetchElectronBinary();
const args = process.argv.slice(2);
if (!electron) console.log('Electron binary not installed and it cannot be downloaded here: starting the headless host instead; open the URL below in a browser.');
if (electron) ensureElectronSqlite();
const child = electron
  ? spawn(electron, [root, ...args], { stdio: 'inherit' })
  : spawn(process.execPath, [path.join(root, 'bin', 'quantdesk.mjs'), 'serve', ...args], { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code) => process.exit(code ?? 0));
