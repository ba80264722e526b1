import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import { contentSecurityPolicy } from './core/common/csp';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve('electron/main/index.ts'),
          cli: resolve('core/server/cli.ts'),
          'job-worker': resolve('workers/job-worker.ts'),
          'paper-worker': resolve('workers/paper-worker.ts'),
          'sql-worker': resolve('workers/sql-worker.ts'),
          bench: resolve('scripts/bench.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve('electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'renderer',
    build: { outDir: 'out/renderer', rollupOptions: { input: resolve('renderer/index.html') } },
    plugins: [
      react(),
      {
        // The packaged app loads index.html from a file, where no response header can carry the policy.
        name: 'quantdesk-csp-meta',
        apply: 'build',
        transformIndexHtml: (html: string) => html.replace('<head>', `<head>\n    <meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy({ meta: true })}" />`),
      },
    ],
  },
});
