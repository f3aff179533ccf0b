// The simulator's API must be readable by the real kubectl (installed at /usr/bin/kubectl).
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { advanceTo, world } from '../sim/world-fixture.js';
import { closeAll, serve, until } from './kube-fixture.js';

const WORKLOADS = [
  { name: 'ds', namespace: 'kube-system', kind: 'DaemonSet' },
  { name: 'web', namespace: 'shop', kind: 'Deployment', replicas: 4, pdb: { minAvailable: 3 } },
];

const home = mkdtempSync(join(tmpdir(), 'mngbot-kubectl-'));
// A throwaway config and home: nothing from the machine's kubeconfig or discovery cache leaks in.
const env = { ...process.env, KUBECONFIG: '/dev/null', HOME: home };
const base = (server: string) => ['--server', server, '--cache-dir', join(home, 'cache'), '--request-timeout', '10s'];

function kubectl(server: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('kubectl', [...base(server), ...args], { env, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

afterEach(closeAll);
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('kubectl against the simulator', () => {
  it('get nodes: NAME STATUS ROLES AGE VERSION', async () => {
    const { w } = world({ workloads: WORKLOADS });
    const { api } = await serve(w);
    await w.cluster.patchNode(w.nodes()[0].name, { unschedulable: true });
    const out = await kubectl(api.url, ['get', 'nodes']);
    const lines = out.trim().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(lines).toHaveLength(4);
    for (const n of w.nodes()) {
      const line = lines.find((l) => l.startsWith(`${n.name} `))!;
      const [nodeName, status, roles, age, version] = line.split(/\s+/);
      expect([nodeName, status, roles, version]).toEqual([n.name, n.unschedulable ? 'Ready,SchedulingDisabled' : 'Ready', '<none>', n.kubeletVersion]);
      expect(age).toMatch(/^(29|30)d$/); // created 30 days (less a few seconds) before the world began
    }
  });

  it('get nodes --show-labels: the load-balancer exclusion label mngbot sets, and gone once taken back', async () => {
    const { w } = world({ workloads: WORKLOADS });
    const { api, kube } = await serve(w);
    const name = w.nodes()[0].name;
    const LB = 'node.kubernetes.io/exclude-from-external-load-balancers';
    await kube.patchNode(name, { labels: { [LB]: 'true' } });
    const line = (out: string) => out.split('\n').find((l) => l.startsWith(`${name} `))!;
    expect(line(await kubectl(api.url, ['get', 'nodes', '--show-labels']))).toContain(`${LB}=true`);
    expect((await kubectl(api.url, ['get', 'nodes', '-l', LB, '-o', 'name'])).trim()).toBe(`node/${name}`);
    await kube.patchNode(name, { labels: { [LB]: null } });
    expect(line(await kubectl(api.url, ['get', 'nodes', '--show-labels']))).not.toContain(LB);
  });

  it('get pods -A -o wide: every pod with its namespace and node', async () => {
    const { w, clock } = world({ workloads: WORKLOADS });
    const { api } = await serve(w);
    const victim = w.pods().find((p) => p.name.startsWith('web'))!;
    await w.cluster.evict(victim); // terminating, and a Pending replacement
    const out = await kubectl(api.url, ['get', 'pods', '-A', '-o', 'wide']);
    const lines = out.trim().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(lines).toHaveLength(1 + w.pods().length);
    for (const p of w.pods()) {
      const cells = lines.find((l) => l.split(/\s+/)[1] === p.name)!.split(/\s+/);
      expect(cells[0]).toBe(p.namespace);
      expect(cells[7]).toBe(p.nodeName ?? '<none>');
    }
    expect(lines.find((l) => l.includes(victim.name))).toMatch(/0\/1\s+Terminating/);
    advanceTo(clock, 120_000);
    const later = await kubectl(api.url, ['get', 'pods', '-n', 'shop', '--field-selector', `spec.nodeName=${w.nodes()[0].name}`]);
    expect(later).not.toContain(victim.name);
  });

  it('get nodes --watch prints a change made in the world', async () => {
    const { w } = world({ workloads: WORKLOADS });
    const { api } = await serve(w);
    const child = spawn('kubectl', [...base(api.url), 'get', 'nodes', '--watch'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    try {
      await until(() => w.nodes().every((n) => out.includes(n.name)) && api.openWatches > 0, 'the initial list and the watch', 15_000);
      const name = w.nodes()[1].name;
      await w.cluster.patchNode(name, { unschedulable: true });
      await until(() => new RegExp(`${name.replaceAll('.', '\\.')}\\s+Ready,SchedulingDisabled`).test(out), 'the cordon', 10_000);
      // Printed once, as a row without a second header.
      expect(out.match(/^NAME\s+STATUS/gm)).toHaveLength(1);
    } finally {
      clearTimeout(killer);
      child.kill('SIGKILL');
    }
  });

  it('cordon, taint and drain work through kubectl too', async () => {
    const { w, clock } = world({ workloads: WORKLOADS, timings: { podStartSeconds: 1 } });
    const { api } = await serve(w);
    const name = w.nodes()[2].name;
    await kubectl(api.url, ['taint', 'node', name, 'dedicated=ci:NoSchedule']);
    expect(w.nodes()[2].taints).toEqual([{ key: 'dedicated', value: 'ci', effect: 'NoSchedule' }]);
    // kubectl drain polls until the evicted pods are gone: let simulated time run meanwhile.
    let simMs = 0;
    const ticker = setInterval(() => advanceTo(clock, (simMs += 10_000)), 20);
    try {
      await kubectl(api.url, ['drain', name, '--ignore-daemonsets', '--timeout=15s']);
    } finally {
      clearInterval(ticker);
    }
    const node = w.nodes()[2];
    expect(node.unschedulable).toBe(true);
    expect(w.pods().filter((p) => p.nodeName === name).map((p) => p.owner?.kind)).toEqual(['DaemonSet']);
    await kubectl(api.url, ['uncordon', name]);
    await kubectl(api.url, ['taint', 'node', name, 'dedicated-']);
    expect(w.nodes()[2]).toMatchObject({ unschedulable: false, taints: [] });
  });
});
