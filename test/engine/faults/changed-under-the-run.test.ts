// Someone else (Terraform, a person, a rebuilt world) changes the node group while a run goes on.
// The run stops with a cause that names what changed and the way back: never a loop, never a silent wait.
import { buildEngine } from '../../../src/app/compose.js';
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../../src/engine/events.js';
import { runUntil, VirtualClock } from '../../../src/sim/clock.js';
import { loadScenario } from '../../../src/sim/scenario.js';
import { simulate } from '../../../src/app/simulate.js';
import { createWorld, type SimWorld } from '../../../src/sim/world.js';
import { MemoryRunStore } from '../../../src/store/memory-run-store.js';

const MIN = 60_000;

/** The harm the ledger counts, which no change by someone else excuses mngbot from. */
function harm(world: SimWorld): string[] {
  const l = world.ledger();
  return (['podsLost', 'pdbViolations', 'terminatedTwice', 'leftTainted', 'leftCordoned'] as const).filter((k) => l[k] > 0).map((k) => `${k}=${l[k]}`);
}

describe('a node group changed by someone else mid-run', () => {
  it('someone lowers desired: the run stops at once, naming it, instead of waiting 20 minutes', async () => {
    let changedAt: number | undefined;
    let world!: SimWorld;
    const events: ProgressEvent[] = [];
    const result = await simulate({
      scenario: await loadScenario('scenarios/demo.json'),
      onWorld: (w) => {
        world = w;
      },
      onEvent: (e) => {
        events.push(e);
        // Right after the surge, as Terraform applying an old desired size would.
        if (e.kind === 'phase' && e.phase === 'await-new-nodes' && changedAt === undefined) {
          changedAt = world.clock.now();
          void world.nodeGroups.setSizes(world.ref, { desired: world.groupSizes().desired - 4 });
        }
      },
    });
    expect(result.report.status).toBe('failed');
    const warning = events.find((e) => e.kind === 'warning' && /desired/.test(e.detail));
    expect(warning?.detail, JSON.stringify(result.run.outcome)).toMatch(/desired capacity is \d+, below the \d+ mngbot set/);
    expect(warning!.at - changedAt!).toBeLessThanOrEqual(MIN);
    expect(result.run.outcome?.summary).toMatch(/desired capacity/);
    // The group itself terminated undrained old nodes when desired dropped (PDB violations are its
    // doing, at that instant); everything mngbot did afterwards left no harm.
    expect(harm(world).filter((h) => !h.startsWith('pdbViolations'))).toEqual([]);
  });

  it('someone points the group back at the old launch template: the run stops, names it, and leaves their version', async () => {
    let world!: SimWorld;
    let changedAt: number | undefined;
    let terminated = 0;
    const events: ProgressEvent[] = [];
    const result = await simulate({
      scenario: await loadScenario('scenarios/demo.json'),
      maxSimMs: 12 * 3600_000,
      onWorld: (w) => {
        world = w;
      },
      onEvent: (e) => {
        events.push(e);
        if (e.kind === 'node' && e.state === 'terminating' && ++terminated === 2) {
          changedAt = world.clock.now();
          void world.nodeGroups.useLaunchTemplateVersion(world.ref, '1');
        }
      },
    });
    expect(result.report.status).toBe('failed');
    const warning = events.find((e) => e.kind === 'warning' && /launch template/.test(e.detail));
    expect(warning?.detail, JSON.stringify(result.run.outcome)).toMatch(/launch template .* is at version 1, not 2/);
    expect(warning!.at - changedAt!).toBeLessThanOrEqual(10 * MIN);
    expect(world.launchTemplateVersion()).toBe('1');
    expect(result.run.outcome?.summary).toMatch(/launch template .* is at version 1, not 2/);
    expect(harm(world)).toEqual([]);
  });

  it('the world was rebuilt while the bot was away: the resumed run stops with the cause, no loop', async () => {
    const scenario = await loadScenario('scenarios/demo.json');
    const clock = new VirtualClock();
    const store = new MemoryRunStore();
    const policy = { isApprover: () => true, allowSelfApproval: true };
    const engineOn = (world: SimWorld) =>
      buildEngine({ nodeGroups: world.nodeGroups, clusterFor: () => world.cluster, store, clock, policy });
    const first = createWorld(scenario, { clock });
    const bot = engineOn(first);
    const ref = first.ref;
    const run = await bot.requestUpgrade({ ref, version: scenario.cluster.version }, { user: 'u', at: clock.now() });
    await bot.approve(run.id, { user: 'u', at: clock.now() });
    let terminated = 0;
    bot.onEvent((e) => e.kind === 'node' && e.state === 'terminated' && terminated++);
    await runUntil(clock, () => terminated >= 3);
    await bot.stop();

    // A new world from the same scenario: what the data file describes no longer exists.
    const second = createWorld(scenario, { clock });
    const again = engineOn(second);
    const events: ProgressEvent[] = [];
    again.onEvent((e) => events.push(e));
    await again.start();
    const outcome = await runUntil(clock, () => events.some((e) => e.kind === 'phase' && e.phase === 'done'), { maxSimMs: 6 * 3600_000 });
    await again.stop();
    const final = (await store.get(run.id))!;
    expect(outcome, `no end: ${events.slice(-5).map((e) => e.detail).join(' | ')}`).toBe('done');
    expect(final.status).toBe('failed');
    expect(final.outcome?.summary).toMatch(/launch template|not in the group/);
    expect(events.some((e) => /replacing them too/.test(e.detail))).toBe(false);
    expect(harm(second)).toEqual([]);
  });
});
