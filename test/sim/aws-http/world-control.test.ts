// The world's control endpoints beside the AWS APIs: faults that take effect on both ports, and bodies
// refused with a message naming what is wrong.
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { afterEach, describe, expect, it } from 'vitest';
import { PacedClock, VirtualClock } from '../../../src/sim/clock.js';
import { loadScenario } from '../../../src/sim/scenario.js';
import { serveWorld, type WorldServer } from '../../../src/sim/world-server.js';
import { createWorld, type SimWorld } from '../../../src/sim/world.js';
import { CREDENTIALS } from './aws-world-fixture.js';

const open: WorldServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function served(clock: VirtualClock | PacedClock = new VirtualClock()): Promise<{ world: SimWorld; server: WorldServer }> {
  const world = createWorld(await loadScenario('scenarios/demo.json'), { clock });
  const server = await serveWorld(world);
  open.push(server);
  return { world, server };
}

const post = (url: string, body: string) => fetch(`${url}/world/faults`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });

describe('POST /world/faults', () => {
  it('throttles the AWS and Kubernetes ports from now on, and lifts it again', async () => {
    const { world, server } = await served();
    const res = await post(server.awsUrl, '{"throttle":{"aws":1,"kube":1}}');
    expect(await res.json()).toEqual({ throttle: { aws: 1, kube: 1 } });
    const asg = new AutoScalingClient({ region: 'us-west-2', endpoint: server.awsUrl, credentials: CREDENTIALS, maxAttempts: 1 });
    await expect(asg.send(new DescribeAutoScalingGroupsCommand({}))).rejects.toMatchObject({ name: 'Throttling' });
    const kube = await fetch(`${server.kubeUrl}/api/v1/nodes`);
    expect([kube.status, kube.headers.get('retry-after')]).toEqual([429, '1']);

    await post(server.awsUrl, '{"throttle":{"aws":0}}');
    expect((await asg.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups).toHaveLength(1);
    expect(world.meter.throttling()).toEqual({ aws: 0, kube: 1 });
    asg.destroy();
  });

  it('compacts the watch history and cuts the watches: a watch resuming from before gets 410 Gone', async () => {
    const { server } = await served();
    const rv = server.kube.resourceVersion;
    const watch = await fetch(`${server.kubeUrl}/api/v1/nodes?watch=true&resourceVersion=${rv}`);
    const reader = watch.body!.getReader();
    await until(() => server.kube.openWatches === 1);
    expect(await (await post(server.awsUrl, '{"compact":true,"dropWatches":true}')).json()).toEqual({ throttle: { aws: 0, kube: 0 }, compacted: true, droppedWatches: true });
    // The cut connection ends the stream (or breaks it).
    await reader.read().then(async function drain(r): Promise<void> {
      if (!r.done) return reader.read().then(drain);
    }).catch(() => undefined);
    expect(server.kube.openWatches).toBe(0);
    const resumed = await (await fetch(`${server.kubeUrl}/api/v1/nodes?watch=true&resourceVersion=${rv - 1}`)).text();
    expect(resumed).toContain('"code":410');
  });

  it.each([
    ['not json', 'the body must be JSON'],
    ['[1]', 'the body must be a JSON object'],
    ['{}', 'nothing to do: give throttle, dropWatches or compact'],
    ['{"throttle":{"aws":1.5}}', 'throttle.aws must be a probability from 0 to 1, got 1.5'],
    ['{"throttle":0.5}', 'throttle must be an object'],
    ['{"dropWatches":"yes"}', 'dropWatches must be true or false, got "yes"'],
    ['{"flood":true}', 'unknown field flood (expected throttle, dropWatches, compact)'],
  ])('refuses %s: 400 saying what is wrong', async (body, message) => {
    const { server, world } = await served();
    const res = await post(server.awsUrl, body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toContain(message);
    expect(world.meter.throttling()).toEqual({ aws: 0, kube: 0 });
  });
});

describe('GET /world/clock and /world/ledger', () => {
  it('report the world time and speed, and the ledger', async () => {
    const { server, world } = await served(new PacedClock(120, Date.UTC(2026, 5, 1)));
    const clock = (await (await fetch(`${server.awsUrl}/world/clock`)).json()) as { now: number; speed: number };
    expect(clock.speed).toBe(120);
    expect(clock.now).toBeGreaterThanOrEqual(Date.UTC(2026, 5, 1));
    const ledger = (await (await fetch(`${server.awsUrl}/world/ledger`)).json()) as Record<string, unknown>;
    expect(Object.keys(ledger)).toEqual(
      expect.arrayContaining(['podsLost', 'pdbViolations', 'forcedDeletions', 'terminatedTwice', 'nodesTerminatedWithPods', 'leftTainted', 'leftCordoned', 'pendingPods', 'group', 'versions', 'terminationRequests', 'launchTemplateVersion', 'suspendedProcesses', 'instances', 'now']),
    );
    expect(ledger.instances).toHaveLength(world.instances().length);
    expect((await fetch(`${server.awsUrl}/world/ledger`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${server.awsUrl}/world/nothing`)).status).toBe(404);
  });
});

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
