import { describe, expect, it } from 'vitest';
import { assertCleanRun } from './clean-run.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { simulate, type SimResult } from '../../src/app/simulate.js';
import { randomWorld } from './random-world.js';
import { cases } from '../quick.js';

describe('rolling upgrade on the simulator', () => {
  it('upgrades the demo world with a clean ledger, sizes restored, and every node in order', async () => {
    const result = await simulate({ scenario: await loadScenario('scenarios/demo.json') });
    assertCleanRun(result, 'demo');
    expect(result.report.surge).toBe(6);
    expect(result.report.makespanSeconds).toBeGreaterThanOrEqual(result.report.lowerBoundSeconds);
    expect(result.run.outcome?.summary).toMatch(/Replaced 9 of 9 nodes/);
  });

  it('keeps every promise over 60 seeded random worlds', async () => {
    for (let seed = 1; seed <= cases(60, 12); seed++) {
      const scenario = randomWorld(seed);
      let result: SimResult;
      try {
        result = await simulate({ scenario, maxUnavailable: scenario.nodegroup.maxUnavailable });
      } catch (err) {
        throw new Error(`seed ${seed}: ${(err as Error).stack}`);
      }
      assertCleanRun(result, `seed ${seed}`);
    }
  });

  it('finishes with the same outcome when the bot is killed after every saved step', async () => {
    const scenario = await loadScenario('scenarios/demo.json');
    const plain = await simulate({ scenario });
    const restarted = await simulate({ scenario, kill: { everySave: true } });
    expect(restarted.report.restarts).toBeGreaterThan(20);
    assertCleanRun(restarted, 'restart at every step');
    expect(restarted.report.nodes).toEqual(plain.report.nodes);
    expect(restarted.report.asg).toEqual(plain.report.asg);
  });

  it('never acts twice when killed between an API call and its answer', async () => {
    const scenario = await loadScenario('scenarios/demo.json');
    for (let seed = 0; seed < 12; seed++) {
      // A different kill point inside steps for each generation of the bot.
      const afterCalls = Array.from({ length: 8 }, (_, i) => 3 + ((seed * 7 + i * 13) % 40));
      const result = await simulate({ scenario, kill: { afterCalls } });
      assertCleanRun(result, `kill seed ${seed} (afterCalls ${afterCalls.join(',')})`);
    }
  });
});

describe('a drain blocked by a PodDisruptionBudget', () => {
  it('waits for a decision that names the blocking pods and PDB', async () => {
    const { report, run, events } = await simulate({ scenario: await loadScenario('scenarios/pdb-blocked.json') });
    expect(report.status).toBe('blocked');
    expect(run.status).toBe('needs-decision');
    const blocked = events.find((e) => e.kind === 'blocked');
    expect(blocked?.kind === 'blocked' && blocked.blockers.length).toBeGreaterThan(0);
    if (blocked?.kind !== 'blocked') throw new Error('no blocked event');
    expect(blocked.blockers.every((b) => b.pod.includes('/'))).toBe(true);
    expect(blocked.blockers.some((b) => b.pdb)).toBe(true);
    expect(blocked.detail).toMatch(/PDB/);
    expect(report.nodesTerminatedWithPods).toBe(0);
    expect(report.pdbViolations).toBe(0);
  });

  it('force deletes what the PDB holds and finishes', async () => {
    const { report, run } = await simulate({ scenario: await loadScenario('scenarios/pdb-blocked.json'), decide: 'force' });
    expect(report.status).toBe('succeeded');
    expect(report.forcedDeletions).toBeGreaterThan(0);
    expect(run.counters.forcedDeletions).toBe(report.forcedDeletions);
    expect(report.nodes.replaced).toBe(report.nodes.old);
    expect(report.leftTainted + report.leftCordoned).toBe(0);
    expect(report.asg.after).toEqual(report.asg.before);
    expect(report.terminatedTwice).toBe(0);
  });

  it('skip leaves the blocked node running, untainted and schedulable', async () => {
    const { report, run, world } = await simulate({ scenario: await loadScenario('scenarios/pdb-blocked.json'), decide: 'skip' });
    // Every node of pdb-blocked is blocked, so every one was skipped: nothing replaced is not a success.
    expect(report.status).toBe('nothing-replaced');
    expect(run.status).toBe('nothing-replaced');
    const skipped = run.nodes.filter((n) => n.state === 'skipped');
    expect(skipped.length).toBeGreaterThan(0);
    for (const n of skipped) {
      const node = world.nodes().find((x) => x.name === n.name);
      expect(node, `${n.name} still exists`).toBeDefined();
      expect(node!.unschedulable).toBe(false);
      expect(node!.taints).toEqual([]);
    }
    expect(report.forcedDeletions).toBe(0);
    expect(report.pdbViolations).toBe(0);
    expect(report.leftTainted + report.leftCordoned).toBe(0);
    expect(report.asg.after).toEqual(report.asg.before);
    expect(run.outcome?.changes.join(' ')).toMatch(/skipped/);
  });

  it('abort leaves the cluster consistent and says what changed', async () => {
    const { report, run, world } = await simulate({ scenario: await loadScenario('scenarios/pdb-blocked.json'), decide: 'abort' });
    expect(run.status).toBe('aborted');
    expect(report.status).toBe('cancelled');
    expect(report.leftTainted).toBe(0);
    expect(report.leftCordoned).toBe(0);
    expect(report.asg.after).toEqual(report.asg.before);
    expect(report.pdbViolations + report.podsLost + report.terminatedTwice + report.nodesTerminatedWithPods).toBe(0);
    expect(world.launchTemplateVersion()).toBe(run.original!.launchTemplateVersion);
    expect(world.suspendedProcesses()).not.toContain('AZRebalance');
    expect(run.outcome!.changes.length).toBeGreaterThan(0);
  });
});

describe('cancel', () => {
  it('stops at the next safe point and puts the group back as recorded', async () => {
    const scenario = await loadScenario('scenarios/demo.json');
    const { report, run } = await simulate({ scenario, cancelAfterMs: 6 * 60_000 });
    expect(run.status).toBe('cancelled');
    expect(report.leftTainted + report.leftCordoned).toBe(0);
    expect(report.asg.after).toEqual(report.asg.before);
    expect(report.pdbViolations + report.podsLost + report.terminatedTwice + report.nodesTerminatedWithPods).toBe(0);
    expect(run.outcome?.summary).toMatch(/cancelled by sim/i);
  });

  it.each([10_000, 45_000, 90_000, 150_000])('cancelled %i ms in, while the surge instances still launch, the group still ends at its recorded size', async (ms) => {
    const scenario = await loadScenario('scenarios/demo.json');
    const { report, run } = await simulate({ scenario, cancelAfterMs: ms });
    expect(run.status, run.outcome?.summary).toBe('cancelled');
    expect(report.asg.after).toEqual(report.asg.before);
    expect(report.leftTainted + report.leftCordoned + report.podsLost + report.pdbViolations + report.nodesTerminatedWithPods).toBe(0);
  });
});

describe('launch failures and slow boots', () => {
  it('waits for the group to launch its nodes and still replaces everything', async () => {
    const result = await simulate({ scenario: await loadScenario('scenarios/launch-failures.json') });
    assertCleanRun(result, 'launch-failures');
  });
});
