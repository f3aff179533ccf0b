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
