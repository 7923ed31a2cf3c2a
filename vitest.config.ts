import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Tests share one machine with two cores; forks keep native modules (better-sqlite3, wasm) isolated.
    pool: 'forks',
  },
});
