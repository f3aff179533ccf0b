import { defineConfig } from 'vitest/config';

// Two projects; `npm test` runs both. `unit` (npm run test:unit, the fast loop, where MNG_TEST_QUICK
// makes the randomised tests try fewer cases: test/quick.ts): the engine on the
// in-process simulator, the application, pure modules and renderers — no child processes, browsers,
// or servers of other programs. `integration`: whole processes, the HTTP front ends, moto, kubectl,
// Chromium and the faults.
// In unit folders, yet starting processes or servers, or rendering at Slack's extremes for long.
const SLOW_OR_SERVING = ['test/slack/blocks.test.ts', 'test/slack/request-guard.test.ts', 'test/sim/world-process.test.ts', 'test/store/data-dir-lock.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    // Three at once even on two cores: the process-level tests spend most of their time waiting on the
    // simulated cloud's clock, so a CPU-bound file runs beside them instead of after them.
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'test/architecture/**/*.test.ts',
            'test/app/**/*.test.ts',
            'test/engine/**/*.test.ts',
            'test/schedule/**/*.test.ts',
            'test/store/**/*.test.ts',
            'test/sim/*.test.ts',
            'test/slack/**/*.test.ts',
            'test/cli/windows.test.ts',
          ],
          exclude: SLOW_OR_SERVING,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: [
            'test/aws/**/*.test.ts',
            'test/cli/cli.test.ts',
            'test/cli/open-world.test.ts',
            'test/console/**/*.test.ts',
            'test/deploy/**/*.test.ts',
            'test/e2e/**/*.test.ts',
            'test/faults/**/*.test.ts',
            'test/kube/**/*.test.ts',
            'test/sim/aws-http/**/*.test.ts',
            ...SLOW_OR_SERVING,
          ],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
