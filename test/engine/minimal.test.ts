// Update strategy MINIMAL on the simulator: terminate first, no surge. The world's own records say
// whether the group ever grew and whether a PodDisruptionBudget was broken; the plan refuses what
// could not drain.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { simulate, type SimResult } from '../../src/app/simulate.js';
import { PlanRefusedError } from '../../src/engine/commands.js';
import type { ProgressEvent } from '../../src/engine/events.js';
import { parseScenario, type Scenario } from '../../src/sim/scenario.js';
import { assertCleanRun } from './clean-run.js';
import { orderProblems } from './node-order.js';

/** No surge, by the world's account: the group's max and desired never went above what they were. */
function assertNoSurge({ world, report }: SimResult, label: string): void {
  expect(world.peakSizes(), `${label}: the group grew`).toEqual({ max: report.asg.before.max, desired: report.asg.before.desired });
}

/**
 * The trade MINIMAL makes, and no more: old nodes out of service (drain begun) less replacements Ready
 * never exceeds maxUnavailable.
 */
function mostShort(events: ProgressEvent[]): number {
  let short = 0;
  let most = 0;
  for (const e of events) {
    if (e.kind === 'node' && e.state === 'evicting') short++;
    if (e.kind === 'new-node' && e.state === 'ready') short--;
    most = Math.max(most, short);
  }
  return most;
}

/** The demo world, changed as JSON and read again (so the scenario's defaults fill what a change leaves out). */
async function demo(change: (s: Record<string, any>) => void = () => {}): Promise<Scenario> {
  const s = JSON.parse(await readFile('scenarios/demo.json', 'utf8'));
  change(s);
  return parseScenario(s, 'demo.json, changed');
}

async function refusal(run: Promise<unknown>): Promise<PlanRefusedError> {
  const err = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PlanRefusedError);
  return err as PlanRefusedError;
}

describe('update strategy MINIMAL (rolling)', () => {
  it('replaces every node with no surge, no PDB violation, and at most maxUnavailable nodes short', async () => {
    const result = await simulate({ scenario: await demo(), updateStrategy: 'minimal' });
    assertCleanRun(result, 'demo, minimal');
    assertNoSurge(result, 'demo, minimal');
    expect(result.run.plan).toMatchObject({ surge: 0, updateStrategy: 'minimal', maxUnavailable: 1 });
    expect(result.run.plan.findings.map((f) => f.code)).toContain('minimal-capacity-dip');
    expect(mostShort(result.events)).toBe(1);
    // The plan's estimate counts the waves (each waits for its replacements): the run takes about that.
    const estimateS = result.run.plan.estimatedMs / 1000;
    expect(result.report.makespanSeconds).toBeGreaterThan(0.75 * estimateS);
    expect(result.report.makespanSeconds).toBeLessThanOrEqual(1.25 * estimateS);
  });

  it('drains two at a time with --max-unavailable 2, still never growing the group', async () => {
    const result = await simulate({ scenario: await demo(), updateStrategy: 'minimal', maxUnavailable: 2 });
    assertCleanRun(result, 'demo, minimal, max-unavailable 2');
    assertNoSurge(result, 'demo, minimal, max-unavailable 2');
    expect(mostShort(result.events)).toBe(2);
  });

  it('is refused where a PDB never allows an eviction (minAvailable = replicas)', async () => {
    const scenario = await demo((s) => {
      s.workloads.push({ name: 'gpu-job', namespace: 'ml', kind: 'Deployment', replicas: 2, pdb: { minAvailable: 2 } });
    });
    const err = await refusal(simulate({ scenario, updateStrategy: 'minimal' }));
    const blocking = err.plan.findings.filter((f) => f.severity === 'block');
    expect(blocking.map((f) => f.code)).toEqual(['minimal-pdb-blocks']);
    expect(blocking[0].message).toContain('ml/gpu-job');
  });

  it('is refused where the pods of a drained node do not fit on the nodes that stay', async () => {
    // Nine nodes of 4 pod slots, nearly full: the busiest node's pods do not fit in what the others have free.
    const scenario = await demo((s) => {
      s.nodegroup.podsPerNode = 4;
    });
    const err = await refusal(simulate({ scenario, updateStrategy: 'minimal' }));
    const blocking = err.plan.findings.filter((f) => f.severity === 'block');
    expect(blocking.map((f) => f.code)).toEqual(['minimal-no-room']);
    expect(blocking[0].message).toMatch(/the busiest node, drained at once \(.*\), has \d+ pods to move and the other nodes have \d+ free pod slots?/);
  });

  it('is refused with --surge: the two contradict each other', async () => {
    await expect(simulate({ scenario: await demo(), updateStrategy: 'minimal', surge: 2 })).rejects.toThrow(/MINIMAL launches no surge/);
  });
});

describe('update strategy MINIMAL (eks)', () => {
  async function managed(change: (s: Record<string, any>) => void = () => {}): Promise<Scenario> {
    const s = JSON.parse(await readFile('scenarios/eks-workshop.json', 'utf8'));
    change(s);
    return parseScenario(s, 'eks-workshop.json, changed');
  }

  it('sets the group to MINIMAL for the run, EKS replaces every node with no surge, and the strategy is put back', async () => {
    let world: SimResult['world'] | undefined;
    const strategies: string[] = [];
    const result = await simulate({
      scenario: await managed(),
      updateStrategy: 'minimal',
      onWorld: (w) => {
        world = w;
      },
      onEvent: () => {
        const s = world!.aws.managedGroup.updateStrategy;
        if (strategies.at(-1) !== s) strategies.push(s);
      },
    });
    const { report, run } = result;
    expect(report.status, run.outcome?.summary).toBe('succeeded');
    expect(report.strategy).toBe('eks');
    expect(report.pdbViolations).toBe(0);
    expect(report.podsLost).toBe(0);
    expect(report.leftTainted + report.leftCordoned).toBe(0);
    expect(report.nodes.replaced).toBe(report.nodes.old);
    expect(result.world.instances().every((i) => i.imageId === run.plan.toImageId)).toBe(true);
    assertNoSurge(result, 'eks-workshop, minimal');
    expect(mostShort(result.events)).toBeLessThanOrEqual(run.eks!.maxUnavailable!);
    // mngbot followed EKS node by node, each through its states in order.
    expect(orderProblems(result.events)).toEqual([]);
    for (const n of run.plan.nodes) expect(run.nodes.find((r) => r.name === n.name)?.state, n.name).toBe('terminated');
    // DEFAULT before, MINIMAL while EKS updated, DEFAULT again after.
    expect(strategies).toEqual(['DEFAULT', 'MINIMAL', 'DEFAULT']);
    expect(result.world.aws.managedGroup.updateStrategy).toBe('DEFAULT');
    expect(run.eks!.updateStrategy).toMatchObject({ original: 'DEFAULT' });
    expect(run.eks!.updateStrategy!.restoredAt).toBeGreaterThan(run.eks!.updateStrategy!.setAt!);
  });

  it('puts the strategy back when EKS fails the update', async () => {
    // A pod that never leaves: EKS gives up after its 15 minutes (PodEvictionFailure) and the run fails.
    const scenario = await managed((s) => {
      s.faults.push({ kind: 'stuckPod', workload: 'ecsdemo-nodejs' });
    });
    const result = await simulate({ scenario, updateStrategy: 'minimal' });
    expect(result.report.status).toBe('failed');
    expect(result.world.eksUpdates().map((u) => u.status)).toEqual(['Failed']);
    expect(result.world.aws.managedGroup.updateStrategy).toBe('DEFAULT');
    expect(result.run.eks!.updateStrategy!.restoredAt).toBeDefined();
    assertNoSurge(result, 'eks-workshop, minimal, stuck pod');
  });

  it('is refused where a PDB never allows an eviction', async () => {
    const scenario = await managed((s) => {
      s.workloads.push({ name: 'gpu-job', namespace: 'ml', kind: 'Deployment', replicas: 2, pdb: { maxUnavailable: 0 } });
    });
    const err = await refusal(simulate({ scenario, updateStrategy: 'minimal' }));
    expect(err.plan.findings.filter((f) => f.severity === 'block').map((f) => f.code)).toEqual(['minimal-pdb-blocks']);
  });
});

describe('update strategy MINIMAL, bot killed after every saved step', () => {
  it('finishes the same, never terminating twice, and puts the managed group back', async () => {
    const rolling = await simulate({ scenario: await demo(), updateStrategy: 'minimal', kill: { everySave: true } });
    assertCleanRun(rolling, 'demo, minimal, killed after every save');
    assertNoSurge(rolling, 'demo, minimal, killed after every save');
    expect(rolling.report.restarts).toBeGreaterThan(10);

    const s = parseScenario(JSON.parse(await readFile('scenarios/eks-workshop.json', 'utf8')));
    const eks = await simulate({ scenario: s, updateStrategy: 'minimal', kill: { everySave: true } });
    expect(eks.report).toMatchObject({ status: 'succeeded', terminatedTwice: 0, pdbViolations: 0, podsLost: 0 });
    expect(eks.report.restarts).toBeGreaterThan(5);
    assertNoSurge(eks, 'eks-workshop, minimal, killed after every save');
    expect(eks.world.aws.managedGroup.updateStrategy).toBe('DEFAULT');
  });
});
