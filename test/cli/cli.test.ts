// The headless CLI as people and CI run it: `node bin/mngbot.js …` as a child process, against the
// simulator (MNG_WORLD unset), on its virtual clock.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, inProcess } from './in-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/mngbot.js');
const tmp = mkdtempSync(join(tmpdir(), 'mngbot-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function mngbot(args: string[], opts: { env?: Record<string, string>; onStdout?: (text: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    // stdin is a pipe: not a terminal, as in CI.
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: cleanEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end();
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      opts.onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const jsonLines = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, any>);


describe.concurrent('mngbot plan', () => {
  it('prints the surge and its reason, the nodes and the findings, and changes nothing', async () => {
    const r = await inProcess(['plan', '--cluster', 'demo', '--nodegroup', 'workers', '--to', '1.30']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Upgrade demo/workers: 1.29 → 1.30');
    expect(r.stdout).toMatch(/surge\s+6 new nodes: max\(2 × 3 AZs, maxUnavailable 1\) = 6/);
    expect(r.stdout).toContain('Nodes to replace: 9');
    expect(r.stdout.match(/^ {2}ip-10-0-\S+\s+us-west-2[abc]\s+i-[0-9a-f]+/gm)).toHaveLength(9);
    expect(r.stdout).toMatch(/warning\s+4 pods on old nodes keep data in emptyDir.*\(emptydir\)/);
  });

  it('--json prints one plan object', async () => {
    const r = await inProcess(['plan', '--to', 'v1.30', '--max-unavailable', '2', '--json']);
    expect(r.code).toBe(0);
    const [plan] = jsonLines(r.stdout);
    expect(plan.ref).toEqual({ cluster: 'demo', nodegroup: 'workers' });
    expect(plan.maxUnavailable).toBe(2);
    expect(plan.surge).toBe(6);
    expect(plan.nodes).toHaveLength(9);
  });

  it('a blocking finding: non-zero, naming it; --force accepts it', async () => {
    const scenario = JSON.parse(readFileSync(join(ROOT, 'scenarios/pdb-blocked.json'), 'utf8'));
    scenario.workloads.push({ name: 'debug-shell', namespace: 'ops', kind: 'Pod' });
    const file = join(tmp, 'bare-pod.json');
    writeFileSync(file, JSON.stringify(scenario));

    const blocked = await inProcess(['plan', '--to', '1.30', '--scenario', file]);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toMatch(/BLOCKS\s+1 pod on old nodes has no controller \(ops\/debug-shell\).*\(unmanaged-pod\)/);
    expect(blocked.stderr).toMatch(/cannot be approved: .*no controller.*\(unmanaged-pod\)/);

    const forced = await inProcess(['plan', '--to', '1.30', '--scenario', file, '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/warning\s+1 pod on old nodes has no controller.*--force given/);
  });
});

describe.concurrent('mngbot upgrade', () => {
  it('--yes --json on the demo: events as JSON lines, then a report that matches the plan and the world', async () => {
    const r = await inProcess(['upgrade', '--cluster', 'demo', '--nodegroup', 'workers', '--to', '1.30', '--yes', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = jsonLines(r.stdout);
    const first = lines[0];
    const last = lines[lines.length - 1];
    expect(first.kind).toBe('plan');
    expect(last.kind).toBe('report');
    const events = lines.slice(1, -1);
    expect(events.length).toBeGreaterThan(20);
    expect(events.every((e) => e.runId === first.runId)).toBe(true);
    expect(events[0]).toMatchObject({ kind: 'status', status: 'running', detail: expect.stringMatching(/^approved by cli:/) });
    expect(events[events.length - 1]).toMatchObject({ kind: 'status', status: 'succeeded' });

    const { report, outcome } = last;
    const planned = first.plan.nodes.map((n: { name: string }) => n.name).sort();
    expect(report.status).toBe('succeeded');
    expect(report.nodes).toEqual({ old: planned.length, replaced: planned.length, failed: 0, skipped: 0 });
    // Every planned node was terminated, each once.
    const terminated = events.filter((e) => e.kind === 'node' && e.state === 'terminated').map((e) => e.node).sort();
    expect(terminated).toEqual(planned);
    expect(report.surge).toBe(first.plan.surge);
    expect(report.asg.after).toEqual(report.asg.before);
    expect(report.asg.before).toEqual(first.plan.sizes);
    expect(report).toMatchObject({ podsLost: 0, pdbViolations: 0, terminatedTwice: 0, nodesTerminatedWithPods: 0, leftTainted: 0, leftCordoned: 0 });
    expect(outcome.status).toBe('succeeded');
  });

  it('prints progress lines and the same report as npm run sim', async () => {
    const r = await inProcess(['upgrade', '--to', '1.30', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\+00:00:00 {2}status {5,}approved by cli:/m);
    expect(r.stdout).toMatch(/^\+\d\d:\d\d:\d\d {2}ip-10-0-0-4\.us-west-2\.compute\.internal +terminated$/m);
    expect(r.stdout).toContain('status succeeded (rolling): 9 of 9 nodes replaced, 0 skipped, 0 failed; surge 6');
    expect(r.stdout).toContain('asg before min 9 max 12 desired 9, after min 9 max 12 desired 9');
    expect(r.stdout).toMatch(/ledger: podsLost 0, pdbViolations 0/);
  });

  it('without --yes and with no terminal: shows the plan, refuses, exit 1 (README: refusals are 1)', async () => {
    const r = await inProcess(['upgrade', '--to', '1.30']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Nodes to replace: 9');
    expect(r.stdout).not.toMatch(/approved by/);
    expect(r.stderr).toContain('not started: stdin is not a terminal');
    expect(r.stderr).toContain('Add --yes');
  });

  it('a drain blocked by a PDB, no terminal and no --decide: aborts, puts things back, exit 1 naming the PDB', async () => {
    const r = await inProcess(['upgrade', '--to', '1.30', '--scenario', 'scenarios/pdb-blocked.json', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the drain of \S+ is blocked by payments\/ledger-\d \(PDB payments\/ledger-pdb\)/);
    expect(r.stderr).toContain('--decide force|skip|abort');
    expect(r.stdout).toMatch(/^status cancelled \(rolling\): 0 of 3 nodes replaced/m);
    expect(r.stdout).toContain('asg before min 3 max 6 desired 3, after min 3 max 6 desired 3');
    expect(r.stdout).toMatch(/leftTainted 0, leftCordoned 0/);
    expect(r.stdout).toContain('What stayed changed:');
  });

  it('--decide force gets past the PDB', async () => {
    const r = await inProcess(['upgrade', '--to', '1.30', '--scenario', 'scenarios/pdb-blocked.json', '--yes', '--decide', 'force', '--json']);
    expect(r.code).toBe(0);
    const report = jsonLines(r.stdout).pop()!.report;
    expect(report.nodes).toEqual({ old: 3, replaced: 3, failed: 0, skipped: 0 });
    expect(r.stderr).toContain('--decide force');
  });

  it('Ctrl-C cancels the run, waits for the clean-up and says what stayed changed', async () => {
    let sent = false;
    const r = await mngbot(['upgrade', '--to', '1.30', '--yes', '--speed', '600'], {
      onStdout: (text, child) => {
        if (!sent && /evicting/.test(text)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Ctrl-C: cancelling run r-\w+; mngbot is putting back what it changed/);
    expect(r.stdout).toMatch(/^\+\d\d:\d\d:\d\d {2}phase cleanup +cleaning up: cancelled by cli:/m);
    expect(r.stdout).toMatch(/^status cancelled \(rolling\)/m);
    expect(r.stdout).toMatch(/podsLost 0, .*leftTainted 0, leftCordoned 0/);
    expect(r.stdout).toContain('asg before min 9 max 12 desired 9, after min 9 max 12 desired 9');
    expect(r.stdout).toContain('What stayed changed:');
  });

  it('--data-dir records the run in the bot\'s data file', async () => {
    const dir = join(tmp, 'data');
    const r = await inProcess(['upgrade', '--to', '1.30', '--yes', '--json'], { MNG_DATA_DIR: dir });
    expect(r.code).toBe(0);
    const { runId } = jsonLines(r.stdout).pop()!;
    const db = JSON.parse(readFileSync(join(dir, 'mngbot.json'), 'utf8'));
    expect(db.runs.map((x: { id: string; status: string }) => [x.id, x.status])).toEqual([[runId, 'succeeded']]);
  });
});

describe.concurrent('usage mistakes: exit 2 and what to do', () => {
  it.each([
    [['upgrade', '--to', '1.30', '--yes', '--frobnicate'], /mngbot upgrade: unknown option "--frobnicate"/],
    [['plan', '--cluster', 'demo'], /--to is required: the Kubernetes version to upgrade to, e.g. --to 1.30/],
    [['plan', '--to', '1.3x'], /--to: "1\.3x" is not a Kubernetes version: use 1\.30, v1\.30 or 1\.30\.4/],
  ])('the real CLI: %j', async (args, message) => {
    const r = await mngbot(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/mngbot \w+ --help explains every option/);
    expect(r.stdout).toBe('');
  });

  it.each([
    [['plan', '--to'], /--to needs a value, e.g. --to 1\.30/],
    [['plan', '1.30'], /unexpected argument "1\.30".*did you mean --to 1\.30\?/],
    [['plan', '--to', '1.30', '--strategy', 'blue-green'], /--strategy must be rolling or eks \(got "blue-green"\)/],
    [['plan', '--to', '1.30', '--drain-timeout', 'soon'], /--drain-timeout "soon" is not a duration.*15m/],
    [['plan', '--to', '1.30', '--yes'], /mngbot plan: unknown option "--yes"/],
    [['plan', '--to', '1.30', '--to', '1.31'], /--to is given twice/],
    [['plan', '--to', '1.30', '--force=yes'], /--force takes no value/],
    [['upgrade', '--to', '1.30', '--max-unavailable', '0'], /--max-unavailable 0 is out of range: it must be from 1 to 100/],
    [['upgrade', '--to', '1.30', '--decide', 'maybe'], /--decide must be force or skip or abort/],
    [['plan', '--to', '1.30', '--context', 'x'], /--context is for MNG_WORLD=aws/],
    [['deploy'], /unknown command "deploy"/],
    [[], /^usage: mngbot <command>/],
  ])('%j', async (args, message) => {
    const r = await inProcess(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('a configuration mistake is exit 2 naming the variable', async () => {
    const r = await inProcess(['plan', '--to', '1.30'], { MNG_WORLD: 'moon' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/MNG_WORLD: expected "sim" or "aws", got "moon"/);
  });

  it('an unknown cluster is refused with the ones there are, exit 1', async () => {
    const r = await inProcess(['plan', '--to', '1.30', '--cluster', 'prod']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cluster prod is not configured \(configured: demo\)/);
  });
});

describe.concurrent('help', () => {
  it('mngbot --help, help upgrade, plan --help and sim --help', async () => {
    const top = await mngbot(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^usage: mngbot <command>/);
    expect(top.stdout).toContain('MNG_WORLD=aws');
    const [upgrade, plan, sim] = await Promise.all([inProcess(['help', 'upgrade']), inProcess(['plan', '--help']), inProcess(['sim', '--help'])]);
    expect(upgrade.stdout).toMatch(/^usage: mngbot upgrade --to VERSION/);
    expect(upgrade.stdout).toContain('--yes');
    expect(plan.stdout).toMatch(/^usage: mngbot plan --to VERSION/);
    expect(plan.stdout).not.toContain('--yes');
    expect(sim.stdout).toMatch(/^usage: mngbot sim --scenario FILE/);
  });

  it('mngbot sim forwards to the simulator CLI', async () => {
    const r = await inProcess(['sim', '--quiet', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toMatchObject({ status: 'succeeded', nodes: { old: 9, replaced: 9 } });
  });
});
