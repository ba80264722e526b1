import { parentPort, workerData } from 'node:worker_threads';
import { workerContext } from '../core/node/jobs/worker-context';
import { Journal } from '../core/node/paper/journal';
import { runSession } from '../core/node/paper/session';
import { type ControlMessage, type SessionChannel } from '../core/node/paper/session-channel';

/** Entry point of a paper session's long-lived worker: wires the supervisor's messages and shared slots to the session loop. */
const data = workerData as { homeDir: string; migrations: string; sqliteBinding?: string; sessionId: string; shared: SharedArrayBuffer; feedKey?: string };
const port = parentPort!;
const inbox: ControlMessage[] = [];
let wake: (() => void) | null = null;
port.on('message', (m: ControlMessage) => {
  inbox.push(m);
  wake?.();
});

const channel: SessionChannel = {
  shared: new Int32Array(data.shared),
  wait: (ms) =>
    new Promise<void>((resolve) => {
      if (inbox.length > 0) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    }),
  take: () => inbox.splice(0),
  post: (m) => port.postMessage(m),
};

const ctx = await workerContext(data.homeDir, data.migrations, data.sqliteBinding);
const journal = new Journal(ctx.home.journal, data.sqliteBinding ? { nativeBinding: data.sqliteBinding } : {});
try {
  await runSession(ctx, journal, data.sessionId, channel, { feedKey: data.feedKey });
} catch (e) {
  // A session that cannot even start (or resume) says why in the journal and to the supervisor.
  journal.setSessionStatus(data.sessionId, 'failed', (e as Error).message);
  channel.post({ type: 'failed', error: (e as Error).message });
} finally {
  journal.close();
  process.exit(0);
}
