// The simulator's API server for stored objects, over plain HTTP as any client sees it: a CRD
// registered at run time, its objects created, replaced and patched with resourceVersion
// compare-and-set (409 Conflict), watched from a version (410 Gone once compacted), and discovery.
import { afterEach, describe, expect, it } from 'vitest';
import { serveKubeApi, type KubeApiServer } from '../../src/sim/kube-http/serve-kube-api.js';
import { world } from '../sim/world-fixture.js';

const open: KubeApiServer[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const WIDGETS = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.io' },
  spec: {
    group: 'example.io',
    scope: 'Namespaced',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
    versions: [{ name: 'v1', served: true, storage: true, additionalPrinterColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }] }],
  },
};

async function call(server: KubeApiServer, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, { method, headers: { 'content-type': contentType }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: await res.json() };
}

describe('custom resources on the simulator’s API server', () => {
  it('registers a CRD, serves its objects with compare-and-set, and lists it in discovery', async () => {
    const { w } = world();
    const server = await serveKubeApi(w, { host: '127.0.0.1', port: 0, meter: false });
    open.push(server);
    const base = '/apis/example.io/v1/namespaces/ns/widgets';
    expect((await call(server, 'GET', base)).status).toBe(404);
    expect((await call(server, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', WIDGETS)).status).toBe(201);

    const groups = (await call(server, 'GET', '/apis')).json.groups.map((g: { name: string }) => g.name);
    expect(groups).toEqual(expect.arrayContaining(['policy', 'apps', 'apiextensions.k8s.io', 'coordination.k8s.io', 'example.io']));
    expect((await call(server, 'GET', '/apis/example.io/v1')).json.resources).toEqual([expect.objectContaining({ name: 'widgets', kind: 'Widget', namespaced: true })]);

    const created = await call(server, 'POST', base, { apiVersion: 'example.io/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { size: 1 } });
    expect(created.status).toBe(201);
    expect((await call(server, 'POST', base, { metadata: { name: 'w1' } })).json.reason).toBe('AlreadyExists');
    const rv1 = created.json.metadata.resourceVersion;

    const replaced = await call(server, 'PUT', `${base}/w1`, { ...created.json, spec: { size: 2 } });
    expect(replaced.status).toBe(200);
    expect(replaced.json.metadata.resourceVersion).not.toBe(rv1);
    const stale = await call(server, 'PUT', `${base}/w1`, { ...created.json, spec: { size: 3 } });
    expect([stale.status, stale.json.reason]).toEqual([409, 'Conflict']);
    const stalePatch = await call(server, 'PATCH', `${base}/w1`, { metadata: { resourceVersion: rv1 }, spec: { size: 4 } }, 'application/merge-patch+json');
    expect(stalePatch.status).toBe(409);
    const patched = await call(server, 'PATCH', `${base}/w1`, { spec: { colour: 'red' } }, 'application/merge-patch+json');
    expect(patched.json.spec).toEqual({ size: 2, colour: 'red' });

    // A watch from the first version gets what came after it; once compacted, 410 Gone.
    const watched = await fetch(`${server.url}${base}?watch=true&resourceVersion=${rv1}&timeoutSeconds=1`);
    const lines = (await watched.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { spec: unknown } });
    expect(lines.map((l) => [l.type, l.object.spec])).toEqual([
      ['MODIFIED', { size: 2 }],
      ['MODIFIED', { size: 2, colour: 'red' }],
    ]);
    server.compact();
    const gone = await fetch(`${server.url}${base}?watch=true&resourceVersion=${rv1}`);
    expect(JSON.parse((await gone.text()).trim())).toMatchObject({ type: 'ERROR', object: { code: 410 } });

    // Deleting the definition deletes its objects.
    expect((await call(server, 'DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.io')).status).toBe(200);
    expect((await call(server, 'GET', `${base}/w1`)).status).toBe(404);
  });
});
