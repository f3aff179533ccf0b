import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two at once even on two cores: the process-level tests spend most of their time waiting on the
    // simulated cloud's clock, so a CPU-bound file runs beside them instead of after them.
    maxWorkers: 3,
  },
});
