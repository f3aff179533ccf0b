// Leadership through a coordination.k8s.io/v1 Lease on the simulator's API server: one leader of
// two, a takeover once the leader stops renewing, a lease handed back on stop, and kubectl reads it.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { serveKubeApi, type KubeApiServer } from '../../src/sim/kube-http/serve-kube-api.js';
import { mngbotCrds } from '../../src/store/kubernetes/crds.js';
import { KubernetesRunStore } from '../../src/store/kubernetes/kubernetes-run-store.js';
import { LeaseElector } from '../../src/store/kubernetes/lease-elector.js';
import { makeRun } from '../store/fixtures.js';
import { world } from '../sim/world-fixture.js';
import { until } from './kube-fixture.js';
import { kubeConfigOf } from './sim-kubeconfig.js';

const open: { close(): Promise<void> }[] = [];
const electors: LeaseElector[] = [];
afterEach(async () => {
  await Promise.all(electors.splice(0).map((e) => e.stop()));
  for (const o of open.splice(0).reverse()) await o.close();
});
const home = mkdtempSync(join(tmpdir(), 'mngbot-kubectl-ha-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

async function api(): Promise<KubeApiServer> {
  const { w } = world();
  const server = await serveKubeApi(w, { host: '127.0.0.1', port: 0, meter: false, objects: { crds: mngbotCrds() } });
  open.push(server);
  return server;
}

function elector(server: KubeApiServer, identity: string): LeaseElector {
  const e = new LeaseElector({ kubeConfig: kubeConfigOf(server.url), namespace: 'mngbot', identity, leaseDurationMs: 1000, renewMs: 100, renewDeadlineMs: 600 });
  electors.push(e);
  return e;
}

function kubectl(server: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', ['--server', server, '--cache-dir', join(home, 'cache'), '--request-timeout', '10s', ...args], { env: { ...process.env, KUBECONFIG: '/dev/null', HOME: home }, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

describe('LeaseElector', () => {
  it('makes one of two replicas the leader; the other takes over once it stops renewing, never both at once', async () => {
    const server = await api();
    const [a, b] = [elector(server, 'replica-a'), elector(server, 'replica-b')];
    let both = 0;
    const check = () => {
      if (a.held() && b.held()) both++;
    };
    a.onChange(check);
    b.onChange(check);
    a.start();
    await until(() => a.held(), 'a leads');
    b.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(b.held()).toBe(false);
    // a hangs (a SIGSTOP, a partition): it stops renewing, and stops leading on its own before b may take over.
    (a as unknown as { stopped: boolean }).stopped = true;
    await until(() => !a.held(), 'a gives up on its own', 2000);
    expect(b.held()).toBe(false);
    await until(() => b.held(), 'b takes over', 3000);
    expect(both).toBe(0);
  });

  it('hands the lease back on stop: the other leads at once, not a lease duration later', async () => {
    const server = await api();
    const a = elector(server, 'replica-a');
    a.start();
    await until(() => a.held(), 'a leads');
    const b = new LeaseElector({ kubeConfig: kubeConfigOf(server.url), namespace: 'mngbot', identity: 'replica-b', leaseDurationMs: 60_000, renewMs: 100, renewDeadlineMs: 30_000 });
    electors.push(b);
    b.start();
    await new Promise((r) => setTimeout(r, 300));
    await a.stop();
    await until(() => b.held(), 'b leads without waiting a minute', 3000);
  });

  it('kubectl reads the Lease and the runs', async () => {
    const server = await api();
    const a = elector(server, 'replica-a');
    a.start();
    await until(() => a.held(), 'a leads');
    const store = await KubernetesRunStore.open({ kubeConfig: kubeConfigOf(server.url), namespace: 'mngbot' });
    open.push(store);
    const run = makeRun('r-0000000a', { status: 'running', nodes: 4 });
    await store.create(run);
    const leases = (await kubectl(server.url, ['get', 'leases', '-n', 'mngbot'])).trim().split('\n');
    expect(leases[0].split(/\s+/)).toEqual(['NAME', 'HOLDER', 'AGE']);
    expect(leases[1].split(/\s+/).slice(0, 2)).toEqual(['mngbot-leader', 'replica-a']);
    const runs = (await kubectl(server.url, ['get', 'nodegroupupgrades', '-n', 'mngbot'])).trim().split('\n');
    expect(runs[0].split(/\s+/)).toEqual(['NAME', 'RUN', 'CLUSTER', 'NODEGROUP', 'STATUS', 'PROGRESS', 'AGE']);
    expect(runs[1].split(/\s+/).slice(0, 6)).toEqual(['r-0000000a', 'r-0000000a', 'prod', 'ng-1', 'running', '2/4']);
    const short = await kubectl(server.url, ['get', 'ngu', '-n', 'mngbot', '-o', 'jsonpath={.items[0].spec.run.plan.toVersion}']);
    expect(short).toBe('1.30');
  });
});

describe('the Role in manifests/ha/rbac-store.yaml', () => {
  it('is all the store and the Lease need: every call of theirs passes the simulator’s RBAC stand-in built from it', async () => {
    const { readFileSync } = await import('node:fs');
    const { parseAllDocuments } = await import('yaml');
    const docs = parseAllDocuments(readFileSync(join(import.meta.dirname, '../../manifests/ha/rbac-store.yaml'), 'utf8')).map((d) => d.toJS() as Record<string, any>);
    const rules = docs.find((d) => d.kind === 'Role')!.rules as { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[];
    const refused: string[] = [];
    const { w } = world();
    const server = await serveKubeApi(w, {
      host: '127.0.0.1',
      port: 0,
      meter: false,
      objects: {
        crds: mngbotCrds(),
        authorize: (r) => {
          const ok =
            r.namespace === 'mngbot' &&
            rules.some((rule) => rule.apiGroups.includes(r.group) && rule.resources.includes(r.resource) && rule.verbs.includes(r.verb) && (!rule.resourceNames || (r.name !== undefined && rule.resourceNames.includes(r.name))));
          if (!ok) refused.push(`${r.verb} ${r.group}/${r.resource}${r.name ? ` ${r.name}` : ''}`);
          return ok;
        },
      },
    });
    open.push(server);
    const e = elector(server, 'replica-a');
    e.start();
    await until(() => e.held(), 'a leads');
    const store = await KubernetesRunStore.open({ kubeConfig: kubeConfigOf(server.url), namespace: 'mngbot', eventLimit: 400 });
    open.push(store);
    const run = makeRun('r-0000000b', { status: 'running' });
    await store.create(run);
    for (let i = 0; i < 6; i++) await store.save(run, Array.from({ length: 150 }, (_, j) => ({ runId: run.id, at: i * 1000 + j, kind: 'warning' as const, detail: 'x' })));
    await store.events(run.id);
    await store.putSchedule({ id: 's-abcde', ref: { cluster: 'prod', nodegroup: 'ng-1' }, at: '0 2 * * 6', timezone: 'UTC', createdBy: { user: 'U1', at: 1 } });
    await store.putSchedule({ id: 's-abcde', ref: { cluster: 'prod', nodegroup: 'ng-1' }, at: '0 3 * * 6', timezone: 'UTC', createdBy: { user: 'U1', at: 1 } });
    await store.listSchedules();
    await store.deleteSchedule('s-abcde');
    await store.audit({ at: 1, user: 'U1', action: 'approve' });
    await store.audit({ at: 2, user: 'U1', action: 'cancel' });
    await store.auditLog();
    await e.stop();
    // Deleted batches are deleted in the background.
    await new Promise((r) => setTimeout(r, 200));
    expect(refused).toEqual([]);
  });
});
