// The Kubernetes store (MNG_STORE=kubernetes) against the simulator's API server: compare-and-set on
// resourceVersion, two replicas seeing each other's writes, events sealed in batches, and a 450-node
// run within etcd's limit.
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, UserError } from '../../src/engine/errors.js';
import type { ProgressEvent } from '../../src/engine/events.js';
import { serveKubeApi, type KubeApiServer } from '../../src/sim/kube-http/serve-kube-api.js';
import { mngbotCrds } from '../../src/store/kubernetes/crds.js';
import { KubernetesRunStore, TAIL_EVENTS } from '../../src/store/kubernetes/kubernetes-run-store.js';
import { makeRun } from '../store/fixtures.js';
import { world } from '../sim/world-fixture.js';
import { until } from './kube-fixture.js';
import { kubeConfigOf } from './sim-kubeconfig.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

async function api(crds = true): Promise<KubeApiServer> {
  const { w } = world();
  const server = await serveKubeApi(w, { host: '127.0.0.1', port: 0, meter: false, objects: crds ? { crds: mngbotCrds() } : {} });
  open.push(server);
  return server;
}

async function storeOn(server: KubeApiServer, opts: { eventLimit?: number } = {}): Promise<KubernetesRunStore> {
  const store = await KubernetesRunStore.open({ kubeConfig: kubeConfigOf(server.url), namespace: 'mngbot', requestTimeoutMs: 5000, ...opts });
  open.push(store);
  return store;
}

const event = (runId: string, i: number): ProgressEvent => ({ runId, at: 1_700_000_000_000 + i, kind: 'warning', detail: `event ${i}` });

describe('KubernetesRunStore', () => {
  it('saves with compare-and-set: the second of two replicas saving the same rev gets a ConflictError', async () => {
    const server = await api();
    const [a, b] = [await storeOn(server), await storeOn(server)];
    await a.create(makeRun('r-00000001', { status: 'awaiting-approval' }));
    const onA = (await a.get('r-00000001'))!;
    const onB = (await b.get('r-00000001'))!;
    onA.status = 'running';
    await a.save(onA, [event(onA.id, 1)]);
    expect(onA.rev).toBe(2);
    onB.status = 'rejected';
    await expect(b.save(onB, [])).rejects.toBeInstanceOf(ConflictError);
    expect(onB.rev).toBe(1);
    expect((await b.get('r-00000001'))!.status).toBe('running');
  });

  it('hands a change another replica made, with its events, to onRemoteChange; its own writes are not news', async () => {
    const server = await api();
    const [a, b] = [await storeOn(server), await storeOn(server)];
    const heardA: [string, string[]][] = [];
    const heardB: [string, string[]][] = [];
    a.onRemoteChange((id, events) => heardA.push([id, events.map((e) => (e as { detail: string }).detail)]));
    b.onRemoteChange((id, events) => heardB.push([id, events.map((e) => (e as { detail: string }).detail)]));
    await a.create(makeRun('r-00000002', { status: 'awaiting-approval' }));
    await until(() => heardB.length === 1, 'b hears of the new run');
    const run = (await b.get('r-00000002'))!;
    run.status = 'running';
    await b.save(run, [event(run.id, 1), event(run.id, 2)]);
    await until(() => heardA.length === 1, 'a hears the approval');
    expect(heardA).toEqual([['r-00000002', ['event 1', 'event 2']]]);
    expect((await a.list({ statuses: ['running'] })).map((r) => r.id)).toEqual(['r-00000002']);
    expect(heardB).toHaveLength(1);
  });

  it('keeps one active run per node group across replicas', async () => {
    const server = await api();
    const [a, b] = [await storeOn(server), await storeOn(server)];
    let seen = 0;
    b.onRemoteChange(() => seen++);
    await a.create(makeRun('r-00000003', { status: 'running' }));
    await until(() => seen === 1, 'b sees it');
    await expect(b.create(makeRun('r-00000004', { status: 'running' }))).rejects.toThrow(/already has an upgrade running: run r-00000003/);
  });

  it('seals older events in batches and returns them in order; drops the oldest past the limit', async () => {
    const server = await api();
    const store = await storeOn(server, { eventLimit: 3 * TAIL_EVENTS });
    const run = makeRun('r-00000005', { status: 'running' });
    await store.create(run);
    let i = 0;
    for (let save = 0; save < 12; save++) {
      await store.save(run, Array.from({ length: 100 }, () => event(run.id, i++)));
    }
    const all = await store.events(run.id);
    expect(all.events.length + all.dropped).toBe(1200);
    expect(all.events.length).toBeLessThanOrEqual(3 * TAIL_EVENTS);
    expect(all.events.map((e) => e.at)).toEqual([...all.events.map((e) => e.at)].sort((x, y) => x - y));
    expect(all.events.at(-1)!.at).toBe(1_700_000_000_000 + 1199);
    const last = await store.events(run.id, 10);
    expect(last.events.map((e) => e.at - 1_700_000_000_000)).toEqual([1190, 1191, 1192, 1193, 1194, 1195, 1196, 1197, 1198, 1199]);
  });

  it('keeps a 450-node run in one object under etcd’s limit', async () => {
    const server = await api();
    const store = await storeOn(server);
    const run = makeRun('r-00000450', { status: 'running', nodes: 450 });
    await store.create(run);
    await store.save(run, [event(run.id, 1)]);
    expect((await store.get(run.id))!.nodes).toHaveLength(450);
  });

  it('schedules and the audit log', async () => {
    const server = await api();
    const store = await storeOn(server);
    const s = { id: 's-abcde', ref: { cluster: 'prod', nodegroup: 'ng-1' }, at: '0 2 * * 6', timezone: 'UTC', createdBy: { user: 'U1', at: 1 }, nextAt: 5 };
    await store.putSchedule(s);
    await store.putSchedule({ ...s, nextAt: 6 });
    expect(await store.listSchedules()).toEqual([{ ...s, nextAt: 6 }]);
    expect(await store.deleteSchedule('s-abcde')).toBe(true);
    expect(await store.deleteSchedule('s-abcde')).toBe(false);
    await Promise.all([1, 2, 3].map((i) => store.audit({ at: Date.UTC(2026, 0, i), user: `U${i}`, action: 'approve' })));
    expect((await store.auditLog(2)).map((e) => e.user)).toEqual(['U2', 'U3']);
  });

  it('says how to define the custom resources when the cluster lacks them', async () => {
    const server = await api(false);
    const err = await KubernetesRunStore.open({ kubeConfig: kubeConfigOf(server.url), namespace: 'mngbot' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).hint).toMatch(/kubectl apply -f manifests\/ha\/crds.yaml/);
  });
});
