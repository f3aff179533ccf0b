// The simulator's HTTP API spoken to directly, for what the adapter does not exercise.
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connectCluster } from '../../src/kube/connect.js';
import { advanceTo, world } from '../sim/world-fixture.js';
import { closeAll, serve } from './kube-fixture.js';

afterEach(closeAll);

const WORKLOADS = [
  { name: 'web', namespace: 'shop', kind: 'Deployment', replicas: 3, pdb: { minAvailable: 3 } },
  { name: 'db', namespace: 'bank', kind: 'StatefulSet', replicas: 2, gracePeriodSeconds: 60 },
];

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** Reads a watch until `count` lines have arrived or the server ends it. */
async function watchLines(url: string, count = Infinity): Promise<any[]> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  const lines: any[] = [];
  let buf = '';
  const decoder = new TextDecoder();
  const reader = res.body!.getReader();
  while (lines.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  }
  await reader.cancel().catch(() => {});
  controller.abort();
  return lines;
}

describe('the simulated Kubernetes API', () => {
  it('serves discovery, with lists carrying a resourceVersion', async () => {
    const { w } = world({ workloads: WORKLOADS });
    const { api } = await serve(w);
    expect((await json(`${api.url}/version`)).body).toMatchObject({ major: '1', minor: '30' });
    expect((await json(`${api.url}/api`)).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const core = (await json(`${api.url}/api/v1`)).body;
    expect(core.resources.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['nodes', 'pods', 'pods/eviction']));
    expect((await json(`${api.url}/apis`)).body.groups.map((g: { name: string }) => g.name)).toContain('policy');
    expect((await json(`${api.url}/apis/policy/v1`)).body.resources[0]).toMatchObject({ name: 'poddisruptionbudgets', kind: 'PodDisruptionBudget' });

    const nodes = (await json(`${api.url}/api/v1/nodes`)).body;
    expect(nodes).toMatchObject({ kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: String(api.resourceVersion) } });
    const node = nodes.items[0];
    expect(node.spec.providerID).toMatch(/^aws:\/\/\/us-west-2[abc]\/i-0[0-9a-f]{16}$/);
    expect(node.status).toMatchObject({ allocatable: { pods: '10' }, nodeInfo: { kubeletVersion: expect.stringMatching(/^v1\.29\./) } });
    expect(node.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));

    const pdb = (await json(`${api.url}/apis/policy/v1/namespaces/shop/poddisruptionbudgets/web-pdb`)).body;
    expect(pdb).toMatchObject({ apiVersion: 'policy/v1', spec: { minAvailable: 3, selector: { matchLabels: { app: 'web' } } }, status: { disruptionsAllowed: 0, expectedPods: 3 } });
    expect((await json(`${api.url}/api/v1/namespaces/bank/pods?labelSelector=app%3Ddb`)).body.items.map((p: any) => p.metadata.name).sort()).toEqual(['db-0', 'db-1']);
    expect((await json(`${api.url}/api/v1/pods?labelSelector=app+in+(db,web)`)).body.items).toHaveLength(5);
    expect((await json(`${api.url}/api/v1/nope`)).status).toBe(404);
    expect((await json(`${api.url}/api/v1/nodes/nope`)).body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });

  it('watches: synthetic ADDED without a version, a replay from one, 410 Gone once compacted, timeoutSeconds', async () => {
    const { w } = world();
    const { api } = await serve(w);
    const all = await watchLines(`${api.url}/api/v1/nodes?watch=1`, 3);
    expect(all.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'ADDED']);

    const rv = api.resourceVersion;
    const name = w.nodes()[0].name;
    await w.cluster.patchNode(name, { unschedulable: true });
    await w.cluster.patchNode(name, { unschedulable: false });
    const replay = await watchLines(`${api.url}/api/v1/nodes?watch=true&resourceVersion=${rv}`, 2);
    expect(replay.map((e) => [e.type, e.object.metadata.name, e.object.spec.unschedulable ?? false])).toEqual([
      ['MODIFIED', name, true],
      ['MODIFIED', name, false],
    ]);
    expect(Number(replay[1].object.metadata.resourceVersion)).toBe(rv + 2);

    api.compact();
    const gone = await watchLines(`${api.url}/api/v1/nodes?watch=true&resourceVersion=${rv}`);
    expect(gone).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);

    const started = Date.now();
    const quiet = await watchLines(`${api.url}/api/v1/pods?watch=true&resourceVersion=${api.resourceVersion}&timeoutSeconds=1`);
    expect(quiet).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('filters pod watches by node and sends bookmarks when asked', async () => {
    const { w, clock } = world({ workloads: WORKLOADS });
    const { api } = await serve(w, { bookmarkIntervalMs: 20 });
    const victim = w.pods().find((p) => p.name === 'db-0')!;
    const rv = api.resourceVersion;
    await w.cluster.evict(victim);
    await w.cluster.evict(w.pods().find((p) => p.name === 'db-1')!);
    advanceTo(clock, 61_000);
    const lines = await watchLines(
      `${api.url}/api/v1/pods?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&fieldSelector=spec.nodeName%3D${victim.nodeName}`,
      4,
    );
    const changes = lines.filter((e) => e.type !== 'BOOKMARK');
    expect(changes.every((e) => e.object.spec.nodeName === victim.nodeName)).toBe(true);
    expect(changes.slice(0, 2).map((e) => [e.type, e.object.metadata.name, Boolean(e.object.metadata.deletionTimestamp)])).toEqual([
      ['MODIFIED', 'db-0', true],
      ['DELETED', 'db-0', true],
    ]);
    const more = await watchLines(`${api.url}/api/v1/pods?watch=true&resourceVersion=${api.resourceVersion}&allowWatchBookmarks=true`, 1);
    expect(more[0]).toMatchObject({ type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: String(api.resourceVersion) } } });
  });

  it('patches nodes three ways, refusing a stale resourceVersion with 409', async () => {
    const { w } = world();
    const { api } = await serve(w);
    const name = w.nodes()[0].name;
    const url = `${api.url}/api/v1/nodes/${name}`;
    const patch = (type: string, body: unknown) =>
      json(url, { method: 'PATCH', headers: { 'Content-Type': `application/${type}+json` }, body: JSON.stringify(body) });

    const smp = await patch('strategic-merge-patch', { spec: { unschedulable: true, taints: [{ key: 'a', value: 'b', effect: 'NoSchedule' }] } });
    expect(smp.status).toBe(200);
    expect(w.nodes()[0]).toMatchObject({ unschedulable: true, taints: [{ key: 'a', value: 'b', effect: 'NoSchedule' }] });

    const stale = await patch('merge-patch', { metadata: { resourceVersion: '1', annotations: { x: 'y' } } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect(w.nodes()[0].annotations).toEqual({});

    const rv = smp.body.metadata.resourceVersion;
    const ok = await patch('json-patch', [
      { op: 'test', path: '/metadata/resourceVersion', value: rv },
      { op: 'remove', path: '/spec/taints/0' },
      { op: 'add', path: '/metadata/annotations/x', value: 'y' },
      { op: 'replace', path: '/spec/unschedulable', value: false },
    ]);
    expect(ok.status).toBe(200);
    expect(w.nodes()[0]).toMatchObject({ unschedulable: false, taints: [], annotations: { x: 'y' } });
    expect((await patch('json-patch', [{ op: 'test', path: '/metadata/resourceVersion', value: rv }])).status).toBe(422);
    expect((await patch('merge-patch', { spec: { taints: [{ key: 'a', effect: 'Sometimes' }] } })).status).toBe(422);
    const wrongType = await fetch(url, { method: 'PATCH', headers: { 'Content-Type': 'text/plain' }, body: '{}' });
    expect(wrongType.status).toBe(415);
  });

  it('evicts with policy/v1 Eviction (201, 429 with the budget as cause, 404) and deletes with a grace period', async () => {
    const { w, clock } = world({ workloads: WORKLOADS });
    const { api } = await serve(w);
    const evict = (ns: string, name: string) =>
      json(`${api.url}/api/v1/namespaces/${ns}/pods/${name}/eviction`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: ns } }),
      });
    const web = w.pods().find((p) => p.name.startsWith('web'))!;
    const blocked = await evict('shop', web.name);
    expect(blocked.status).toBe(429);
    expect(blocked.body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429, details: { causes: [{ reason: 'DisruptionBudget' }] } });
    expect(blocked.headers.get('retry-after')).toBeNull();
    expect((await evict('bank', 'db-0')).status).toBe(201);
    expect((await evict('bank', 'nope')).status).toBe(404);

    // A plain DELETE terminates gracefully (no budget asked); gracePeriodSeconds=0 removes at once.
    const del = await json(`${api.url}/api/v1/namespaces/bank/pods/db-1`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(del.body.metadata.deletionTimestamp).toBeDefined();
    expect(w.pods().find((p) => p.name === 'db-1')?.terminating).toBe(true);
    await json(`${api.url}/api/v1/namespaces/shop/pods/${web.name}?gracePeriodSeconds=0`, { method: 'DELETE' });
    expect(w.pods().some((p) => p.uid === web.uid)).toBe(false);
    advanceTo(clock, 61_000);
    expect(w.pods().find((p) => p.name === 'db-1')?.terminating).toBe(false); // the StatefulSet's new db-1
  });

  it('is reachable through a kubeconfig context', async () => {
    const { w } = world();
    const { api } = await serve(w);
    const dir = mkdtempSync(join(tmpdir(), 'mngbot-kubeconfig-'));
    const path = join(dir, 'config');
    writeFileSync(
      path,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'sim', cluster: { server: api.url, 'insecure-skip-tls-verify': true } },
          { name: 'elsewhere', cluster: { server: 'http://127.0.0.1:1', 'insecure-skip-tls-verify': true } },
        ],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [
          { name: 'other', context: { cluster: 'elsewhere', user: 'u' } },
          { name: 'sim', context: { cluster: 'sim', user: 'u' } },
        ],
        'current-context': 'other',
      }),
    );
    expect(await connectCluster({ kind: 'kubeconfig', path, context: 'sim' }).listNodes()).toHaveLength(3);
    expect(() => connectCluster({ kind: 'kubeconfig', path, context: 'nope' })).toThrow(/no context "nope".*other, sim/);
  });
});
