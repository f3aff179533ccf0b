// The view's log of node changes: a step looks at the nodes that changed since its last look, and at
// every node when the view cannot say which (a resync, a log trimmed while the step was away). And its
// PDB counts, kept as pods change.
import { describe, expect, it } from 'vitest';
import { ClusterView } from '../../src/engine/cluster-view.js';
import { selects } from '../../src/engine/pdb-index.js';
import type { Cluster, ClusterEvent, NodeInfo, PdbInfo, PodInfo } from '../../src/engine/ports.js';
import { Rng } from '../../src/sim/rng.js';
import { cases } from '../quick.js';

const node = (name: string, ready = false): NodeInfo => ({
  name,
  instanceId: `i-${name}`,
  az: 'us-west-2a',
  nodegroup: 'ng-1',
  kubeletVersion: 'v1.31.0',
  ready,
  unschedulable: false,
  taints: [],
  labels: {},
  annotations: {},
  allocatablePods: 30,
  createdAt: 0,
});

/** A cluster whose watch the test drives: only watch() and listPdbs() are called by the view. */
function standIn(pdbs: PdbInfo[] = []): { cluster: Cluster; send: (e: ClusterEvent) => void } {
  let listener: (e: ClusterEvent) => void = () => {};
  const cluster = {
    listPdbs: () => Promise.resolve(pdbs),
    watch(onEvent: (e: ClusterEvent) => void) {
      listener = onEvent;
      onEvent({ kind: 'resync', nodes: [node('a'), node('b')], pods: [] });
      return { ready: Promise.resolve(), stop() {} };
    },
  } as unknown as Cluster;
  return { cluster, send: (e) => listener(e) };
}

describe('ClusterView node changes', () => {
  it('names the nodes put or deleted since a cursor, each once', async () => {
    const { cluster, send } = standIn();
    const view = new ClusterView(cluster);
    await view.start();
    const cursor = view.nodeCursor();
    expect(view.nodesChangedSince(cursor)).toEqual(new Set());
    send({ kind: 'node', type: 'upsert', node: node('a', true) });
    send({ kind: 'node', type: 'upsert', node: node('c') });
    send({ kind: 'node', type: 'upsert', node: node('a', true) });
    send({ kind: 'node', type: 'delete', node: node('b') });
    send({ kind: 'pod', type: 'upsert', pod: { namespace: 'x', name: 'p', uid: 'u1', nodeName: 'a' } as never });
    expect([...view.nodesChangedSince(cursor)!].sort()).toEqual(['a', 'b', 'c']);
    const later = view.nodeCursor();
    send({ kind: 'node', type: 'upsert', node: node('c', true) });
    expect(view.nodesChangedSince(later)).toEqual(new Set(['c']));
  });

  it('cannot say after a resync, or once its log was trimmed: the reader looks at every node', async () => {
    const { cluster, send } = standIn();
    const view = new ClusterView(cluster);
    await view.start();
    const cursor = view.nodeCursor();
    send({ kind: 'resync', nodes: [node('a')], pods: [] });
    expect(view.nodesChangedSince(cursor)).toBeUndefined();
    const after = view.nodeCursor();
    for (let i = 0; i < 3000; i++) send({ kind: 'node', type: 'upsert', node: node('a', i % 2 === 0) });
    expect(view.nodesChangedSince(after)).toBeUndefined();
    expect(view.nodesChangedSince(view.nodeCursor())).toEqual(new Set());
  });
});

describe('ClusterView counts', () => {
  // The counts are kept as nodes and pods change; they must always equal a count over everything the view holds.
  it('keeps PDB healthy counts, covering PDBs, schedulable room and the unwell pods equal to a fresh count, over seeded changes', async () => {
    const pdbs: PdbInfo[] = ['web', 'db', 'cache'].map((app) => ({
      namespace: 'prod',
      name: `${app}-pdb`,
      selector: { app },
      disruptionsAllowed: 1,
      currentHealthy: 0,
      desiredHealthy: 2,
      expectedPods: 3,
    }));
    for (let seed = 1; seed <= cases(20, 5); seed++) {
      const rng = new Rng(seed);
      const { cluster, send } = standIn(pdbs);
      const view = new ClusterView(cluster);
      await view.start();
      const pods = new Map<string, PodInfo>();
      const randomPod = (uid: string): PodInfo => ({
        namespace: rng.int(5) === 0 ? 'other' : 'prod',
        name: uid,
        uid,
        nodeName: rng.int(5) === 0 ? undefined : `n${rng.int(4)}`,
        phase: (['Running', 'Pending', 'Succeeded'] as const)[rng.int(3)],
        ready: rng.int(3) > 0,
        restarts: rng.int(4) === 0 ? 1 + rng.int(3) : 0,
        terminating: rng.int(4) === 0,
        labels: { app: ['web', 'db', 'cache', 'none'][rng.int(4)] },
        mirror: false,
        emptyDir: false,
        dockerSocket: false,
        gracePeriodSeconds: 30,
      });
      // The stand-in's first resync brings nodes a and b.
      const nodes = new Map<string, NodeInfo>(['a', 'b'].map((name) => [name, node(name)]));
      for (let step = 0; step < 300; step++) {
        const uid = `p${rng.int(25)}`;
        const op = rng.int(14);
        if (op === 0) {
          send({ kind: 'resync', nodes: [...nodes.values()], pods: [...pods.values()] });
        } else if (op === 12) {
          const n = { ...node(`n${rng.int(4)}`, rng.int(3) > 0), unschedulable: rng.int(4) === 0, allocatablePods: 1 + rng.int(6) };
          if (rng.int(4) === 0) n.taints = [{ key: 'k', value: 'v', effect: 'NoSchedule' }];
          send({ kind: 'node', type: 'upsert', node: n });
          nodes.set(n.name, n);
        } else if (op === 13 && nodes.size) {
          const n = [...nodes.values()][rng.int(nodes.size)];
          send({ kind: 'node', type: 'delete', node: n });
          nodes.delete(n.name);
        } else if (op < 4 && pods.has(uid)) {
          send({ kind: 'pod', type: 'delete', pod: pods.get(uid)! });
          pods.delete(uid);
        } else {
          const p = randomPod(uid);
          send({ kind: 'pod', type: 'upsert', pod: p });
          if (p.phase === 'Succeeded') pods.delete(uid);
          else pods.set(uid, p);
        }
        if (step % 50 === 0) await view.pdbs(step, 0);
        for (const pdb of pdbs) {
          const fresh = [...pods.values()].filter((p) => p.ready && !p.terminating && selects(pdb, p)).length;
          expect(view.healthyUnder(pdb), `seed ${seed}, step ${step}, ${pdb.name}`).toBe(fresh);
        }
        for (const p of pods.values()) expect(view.coveringPdb(p)?.name, `seed ${seed}, step ${step}, ${p.uid}`).toBe(pdbs.find((b) => selects(b, p))?.name);
        let room = 0 - [...pods.values()].filter((p) => !p.nodeName).length;
        for (const n of nodes.values()) {
          if (n.ready && !n.unschedulable && n.taints.length === 0) room += Math.max(0, n.allocatablePods - [...pods.values()].filter((p) => p.nodeName === n.name).length);
        }
        expect(view.schedulableRoom(), `seed ${seed}, step ${step}: room`).toBe(room);
        const unwell = [...pods.values()].filter((p) => !p.ready || (p.restarts ?? 0) > 0).map((p) => p.uid);
        expect(view.unwellPods().map((p) => p.uid).sort(), `seed ${seed}, step ${step}: unwell`).toEqual(unwell.sort());
        const notReady = [...nodes.values()].filter((n) => !n.ready).map((n) => n.name);
        expect(view.notReadyNodes().map((n) => n.name).sort(), `seed ${seed}, step ${step}: not Ready`).toEqual(notReady.sort());
        // The versions last sent, not only the same pods: a step reads a node's pods from the view.
        const byUid = (a: PodInfo, b: PodInfo) => a.uid.localeCompare(b.uid);
        for (const name of ['n0', 'n1', 'n2', 'n3']) {
          const fresh = [...pods.values()].filter((p) => p.nodeName === name).sort(byUid);
          expect(view.podsOn(name).sort(byUid), `seed ${seed}, step ${step}: pods on ${name}`).toStrictEqual(fresh);
        }
        expect(view.unwellPods().sort(byUid), `seed ${seed}, step ${step}: unwell versions`).toStrictEqual(unwell.map((uid) => pods.get(uid)!).sort(byUid));
      }
    }
  });
});
