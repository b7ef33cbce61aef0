import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    // End-to-end scenarios run real daemons and processes on 2 cores; a failure is retried once so that
    // a scheduling hiccup is told apart from a broken behaviour (which fails both times).
    retry: 1,
    hookTimeout: 60_000,
  },
});
