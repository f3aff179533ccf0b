import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

// Two projects that split the test files between them; `npm test` runs both.
// `unit` (npm run test:unit, the fast loop, where MNG_TEST_QUICK makes the randomised tests try fewer
// cases: test/quick.ts): the engine on the in-process simulator, the application, pure modules and
// renderers — no child processes, browsers, or servers of other programs.
// `integration`: every other file: whole processes, the HTTP front ends, moto, kubectl, Chromium, faults.
const UNIT_PLACES = ['test/architecture/', 'test/app/', 'test/config/', 'test/engine/', 'test/schedule/', 'test/store/', 'test/slack/', 'test/cli/windows.test.ts', 'test/cli/messages.test.ts', 'test/cli/status.test.ts'];
// In those places, yet starting processes or servers, or rendering at Slack's extremes for long.
const NOT_UNIT = ['test/slack/blocks.test.ts', 'test/slack/request-guard.test.ts', 'test/store/data-dir-lock.test.ts', 'test/store/full-disk.test.ts'];
// The simulator's own files, without the ones that serve it over the wire or start it as a process.
const UNIT_SIM = /^test\/sim\/[^/]+\.test\.ts$/;
const NOT_UNIT_SIM = ['test/sim/world-process.test.ts'];

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    return e.isDirectory() ? testFiles(path) : e.name.endsWith('.test.ts') ? [path] : [];
  });
}

const all = testFiles('test');
const isUnit = (f: string) =>
  ((UNIT_PLACES.some((p) => (p.endsWith('/') ? f.startsWith(p) : f === p)) && !NOT_UNIT.includes(f)) || (UNIT_SIM.test(f) && !NOT_UNIT_SIM.includes(f)));
const unit = all.filter(isUnit);
const integration = all.filter((f) => !isUnit(f));

// The longest files, which mostly wait on processes and simulated clocks, start first, so the rest run
// beside them instead of after them: by default a fresh clone (no timings cached) starts the largest
// files first, and these are small files driving long runs.
const LONGEST_FIRST = [
  'test/faults/store-faults.test.ts',
  'test/faults/failover.test.ts',
  'test/faults/kills.test.ts',
  'test/faults/cli-resume.test.ts',
  'test/e2e/readme-recipe.test.ts',
  'test/slack/blocks.test.ts',
  'test/e2e/demo-restart.test.ts',
  'test/faults/group-changed.test.ts',
  'test/e2e/demo-socket-mode.test.ts',
  'test/aws/rolling-on-moto.test.ts',
  'test/console/console-browser.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((p) => f.moduleId.endsWith(p));
      return i === -1 ? LONGEST_FIRST.length : i;
    };
    // Array.prototype.sort is stable: the rest keep the default order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    pool: 'forks',
    sequence: { sequencer: LongestFirst },
    // Three at once even on two cores: the process-level tests spend most of their time waiting on the
    // simulated cloud's clock, so a CPU-bound file runs beside them instead of after them.
    maxWorkers: 3,
    // A timeout finds a hang; it is not a speed check.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // A node record the engine changes without naming it to the store fails the save (live-journal.ts).
    env: { MNG_STORE_VERIFY: '1' },
    projects: [
      { extends: true, test: { name: 'unit', include: unit, isolate: false } },
      // Not isolated either: a file's fresh module graph (the AWS SDK, Bolt, client-node) cost about a
      // second of CPU each, 134 s over the suite. Files that count into the process's metrics registry
      // start it from zero.
      { extends: true, test: { name: 'integration', include: integration, isolate: false } },
    ],
  },
});
