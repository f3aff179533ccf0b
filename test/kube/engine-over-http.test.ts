// The real engine upgrading a simulated world whose Kubernetes it reaches only over HTTP, through
// KubeCluster; AWS stays in-process (SimNodeGroups). Simulated time runs 3000× real time.
import { buildEngine } from '../../src/app/compose.js';
import { afterEach, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/engine/events.js';
import { ledgerProblems } from '../../src/sim/ledger.js';
import { PacedClock } from '../../src/sim/clock.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { createWorld } from '../../src/sim/world.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';
import { closeAll, serve, until } from './kube-fixture.js';

afterEach(closeAll);

it('upgrades scenarios/demo.json over the simulated API server, leaving the world clean', async () => {
  const clock = new PacedClock(3000, undefined, { skipStalls: true });
  const world = createWorld(await loadScenario('scenarios/demo.json'), { clock });
  const { api, kube } = await serve(world);
  const store = new MemoryRunStore();
  const engine = buildEngine({
    nodeGroups: world.nodeGroups,
    clusterFor: () => kube,
    store,
    clock,
    policy: { isApprover: () => true, allowSelfApproval: true },
    newId: () => 'over-http',
  });
  const events: ProgressEvent[] = [];
  engine.onEvent((e) => events.push(e));

  const run = await engine.requestUpgrade({ ref: world.ref, version: '1.30' }, { user: 'sim', at: clock.now() });
  await engine.approve(run.id, { user: 'sim', at: clock.now() });
  await until(() => events.some((e) => e.kind === 'phase' && e.phase === 'done'), 'the run to finish', 60_000);
  await engine.stop();

  const final = (await store.get(run.id))!;
  expect(final.status, final.outcome?.summary).toBe('succeeded');
  expect(ledgerProblems(world.ledger())).toEqual([]);
  expect(world.ledger().forcedDeletions).toBe(0);
  const nodes = world.nodes();
  expect(nodes.some((n) => world.initialNodes.includes(n.name))).toBe(false);
  expect(nodes).toHaveLength(9);
  expect(nodes.every((n) => n.kubeletVersion.startsWith('v1.30.') && n.ready && !n.unschedulable && n.taints.length === 0)).toBe(true);
  // The engine watched the cluster over HTTP rather than polling it.
  expect(api.watchesServed).toBeGreaterThanOrEqual(2);
}, 90_000);
