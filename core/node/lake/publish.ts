import fs from 'node:fs';
import path from 'node:path';

function fsyncPath(p: string, flags: string): void {
  const fd = fs.openSync(p, flags);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Moves a finished file from the staging folder into place so that it appears whole or not at all:
 * fsync the file, rename it, then fsync the destination folder so the rename survives a power cut.
 */
export function publishFile(staged: string, final: string): number {
  fsyncPath(staged, 'r');
  const dir = path.dirname(final);
  fs.mkdirSync(dir, { recursive: true });
  fs.renameSync(staged, final);
  fsyncPath(dir, 'r');
  return fs.statSync(final).size;
}

/** Writes a JSON document so that readers see the old one or the new one, never half of either. */
export function writeJsonAtomically(file: string, value: unknown, tmpDir: string): void {
  const staged = path.join(tmpDir, `${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  fs.writeFileSync(staged, `${JSON.stringify(value, null, 2)}\n`);
  publishFile(staged, file);
}

/** Free space under which writes pause (QUANTDESK_MIN_FREE_BYTES, default 1 GiB). */
export function minFreeBytes(env: Record<string, string | undefined> = process.env): number {
  const v = Number(env.QUANTDESK_MIN_FREE_BYTES);
  return Number.isFinite(v) && v >= 0 && env.QUANTDESK_MIN_FREE_BYTES !== undefined ? v : 1 << 30;
}

/** Prefix of the error a job stops with when the disk guard trips; the job can be resumed later. */
export const DISK_GUARD = 'paused by the disk guard';

/** Throws when the disk holding `dir` has less free space than the guard allows. */
export function checkDiskSpace(dir: string, min = minFreeBytes()): void {
  const st = fs.statfsSync(dir);
  const free = st.bavail * st.bsize;
  if (free < min) {
    const gib = (n: number): string => `${(n / 2 ** 30).toFixed(2)} GiB`;
    throw new Error(`${DISK_GUARD}: ${gib(free)} free on the disk of ${dir}, below the ${gib(min)} minimum; free some space, then resume the job`);
  }
}

/** Empties the staging folder: whatever is there was left by a process that died mid-write. */
export function cleanStaging(tmpDir: string): number {
  let removed = 0;
  for (const name of fs.existsSync(tmpDir) ? fs.readdirSync(tmpDir) : []) {
    fs.rmSync(path.join(tmpDir, name), { recursive: true, force: true });
    removed++;
  }
  fs.mkdirSync(tmpDir, { recursive: true });
  return removed;
}

/** Every file under a folder, as paths relative to `root`. */
export function listFiles(root: string, under: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(root, p).split(path.sep).join('/'));
    }
  };
  walk(path.join(root, under));
  return out;
}
