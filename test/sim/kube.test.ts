import { describe, expect, it } from 'vitest';
import type { ClusterEvent, NodePatch } from '../../src/engine/ports.js';
import { advanceTo, flush, world } from './world-fixture.js';

const EKS_TAINT = { key: 'eks.amazonaws.com/nodegroup', value: 'unschedulable', effect: 'NoSchedule' } as const;

describe('pods and the scheduler', () => {
  it('starts with every pod Running and Ready, spread evenly, DaemonSets on every node', () => {
    const { w } = world({
      workloads: [
        { name: 'ds', namespace: 'kube-system', kind: 'DaemonSet' },
        { name: 'web', namespace: 'shop', kind: 'Deployment', replicas: 7, pdb: { minAvailable: 5 } },
        { name: 'db', kind: 'StatefulSet', replicas: 2 },
      ],
    });
    const pods = w.pods();
    expect(pods).toHaveLength(12);
    expect(pods.every((p) => p.phase === 'Running' && p.ready && p.nodeName)).toBe(true);
    const perNode = w.nodes().map((n) => pods.filter((p) => p.nodeName === n.name).length);
    expect(Math.max(...perNode) - Math.min(...perNode)).toBeLessThanOrEqual(1);
    const web = pods.find((p) => p.labels.app === 'web')!;
    expect(web.owner?.kind).toBe('ReplicaSet');
    expect(web.name).toMatch(/^web-[a-z0-9]{10}-[a-z0-9]{5}$/);
    expect(pods.filter((p) => p.owner?.kind === 'DaemonSet')).toHaveLength(3);
    expect(pods.filter((p) => p.owner?.kind === 'StatefulSet').map((p) => p.name).sort()).toEqual(['db-0', 'db-1']);
  });

  it('places new pods only on Ready, schedulable, untainted nodes with room', async () => {
    const { w, clock } = world({
      nodegroup: { podsPerNode: 4 },
      workloads: [{ name: 'web', kind: 'Deployment', replicas: 6, gracePeriodSeconds: 10 }],
    });
    const [a, b, c] = w.nodes();
    await w.cluster.patchNode(a.name, { addTaints: [EKS_TAINT] });
    await w.cluster.patchNode(b.name, { unschedulable: true });
    const victims = w.pods().filter((p) => p.nodeName !== c.name);
    for (const p of victims) expect((await w.cluster.evict(p)).outcome).toBe('accepted');
    // c had 2 pods and room for 2 more; the other 2 replacements wait.
    const pending = w.pods().filter((p) => !p.terminating && p.phase === 'Pending');
    expect(pending.filter((p) => p.nodeName === c.name)).toHaveLength(2);
    expect(pending.filter((p) => !p.nodeName)).toHaveLength(2);
    advanceTo(clock, 5_000);
    expect(w.pods().filter((p) => p.nodeName === c.name && p.ready)).toHaveLength(4);
    // Room appears when the evicted pods leave b; it is cordoned, so nothing lands there.
    advanceTo(clock, 10_000);
    expect(w.pods().filter((p) => p.nodeName === b.name)).toHaveLength(0);
    expect(w.ledger().pendingPods).toBe(2);
    await w.cluster.patchNode(b.name, { unschedulable: false });
    advanceTo(clock, 15_000);
    expect(w.pods().filter((p) => p.nodeName === b.name && p.ready)).toHaveLength(2);
    expect(w.ledger()).toMatchObject({ pendingPods: 0, podsLost: 0, leftTainted: 1, leftCordoned: 0 });
  });

  it('patches taints idempotently and annotations with null removal', async () => {
    const { w } = world();
    const n = w.nodes()[0].name;
    await w.cluster.patchNode(n, { addTaints: [EKS_TAINT], annotations: { a: '1', b: '2' } });
    await w.cluster.patchNode(n, { addTaints: [{ ...EKS_TAINT, value: 'again' }], annotations: { a: null } });
    let node = (await w.cluster.listNodes()).find((x) => x.name === n)!;
    expect(node.taints).toEqual([{ ...EKS_TAINT, value: 'again' }]);
    expect(node.annotations).toEqual({ b: '2' });
    await w.cluster.patchNode(n, { removeTaints: [EKS_TAINT.key] });
    node = (await w.cluster.listNodes()).find((x) => x.name === n)!;
    expect(node.taints).toEqual([]);
    node.labels.mutated = 'yes'; // a copy: the world does not change
    expect(w.nodes().find((x) => x.name === n)!.labels.mutated).toBeUndefined();
    await expect(w.cluster.patchNode('nope', { unschedulable: true })).rejects.toThrow(/not found/);
  });

  it('sends a node event for a patch that changes the node, and none for one that changes nothing', async () => {
    const { w } = world();
    const n = w.nodes()[0].name;
    const seen: ClusterEvent[] = [];
    const watch = w.cluster.watch((e) => seen.push(e));
    await watch.ready;
    const nodeEvents = async () => {
      await flush();
      return seen.filter((e) => e.kind === 'node').length;
    };
    const patches: [NodePatch, number][] = [
      [{ addTaints: [EKS_TAINT], labels: { x: '1' } }, 1],
      [{ addTaints: [EKS_TAINT], labels: { x: '1' } }, 0],
      [{ addTaints: [{ ...EKS_TAINT, value: 'other' }] }, 1],
      [{ unschedulable: false, annotations: { gone: null }, labels: { x: '1' } }, 0],
      [{ unschedulable: true }, 1],
      [{ annotations: { a: '1' } }, 1],
      [{ annotations: { a: null }, removeTaints: ['not-there'] }, 1],
      [{ labels: { x: null } }, 1],
    ];
    for (const [patch, events] of patches) {
      const before = await nodeEvents();
      await w.cluster.patchNode(n, patch);
      expect((await nodeEvents()) - before, JSON.stringify(patch)).toBe(events);
    }
    watch.stop();
  });
});

describe('evictions and PodDisruptionBudgets', () => {
  it('answers 429 once the budget is spent and accepts otherwise', async () => {
    const { w, clock } = world({
      workloads: [{ name: 'web', namespace: 'shop', kind: 'Deployment', replicas: 4, pdb: { minAvailable: 3 }, gracePeriodSeconds: 30 }],
    });
    expect(await w.cluster.listPdbs()).toEqual([
      { namespace: 'shop', name: 'web-pdb', selector: { app: 'web' }, minAvailable: 3, expectedPods: 4, currentHealthy: 4, desiredHealthy: 3, disruptionsAllowed: 1 },
    ]);
    const [p1, p2] = w.pods();
    expect(await w.cluster.evict(p1)).toEqual({ outcome: 'accepted' });
    expect(await w.cluster.evict(p1)).toEqual({ outcome: 'accepted' }); // already terminating
    const blocked = await w.cluster.evict(p2);
    expect(blocked.outcome).toBe('blocked');
    expect(blocked.outcome === 'blocked' && blocked.message).toMatch(/^Cannot evict pod as it would violate the pod's disruption budget\. \(pdb shop\/web-pdb/);
    expect((await w.cluster.listPdbs())[0]).toMatchObject({ currentHealthy: 3, disruptionsAllowed: 0 });
    const terminating = w.pods().find((p) => p.name === p1.name)!;
    expect(terminating).toMatchObject({ terminating: true, ready: false });
    // The replacement exists at once and counts once it is Ready.
    expect(w.pods().filter((p) => !p.terminating)).toHaveLength(4);
    advanceTo(clock, 5_000);
    expect((await w.cluster.listPdbs())[0]).toMatchObject({ currentHealthy: 4, disruptionsAllowed: 1 });
    expect((await w.cluster.evict(p2)).outcome).toBe('accepted');
    advanceTo(clock, 30_000);
    expect(w.pods().find((p) => p.name === p1.name)).toBeUndefined();
    expect(await w.cluster.evict(p1)).toEqual({ outcome: 'gone' });
    expect(w.ledger()).toMatchObject({ pdbViolations: 0, podsLost: 0 });
  });

  it('computes percentages and maxUnavailable as Kubernetes does', async () => {
    const { w } = world({
      nodegroup: { podsPerNode: 20 },
      workloads: [
        { name: 'a', kind: 'Deployment', replicas: 10, pdb: { minAvailable: '25%' } },
        { name: 'b', kind: 'Deployment', replicas: 10, pdb: { maxUnavailable: '25%' } },
        { name: 'c', kind: 'StatefulSet', replicas: 3, pdb: { maxUnavailable: 0 } },
      ],
    });
    const pdbs = Object.fromEntries((await w.cluster.listPdbs()).map((p) => [p.name, p]));
    expect(pdbs['a-pdb']).toMatchObject({ desiredHealthy: 3, disruptionsAllowed: 7 });
    expect(pdbs['b-pdb']).toMatchObject({ desiredHealthy: 7, disruptionsAllowed: 3 });
    expect(pdbs['c-pdb']).toMatchObject({ desiredHealthy: 3, disruptionsAllowed: 0 });
    expect((await w.cluster.evict(w.pods().find((p) => p.name === 'c-0')!)).outcome).toBe('blocked');
  });

  it('counts a PDB violation when a node dies with its pods, and forced deletions', async () => {
    const { w, clock } = world({
      workloads: [
        { name: 'web', kind: 'Deployment', replicas: 3, pdb: { minAvailable: 3 } },
        { name: 'debug', kind: 'Pod' },
      ],
    });
    const debug = w.pods().find((p) => p.name === 'debug')!;
    const victim = w.instances().find((i) => i.nodeName === debug.nodeName)!;
    await w.nodeGroups.terminateInstance(w.ref, victim.instanceId, { decrement: false });
    advanceTo(clock, 60_000);
    expect(w.ledger()).toMatchObject({ pdbViolations: 1, nodesTerminatedWithPods: 1, podsLost: 1, unmanagedPodsLost: 1 });
    const web = w.pods().find((p) => p.labels.app === 'web')!;
    await w.cluster.deletePod(web);
    await w.cluster.deletePod(web); // gone: nothing more happens
    expect(w.ledger().forcedDeletions).toBe(1);
  });

  it('stuck pods accept eviction but stay terminating until force-deleted, then go after their grace period', async () => {
    const { w, clock } = world({
      workloads: [{ name: 'web', kind: 'Deployment', replicas: 2, gracePeriodSeconds: 5 }],
      faults: [{ kind: 'stuckPod', workload: 'web' }],
    });
    const p = w.pods()[0];
    expect((await w.cluster.evict(p)).outcome).toBe('accepted');
    advanceTo(clock, 3_600_000);
    expect(w.pods().find((x) => x.name === p.name)).toMatchObject({ terminating: true });
    await w.cluster.deletePod(p);
    expect(w.pods().find((x) => x.name === p.name)).toMatchObject({ terminating: true });
    advanceTo(clock, 3_600_000 + 5_000);
    expect(w.pods().find((x) => x.name === p.name)).toBeUndefined();
    expect(w.ledger()).toMatchObject({ forcedDeletions: 1, podsLost: 0 });
  });
});

describe('controllers', () => {
  it('re-creates a StatefulSet pod under the same name only after the old one is gone', async () => {
    const { w, clock } = world({ workloads: [{ name: 'db', kind: 'StatefulSet', replicas: 2, gracePeriodSeconds: 30 }] });
    const db0 = w.pods().find((p) => p.name === 'db-0')!;
    await w.cluster.evict(db0);
    expect(w.pods().filter((p) => p.name === 'db-0')).toHaveLength(1);
    expect(w.ledger().podsLost).toBe(0);
    advanceTo(clock, 30_000);
    const again = w.pods().find((p) => p.name === 'db-0')!;
    expect(again.uid).not.toBe(db0.uid);
    expect(again).toMatchObject({ phase: 'Pending', terminating: false });
    advanceTo(clock, 35_000);
    expect(w.pods().find((p) => p.name === 'db-0')).toMatchObject({ phase: 'Running', ready: true });
  });

  it('runs a DaemonSet pod on every node, new ones included, ignoring taints and cordons; it leaves with its node', async () => {
    const { w, clock } = world({ workloads: [{ name: 'ds', kind: 'DaemonSet' }] });
    for (const n of w.nodes()) await w.cluster.patchNode(n.name, { unschedulable: true, addTaints: [EKS_TAINT] });
    await w.nodeGroups.setSizes(w.ref, { desired: 4 });
    advanceTo(clock, 60_000);
    const fresh = w.nodes().find((n) => !n.ready)!;
    const dsPod = w.pods().find((p) => p.nodeName === fresh.name)!;
    expect(dsPod).toMatchObject({ phase: 'Pending', owner: { kind: 'DaemonSet', name: 'ds' } });
    advanceTo(clock, 95_000);
    expect(w.pods().find((p) => p.nodeName === fresh.name)).toMatchObject({ phase: 'Running', ready: true });
    const old = w.instances()[0];
    await w.nodeGroups.setSizes(w.ref, { min: 3 });
    await w.nodeGroups.terminateInstance(w.ref, old.instanceId, { decrement: true });
    advanceTo(clock, 200_000);
    expect(w.pods().filter((p) => p.nodeName === old.nodeName)).toHaveLength(0);
    expect(w.pods()).toHaveLength(3);
    expect(w.ledger().nodesTerminatedWithPods).toBe(0);
  });

  it('a bare Pod is never re-created', async () => {
    const { w, clock } = world({ workloads: [{ name: 'debug', kind: 'Pod' }] });
    await w.cluster.evict(w.pods()[0]);
    advanceTo(clock, 60_000);
    expect(w.pods()).toHaveLength(0);
    expect(w.ledger().podsLost).toBe(1);
  });
});

describe('watch', () => {
  it('sends a resync first, then every change in order, asynchronously', async () => {
    const { w, clock } = world({ workloads: [{ name: 'web', kind: 'Deployment', replicas: 3, gracePeriodSeconds: 10 }] });
    const seen: ClusterEvent[] = [];
    const watch = w.cluster.watch((e) => seen.push(e));
    expect(seen).toHaveLength(0);
    await watch.ready;
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ kind: 'resync' });
    expect(seen[0].kind === 'resync' && [seen[0].nodes.length, seen[0].pods.length]).toEqual([3, 3]);

    const victim = w.pods()[0];
    await w.cluster.evict(victim);
    await flush();
    advanceTo(clock, 10_000);
    await flush();
    const trail = seen.slice(1).map((e) => (e.kind === 'pod' ? `${e.type} ${e.pod.name === victim.name ? 'old' : 'new'} ${e.pod.phase}${e.pod.nodeName ? '@' : ''}${e.pod.terminating ? ' terminating' : ''}${e.pod.ready ? ' ready' : ''}` : e.kind));
    expect(trail).toEqual([
      'upsert old Running@ terminating',
      'upsert new Pending',
      'upsert new Pending@',
      'upsert new Running@ ready',
      'delete old Running@ terminating',
    ]);

    w.cluster.dropWatches();
    await flush();
    expect(seen.at(-1)).toMatchObject({ kind: 'resync' });
    watch.stop();
    await w.cluster.patchNode(w.nodes()[0].name, { unschedulable: true });
    await flush();
    expect(seen.at(-1)).toMatchObject({ kind: 'resync' });
  });
});

describe('lower bound', () => {
  it('is launch + Σ per-node drain (largest grace among evictable pods) / maxUnavailable + terminate when no single drain or PDB takes longer', () => {
    const { w } = world({
      workloads: [
        { name: 'ds', kind: 'DaemonSet', gracePeriodSeconds: 900 },
        { name: 'slow', kind: 'Deployment', replicas: 1, gracePeriodSeconds: 70 },
        { name: 'medium', kind: 'Deployment', replicas: 1, gracePeriodSeconds: 60 },
        { name: 'fast', kind: 'Deployment', replicas: 1, gracePeriodSeconds: 10 },
      ],
    });
    // Nodes run slow (70 s), medium (60 s) and fast (10 s); DaemonSet pods do not count. The other terms
    // of the bound (test/sim/lower-bound.test.ts) stay under Σ / 2 here.
    expect(w.lowerBoundSeconds({ maxUnavailable: 1 })).toBe(90 + 140 + 60);
    expect(w.lowerBoundSeconds({ maxUnavailable: 2 })).toBe(90 + 70 + 60);
  });
});
