// openWorld: the simulator from a scenario, and the AWS world's Kubernetes connections (reached here
// through a kubeconfig that points at the simulator's HTTP API on 127.0.0.1).
import { buildEngine } from '../../src/app/compose.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openWorld, systemClock } from '../../src/open-world.js';
import { PacedClock, runUntil, VirtualClock } from '../../src/sim/clock.js';
import { serveKubeApi, type KubeApiServer } from '../../src/sim/kube-http/serve-kube-api.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';
import { CREDENTIALS, REGION, startMoto } from '../aws/moto.js';

const tmp = mkdtempSync(join(tmpdir(), 'mngbot-world-'));
const servers: KubeApiServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(tmp, { recursive: true, force: true });
});

const demo = { kind: 'sim' as const, scenario: 'scenarios/demo.json', simSpeed: 60 };

describe('openWorld: sim', () => {
  it("builds the scenario's world on a paced clock, with its cluster and node group", async () => {
    const world = await openWorld({ world: demo, clusters: [] });
    expect(world.kind).toBe('sim');
    expect(world.clock).toBeInstanceOf(PacedClock);
    expect((world.clock as PacedClock).speed).toBe(60);
    expect(world.clusters).toEqual([{ name: 'demo', nodegroups: ['workers'] }]);
    expect(world.sim?.scenario.cluster.name).toBe('demo');
    expect(world.clusterFor('demo')).toBe(world.sim!.cluster);
    expect(await world.clusterFor('demo').listNodes()).toHaveLength(9);
    expect(await world.nodeGroups.describeCluster('demo')).toMatchObject({ version: '1.30', status: 'ACTIVE' });
    expect(() => world.clusterFor('prod')).toThrow(/the simulated world has no cluster prod/);
    await world.close();
  });

  it('keeps configured clusters, takes a given clock, and names an unreadable scenario', async () => {
    const clock = new VirtualClock();
    const configured = [{ name: 'demo', region: 'us-west-2', nodegroups: ['workers'], channels: ['#ops'] }];
    const world = await openWorld({ world: demo, clusters: configured }, { clock });
    expect(world.clock).toBe(clock);
    expect(world.clusters).toEqual(configured);
    await expect(openWorld({ world: { ...demo, scenario: 'scenarios/nope.json' }, clusters: [] })).rejects.toThrow(
      /scenarios\/nope\.json: cannot read the scenario/,
    );
  });

  it('is enough for the engine to plan and upgrade', async () => {
    const clock = new VirtualClock();
    const world = await openWorld({ world: demo, clusters: [] }, { clock });
    const engine = buildEngine({
      nodeGroups: world.nodeGroups,
      clusterFor: (c) => world.clusterFor(c),
      store: new MemoryRunStore(),
      clock: world.clock,
      policy: { isApprover: () => true, allowSelfApproval: true },
    });
    const ref = { cluster: 'demo', nodegroup: 'workers' };
    const by = { user: 'test', at: clock.now() };
    const run = await engine.requestUpgrade({ ref, version: '1.30' }, by);
    await engine.approve(run.id, by);
    let status = '';
    engine.onEvent((e) => {
      if (e.kind === 'status') status = e.status;
    });
    await runUntil(clock, () => status === 'succeeded' || status === 'failed');
    await engine.stop();
    expect(status).toBe('succeeded');
    expect(world.sim!.ledger()).toMatchObject({ podsLost: 0, pdbViolations: 0 });
  });
});

describe('openWorld: aws', () => {
  it('a real clock, the configured clusters, and no network until a cluster is used', async () => {
    const world = await openWorld({ world: { kind: 'aws' }, clusters: [{ name: 'prod', region: 'eu-west-1' }] }, { env: {} });
    expect(world.kind).toBe('aws');
    expect(world.clock).toBe(systemClock);
    expect(world.sim).toBeUndefined();
    expect(world.clusters).toEqual([{ name: 'prod', region: 'eu-west-1' }]);
    // The same Cluster for the same name.
    expect(world.clusterFor('prod')).toBe(world.clusterFor('prod'));
    await expect(world.clusterFor('staging').listNodes()).rejects.toThrow(/cluster staging is not configured/);
    await world.close();
  });

  it('a cluster without a region: says where to give one', async () => {
    await expect(openWorld({ world: { kind: 'aws' }, clusters: [{ name: 'prod' }] }, { env: {} })).rejects.toThrow(/cluster prod has no region/);
    // AWS_REGION stands in for it.
    const world = await openWorld({ world: { kind: 'aws' }, clusters: [{ name: 'prod' }] }, { env: { AWS_REGION: 'eu-west-1' } });
    expect(world.clusters).toEqual([{ name: 'prod' }]);
    await world.close();
  });

  it('reaches Kubernetes through the kubeconfig context named after the cluster', async () => {
    const sim = await openWorld({ world: demo, clusters: [] }, { clock: new VirtualClock() });
    const api = await serveKubeApi(sim.sim!, { host: '127.0.0.1', port: 0 });
    servers.push(api);
    const path = join(tmp, 'kubeconfig.json');
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'elsewhere', cluster: { server: 'http://127.0.0.1:1', 'insecure-skip-tls-verify': true } },
          { name: 'arn:aws:eks:us-west-2:111122223333:cluster/demo', cluster: { server: api.url, 'insecure-skip-tls-verify': true } },
        ],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [
          { name: 'other', context: { cluster: 'elsewhere', user: 'u' } },
          { name: 'arn:aws:eks:us-west-2:111122223333:cluster/demo', context: { cluster: 'arn:aws:eks:us-west-2:111122223333:cluster/demo', user: 'u' } },
        ],
        'current-context': 'other',
      }),
    );
    const clusters = [{ name: 'demo', region: 'us-west-2' }, { name: 'prod', region: 'us-west-2' }];
    const world = await openWorld({ world: { kind: 'aws' }, clusters }, { env: {}, kube: { kubeconfig: path } });
    expect(await world.clusterFor('demo').listNodes()).toHaveLength(9);
    const watch = world.clusterFor('demo').watch(() => {});
    await watch.ready;
    watch.stop();
    await expect(world.clusterFor('prod').listNodes()).rejects.toThrow(
      /cluster prod: .*the kubeconfig .* has no context for cluster prod \(it has: other, arn:aws:eks:us-west-2:111122223333:cluster\/demo\)/,
    );
    // An explicit context wins, and its failures name the cluster.
    const pinned = await openWorld({ world: { kind: 'aws' }, clusters }, { env: {}, kube: { kubeconfig: path, context: 'other' } });
    await expect(pinned.clusterFor('prod').listNodes()).rejects.toThrow(/^cluster prod: Kubernetes API unreachable/);
    await world.close();
    await pinned.close();
  });

  it('without a kubeconfig, finds the EKS endpoint with DescribeCluster; a missing cluster is named with its region', async () => {
    const moto = await startMoto();
    try {
      const world = await openWorld(
        { world: { kind: 'aws' }, clusters: [{ name: 'prod', region: REGION }] },
        { env: {}, aws: { endpoint: moto.endpoint, credentials: CREDENTIALS } },
      );
      await expect(world.clusterFor('prod').listPdbs()).rejects.toThrow(
        /^cluster prod: cannot find out how to reach its Kubernetes API: EKS cluster prod not found in us-west-2/,
      );
      await world.close();
    } finally {
      await moto.stop();
    }
  });
});
