// The real EksNodeGroups adapter (AWS SDK v3) against the simulated world's AWS wire server gives the
// answers the in-process SimNodeGroups gives on a twin world (same scenario, same seed, same clock),
// and leaves the world in the same state.
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/engine/errors.js';
import type { GroupRef, NodeGroups } from '../../../src/engine/ports.js';
import { amiFamilyOf, findImage, imagesFor } from '../../../src/sim/images.js';
import { AMI_TYPES } from '../../../src/sim/scenario.js';
import type { SimWorld } from '../../../src/sim/world.js';
import { advance, closeServed, scenarioOf, serveWorldAws, twin } from './aws-world-fixture.js';

afterEach(closeServed);

/** What both worlds must agree on after the same calls. */
function stateOf(w: SimWorld) {
  return {
    instances: w.instances(),
    sizes: w.groupSizes(),
    launchTemplateVersion: w.launchTemplateVersion(),
    suspended: w.suspendedProcesses(),
    activities: w.activities(),
    updates: w.eksUpdates(),
    terminationRequests: w.terminationRequests(),
    ledger: w.ledger(),
    nodes: w.nodes().map((n) => ({ name: n.name, ready: n.ready, kubeletVersion: n.kubeletVersion })),
  };
}

async function pair(o: Parameters<typeof scenarioOf>[0]) {
  const scenario = scenarioOf(o);
  const served = await serveWorldAws(scenario);
  const local = twin(scenario);
  const ref: GroupRef = { cluster: scenario.cluster.name, nodegroup: scenario.nodegroup.name };
  /** The same call on both sides: the adapter over the wire, SimNodeGroups in-process. */
  const both = async <T>(call: (ng: NodeGroups) => Promise<T>): Promise<T> => {
    const [wire, inProcess] = await Promise.all([call(served.adapter), call(local.world.nodeGroups)]);
    expect(wire).toEqual(inProcess);
    return wire;
  };
  const advanceBoth = (ms: number) => {
    advance(served.clock, ms);
    advance(local.clock, ms);
  };
  const sameState = () => expect(stateOf(served.world)).toEqual(stateOf(local.world));
  return { scenario, served, local, ref, both, advanceBoth, sameState };
}

describe('a self-managed group over the wire', () => {
  // Every amiType a scenario may name, at the version's newest release and at its oldest.
  it.each(
    AMI_TYPES.flatMap((amiType) => [
      [amiType, '1.29', undefined],
      [amiType, '1.29', imagesFor(amiFamilyOf(amiType), '1.29')[0].releaseVersion],
    ]),
  )('describes the group (%s %s release %s) as SimNodeGroups does, its image identified by name and SSM', async (amiType, version, releaseVersion) => {
    const { both, ref, served } = await pair({ amiType, version, ...(releaseVersion ? { releaseVersion } : {}) });
    const info = await both((ng) => ng.describeNodegroup(ref));
    expect(info).toMatchObject({ managed: false, version, imageId: served.world.initialImageId });
    if (releaseVersion) expect(info.releaseVersion).toBe(releaseVersion);
    await both((ng) => ng.describeCluster(ref.cluster));
    await both((ng) => ng.listNodegroups(ref.cluster));
  });

  it('resolves images through SSM to the ids the world boots, and refuses what the catalog lacks', async () => {
    const { both, ref } = await pair({ amiType: 'AL2023_x86_64_STANDARD' });
    expect(await both((ng) => ng.resolveImage(ref, '1.30'))).toEqual({ version: '1.30', releaseVersion: findImage('AL2023', '1.30').releaseVersion, imageId: findImage('AL2023', '1.30').imageId });
    for (const img of imagesFor('AL2023', '1.31')) await both((ng) => ng.resolveImage(ref, '1.31', img.releaseVersion));
    const { served, local } = await pair({ amiType: 'AL2023_x86_64_STANDARD' });
    await expect(served.adapter.resolveImage(ref, '1.19')).rejects.toBeInstanceOf(UserError);
    await expect(local.world.nodeGroups.resolveImage(ref, '1.19')).rejects.toBeInstanceOf(UserError);
  });

  it('walks a rolling upgrade call by call, leaving both worlds alike', async () => {
    const { both, ref, served, local, advanceBoth, sameState } = await pair({ amiType: 'AL2_x86_64' });
    const before = await both((ng) => ng.listInstances(ref));
    expect(before).toHaveLength(4);
    const target = await both((ng) => ng.resolveImage(ref, '1.30'));

    // A new launch-template version, once per token.
    expect(await both((ng) => ng.ensureLaunchTemplateVersion(ref, target.imageId, 'run-1'))).toBe('2');
    expect(await both((ng) => ng.ensureLaunchTemplateVersion(ref, target.imageId, 'run-1'))).toBe('2');
    expect(await both((ng) => ng.ensureLaunchTemplateVersion(ref, target.imageId, 'run-2'))).toBe('3');
    await both((ng) => ng.useLaunchTemplateVersion(ref, '2'));
    await both((ng) => ng.suspendProcesses(ref, ['AZRebalance', 'ScheduledActions']));
    await both((ng) => ng.setSizes(ref, { max: 10, desired: 6 }));
    sameState();

    advanceBoth(120_000);
    const during = await both((ng) => ng.listInstances(ref));
    expect(during.filter((i) => i.imageId === target.imageId && i.lifecycleState === 'InService')).toHaveLength(2);
    expect(await both((ng) => ng.describeNodegroup(ref))).toMatchObject({ version: '1.30', sizes: { min: 3, max: 10, desired: 6 }, suspendedProcesses: ['AZRebalance', 'ScheduledActions'] });

    // Replace one old instance, take two away with decrement.
    const [first, second, third] = before;
    await both((ng) => ng.terminateInstance(ref, first.instanceId, { decrement: false }));
    await both((ng) => ng.terminateInstance(ref, second.instanceId, { decrement: true }));
    await both((ng) => ng.terminateInstance(ref, third.instanceId, { decrement: true }));
    sameState();
    expect(served.world.terminationRequests()).toEqual({ [first.instanceId]: 1, [second.instanceId]: 1, [third.instanceId]: 1 });

    // Asked again while it terminates, the adapter sees it leaving and sends nothing; SimNodeGroups would.
    await served.adapter.terminateInstance(ref, first.instanceId, { decrement: false });
    expect(served.world.terminationRequests()[first.instanceId]).toBe(1);

    advanceBoth(300_000);
    await both((ng) => ng.resumeProcesses(ref, ['AZRebalance', 'ScheduledActions']));
    await both((ng) => ng.setSizes(ref, { max: 8 }));
    const activities = await both((ng) => ng.listScalingActivities(ref, 0));
    expect(activities.length).toBeGreaterThanOrEqual(6);
    const since = activities[3].at;
    await both((ng) => ng.listScalingActivities(ref, since));
    sameState();
    expect(served.world.ledger()).toMatchObject({ terminatedTwice: 0 });
    expect(local.world.ledger()).toMatchObject({ terminatedTwice: 0 });
  });

  it('refuses a termination below the minimum as AWS does, and records the refused request', async () => {
    const { ref, served } = await pair({});
    const [victim] = await served.adapter.listInstances(ref);
    await served.adapter.setSizes(ref, { min: 4 });
    await expect(served.adapter.terminateInstance(ref, victim.instanceId, { decrement: true })).rejects.toThrow(/desiredSize equals minSize/);
    expect(served.world.terminationRequests()).toEqual({ [victim.instanceId]: 1 });
    expect(served.world.instances().find((i) => i.instanceId === victim.instanceId)?.lifecycleState).toBe('InService');
  });

  it('pages scaling activities newest first across many pages', async () => {
    const { both, ref, advanceBoth } = await pair({});
    // Each size change launches or removes instances: well over a hundred activities.
    for (let k = 0; k < 30; k++) {
      await both((ng) => ng.setSizes(ref, { desired: 8 }));
      advanceBoth(90_000);
      await both((ng) => ng.setSizes(ref, { desired: 3 }));
      advanceBoth(60_000);
    }
    const all = await both((ng) => ng.listScalingActivities(ref, 0));
    expect(all.length).toBeGreaterThan(250);
  });

  it('refuses what EKS cannot do for a self-managed group, as SimNodeGroups does', async () => {
    const { ref, served, local } = await pair({});
    const req = { version: '1.30', force: false, token: 't' };
    await expect(served.adapter.startVersionUpdate(ref, req)).rejects.toBeInstanceOf(UserError);
    await expect(local.world.nodeGroups.startVersionUpdate(ref, req)).rejects.toBeInstanceOf(UserError);
  });
});

describe('a managed group over the wire', () => {
  it('is described from EKS and its Auto Scaling group as SimNodeGroups describes it', async () => {
    const { both, ref, served } = await pair({ managed: true, amiType: 'AL2_x86_64' });
    expect(await both((ng) => ng.listNodegroups(ref.cluster))).toEqual(['apps']);
    const info = await both((ng) => ng.describeNodegroup(ref));
    expect(info).toMatchObject({ managed: true, status: 'ACTIVE', maxUnavailable: 2, asgName: served.world.aws.asg.name });
    await both((ng) => ng.listInstances(ref));
    await both((ng) => ng.resolveImage(ref, '1.30'));
  });

  it('runs an EKS version update, idempotent on the token, followed by DescribeUpdate to the end', async () => {
    const { both, ref, advanceBoth, sameState } = await pair({ managed: true, amiType: 'BOTTLEROCKET_x86_64' });
    const id = await both((ng) => ng.startVersionUpdate(ref, { version: '1.30', force: false, token: 'run-7' }));
    expect(await both((ng) => ng.startVersionUpdate(ref, { version: '1.30', force: false, token: 'run-7' }))).toBe(id);
    expect(await both((ng) => ng.describeUpdate(ref, id))).toEqual({ id, status: 'InProgress', errors: [] });
    expect(await both((ng) => ng.describeNodegroup(ref).then((g) => g.status))).toBe('UPDATING');
    sameState();
    for (let k = 0; k < 200 && (await both((ng) => ng.describeUpdate(ref, id))).status === 'InProgress'; k++) advanceBoth(60_000);
    expect(await both((ng) => ng.describeUpdate(ref, id))).toEqual({ id, status: 'Successful', errors: [] });
    expect(await both((ng) => ng.describeNodegroup(ref))).toMatchObject({ status: 'ACTIVE', version: '1.30', releaseVersion: findImage('BOTTLEROCKET', '1.30').releaseVersion });
    sameState();
  });

  it("passes on EKS's refusals: an update while one runs, a version past the control plane, an unknown update", async () => {
    const { ref, served } = await pair({ managed: true });
    await served.adapter.startVersionUpdate(ref, { version: '1.30', force: false, token: 'a' });
    await expect(served.adapter.startVersionUpdate(ref, { version: '1.30', force: false, token: 'b' })).rejects.toThrow(
      /^EKS refused to update prod\/apps: Nodegroup apps is currently being updated/,
    );
    const other = await pair({ managed: true });
    await expect(other.served.adapter.startVersionUpdate(other.ref, { version: '1.31', force: false, token: 'c' })).rejects.toThrow(
      /^EKS refused to update prod\/apps: Requested Kubernetes version 1.31 is newer/,
    );
    await expect(other.served.adapter.describeUpdate(other.ref, 'nope')).rejects.toThrow(/^No update nope for prod\/apps/);
    await expect(other.served.adapter.describeNodegroup({ cluster: 'prod', nodegroup: 'ghost' })).rejects.toThrow('Node group ghost not found in cluster prod');
  });
});
