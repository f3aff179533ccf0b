import { describe, expect, it } from 'vitest';
import { FatalError, RetryableError, UserError } from '../../src/engine/errors.js';
import { imagesFor } from '../../src/sim/images.js';
import { advanceTo, flush, world } from './world-fixture.js';

const byAz = (azs: string[]) => azs.reduce<Record<string, number>>((m, az) => ((m[az] = (m[az] ?? 0) + 1), m), {});

describe('Auto Scaling group', () => {
  it('launches into the AZ with the fewest instances', async () => {
    const { w } = world({ nodegroup: { nodes: 4, min: 1 } });
    expect(byAz(w.instances().map((i) => i.az))).toEqual({ 'us-west-2a': 2, 'us-west-2b': 1, 'us-west-2c': 1 });
    await w.nodeGroups.setSizes(w.ref, { desired: 9 });
    const pending = w.instances().filter((i) => i.lifecycleState === 'Pending');
    expect(pending).toHaveLength(5);
    expect(byAz(w.instances().map((i) => i.az))).toEqual({ 'us-west-2a': 3, 'us-west-2b': 3, 'us-west-2c': 3 });
  });

  it('walks a launch through register (NotReady) and Ready/InService on the scenario timings', async () => {
    const { w, clock } = world();
    await w.nodeGroups.setSizes(w.ref, { desired: 4 });
    const fresh = w.instances().find((i) => i.lifecycleState === 'Pending')!;
    expect(fresh.launchTemplateVersion).toBe('1');
    advanceTo(clock, 59_000);
    expect(w.nodes().find((n) => n.instanceId === fresh.instanceId)).toBeUndefined();
    advanceTo(clock, 60_000);
    const joined = w.nodes().find((n) => n.instanceId === fresh.instanceId)!;
    expect(joined.ready).toBe(false);
    expect(joined.labels['alpha.eksctl.io/nodegroup-name']).toBe('ng');
    expect(joined.labels['topology.kubernetes.io/zone']).toBe(fresh.az);
    expect(joined.labels['eks.amazonaws.com/nodegroup-image']).toBe(w.initialImageId);
    expect(joined.name).toMatch(/^ip-10-0-\d+-\d+\.us-west-2\.compute\.internal$/);
    expect(joined.kubeletVersion).toMatch(/^v1\.29\.\d+-eks-[0-9a-f]{7}$/);
    advanceTo(clock, 90_000);
    expect(w.nodes().find((n) => n.instanceId === fresh.instanceId)!.ready).toBe(true);
    expect(w.instances().find((i) => i.instanceId === fresh.instanceId)!.lifecycleState).toBe('InService');
    const acts = await w.nodeGroups.listScalingActivities(w.ref, 0);
    expect(acts.at(-1)).toMatchObject({ status: 'Successful', instanceId: fresh.instanceId });
  });

  it('replaces an instance terminated without decrement, not one terminated with it', async () => {
    const { w, clock } = world({ workloads: [{ name: 'web', kind: 'Deployment', replicas: 3 }] });
    const [a, b] = w.instances();
    await w.nodeGroups.terminateInstance(w.ref, a.instanceId, { decrement: false });
    expect(w.groupSizes().desired).toBe(3);
    const states = w.instances().map((i) => i.lifecycleState).sort();
    expect(states).toEqual(['InService', 'InService', 'Pending', 'Terminating']);
    const replacement = w.instances().find((i) => i.lifecycleState === 'Pending')!;
    expect(replacement.az).toBe(a.az);

    await w.nodeGroups.setSizes(w.ref, { min: 2 });
    await w.nodeGroups.terminateInstance(w.ref, b.instanceId, { decrement: true });
    expect(w.groupSizes()).toEqual({ min: 2, max: 9, desired: 2 });
    expect(w.instances().filter((i) => i.lifecycleState === 'Pending')).toHaveLength(1);

    advanceTo(clock, 60_000);
    expect(w.instances().map((i) => i.instanceId)).not.toContain(a.instanceId);
    expect(w.nodes().map((n) => n.instanceId)).not.toContain(a.instanceId);
    expect(w.pods().filter((p) => p.nodeName === a.nodeName)).toEqual([]);
    // Its pods were lost with it: the world noticed.
    expect(w.ledger().nodesTerminatedWithPods).toBe(2);
    const acts = await w.nodeGroups.listScalingActivities(w.ref, 0);
    expect(acts.filter((x) => x.description.startsWith('Terminating'))).toHaveLength(2);
    expect(acts.find((x) => x.instanceId === b.instanceId)!.description).toMatch(/shrinking the capacity from 3 to 2/);
  });

  it('counts and rejects a second termination, and one for a stranger', async () => {
    const { w, clock } = world();
    const [a] = w.instances();
    await w.nodeGroups.terminateInstance(w.ref, a.instanceId, { decrement: false });
    await expect(w.nodeGroups.terminateInstance(w.ref, a.instanceId, { decrement: false })).rejects.toThrow(/already Terminating/);
    advanceTo(clock, 60_000);
    await expect(w.nodeGroups.terminateInstance(w.ref, a.instanceId, { decrement: false })).rejects.toThrow(/already terminated/);
    await expect(w.nodeGroups.terminateInstance(w.ref, 'i-0123', { decrement: true })).rejects.toBeInstanceOf(FatalError);
    expect(w.ledger().terminatedTwice).toBe(3);
  });

  it('validates sizes as AWS does', async () => {
    const { w } = world();
    await expect(w.nodeGroups.setSizes(w.ref, { desired: 10 })).rejects.toThrow(/Desired capacity:10 must be between the specified min size:3 and max size:9/);
    await expect(w.nodeGroups.setSizes(w.ref, { min: 5, max: 4 })).rejects.toBeInstanceOf(UserError);
    await expect(w.nodeGroups.terminateInstance(w.ref, w.instances()[0].instanceId, { decrement: true })).rejects.toThrow(/min size/);
    expect(w.ledger().terminatedTwice).toBe(0);
    await w.nodeGroups.setSizes(w.ref, { min: 4 }); // desired follows min up, as UpdateAutoScalingGroup does
    expect(w.groupSizes()).toEqual({ min: 4, max: 9, desired: 4 });
  });

  it('retries failed launches after ~10 s and boots slow instances late', async () => {
    const { w, clock } = world({ faults: [{ kind: 'launchFailure', count: 2 }, { kind: 'slowBoot', extraSeconds: 300, count: 1 }] });
    await w.nodeGroups.setSizes(w.ref, { desired: 5 });
    expect(w.instances()).toHaveLength(3);
    advanceTo(clock, 10_000);
    expect(w.instances()).toHaveLength(3);
    advanceTo(clock, 20_000);
    expect(w.instances()).toHaveLength(5);
    const acts = await w.nodeGroups.listScalingActivities(w.ref, 0);
    expect(acts.filter((a) => a.status === 'Failed')).toHaveLength(2);
    expect(acts[0].description).toMatch(/InsufficientInstanceCapacity/);
    advanceTo(clock, 20_000 + 90_000);
    expect(w.nodes().filter((n) => n.ready)).toHaveLength(4); // the slow one is not Ready yet
    advanceTo(clock, 20_000 + 390_000);
    expect(w.nodes().filter((n) => n.ready)).toHaveLength(5);
  });

  it('keeps launch template versions idempotent per token and launches from the current one', async () => {
    const { w, clock } = world();
    const target = await w.nodeGroups.resolveImage(w.ref, '1.30');
    const newest = imagesFor('AL2', '1.30').at(-1)!;
    expect(target).toEqual({ version: '1.30', releaseVersion: newest.releaseVersion, imageId: newest.imageId });
    const v = await w.nodeGroups.ensureLaunchTemplateVersion(w.ref, target.imageId, 'run-1');
    expect(await w.nodeGroups.ensureLaunchTemplateVersion(w.ref, target.imageId, 'run-1')).toBe(v);
    expect(v).toBe('2');
    await w.nodeGroups.useLaunchTemplateVersion(w.ref, v);
    const info = await w.nodeGroups.describeNodegroup(w.ref);
    expect(info).toMatchObject({ managed: false, version: '1.30', imageId: target.imageId, launchTemplate: { version: '2' }, asgName: 'c-ng' });
    await w.nodeGroups.setSizes(w.ref, { desired: 4 });
    advanceTo(clock, 90_000);
    const fresh = w.nodes().find((n) => n.kubeletVersion.startsWith('v1.30'))!;
    expect(fresh.labels['eks.amazonaws.com/nodegroup-image']).toBe(target.imageId);
    await expect(w.nodeGroups.useLaunchTemplateVersion(w.ref, '9')).rejects.toBeInstanceOf(UserError);
  });

  it('has no AL2 image past 1.32', async () => {
    const { w } = world();
    await expect(w.nodeGroups.resolveImage(w.ref, '1.33')).rejects.toThrow(/AL2\) images end at Kubernetes 1\.32.*AL2023 or Bottlerocket/);
    await expect(w.nodeGroups.resolveImage(w.ref, '1.29', '1.29.9-20990101')).rejects.toBeInstanceOf(UserError);
  });

  it('suspends Launch: no replacement until resumed', async () => {
    const { w } = world();
    await w.nodeGroups.suspendProcesses(w.ref, ['Launch', 'AZRebalance']);
    await w.nodeGroups.terminateInstance(w.ref, w.instances()[0].instanceId, { decrement: false });
    expect(w.instances().filter((i) => i.lifecycleState === 'Pending')).toHaveLength(0);
    expect((await w.nodeGroups.describeNodegroup(w.ref)).suspendedProcesses).toEqual(['Launch', 'AZRebalance']);
    await w.nodeGroups.resumeProcesses(w.ref, ['Launch']);
    expect(w.instances().filter((i) => i.lifecycleState === 'Pending')).toHaveLength(1);
    expect(w.suspendedProcesses()).toEqual(['AZRebalance']);
  });

  it('throttles AWS calls with the fault, counts every call, and rejects strangers', async () => {
    const { w } = world({ faults: [{ kind: 'throttle', api: 'aws', probability: 1 }] });
    await expect(w.nodeGroups.describeNodegroup(w.ref)).rejects.toBeInstanceOf(RetryableError);
    await expect(w.nodeGroups.listInstances(w.ref)).rejects.toThrow('Throttling: Rate exceeded');
    await w.cluster.listNodes();
    await flush();
    expect(w.apiCalls()).toEqual({ aws: 2, kube: 1, byMethod: { describeNodegroup: 1, listInstances: 1, listNodes: 1 } });
    const ok = world().w;
    await expect(ok.nodeGroups.describeNodegroup({ cluster: 'c', nodegroup: 'other' })).rejects.toBeInstanceOf(UserError);
    await expect(ok.nodeGroups.describeCluster('nope')).rejects.toBeInstanceOf(UserError);
    expect(await ok.nodeGroups.listNodegroups('c')).toEqual(['ng']);
  });
});
