// UpdateNodegroupConfig's update strategy over the wire: the real EksNodeGroups adapter against the
// simulated world's AWS server answers as SimNodeGroups does on a twin world, and the simulated EKS
// then updates the group MINIMAL's way: no surge.
import { afterEach, describe, expect, it } from 'vitest';
import type { GroupRef, NodeGroups } from '../../../src/engine/ports.js';
import { advance, closeServed, scenarioOf, serveWorldAws, twin } from './aws-world-fixture.js';

afterEach(closeServed);

describe('update strategy over the wire', () => {
  it('is read from DescribeNodegroup, set with UpdateNodegroupConfig, and honoured by the update that follows', async () => {
    const scenario = scenarioOf({ managed: true });
    const served = await serveWorldAws(scenario);
    const local = twin(scenario);
    const ref: GroupRef = { cluster: scenario.cluster.name, nodegroup: scenario.nodegroup.name };
    const both = async <T>(call: (ng: NodeGroups) => Promise<T>): Promise<T> => {
      const [wire, inProcess] = await Promise.all([call(served.adapter), call(local.world.nodeGroups)]);
      expect(wire).toEqual(inProcess);
      return wire;
    };
    expect((await both((ng) => ng.describeNodegroup(ref))).updateStrategy).toBe('DEFAULT');
    await both((ng) => ng.setUpdateStrategy(ref, 'MINIMAL', 'run-1-minimal'));
    expect((await both((ng) => ng.describeNodegroup(ref))).updateStrategy).toBe('MINIMAL');

    const before = served.world.groupSizes();
    const id = await both((ng) => ng.startVersionUpdate(ref, { version: '1.30', force: false, token: 'run-1' }));
    // No config change while EKS updates the group, as on AWS.
    await expect(served.adapter.setUpdateStrategy(ref, 'DEFAULT', 'run-1-restore')).rejects.toThrow(/^EKS refused to change the update strategy of prod\/apps: .*currently being updated/);
    for (let k = 0; k < 200 && (await both((ng) => ng.describeUpdate(ref, id))).status === 'InProgress'; k++) {
      advance(served.clock, 60_000);
      advance(local.clock, 60_000);
    }
    expect(await both((ng) => ng.describeUpdate(ref, id))).toEqual({ id, status: 'Successful', errors: [] });
    for (const w of [served.world, local.world]) {
      expect(w.peakSizes()).toEqual({ max: before.max, desired: before.desired });
      expect(w.instances().every((i) => i.imageId !== served.world.initialImageId)).toBe(true);
    }
    await both((ng) => ng.setUpdateStrategy(ref, 'DEFAULT', 'run-1-restore'));
    expect((await both((ng) => ng.describeNodegroup(ref))).updateStrategy).toBe('DEFAULT');
  });
});
