// The surge fails: launches keep failing, or the new instances boot slower than the node-ready timeout.
// The run fails with NodeCreationFailure and leaves no surplus instance behind, the sizes as recorded —
// before, the group went from 6/10/6 to 6/12/12 with Pending instances that later joined untracked.
import { describe, expect, it } from 'vitest';
import { runUntil, VirtualClock } from '../../../src/sim/clock.js';
import { loadScenario, type Fault } from '../../../src/sim/scenario.js';
import { simulate } from '../../../src/app/simulate.js';

async function failedSurge(faults: Fault[], kill?: { afterCalls: number[] }) {
  const scenario = await loadScenario('scenarios/launch-failures.json');
  scenario.faults = faults;
  const clock = new VirtualClock();
  const result = await simulate({ scenario, clock, ...(kill ? { kill } : {}) });
  // Whatever was still launching has had every chance to join by now.
  clock.schedule(clock.now() + 3 * 3600_000, () => {});
  await runUntil(clock, () => false);
  return result;
}

describe('a surge that fails', () => {
  for (const [name, faults] of [
    ['every launch fails (InsufficientInstanceCapacity)', [{ kind: 'launchFailure', count: 100_000 }]],
    ['the new instances boot an hour late', [{ kind: 'slowBoot', extraSeconds: 3600, count: 100 }]],
    ['some launch, some fail, some boot late', [{ kind: 'launchFailure', count: 400 }, { kind: 'slowBoot', extraSeconds: 2400, count: 2 }]],
  ] as [string, Fault[]][]) {
    it(`${name}: NodeCreationFailure, no surplus instance, sizes as recorded`, async () => {
      const { report, run, world } = await failedSurge(faults);
      expect(report.status).toBe('failed');
      expect(run.outcome?.summary).toMatch(/NodeCreationFailure/);
      expect(world.groupSizes()).toEqual(report.asg.before);
      const live = world.instances().filter((i) => i.lifecycleState === 'InService' || i.lifecycleState === 'Pending');
      expect(live.map((i) => i.imageId).filter((img) => img !== world.initialImageId), 'instances of the surge left').toEqual([]);
      expect(live).toHaveLength(report.asg.before.desired);
      expect(report.leftTainted + report.leftCordoned + report.terminatedTwice + report.podsLost + report.pdbViolations).toBe(0);
    });
  }

  it('killed at any call during the clean-up of a failed surge: still nothing left over', async () => {
    const problems: string[] = [];
    for (let n = 20; n <= 80; n += 6) {
      const { report, world } = await failedSurge([{ kind: 'slowBoot', extraSeconds: 3600, count: 100 }], { afterCalls: [n] });
      const live = world.instances().filter((i) => i.lifecycleState === 'InService' || i.lifecycleState === 'Pending').length;
      if (JSON.stringify(world.groupSizes()) !== JSON.stringify(report.asg.before) || live !== report.asg.before.desired || report.terminatedTwice) {
        problems.push(`killed after call ${n}: ${report.status}, sizes ${JSON.stringify(world.groupSizes())}, ${live} live, terminatedTwice ${report.terminatedTwice}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
