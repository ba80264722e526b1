import fs from 'node:fs';
import os from 'node:os';
import { ApiError } from '../common/errors';

/** Who holds a home's write lock. */
export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(file: string): LockHolder | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

/**
 * Takes the single-writer lock of a home. A lock left by a process that no longer runs on this
 * host is taken over; a live holder is named in the refusal.
 */
export function acquireLock(file: string, command: string): { release(): void } {
  const me: LockHolder = { pid: process.pid, host: os.hostname(), command, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx' });
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readHolder(file);
      if (holder && holder.host === me.host && holder.pid !== process.pid && !alive(holder.pid)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      if (holder === undefined) {
        // A lock being written this instant, or a torn one: look again before giving up.
        const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
        if (age > 5000) fs.rmSync(file, { force: true });
        continue;
      }
      throw new ApiError(
        'locked',
        `home is in use by "${holder.command}" (pid ${holder.pid} on ${holder.host}, since ${holder.since}); stop that process first or use another --home. Lock file: ${file}`,
      );
    }
  }
  throw new ApiError('locked', `cannot take the lock ${file}; remove it if no Quantdesk process is running`);
}
