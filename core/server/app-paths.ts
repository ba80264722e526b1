import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the quantdesk package: found by walking up from this module, in source or built form. */
export function appRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'quantdesk') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the quantdesk package folder');
    dir = up;
  }
}

/** Paths the headless host and CLI derive from the package folder. */
export function appPaths(root = appRoot()): { root: string; resources: string; renderer: string; workerFile: string; defaultHome: string; version: string } {
  const version = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    root,
    resources: path.join(root, 'resources'),
    renderer: path.join(root, 'out', 'renderer'),
    workerFile: path.join(root, 'out', 'main', 'job-worker.js'),
    defaultHome: path.join(root, 'data', 'home'),
    version,
  };
}
