// The releases the AMI watch compares with, as the real adapter reads them from the simulated SSM
// (GetParametersByPath, paged ten at a time): the same releases, dated the same, as the world's
// catalog, for Amazon Linux and Bottlerocket, managed and self-managed.
import { afterEach, describe, expect, it } from 'vitest';
import { EksNodeGroups } from '../../../src/aws/eks-node-groups.js';
import { adapterClusters, closeServed, CREDENTIALS, scenarioOf, serveWorldAws, twin } from './aws-world-fixture.js';

afterEach(closeServed);

describe('EksNodeGroups.listReleases over the wire', () => {
  for (const o of [
    // Three releases: twelve Amazon Linux parameters (two pages), eight Bottlerocket ones (one).
    { managed: true, amiType: 'AL2023_x86_64_STANDARD', version: '1.30', pages: 2 },
    { managed: false, amiType: 'BOTTLEROCKET_ARM_64', version: '1.30', pages: 1 },
    { managed: false, amiType: 'AL2_x86_64', version: '1.30', pages: 2 },
  ]) {
    it(`${o.managed ? 'managed' : 'self-managed'} ${o.amiType}: every release, oldest first, with the day AWS published it`, async () => {
      const scenario = scenarioOf(o);
      const { api, world } = await serveWorldAws(scenario);
      const adapter = new EksNodeGroups({ endpoint: api.url, credentials: CREDENTIALS, clusters: adapterClusters(scenario, world.aws.asg.name) });
      const ref = { cluster: 'prod', nodegroup: scenario.nodegroup.name };
      const expected = await twin(scenario).world.nodeGroups.listReleases(ref, o.version);
      expect(expected.length).toBeGreaterThan(1);
      expect(await adapter.listReleases(ref, o.version)).toEqual(expected);
      expect(world.apiCalls().byMethod.GetParametersByPath).toBe(o.pages);
      // Asked again (/mng status asks for every group): the listing is reused, SSM is not asked again.
      expect(await adapter.listReleases(ref, o.version)).toEqual(expected);
      expect(world.apiCalls().byMethod.GetParametersByPath).toBe(o.pages);
      // A version AWS publishes nothing for: no releases, rather than an error.
      expect(await adapter.listReleases(ref, '1.99')).toEqual([]);
      adapter.destroy();
    });
  }
});
