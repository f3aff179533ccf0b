import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/engine/errors.js';
import { runUntil, VirtualClock } from '../../src/sim/clock.js';
import { imagesFor } from '../../src/sim/images.js';
import { ledgerProblems } from '../../src/sim/ledger.js';
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';
import { createWorld, type SimWorld } from '../../src/sim/world.js';
import { QUICK } from '../quick.js';

async function managedUpdate(s: Scenario, opts: { force?: boolean; seed?: number } = {}) {
  const clock = new VirtualClock();
  const w = createWorld(s, { clock, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) });
  const before = w.groupSizes();
  const id = await w.nodeGroups.startVersionUpdate(w.ref, { version: s.cluster.version, force: opts.force ?? false, token: 'run-1' });
  return { w, clock, before, id };
}

const status = (w: SimWorld) => w.eksUpdates()[0].status;

describe('EKS managed node group update', () => {
  it('replaces every node of eks-workshop.json, restores the sizes and leaves a clean ledger', async () => {
    const s = await loadScenario('scenarios/eks-workshop.json');
    const { w, clock, before, id } = await managedUpdate(s);
    expect(await w.nodeGroups.startVersionUpdate(w.ref, { version: '1.23', force: false, token: 'run-1' })).toBe(id);
    await expect(w.nodeGroups.startVersionUpdate(w.ref, { version: '1.23', force: false, token: 'run-2' })).rejects.toThrow(/ResourceInUseException/);
    const info = await w.nodeGroups.describeNodegroup(w.ref);
    expect(info.status).toBe('UPDATING');
    expect(info.asgName).toMatch(/^eks-nodegroup-[0-9a-f-]{36}$/);
    // Scale up: max and desired grow by max(2 × AZs, maxUnavailable) = 6.
    expect(w.groupSizes()).toEqual({ min: 3, max: 12, desired: 9 });

    const result = await runUntil(clock, () => status(w) !== 'InProgress', { maxSimMs: 6 * 3600_000 });
    expect(result).toBe('done');
    expect(await w.nodeGroups.describeUpdate(w.ref, id)).toEqual({ id, status: 'Successful', errors: [] });
    const target = imagesFor('AL2', '1.23').at(-1)!;
    expect(await w.nodeGroups.describeNodegroup(w.ref)).toMatchObject({ status: 'ACTIVE', version: '1.23', releaseVersion: target.releaseVersion, imageId: target.imageId });
    expect(w.groupSizes()).toEqual(before);
    expect(w.instances().every((i) => i.imageId === target.imageId && i.lifecycleState === 'InService')).toBe(true);
    expect(w.nodes().map((n) => n.name).filter((n) => w.initialNodes.includes(n))).toEqual([]);
    expect(w.nodes().every((n) => n.labels['eks.amazonaws.com/nodegroup'] === 'nodegroup' && n.kubeletVersion.startsWith('v1.23.'))).toBe(true);
    expect(ledgerProblems(w.ledger())).toEqual([]);
    expect(w.ledger().forcedDeletions).toBe(0);
    // EKS's own calls are not the bot's.
    expect(w.apiCalls().kube).toBe(0);
    const minutes = (clock.now() - Date.UTC(2026, 0, 1)) / 60_000;
    expect(minutes).toBeGreaterThan(5);
    expect(minutes).toBeLessThan(60);
  });

  it('fails with PodEvictionFailure after 15 minutes of blocked evictions, unless forced', async () => {
    const s = await loadScenario('scenarios/pdb-blocked.json');
    s.nodegroup.managed = true;
    const blocked = await managedUpdate(s);
    await runUntil(blocked.clock, () => status(blocked.w) !== 'InProgress');
    const u = blocked.w.eksUpdates()[0];
    expect(u.status).toBe('Failed');
    expect(u.errors[0]).toMatchObject({ code: 'PodEvictionFailure', message: expect.stringMatching(/Reached max retries/) });
    expect(u.errors[0].resourceIds[0]).toMatch(/compute\.internal$/);
    expect(blocked.w.ledger()).toMatchObject({ pdbViolations: 0, forcedDeletions: 0 });

    const forced = await managedUpdate(s, { force: true });
    await runUntil(forced.clock, () => status(forced.w) !== 'InProgress');
    expect(status(forced.w)).toBe('Successful');
    expect(forced.w.ledger().forcedDeletions).toBeGreaterThan(0);
    expect(forced.w.groupSizes()).toEqual(forced.before);
  });

  it('recovers from launch failures and slow boots', async () => {
    const s = await loadScenario('scenarios/launch-failures.json');
    s.nodegroup.managed = true;
    const { w, clock, before } = await managedUpdate(s);
    await runUntil(clock, () => status(w) !== 'InProgress');
    expect(status(w)).toBe('Successful');
    expect(w.activities().filter((a) => a.status === 'Failed')).toHaveLength(3);
    expect(w.groupSizes()).toEqual(before);
    expect(ledgerProblems(w.ledger())).toEqual([]);
  });

  it('refuses a self-managed group, a version past the control plane, and the current image', async () => {
    const demo = await loadScenario('scenarios/demo.json');
    const clock = new VirtualClock();
    const w = createWorld(demo, { clock });
    await expect(w.nodeGroups.startVersionUpdate(w.ref, { version: '1.30', force: false, token: 't' })).rejects.toThrow(/self-managed/);
    const ws = await loadScenario('scenarios/eks-workshop.json');
    const m = createWorld(ws, { clock: new VirtualClock() });
    await expect(m.nodeGroups.startVersionUpdate(m.ref, { version: '1.24', force: false, token: 't' })).rejects.toBeInstanceOf(UserError);
    const current = imagesFor('AL2', '1.22').at(-1)!.releaseVersion;
    await expect(m.nodeGroups.startVersionUpdate(m.ref, { version: '1.22', releaseVersion: current, force: false, token: 't' })).rejects.toThrow(/already at/);
    await expect(m.nodeGroups.describeUpdate(m.ref, 'nope')).rejects.toThrow(/ResourceNotFoundException/);
  });

  it.skipIf(QUICK)('builds large-450.json and runs a whole managed update on it quickly', async () => {
    const s = await loadScenario('scenarios/large-450.json');
    s.nodegroup.managed = true;
    const t0 = performance.now();
    const { w, clock, before } = await managedUpdate(s);
    const built = performance.now() - t0;
    await runUntil(clock, () => status(w) !== 'InProgress');
    const wall = performance.now() - t0;
    const simHours = (clock.now() - Date.UTC(2026, 0, 1)) / 3600_000;
    console.log(
      `large-450: built in ${built.toFixed(0)} ms; EKS managed update ${status(w)} after ${simHours.toFixed(1)} simulated h ` +
        `in ${wall.toFixed(0)} ms wall (lower bound ${(w.lowerBoundSeconds({ maxUnavailable: 1 }) / 3600).toFixed(1)} h)`,
    );
    expect(status(w)).toBe('Successful');
    expect(w.groupSizes()).toEqual(before);
    expect(w.instances().filter((i) => i.imageId === w.initialImageId)).toHaveLength(0);
    expect(ledgerProblems(w.ledger())).toEqual([]);
  });
});
