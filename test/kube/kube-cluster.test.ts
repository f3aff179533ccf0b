import { afterEach, describe, expect, it } from 'vitest';
import { FatalError, RetryableError, UserError } from '../../src/engine/errors.js';
import type { ClusterEvent, NodeInfo } from '../../src/engine/ports.js';
import { cachedToken, connectCluster } from '../../src/kube/connect.js';
import { silentLogger } from '../../src/log.js';
import { advanceTo, world } from '../sim/world-fixture.js';
import { byName, byUid, closeAll, serve, until } from './kube-fixture.js';

const TAINT = { key: 'eks.amazonaws.com/nodegroup', value: 'unschedulable', effect: 'NoSchedule' } as const;

const WORKLOADS = [
  { name: 'ds', namespace: 'kube-system', kind: 'DaemonSet' },
  { name: 'web', namespace: 'shop', kind: 'Deployment', replicas: 4, pdb: { minAvailable: 4 }, gracePeriodSeconds: 20 },
  { name: 'api', namespace: 'shop', kind: 'Deployment', replicas: 3, pdb: { maxUnavailable: '34%' }, emptyDir: true },
  { name: 'db', namespace: 'bank', kind: 'StatefulSet', replicas: 2, gracePeriodSeconds: 90 },
  { name: 'builder', namespace: 'ci', kind: 'Pod', dockerSocket: true, gracePeriodSeconds: 5 },
];

afterEach(closeAll);

describe('KubeCluster reads', () => {
  it('lists nodes, pods and PDBs as the world holds them', async () => {
    const { w } = world({ workloads: WORKLOADS });
    await w.cluster.patchNode(w.nodes()[0].name, { addTaints: [TAINT], unschedulable: true, annotations: { a: 'b' } });
    const { kube } = await serve(w);

    expect(byName(await kube.listNodes())).toEqual(byName(w.nodes()));
    const node = (await kube.listNodes()).find((n) => n.name === w.nodes()[0].name)!;
    expect(node).toMatchObject({ nodegroup: 'ng', unschedulable: true, taints: [TAINT], annotations: { a: 'b' }, allocatablePods: 10, ready: true });
    expect(node.instanceId).toMatch(/^i-0[0-9a-f]{16}$/);
    expect(node.az).toMatch(/^us-west-2[abc]$/);

    const pods = await kube.listPods();
    expect(byUid(pods)).toEqual(byUid(w.pods()));
    const one = (name: string) => pods.find((p) => p.name.startsWith(name))!;
    expect(one('web')).toMatchObject({ owner: { kind: 'ReplicaSet' }, gracePeriodSeconds: 20, emptyDir: false, dockerSocket: false });
    expect(one('api')).toMatchObject({ emptyDir: true, gracePeriodSeconds: 30 });
    expect(one('builder')).toMatchObject({ dockerSocket: true, gracePeriodSeconds: 5 });
    expect(one('builder').owner).toBeUndefined();
    expect(one('ds').owner).toEqual({ kind: 'DaemonSet', name: 'ds' });

    const nodeName = w.nodes()[1].name;
    expect(byUid(await kube.listPods({ nodeName }))).toEqual(byUid(w.pods().filter((p) => p.nodeName === nodeName)));

    expect(byName(await kube.listPdbs())).toEqual(byName(w.cluster.state.pdbs()));
    expect((await kube.listPdbs()).find((b) => b.name === 'api-pdb')).toMatchObject({ maxUnavailable: '34%', selector: { app: 'api' } });
  });
});

describe('KubeCluster writes', () => {
  it('adds and removes taints idempotently, cordons and annotates', async () => {
    const { w } = world({ workloads: WORKLOADS });
    const { api, kube } = await serve(w);
    const name = w.nodes()[0].name;
    const node = () => w.nodes().find((n) => n.name === name)!;

    await kube.patchNode(name, { addTaints: [TAINT] });
    expect(node().taints).toEqual([TAINT]);
    const rv = api.resourceVersion;
    await kube.patchNode(name, { addTaints: [TAINT] });
    expect(api.resourceVersion).toBe(rv); // nothing written the second time
    expect(node().taints).toEqual([TAINT]);

    await kube.patchNode(name, { addTaints: [{ key: 'other', effect: 'PreferNoSchedule' }], unschedulable: true, annotations: { x: '1' } });
    expect(node()).toMatchObject({ unschedulable: true, annotations: { x: '1' }, taints: [TAINT, { key: 'other', effect: 'PreferNoSchedule' }] });

    await kube.patchNode(name, { removeTaints: [TAINT.key] });
    expect(node().taints).toEqual([{ key: 'other', effect: 'PreferNoSchedule' }]);
    await kube.patchNode(name, { removeTaints: [TAINT.key] });
    await kube.patchNode(name, { removeTaints: ['other'], unschedulable: false, annotations: { x: null } });
    expect(node()).toMatchObject({ unschedulable: false, annotations: {}, taints: [] });
    await expect(kube.patchNode('no-such-node', { unschedulable: true })).rejects.toThrow(UserError);
    await expect(kube.patchNode('no-such-node', { addTaints: [TAINT] })).rejects.toThrow(/nodes "no-such-node" not found/);
  });

  it('sets and removes a label idempotently, with a taint (the taint step) or alone (the cordon, the restore)', async () => {
    const { w } = world({ workloads: WORKLOADS });
    const { api, kube } = await serve(w);
    const name = w.nodes()[0].name;
    const node = () => w.nodes().find((n) => n.name === name)!;
    const LB = 'node.kubernetes.io/exclude-from-external-load-balancers';

    await kube.patchNode(name, { addTaints: [TAINT], labels: { [LB]: 'true' } });
    expect(node().taints).toEqual([TAINT]);
    expect(node().labels[LB]).toBe('true');
    const rv = api.resourceVersion;
    await kube.patchNode(name, { addTaints: [TAINT], labels: { [LB]: 'true' } });
    expect(api.resourceVersion).toBe(rv); // nothing written the second time

    await kube.patchNode(name, { removeTaints: [TAINT.key], labels: { [LB]: null } });
    expect(node().taints).toEqual([]);
    expect(Object.hasOwn(node().labels, LB)).toBe(false);
    expect(node().labels['topology.kubernetes.io/zone']).toBeDefined(); // the others stay

    await kube.patchNode(name, { unschedulable: true, labels: { [LB]: 'true' } });
    expect(node()).toMatchObject({ unschedulable: true, labels: { [LB]: 'true' } });
    await kube.patchNode(name, { labels: { [LB]: null } });
    await kube.patchNode(name, { labels: { [LB]: null } });
    expect(Object.hasOwn(node().labels, LB)).toBe(false);
    expect((await kube.listNodes()).find((n) => n.name === name)!.labels[LB]).toBeUndefined();
  });

  it('retries a taint change that lost a race (409 Conflict) against the newest version', async () => {
    const { w } = world();
    const name = w.nodes()[0].name;
    let patches = 0;
    const { kube } = await serve(w, {
      // Another writer changes the node between mngbot's read and its write, twice.
      authorize: (r) => {
        if (r.verb === 'patch' && ++patches <= 2) void w.cluster.patchNode(name, { annotations: { other: String(patches) } });
        return true;
      },
    });
    await kube.patchNode(name, { addTaints: [TAINT] });
    expect(patches).toBe(3);
    expect(w.nodes()[0]).toMatchObject({ taints: [TAINT], annotations: { other: '2' } });
  });

  it('evicts: accepted, blocked by a spent PDB (the message passed through), gone', async () => {
    const { w, clock } = world({ workloads: WORKLOADS });
    const { kube } = await serve(w);
    const api = w.pods().find((p) => p.name.startsWith('api'))!;
    expect(await kube.evict(api)).toEqual({ outcome: 'accepted' });
    expect(w.pods().find((p) => p.uid === api.uid)?.terminating).toBe(true);
    expect(await kube.evict(api)).toEqual({ outcome: 'accepted' }); // already leaving

    const web = w.pods().find((p) => p.name.startsWith('web'))!;
    const result = await kube.evict(web);
    const expected = await w.cluster.evict(web); // the simulator's own answer, for the same pod
    expect(expected.outcome).toBe('blocked');
    expect(result).toEqual(expected);
    expect(result.outcome === 'blocked' && result.message).toMatch(/disruption budget.*shop\/web-pdb needs 4 healthy pods and has 4/);

    expect(await kube.evict({ namespace: 'shop', name: 'no-such-pod' })).toEqual({ outcome: 'gone' });
    advanceTo(clock, 60_000);
    expect(await kube.evict(api)).toEqual({ outcome: 'gone' });
  });

  it("deletes pods whatever the budget, with each pod's own grace period (as kubectl drain --force); a pod already gone is fine", async () => {
    const { w, clock } = world({ workloads: WORKLOADS });
    const { kube } = await serve(w);
    const web = w.pods().find((p) => p.name.startsWith('web'))!;
    await kube.deletePod(web);
    // Shutting down, not killed: the pod keeps its 20 s.
    expect(w.pods().find((p) => p.uid === web.uid)).toMatchObject({ terminating: true });
    expect(w.ledger().forcedDeletions).toBe(1);
    advanceTo(clock, 19_000);
    expect(w.pods().some((p) => p.uid === web.uid)).toBe(true);
    advanceTo(clock, 21_000);
    expect(w.pods().some((p) => p.uid === web.uid)).toBe(false);
    await expect(kube.deletePod(web)).resolves.toBeUndefined();
    expect(w.ledger().forcedDeletions).toBe(1);
  });
});

describe('KubeCluster errors', () => {
  it('names the verb and resource and the ClusterRole on 403, and rejects the first watch', async () => {
    const { w } = world();
    const { kube } = await serve(w, { authorize: (r) => !(r.verb === 'patch' || (r.verb === 'list' && r.resource === 'pods')) });
    const err = await kube.patchNode(w.nodes()[0].name, { unschedulable: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FatalError);
    expect((err as Error).message).toMatch(/forbids mngbot to patch nodes ".*".*ClusterRole.*"patch" on "nodes"/);
    await expect(kube.listPods()).rejects.toThrow(/list pods.*ClusterRole/);
    const watch = kube.watch(() => {});
    await expect(watch.ready).rejects.toThrow(FatalError);
  });

  it('401 without the right token; an EKS-style token provider is asked once per TTL', async () => {
    const { w } = world();
    const { api, kube } = await serve(w, { token: 'sesame' });
    await expect(kube.listNodes()).rejects.toThrow(/401 Unauthorized/);
    let asked = 0;
    const eks = connectCluster({
      kind: 'eks',
      name: 'c',
      endpoint: api.url,
      caData: '',
      token: async () => {
        asked++;
        return 'sesame';
      },
    });
    expect(await eks.listNodes()).toHaveLength(3);
    expect(await eks.listPods()).toHaveLength(0);
    expect(asked).toBe(1);
  });

  it('refreshes a cached token once its TTL has passed, and never caches a failure', async () => {
    let now = 0;
    let n = 0;
    let fail = false;
    const token = cachedToken(
      async () => {
        if (fail) throw new Error('sts down');
        return `t${++n}`;
      },
      600_000,
      () => now,
    );
    expect(await Promise.all([token(), token()])).toEqual(['t1', 't1']);
    now = 599_999;
    expect(await token()).toBe('t1');
    now = 600_000;
    fail = true;
    await expect(token()).rejects.toThrow('sts down');
    fail = false;
    expect(await token()).toBe('t2');
  });

  it('a server that is not there is a RetryableError', async () => {
    const { w } = world();
    const { api } = await serve(w);
    const url = api.url;
    await api.close();
    const kube = connectCluster({ kind: 'server', server: url });
    await expect(kube.listNodes()).rejects.toThrow(RetryableError);
    await expect(kube.evict({ namespace: 'a', name: 'b' })).rejects.toThrow(/unreachable/);
  });
});

describe('KubeCluster.watch', () => {
  /** The `seq` annotation of every node event for `name`, in arrival order. */
  const seqs = (events: ClusterEvent[], name: string) =>
    events.flatMap((e) => (e.kind === 'node' && e.node.name === name && e.node.annotations.seq ? [Number(e.node.annotations.seq)] : []));
  const bump = (w: ReturnType<typeof world>['w'], name: string, from: number, to: number) => {
    for (let i = from; i <= to; i++) void w.cluster.patchNode(name, { annotations: { seq: String(i) } });
  };

  it('starts with a resync, then streams changes in order', async () => {
    const { w, clock } = world({ workloads: WORKLOADS });
    const { kube } = await serve(w);
    const events: ClusterEvent[] = [];
    const watch = kube.watch((e) => events.push(e));
    await watch.ready;
    expect(events).toHaveLength(1);
    const resync = events[0] as Extract<ClusterEvent, { kind: 'resync' }>;
    expect(resync.kind).toBe('resync');
    expect(byName(resync.nodes)).toEqual(byName(w.nodes()));
    expect(byUid(resync.pods)).toEqual(byUid(w.pods()));

    const name = w.nodes()[0].name;
    bump(w, name, 1, 20);
    await until(() => seqs(events, name).length === 20, 'twenty node events');
    expect(seqs(events, name)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));

    // Pods: an eviction is an update (terminating), its removal a delete, its replacement an upsert.
    const api = w.pods().find((p) => p.name.startsWith('api'))!;
    await kube.evict(api);
    advanceTo(clock, 60_000);
    await until(() => events.some((e) => e.kind === 'pod' && e.type === 'delete' && e.pod.uid === api.uid), 'pod delete');
    const mine = events.filter((e) => e.kind === 'pod' && e.pod.uid === api.uid) as Extract<ClusterEvent, { kind: 'pod' }>[];
    expect(mine.map((e) => [e.type, e.pod.terminating])).toEqual([
      ['upsert', true],
      ['delete', true],
    ]);
    // The Deployment's replacement.
    expect(events.some((e) => e.kind === 'pod' && e.type === 'upsert' && e.pod.name.startsWith('api') && e.pod.uid !== api.uid)).toBe(true);
    watch.stop();
  });

  it('carries a crash-looping pod\'s restarts, CrashLoopBackOff and last termination (OOMKilled, 137) in lists and watch events', async () => {
    const { w, clock } = world({
      workloads: [{ name: 'oom', namespace: 'jobs', kind: 'Deployment', replicas: 2 }],
      faults: [{ kind: 'badImage', workloads: ['oom'], mode: 'oomKilled', everywhere: true }],
    });
    const { kube } = await serve(w);
    const pods = await kube.listPods();
    expect(byUid(pods)).toEqual(byUid(w.pods()));
    expect(pods[0]).toMatchObject({ ready: false, restarts: 1, troubled: [{ name: 'oom', waiting: 'CrashLoopBackOff', terminated: { reason: 'OOMKilled', exitCode: 137 }, restarts: 1 }] });
    const events: ClusterEvent[] = [];
    const watch = kube.watch((e) => events.push(e));
    await watch.ready;
    advanceTo(clock, 30_000);
    const restarted = (uid: string) => events.some((e) => e.kind === 'pod' && e.pod.uid === uid && (e.pod.restarts ?? 0) >= 2);
    await until(() => pods.every((p) => restarted(p.uid)), 'the restarts to reach the watch');
    expect(byUid(await kube.listPods())).toEqual(byUid(w.pods()));
    watch.stop();
  });

  it('survives dropped connections without losing or repeating an event', async () => {
    const { w } = world();
    const { api, kube } = await serve(w);
    const events: ClusterEvent[] = [];
    const watch = kube.watch((e) => events.push(e));
    await watch.ready;
    await until(() => api.openWatches === 2, 'two watches');
    const name = w.nodes()[1].name;
    bump(w, name, 1, 10);
    await until(() => seqs(events, name).length === 10, 'ten events');

    api.dropWatches();
    bump(w, name, 11, 20); // while nobody is connected
    await until(() => api.openWatches === 2, 'reconnection');
    bump(w, name, 21, 30);
    api.dropWatches();
    await until(() => api.openWatches === 2, 'second reconnection');
    bump(w, name, 31, 40);
    await until(() => seqs(events, name).length >= 40, 'forty events');
    await new Promise((r) => setTimeout(r, 50));
    expect(seqs(events, name)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(events.filter((e) => e.kind === 'resync')).toHaveLength(1);
    expect(api.watchesServed).toBe(6); // nodes and pods, connected three times each
    watch.stop();
    await until(() => api.openWatches === 0, 'watches closed');
  });

  it('a quiet stream that was up and got cut resumes at once, however often (a proxy that drops connections)', { timeout: 30_000 }, async () => {
    const { w } = world();
    const warnings: string[] = [];
    const log = { ...silentLogger, warn: (msg: string) => warnings.push(msg), child: () => log };
    const { api, kube } = await serve(w, {}, {}, { log });
    const events: ClusterEvent[] = [];
    const watch = kube.watch((e) => events.push(e));
    await watch.ready;
    for (let i = 1; i <= 6; i++) {
      await until(() => api.openWatches === 2, `connected (${i})`);
      // Up for more than a second with nothing to say, then cut: each drop is a first failure, resumed at once.
      await new Promise((r) => setTimeout(r, 1100));
      api.dropWatches();
    }
    await until(() => api.openWatches === 2, 'connected again');
    const name = w.nodes()[0].name;
    bump(w, name, 1, 3);
    await until(() => seqs(events, name).length === 3, 'events after the drops');
    expect(warnings.filter((m) => /stream failed, resuming/.test(m))).toEqual([]);
    watch.stop();
  });

  it('re-lists and sends a new resync when its version has expired (410 Gone)', async () => {
    const { w } = world();
    const { api, kube } = await serve(w);
    const events: ClusterEvent[] = [];
    const watch = kube.watch((e) => events.push(e));
    await watch.ready;
    await until(() => api.openWatches === 2, 'two watches');
    const name = w.nodes()[2].name;

    api.dropWatches();
    bump(w, name, 1, 5); // missed while disconnected…
    api.compact(); // …and gone from the server's history: resuming answers 410
    await until(() => events.filter((e) => e.kind === 'resync').length === 2, 'second resync');
    const resync = events.filter((e) => e.kind === 'resync')[1] as Extract<ClusterEvent, { kind: 'resync' }>;
    expect(resync.nodes.find((n: NodeInfo) => n.name === name)?.annotations.seq).toBe('5');
    expect(seqs(events, name)).toEqual([]);

    await until(() => api.openWatches === 2, 'watching again');
    bump(w, name, 6, 8);
    await until(() => seqs(events, name).length === 3, 'events after the re-list');
    expect(seqs(events, name)).toEqual([6, 7, 8]);
    watch.stop();
  });

  it('evicts the history beyond its limit: a resume from before it answers 410', async () => {
    const { w } = world();
    const { api, kube } = await serve(w, { historyLimit: 10 });
    const events: ClusterEvent[] = [];
    const watch = kube.watch((e) => events.push(e));
    await watch.ready;
    await until(() => api.openWatches === 2, 'two watches');
    const name = w.nodes()[0].name;
    api.dropWatches();
    bump(w, name, 1, 30);
    await until(() => events.filter((e) => e.kind === 'resync').length === 2, 'second resync');
    expect((events.at(-1) as Extract<ClusterEvent, { kind: 'resync' }>).nodes.find((n) => n.name === name)?.annotations.seq).toBe('30');
    watch.stop();
  });
});
