import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'machines/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites share real servers; files run in parallel on separate databases/prefixes.
    pool: 'forks',
    maxWorkers: 2,
    // Fails a file on an XState warning or an unhandled rejection (see the file).
    setupFiles: ['test/support/strict-console.ts'],
  },
});
