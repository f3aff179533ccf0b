// The eks strategy end to end on the simulator: EKS (the simulated one) replaces the nodes, the real
// engine follows it, and the world's own ledger and records say whether the run told the truth.
import { buildEngine } from '../../src/app/compose.js';
import { describe, expect, it } from 'vitest';
import { orderProblems } from './node-order.js';
import type { ProgressEvent } from '../../src/engine/events.js';
import type { UserError } from '../../src/engine/errors.js';
import { refusalWords, summaryWords } from '../../src/slack/blocks/words.js';
import { runUntil, VirtualClock } from '../../src/sim/clock.js';
import { createWorld } from '../../src/sim/world.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';
import { simulate, type SimResult } from '../../src/app/simulate.js';
import { randomWorld } from './random-world.js';
import { cases } from '../quick.js';

async function managed(file: string): Promise<Scenario> {
  const s = await loadScenario(file);
  s.nodegroup.managed = true;
  return s;
}


/** What a successful eks run promises, checked against the world rather than the run's own word. */
function assertCleanEksRun(result: SimResult, label: string): void {
  const { report, run, world, events } = result;
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => ok || problems.push(what);
  check(report.status === 'succeeded', `status ${report.status}: ${run.outcome?.summary}`);
  check(report.strategy === 'eks', `strategy ${report.strategy}`);
  check(report.podsLost === 0, `podsLost ${report.podsLost}`);
  check(report.pdbViolations === 0, `pdbViolations ${report.pdbViolations}`);
  check(report.terminatedTwice === 0, `terminatedTwice ${report.terminatedTwice}`);
  check(report.nodesTerminatedWithPods === 0, `nodesTerminatedWithPods ${report.nodesTerminatedWithPods}`);
  check(report.leftTainted === 0, `leftTainted ${report.leftTainted}`);
  check(report.leftCordoned === 0, `leftCordoned ${report.leftCordoned}`);
  check(report.nodes.replaced === report.nodes.old && report.nodes.old > 0, `replaced ${report.nodes.replaced} of ${report.nodes.old}`);
  check(JSON.stringify(report.asg.after) === JSON.stringify(report.asg.before), `sizes ${JSON.stringify(report.asg)}`);
  // Exactly one update, asked with the run id as its token, and it is what did the work.
  const updates = world.eksUpdates();
  check(updates.length === 1, `${updates.length} EKS updates started`);
  check(updates[0]?.status === 'Successful', `EKS update ${updates[0]?.status}`);
  check(run.eks?.updateId === updates[0]?.id, `run follows ${run.eks?.updateId}, EKS ran ${updates[0]?.id}`);
  const byBot = world.activities().filter((a) => a.description.startsWith('Terminating') && !a.description.includes('EKS managed node group update'));
  check(byBot.length === 0, `instances terminated by someone other than EKS: ${byBot.map((a) => a.instanceId).join(', ')}`);
  const oldImages = world.instances().filter((i) => i.imageId !== run.plan.toImageId);
  check(oldImages.length === 0, `${oldImages.length} instances still on the old image`);
  check(world.nodes().every((n) => !n.annotations['cluster-autoscaler.kubernetes.io/scale-down-disabled']), 'scale-down-disabled left on nodes');
  // Every old node of the plan was followed through every state, in order.
  const followed = new Set(events.filter((e) => e.kind === 'node' && e.state === 'terminated').map((e) => (e as { node: string }).node));
  for (const n of run.plan.nodes) check(followed.has(n.name), `${n.name} never reported terminated`);
  problems.push(...orderProblems(events));
  check(run.outcome?.summary.startsWith(`Replaced ${report.nodes.old} of ${report.nodes.old} nodes`) === true, `summary: ${run.outcome?.summary}`);
  expect(problems, `${label}: ${problems.join('; ')}`).toEqual([]);
}

describe('eks strategy on the simulator', () => {
  it('follows EKS through the eks-workshop upgrade and reports it as a rolling run would', async () => {
    const result = await simulate({ scenario: await loadScenario('scenarios/eks-workshop.json') });
    assertCleanEksRun(result, 'eks-workshop');
    const { run, events, report } = result;
    expect(run.plan.strategy).toBe('eks');
    // Pods evicted are counted from what was seen leaving the nodes (EKS does not say).
    expect(run.counters.podsEvicted).toBeGreaterThan(0);
    expect(run.counters.podsEvicted).toBe(run.nodes.reduce((n, r) => n + r.evicted, 0));
    expect(run.outcome!.summary).toMatch(/in \d+m \d+s; \d+ pods evicted; min\/max\/desired back to 3\/6\/3\./);
    // EKS's phases, in the rolling strategy's words.
    const phases = events.filter((e) => e.kind === 'phase').map((e) => (e as { phase: string }).phase);
    expect(phases).toEqual(['prepare', 'surge', 'await-new-nodes', 'taint', 'replace', 'scale-back', 'finish', 'done']);
    // The new nodes EKS launched were followed to Ready, and the scale-down's nodes to terminated.
    expect(run.newNodes.filter((n) => n.state === 'ready').length).toBeGreaterThanOrEqual(report.surge);
    expect(run.nodes.filter((n) => n.role === 'surplus').every((n) => n.state === 'terminated')).toBe(true);
    // EKS's 60 s after the cordon shows in the records.
    for (const n of run.nodes.filter((r) => r.role === 'old')) expect(n.at.terminating! - n.at.cordoned!).toBeGreaterThanOrEqual(60_000);
    expect(report.makespanSeconds).toBeGreaterThanOrEqual(report.lowerBoundSeconds);
  });

  it('says so when the request asks for a maxUnavailable EKS will not use', async () => {
    const result = await simulate({ scenario: await loadScenario('scenarios/eks-workshop.json'), maxUnavailable: 2 });
    assertCleanEksRun(result, 'eks-workshop, --max-unavailable 2');
    const warning = result.events.find((e) => e.kind === 'warning' && e.detail.includes('update config'));
    expect(warning?.detail).toMatch(/EKS replaces up to 1 node at a time, .* not 2/);
    // And EKS did drain one node at a time.
    const old = result.run.nodes.filter((n) => n.role === 'old').sort((a, b) => a.at.evicting! - b.at.evicting!);
    for (let i = 1; i < old.length; i++) expect(old[i].at.evicting!).toBeGreaterThanOrEqual(old[i - 1].at.terminating!);
  });

  it('keeps every promise over seeded random managed worlds', async () => {
    for (let seed = 1; seed <= cases(10, 3); seed++) {
      const scenario = randomWorld(seed);
      scenario.nodegroup.managed = true;
      let result: SimResult;
      try {
        result = await simulate({ scenario });
      } catch (err) {
        throw new Error(`seed ${seed}: ${(err as Error).stack}`);
      }
      assertCleanEksRun(result, `random managed world, seed ${seed}`);
    }
  });

  it('waits out launch failures and slow boots as EKS does', async () => {
    const result = await simulate({ scenario: await managed('scenarios/launch-failures.json') });
    assertCleanEksRun(result, 'launch-failures (managed)');
  });

  it('follows the same update when killed after every saved step', async () => {
    const scenario = await loadScenario('scenarios/eks-workshop.json');
    const result = await simulate({ scenario, kill: { everySave: true } });
    expect(result.report.restarts).toBeGreaterThan(20);
    assertCleanEksRun(result, 'restart at every step');
  });

  it('never starts a second update when killed between a call and its answer', async () => {
    const scenario = await loadScenario('scenarios/eks-workshop.json');
    // Call 3 of the first bot is UpdateNodegroupVersion (after two DescribeNodegroup): its answer is lost.
    const first = await simulate({ scenario, kill: { afterCalls: [3] } });
    // The answer (the update id, announced with phase surge) only reached the second bot.
    const resumedAt = first.events.findIndex((e) => e.kind === 'resumed');
    const surgeAt = first.events.findIndex((e) => e.kind === 'phase' && e.phase === 'surge');
    expect(resumedAt).toBeGreaterThanOrEqual(0);
    expect(surgeAt).toBeGreaterThan(resumedAt);
    assertCleanEksRun(first, 'killed after UpdateNodegroupVersion reached EKS');
    for (let seed = 0; seed < 6; seed++) {
      const afterCalls = Array.from({ length: 6 }, (_, i) => 1 + ((seed * 5 + i * 7) % 15));
      const result = await simulate({ scenario, kill: { afterCalls } });
      assertCleanEksRun(result, `kill seed ${seed} (afterCalls ${afterCalls.join(',')})`);
    }
  });

  it('keeps every promise in random managed worlds when killed at every step or mid-call', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const scenario = randomWorld(seed);
      scenario.nodegroup.managed = true;
      const afterCalls = Array.from({ length: 8 }, (_, i) => 2 + ((seed * 3 + i * 5) % 17));
      for (const kill of [{ everySave: true }, { afterCalls }]) {
        const result = await simulate({ scenario, kill });
        assertCleanEksRun(result, `random managed world, seed ${seed}, kill ${JSON.stringify(kill)}`);
      }
    }
  });
});

describe('an EKS update that fails', () => {
  it('names the Auto Scaling failures behind a NodeCreationFailure and what EKS left', async () => {
    const scenario = await managed('scenarios/launch-failures.json');
    scenario.faults = [{ kind: 'launchFailure', count: 100_000 }];
    const { run, world, report } = await simulate({ scenario });
    expect(run.status).toBe('failed');
    expect(world.eksUpdates()).toHaveLength(1);
    expect(world.eksUpdates()[0].errors[0].code).toBe('NodeCreationFailure');
    expect(run.outcome!.summary).toMatch(/NodeCreationFailure: .*The Auto Scaling group reports: .*InsufficientInstanceCapacity.*\(\d+ times\)/);
    // mngbot put nothing back itself (the group is EKS's) but says where EKS left it.
    expect(report.asg.after).not.toEqual(report.asg.before);
    const { min, max, desired } = report.asg.after;
    expect(run.outcome!.changes.join(' ')).toContain(`min/max/desired ${min}/${max}/${desired}`);
    expect(run.nodes.every((n) => n.state === 'skipped')).toBe(true);
  });
});

describe('an EKS update held up by a PodDisruptionBudget', () => {
  it('fails after 15 minutes with a message naming the pods and the PDB', async () => {
    const { report, run, world, events } = await simulate({ scenario: await managed('scenarios/pdb-blocked.json') });
    expect(run.status).toBe('failed');
    const [update] = world.eksUpdates();
    expect(world.eksUpdates()).toHaveLength(1);
    expect(update.errors[0].code).toBe('PodEvictionFailure');
    // As a person reads it: the engine stores the next step in neutral words.
    const summary = summaryWords(run.outcome!);
    expect(summary).toMatch(/PodEvictionFailure/);
    // EKS names only the node; mngbot adds the pods still on it and the PDB that holds them.
    const node = update.errors[0].resourceIds[0];
    const ledgerPods = world.pods().filter((p) => p.nodeName === node && p.owner?.kind === 'StatefulSet').map((p) => `${p.namespace}/${p.name}`);
    expect(ledgerPods.length).toBeGreaterThan(0);
    for (const pod of ledgerPods) expect(summary).toContain(pod);
    expect(summary).toMatch(/payments\/ledger-pdb: PDB allows 0 disruptions/);
    expect(summary).toMatch(/--force/);
    expect(run.nodes.find((n) => n.name === node)?.state).toBe('failed');
    // A warning named them while there was still time to act.
    const early = events.find((e) => e.kind === 'warning' && e.detail.includes('will not leave'));
    expect(early?.detail).toContain('payments/ledger-pdb');
    expect(early!.at - run.startedAt!).toBeLessThan(15 * 60_000);
    // Nothing harmed, nothing of mngbot's left, and the outcome says what EKS left behind.
    expect(report.pdbViolations + report.podsLost + report.forcedDeletions).toBe(0);
    expect(world.nodes().every((n) => !n.annotations['cluster-autoscaler.kubernetes.io/scale-down-disabled'])).toBe(true);
    expect(run.outcome!.changes.join(' ')).toMatch(/still run .*EKS left/);
    expect(run.outcome!.changes.join(' ')).toMatch(/min\/max\/desired/);
    expect(run.nodes.every((n) => ['terminated', 'failed', 'skipped'].includes(n.state))).toBe(true);
  });

  it('succeeds with --force: EKS deletes what it cannot evict, and mngbot counts it', async () => {
    const result = await simulate({ scenario: await managed('scenarios/pdb-blocked.json'), force: true });
    const { report, run } = result;
    expect(report.status).toBe('succeeded');
    expect(report.forcedDeletions).toBeGreaterThan(0);
    expect(run.counters.forcedDeletions).toBe(report.forcedDeletions);
    expect(run.outcome!.summary).toMatch(/deleted by force/);
    expect(result.world.eksUpdates()).toHaveLength(1);
    expect(report.makespanSeconds).toBeGreaterThan(15 * 60);
  });
});

describe('requests EKS cannot honour', () => {
  /** The real engine on an eks-workshop world, driven by hand. */
  async function workshop() {
    const clock = new VirtualClock();
    const world = createWorld(await loadScenario('scenarios/eks-workshop.json'), { clock });
    const engine = buildEngine({
      nodeGroups: world.nodeGroups,
      clusterFor: () => world.cluster,
      store: new MemoryRunStore(),
      clock,
      policy: { isApprover: () => true, allowSelfApproval: true },
    });
    const events: ProgressEvent[] = [];
    engine.onEvent((e) => events.push(e));
    const run = await engine.requestUpgrade({ ref: world.ref, version: '1.23' }, { user: 'ann', at: clock.now() });
    await engine.approve(run.id, { user: 'bob', at: clock.now() });
    const by = () => ({ user: 'ann', at: clock.now() });
    const until = (what: (e: ProgressEvent) => boolean) => runUntil(clock, () => events.some(what), { maxSimMs: 3 * 3600_000 });
    return { clock, world, engine, events, run, by, until };
  }
  const ended = (e: ProgressEvent) => e.kind === 'status' && ['succeeded', 'failed', 'cancelled'].includes(e.status);

  it('refuses cancel and pause once EKS is updating, says why, and follows the update to the end', async () => {
    const { world, engine, run, by, until } = await workshop();
    await until((e) => e.kind === 'phase' && e.phase === 'replace');
    await expect(engine.cancel(run.id, by())).rejects.toThrow(/cannot be cancelled: EKS has no way to stop a node group update .* carries on/);
    await expect(engine.pause(run.id, by())).rejects.toThrow(/cannot be paused: EKS has no way to stop/);
    await until(ended);
    const done = (await engine.get(run.id))!;
    expect(done.status).toBe('succeeded');
    expect(done.requests).toEqual({});
    expect(world.eksUpdates()).toHaveLength(1);
    await engine.stop();
  });

  it('honours a cancel or a pause that comes before EKS is asked: nothing has changed yet', async () => {
    const cancelled = await workshop();
    await cancelled.engine.cancel(cancelled.run.id, cancelled.by());
    await cancelled.until(ended);
    const c = (await cancelled.engine.get(cancelled.run.id))!;
    expect(c.status).toBe('cancelled');
    expect(c.outcome!.changes).toEqual(['nothing was changed: EKS did not start an update']);
    expect(cancelled.world.eksUpdates()).toHaveLength(0);
    expect(cancelled.world.groupSizes()).toEqual({ min: 3, max: 6, desired: 3 });
    await cancelled.engine.stop();

    const paused = await workshop();
    await paused.engine.pause(paused.run.id, paused.by());
    await paused.until((e) => e.kind === 'status' && e.status === 'paused');
    await runUntil(paused.clock, () => false, { maxSimMs: 30 * 60_000 });
    expect(paused.world.eksUpdates()).toHaveLength(0);
    await paused.engine.resume(paused.run.id, paused.by());
    await paused.until(ended);
    expect((await paused.engine.get(paused.run.id))!.status).toBe('succeeded');
    expect(paused.world.eksUpdates()).toHaveLength(1);
    await paused.engine.stop();
  });

  it('a cancel through the simulator is refused the same way', async () => {
    await expect(simulate({ scenario: await loadScenario('scenarios/eks-workshop.json'), cancelAfterMs: 4 * 60_000 })).rejects.toThrow(
      /cannot be cancelled: EKS has no way to stop/,
    );
  });

  it('refuses the eks strategy on a self-managed group and rolling on a managed one', async () => {
    // As a person reads it: the engine's own message names no front end's options.
    const said = await simulate({ scenario: await loadScenario('scenarios/demo.json'), strategy: 'eks' }).catch((err: UserError) => refusalWords(err).message);
    expect(said).toMatch(/self-managed.*--strategy rolling/);
    await expect(simulate({ scenario: await loadScenario('scenarios/eks-workshop.json'), strategy: 'rolling' })).rejects.toThrow(
      /Ec2LaunchTemplateVersionMismatch/,
    );
  });
});
