import { defineConfig } from 'vitest/config';

// Two projects: `unit` (tests beside the code, no daemon) and `e2e` (test/: real daemons, a real Secret
// Service, the built CLI). `pnpm test` runs both; `pnpm test:unit` or `pnpm test:e2e` runs one.
export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['packages/*/src/**/*.test.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/**/*.test.ts'] } },
    ],
  },
});
