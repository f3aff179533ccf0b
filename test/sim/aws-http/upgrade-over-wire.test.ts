// Whole upgrades through the bot's real adapters only: EksNodeGroups (AWS SDK v3) against the world's
// AWS port, KubeCluster (client-node, from a kubeconfig) against its Kubernetes port, the engine in
// between on a clock paced like the world's (200 simulated seconds per real second).
import { buildEngine } from '../../../src/app/compose.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { EksNodeGroups } from '../../../src/aws/eks-node-groups.js';
import type { ProgressEvent } from '../../../src/engine/events.js';
import type { Strategy } from '../../../src/engine/run.js';
import { connectCluster } from '../../../src/kube/connect.js';
import { PacedClock } from '../../../src/sim/clock.js';
import { ledgerProblems } from '../../../src/sim/ledger.js';
import { loadScenario } from '../../../src/sim/scenario.js';
import { kubeconfigYaml } from '../../../src/sim/world-files.js';
import { serveWorld, type WorldServer } from '../../../src/sim/world-server.js';
import { createWorld } from '../../../src/sim/world.js';
import { MemoryRunStore } from '../../../src/store/memory-run-store.js';
import { until } from '../../kube/kube-fixture.js';
import { adapterClusters, CREDENTIALS } from './aws-world-fixture.js';

const SPEED = 200;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function upgrade(scenarioFile: string, strategy: Strategy) {
  const scenario = await loadScenario(scenarioFile);
  const worldClock = new PacedClock(SPEED, Date.UTC(2026, 0, 1));
  const world = createWorld(scenario, { clock: worldClock });
  const server: WorldServer = await serveWorld(world);
  cleanups.push(() => server.close());

  const dir = await mkdtemp(join(tmpdir(), 'mngbot-world-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigYaml(scenario, server.kubeUrl));

  const nodeGroups = new EksNodeGroups({ endpoint: server.awsUrl, credentials: CREDENTIALS, clusters: adapterClusters(scenario, world.aws.asg.name) });
  cleanups.push(async () => nodeGroups.destroy());
  const kube = connectCluster({ kind: 'kubeconfig', path: kubeconfig, context: scenario.cluster.name }, { requestTimeoutMs: 5000 });
  // The bot's own clock: paced the same, starting where the world's time is now.
  const clock = new PacedClock(SPEED, worldClock.now());
  const store = new MemoryRunStore();
  const engine = buildEngine({
    nodeGroups,
    clusterFor: () => kube,
    store,
    clock,
    policy: { isApprover: () => true, allowSelfApproval: true },
    newId: () => `wire-${strategy}`,
  });
  cleanups.push(() => engine.stop());
  const events: ProgressEvent[] = [];
  engine.onEvent((e) => events.push(e));

  const oldInstances = world.instances().map((i) => i.instanceId);
  const run = await engine.requestUpgrade({ ref: world.ref, version: scenario.cluster.version, strategy }, { user: 'dana', at: clock.now() });
  await engine.approve(run.id, { user: 'sam', at: clock.now() });
  await until(() => events.some((e) => e.kind === 'phase' && e.phase === 'done'), 'the run to finish', 90_000);
  const final = (await store.get(run.id))!;
  // The last pods move onto new nodes after the run ends: let the world settle before reading its ledger.
  await until(() => world.ledger().pendingPods === 0 && world.instances().every((i) => i.lifecycleState === 'InService'), 'the world to settle', 20_000);
  return { world, final, oldInstances, scenario };
}

it('upgrades scenarios/demo.json with the rolling strategy: clean ledger, one termination request per old instance', { timeout: 120_000 }, async () => {
  const { world, final, oldInstances } = await upgrade('scenarios/demo.json', 'rolling');
  expect(final.status, JSON.stringify(final.outcome)).toBe('succeeded');
  expect(ledgerProblems(world.ledger())).toEqual([]);
  expect(world.ledger().forcedDeletions).toBe(0);
  expect(world.terminationRequests()).toEqual(Object.fromEntries(oldInstances.map((id) => [id, 1])));
  const nodes = world.nodes();
  expect(nodes).toHaveLength(9);
  expect(nodes.every((n) => n.kubeletVersion.startsWith('v1.30.') && n.ready && !n.unschedulable && n.taints.length === 0)).toBe(true);
  expect(world.groupSizes()).toEqual({ min: 9, max: 12, desired: 9 });
  expect(world.suspendedProcesses()).toEqual([]);
  // Every call reached the world over the wire: its meter counted AWS operations by their wire names.
  expect(Object.keys(world.apiCalls().byMethod)).toEqual(expect.arrayContaining(['DescribeAutoScalingGroups', 'TerminateInstanceInAutoScalingGroup', 'CreateLaunchTemplateVersion', 'GetParameters']));
});

it('upgrades scenarios/eks-workshop.json with the eks strategy: EKS replaces the nodes, the bot terminates none', { timeout: 120_000 }, async () => {
  const { world, final } = await upgrade('scenarios/eks-workshop.json', 'eks');
  expect(final.status, JSON.stringify(final.outcome)).toBe('succeeded');
  expect(ledgerProblems(world.ledger())).toEqual([]);
  expect(world.terminationRequests()).toEqual({});
  expect(world.eksUpdates()).toEqual([expect.objectContaining({ status: 'Successful' })]);
  expect(world.nodes().every((n) => n.kubeletVersion.startsWith('v1.23.'))).toBe(true);
  expect(world.apiCalls().byMethod).toMatchObject({ UpdateNodegroupVersion: 1 });
});
