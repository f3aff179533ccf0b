// `npm run world` as the real child process it is meant to be: one line on stdout once both ports
// listen, a kubeconfig kubectl and client-node read, an mngbot config the real AWS adapter runs from,
// control endpoints, a world that lives on by itself, a clean exit on SIGTERM, exit 2 on bad arguments.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AutoScalingClient, UpdateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EksNodeGroups } from '../../src/aws/eks-node-groups.js';
import { parseConfigObject } from '../../src/config.js';
import { connectCluster } from '../../src/kube/connect.js';
import type { WorldClockReport, WorldLedger } from '../../src/sim/world-control.js';
import { until } from '../kube/kube-fixture.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'src/world-cli.ts'];
const LINE = /^world: aws (http:\/\/127\.0\.0\.1:\d+) kube (http:\/\/127\.0\.0\.1:\d+)$/;
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(args: string[]): Child {
  const proc = spawn(process.execPath, [...CLI, ...args], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, stdout: () => out, stderr: () => err, exited };
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  expect(res.status, url).toBe(200);
  return (await res.json()) as T;
}

describe('npm run world', () => {
  let dir: string;
  let child: Child;
  let awsUrl: string;
  let kubeUrl: string;
  let kubeconfig: string;
  let config: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mngbot-world-cli-'));
    kubeconfig = join(dir, 'kubeconfig');
    config = join(dir, 'mngbot.json');
    child = start(['--scenario', 'scenarios/demo.json', '--speed', '600', '--seed', '99', '--kubeconfig', kubeconfig, '--config', config]);
    await until(() => child.stdout().includes('\n') || child.proc.exitCode !== null, 'the world to print its line', 30_000);
    const m = LINE.exec(child.stdout().trimEnd());
    if (!m) throw new Error(`unexpected stdout ${JSON.stringify(child.stdout())}; stderr: ${child.stderr()}`);
    [, awsUrl, kubeUrl] = m;
  }, 40_000);

  afterAll(async () => {
    if (child && child.proc.exitCode === null) child.proc.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('writes a kubeconfig that kubectl and client-node both read: the scenario’s nine nodes', async () => {
    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, 'get', 'nodes', '-o', 'name']);
    const names = stdout.trim().split('\n');
    expect(names).toHaveLength(9);
    const kube = connectCluster({ kind: 'kubeconfig', path: kubeconfig, context: 'demo' });
    const listed = await kube.listNodes();
    expect(names.map((n) => n.replace(/^node\//, '')).sort()).toEqual(listed.map((n) => n.name).sort());
    expect(await readFile(kubeconfig, 'utf8')).toContain(kubeUrl);
  });

  it('writes an mngbot config the real AWS adapter runs from, with nothing else', async () => {
    const file = parseConfigObject(JSON.parse(await readFile(config, 'utf8')));
    expect(file.clusters).toEqual([
      { name: 'demo', region: 'us-west-2', nodegroups: ['workers'], selfManaged: { workers: { asgName: 'demo-workers', amiType: 'AL2_x86_64' } } },
    ]);
    const [c] = file.clusters;
    const adapter = new EksNodeGroups({ endpoint: awsUrl, credentials: CREDENTIALS, clusters: { demo: { region: c.region!, selfManaged: c.selfManaged! } } });
    expect(await adapter.describeNodegroup({ cluster: 'demo', nodegroup: 'workers' })).toMatchObject({ managed: false, version: '1.29', sizes: { min: 9, max: 12, desired: 9 } });
    adapter.destroy();
  });

  it('answers /world/ledger and /world/clock', async () => {
    const ledger = await getJson<WorldLedger>(`${awsUrl}/world/ledger`);
    expect(ledger).toMatchObject({ podsLost: 0, pdbViolations: 0, group: { min: 9, max: 12, desired: 9 }, versions: { '1.29': 9 }, terminationRequests: {}, launchTemplateVersion: '1' });
    expect(ledger.instances).toHaveLength(9);
    const clock = await getJson<WorldClockReport>(`${awsUrl}/world/clock`);
    expect(clock.speed).toBe(600);
    expect(clock.now).toBeGreaterThanOrEqual(ledger.now);
    const bad = await fetch(`${awsUrl}/world/faults`, { method: 'POST', body: '{"throttle":{"ec2":0.5}}' });
    expect([bad.status, ((await bad.json()) as { message: string }).message]).toEqual([400, 'POST /world/faults: throttle.ec2: unknown API (expected aws or kube)']);
  });

  it('lives on by itself: world time passes and a launched instance boots into a node while nobody calls', async () => {
    const before = await getJson<WorldClockReport>(`${awsUrl}/world/clock`);
    const asg = new AutoScalingClient({ region: 'us-west-2', endpoint: awsUrl, credentials: CREDENTIALS });
    await asg.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'demo-workers', DesiredCapacity: 10 }));
    asg.destroy();
    // Nobody asks anything of the world for a moment; its time goes on.
    await new Promise((r) => setTimeout(r, 200));
    expect((await getJson<WorldClockReport>(`${awsUrl}/world/clock`)).now).toBeGreaterThan(before.now);
    // The instance boots on the world's own timers (150 simulated seconds) into a Ready node.
    let ledger = await getJson<WorldLedger>(`${awsUrl}/world/ledger`);
    for (const deadline = Date.now() + 20_000; ledger.instances.filter((i) => i.state === 'InService').length < 10 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      ledger = await getJson<WorldLedger>(`${awsUrl}/world/ledger`);
    }
    expect(ledger.instances.filter((i) => i.state === 'InService')).toHaveLength(10);
    expect(ledger.versions).toEqual({ '1.29': 10 });
    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, 'get', 'nodes', '-o', 'name']);
    expect(stdout.trim().split('\n')).toHaveLength(10);
  });

  it('exits 0 on SIGTERM, having printed exactly one line on stdout', async () => {
    child.proc.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    expect(child.stdout()).toBe(`world: aws ${awsUrl} kube ${kubeUrl}\n`);
    await expect(fetch(`${awsUrl}/world/clock`)).rejects.toThrow();
  });
});

describe('npm run world with bad arguments', () => {
  it.each([
    [['--scenario', 'scenarios/demo.json', '--speed', 'fast'], '--speed must be a number above 0 (got "fast")'],
    [['--scenario', 'scenarios/demo.json', '--port', '70000'], '--port must be a whole number from 0 to 65535 (got "70000")'],
    [['--speed', '10'], '--scenario FILE is required'],
    [['--scenario', 'scenarios/demo.json', '--bogus'], "Unknown option '--bogus'"],
    [['--scenario', 'scenarios/no-such.json'], 'scenarios/no-such.json: cannot read the scenario'],
  ])('%j: exits 2 saying what was wrong, and the usage', async (args, message) => {
    const child = start(args);
    expect(await child.exited).toBe(2);
    const lines = child.stderr().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(`world: ${message}`);
    expect(lines[1]).toMatch(/^usage: npm run world -- --scenario FILE/);
    expect(child.stdout()).toBe('');
  });
});
