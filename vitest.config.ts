import { defineConfig } from 'vitest/config';

const FUZZ = '**/*.fuzz.test.ts';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    globalSetup: ['tests/global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'app',
          include: ['core/**/*.test.ts', 'renderer/**/*.test.ts', 'electron/**/*.test.ts', 'workers/**/*.test.ts', 'tests/**/*.test.ts', 'tests/**/*.e2e.ts', 'scripts/**/*.test.ts'],
          exclude: ['**/node_modules/**', FUZZ],
        },
      },
      {
        // Parsers of untrusted files under a small heap: a decoder that allocated from a crafted size
        // field would end the process, which fails the run.
        extends: true,
        test: { name: 'fuzz', include: ['core/**/*.fuzz.test.ts'], execArgv: ['--max-old-space-size=192'] },
      },
    ],
  },
});
