// Roll back on an in-process simulated world: the nodes a run put on a new image go back to the
// release before it, through the same engine and an approval, and the world's own ledger stays clean.
import { HEALTH_GATE } from '../../src/engine/run.js';
import { describe, expect, it } from 'vitest';
import { Approvers } from '../../src/app/approvers.js';
import { createSimDeps, type SimDeps } from '../../src/app/compose.js';
import { Refusal, UserError } from '../../src/engine/errors.js';
import { isTerminal, type Run } from '../../src/engine/run.js';
import { runUntil, VirtualClock } from '../../src/sim/clock.js';
import { imagesFor } from '../../src/sim/images.js';
import { ledgerProblems } from '../../src/sim/ledger.js';
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';

const APPROVER = 'UAPPROVER';
const OTHER_APPROVER = 'UOTHER';
const WEEK_MS = 7 * 24 * 3_600_000;

function world(scenario: Scenario): SimDeps & { clock: VirtualClock } {
  const clock = new VirtualClock();
  const deps = createSimDeps(scenario, { clock, approvals: new Approvers({ users: [APPROVER, OTHER_APPROVER], groups: [], allowSelfApproval: false }) });
  return { ...deps, clock };
}

/** Until the run's status satisfies `until` (by default: it has ended). */
async function runTo(d: SimDeps & { clock: VirtualClock }, runId: string, until: (r: Run) => boolean = (r) => isTerminal(r.status)): Promise<Run> {
  let run = (await d.store.get(runId))!;
  const off = d.engine.onEvent((e) => {
    if (e.runId === runId) void d.store.get(runId).then((r) => (run = r ?? run));
  });
  try {
    await runUntil(d.clock, () => until(run), { maxSimMs: WEEK_MS });
  } finally {
    off();
  }
  return (await d.store.get(runId))!;
}

/** Upgrades the scenario's group to `version` and returns the finished run. */
async function upgraded(d: SimDeps & { clock: VirtualClock }, version: string): Promise<Run> {
  const asked = await d.app.requestUpgrade({ choices: { version }, by: d.app.actor('UREQ') });
  if (asked.kind !== 'requested') throw new Error(asked.kind);
  await d.app.approve(asked.run.id, d.app.actor(APPROVER));
  const run = await runTo(d, asked.run.id);
  expect(run.status, run.outcome?.summary).toBe('succeeded');
  return run;
}

/** Asks for the rollback, approves it, and runs it to its end. */
async function rolledBack(d: SimDeps & { clock: VirtualClock }, of: Run): Promise<Run> {
  const settled = settle(d, d.app.rollback(of.id, d.app.actor(APPROVER)));
  const outcome = await settled;
  if (outcome.kind !== 'requested') throw new Error(`${outcome.kind}: ${outcome.reason}`);
  expect(outcome.run.status).toBe('awaiting-approval');
  await d.app.approve(outcome.run.id, d.app.actor(OTHER_APPROVER));
  return runTo(d, outcome.run.id);
}

/** A promise that needs simulated time to pass (stopping a run first). */
async function settle<T>(d: { clock: VirtualClock }, p: Promise<T>): Promise<T> {
  let done = false;
  const tracked = p.finally(() => (done = true));
  tracked.catch(() => undefined);
  await runUntil(d.clock, () => done, { maxSimMs: WEEK_MS });
  return tracked;
}

/** Every node back on `imageId`, the group as it was, and nothing the world's ledger holds against the runs. */
function assertBackOn(d: SimDeps, imageId: string, before: { sizes: object; ltVersion: string }): void {
  const { world } = d;
  const instances = world.instances().filter((i) => i.lifecycleState === 'InService' || i.lifecycleState.startsWith('Pending'));
  expect(instances.filter((i) => i.imageId !== imageId).map((i) => i.instanceId)).toEqual([]);
  expect(ledgerProblems(world.ledger())).toEqual([]);
  expect(world.ledger().terminatedTwice).toBe(0);
  expect(world.groupSizes()).toEqual(before.sizes);
  expect(world.launchTemplateVersion()).toBe(before.ltVersion);
  expect(world.suspendedProcesses()).not.toContain('AZRebalance');
  expect(world.nodes().filter((n) => n.unschedulable || n.taints.length > 0).map((n) => n.name)).toEqual([]);
}

async function refusal(p: Promise<unknown>): Promise<UserError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe('roll back', () => {
  it('rolling: every node goes back to the old release on the launch-template version from before, the ledger clean', async () => {
    const d = world(await loadScenario('scenarios/demo.json'));
    const before = { sizes: d.world.groupSizes(), ltVersion: d.world.launchTemplateVersion() };
    const upgrade = await upgraded(d, '1.30');
    expect(d.world.launchTemplateVersion()).not.toBe(before.ltVersion);

    const rollback = await rolledBack(d, upgrade);
    expect(rollback.status, rollback.outcome?.summary).toBe('succeeded');
    expect(rollback.plan.rollback).toMatchObject({ runId: upgrade.id, imageId: upgrade.plan.fromImageId, launchTemplateVersion: before.ltVersion });
    expect(rollback.plan).toMatchObject({ strategy: 'rolling', fromVersion: '1.30', toVersion: '1.29', toRelease: upgrade.plan.fromRelease, toImageId: upgrade.plan.fromImageId });
    // Every node the upgrade put on the new image, and nothing else.
    expect(rollback.plan.nodes).toHaveLength(upgrade.plan.nodes.length);
    expect(rollback.nodes.filter((n) => n.role === 'old').every((n) => n.state === 'terminated')).toBe(true);
    assertBackOn(d, upgrade.plan.fromImageId, before);
    const audit = await d.store.auditLog(50);
    expect(audit).toContainEqual(expect.objectContaining({ action: 'rollback', user: APPROVER, runId: rollback.id, detail: expect.stringContaining(`roll back run ${upgrade.id}`) }));

    // The upgrade again: the rollback is newer, and undoing the upgrade twice would undo it too.
    const newer = await refusal(d.app.rollback(upgrade.id, d.app.actor(APPROVER)));
    expect(newer).toBeInstanceOf(Refusal);
    expect(newer.message).toBe(`run ${rollback.id} (succeeded) changed workers after run ${upgrade.id}: rolling back ${upgrade.id} would undo it too`);
    expect(newer.hint).toBe(`roll back run ${rollback.id} instead, or ask for the release you want with a new upgrade request`);
    // A run whose previous release nobody recorded cannot say what to go back to.
    const stored = (await d.store.get(rollback.id))!;
    stored.plan.fromRelease = '';
    await d.store.save(stored);
    const unknown = await refusal(d.app.rollback(rollback.id, d.app.actor(APPROVER)));
    expect(unknown.message).toBe(`mngbot does not know which release workers had before run ${rollback.id}, so it cannot roll it back`);
    await d.engine.stop();
  });

  it('eks: EKS puts the managed group back on the previous release (UpdateNodegroupVersion), the ledger clean', async () => {
    const scenario = await loadScenario('scenarios/eks-workshop.json');
    const [older] = imagesFor('AL2', scenario.cluster.version);
    scenario.nodegroup.version = scenario.cluster.version;
    scenario.nodegroup.releaseVersion = older.releaseVersion;
    const d = world(scenario);
    const before = { sizes: d.world.groupSizes(), ltVersion: d.world.launchTemplateVersion() };
    const upgrade = await upgraded(d, scenario.cluster.version);
    expect(upgrade.plan.toRelease).not.toBe(older.releaseVersion);

    const rollback = await rolledBack(d, upgrade);
    expect(rollback.status, rollback.outcome?.summary).toBe('succeeded');
    expect(rollback.plan).toMatchObject({ strategy: 'eks', toRelease: older.releaseVersion, toImageId: older.imageId, rollback: { runId: upgrade.id } });
    const updates = d.world.eksUpdates();
    expect(updates.map((u) => u.status)).toEqual(['Successful', 'Successful']);
    expect(rollback.eks?.updateId).toBe(updates[1].id);
    expect((await d.world.nodeGroups.describeNodegroup(rollback.ref)).releaseVersion).toBe(older.releaseVersion);
    assertBackOn(d, older.imageId, { sizes: before.sizes, ltVersion: d.world.launchTemplateVersion() });
    await d.engine.stop();
  });

  it('a paused run is cancelled first, and the plan says so; then every node goes back', async () => {
    const d = world(await loadScenario('scenarios/demo.json'));
    const before = { sizes: d.world.groupSizes(), ltVersion: d.world.launchTemplateVersion() };
    const asked = await d.app.requestUpgrade({ choices: { version: '1.30' }, by: d.app.actor('UREQ') });
    if (asked.kind !== 'requested') throw new Error(asked.kind);
    await d.app.approve(asked.run.id, d.app.actor(APPROVER));
    const replacing = await runTo(d, asked.run.id, (r) => r.nodes.some((n) => n.state === 'terminated') || isTerminal(r.status));
    await d.app.pause(replacing.id, d.app.actor(APPROVER));
    const paused = await runTo(d, asked.run.id, (r) => r.status === 'paused' || isTerminal(r.status));
    expect(paused.status).toBe('paused');
    const replaced = paused.nodes.filter((n) => n.state === 'terminated').length;
    expect(replaced).toBeLessThan(paused.nodes.length);

    let toldStopping = false;
    const outcome = await settle(d, d.app.rollback(paused.id, d.app.actor(APPROVER), { onStopping: () => void (toldStopping = true) }));
    if (outcome.kind !== 'requested') throw new Error(outcome.kind);
    expect(toldStopping).toBe(true);
    expect(outcome.of.status).toBe('cancelled');
    expect(outcome.run.plan.rollback?.stopped).toMatchObject({ user: APPROVER });
    // The nodes the run had replaced when it stopped, not the ones it left on the old image.
    expect(outcome.run.plan.nodes.length).toBeGreaterThanOrEqual(replaced);
    expect(outcome.run.plan.nodes.length).toBeLessThan(paused.nodes.length);
    await d.app.approve(outcome.run.id, d.app.actor(OTHER_APPROVER));
    const rollback = await runTo(d, outcome.run.id);
    expect(rollback.status, rollback.outcome?.summary).toBe('succeeded');
    assertBackOn(d, paused.plan.fromImageId, before);
    await d.engine.stop();
  });
});

describe('roll back from the health gate', () => {
  it('bad-image.json: Roll back at the gate is the gate\'s answer (recorded as such); the stop puts back what the run changed, and says so', async () => {
    const d = world(await loadScenario('scenarios/bad-image.json'));
    const asked = await d.app.requestUpgrade({ choices: { version: '1.30' }, by: d.app.actor('UREQ') });
    if (asked.kind !== 'requested') throw new Error(asked.kind);
    await d.app.approve(asked.run.id, d.app.actor(APPROVER));
    const atGate = await runTo(d, asked.run.id, (r) => r.status === 'needs-decision' || isTerminal(r.status));
    expect(atGate.decision?.node).toBe(HEALTH_GATE);

    const nothing = await refusal(settle(d, d.app.rollback(atGate.id, d.app.actor(APPROVER))));
    expect(nothing.message).toBe(
      `every node of workers already runs ${atGate.plan.fromRelease}, the release before run ${atGate.id}: nothing to roll back. Run ${atGate.id} stopped at its health gate and put back what it had changed`,
    );
    const stopped = (await d.store.get(atGate.id))!;
    expect(stopped.outcome?.gate?.rollbackBy).toBe(APPROVER);
    expect(d.world.ledger()).toMatchObject({ leftTainted: 0, leftCordoned: 0, podsLost: 0, terminatedTwice: 0 });
    await d.engine.stop();
  });
});

describe('roll back refuses, saying why and what to do (the rolling test above: a newer run, a release not recorded)', () => {
  it('an unknown run, someone who is not an approver (audited), a run that changed nothing', async () => {
    const d = world(await loadScenario('scenarios/demo.json'));
    expect((await refusal(d.app.rollback('r-nope', d.app.actor(APPROVER)))).message).toBe('there is no run r-nope');
    const asked = await d.app.requestUpgrade({ choices: { version: '1.30' }, by: d.app.actor('UREQ') });
    if (asked.kind !== 'requested') throw new Error(asked.kind);
    expect((await refusal(d.app.rollback(asked.run.id, d.app.actor('UREQ')))).message).toBe('only approvers may roll back upgrades');
    expect(await d.store.auditLog(10)).toContainEqual(expect.objectContaining({ action: 'refused-rollback', user: 'UREQ', runId: asked.run.id }));
    const unchanged = await refusal(d.app.rollback(asked.run.id, d.app.actor(APPROVER)));
    expect(unchanged.message).toBe(`run ${asked.run.id} changed nothing (awaiting approval), so there is nothing to roll back`);
    expect(unchanged.hint).toBe('see the list of runs for the runs that replaced nodes');
  });

  it('a run blocked on its first drain is cancelled, and then has nothing to roll back', async () => {
    const d = world(await loadScenario('scenarios/pdb-blocked.json'));
    const before = { sizes: d.world.groupSizes(), ltVersion: d.world.launchTemplateVersion() };
    const asked = await d.app.requestUpgrade({ choices: { version: '1.30' }, by: d.app.actor('UREQ') });
    if (asked.kind !== 'requested') throw new Error(asked.kind);
    await d.app.approve(asked.run.id, d.app.actor(APPROVER));
    const blocked = await runTo(d, asked.run.id, (r) => r.status === 'needs-decision' || isTerminal(r.status));
    expect(blocked.status).toBe('needs-decision');
    const nothing = await refusal(settle(d, d.app.rollback(blocked.id, d.app.actor(APPROVER))));
    expect(nothing.message).toBe(
      `every node of core already runs ${blocked.plan.fromRelease}, the release before run ${blocked.id}: nothing to roll back. Run ${blocked.id} was cancelled first: it put back what it had changed`,
    );
    expect((await d.store.get(blocked.id))!.status).toBe('cancelled');
    assertBackOn(d, blocked.plan.fromImageId, before);
    await d.engine.stop();
  });

  it('eks: not across a Kubernetes minor (EKS cannot downgrade a managed group), nor while EKS updates the group', async () => {
    const d = world(await loadScenario('scenarios/eks-workshop.json'));
    const asked = await d.app.requestUpgrade({ choices: { version: '1.23' }, by: d.app.actor('UREQ') });
    if (asked.kind !== 'requested') throw new Error(asked.kind);
    await d.app.approve(asked.run.id, d.app.actor(APPROVER));
    const updating = await runTo(d, asked.run.id, (r) => r.eks?.updateId !== undefined || isTerminal(r.status));
    const running = await refusal(d.app.rollback(updating.id, d.app.actor(APPROVER)));
    expect(running.message).toMatch(new RegExp(`^run ${updating.id} cannot be rolled back yet: EKS is updating the group \\(update [^)]+\\) and has no way to stop`));
    const upgrade = await runTo(d, asked.run.id);
    expect(upgrade.status).toBe('succeeded');
    const downgrade = await refusal(settle(d, d.app.rollback(upgrade.id, d.app.actor(APPROVER))));
    expect(downgrade.message).toMatch(/^1\.22 is older than node group nodegroup's 1\.23: node groups cannot be downgraded/);
    await d.engine.stop();
  });
});
