// One upgrade of scenarios/pdb-blocked.json (every drain blocked by a PDB, then forced) by the real
// engine through KubeCluster over the simulated API server, which records each request as RBAC sees
// it (verb, resource, API group). Then: the ClusterRole in manifests/ grants exactly those and nothing
// else; kubectl get events tells the run's story; the Kubernetes call counters saw the same requests.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildEngine } from '../../src/app/compose.js';
import type { Run } from '../../src/engine/run.js';
import { metrics } from '../../src/metrics/registry.js';
import { PacedClock } from '../../src/sim/clock.js';
import { ledgerProblems } from '../../src/sim/ledger.js';
import type { ApiRequest } from '../../src/sim/kube-http/serve-kube-api.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { createWorld, type SimWorld } from '../../src/sim/world.js';
import { MemoryRunStore } from '../../src/store/memory-run-store.js';
import { closeAll, serve } from './kube-fixture.js';

const GROUPS: Record<string, string> = { poddisruptionbudgets: 'policy', daemonsets: 'apps' };
const home = mkdtempSync(join(tmpdir(), 'mngbot-rbac-'));

const calls = new Set<string>();
let world: SimWorld;
let apiUrl: string;
let final: Run;

function kubectl(args: string[]): Promise<string> {
  const base = ['--server', apiUrl, '--cache-dir', join(home, 'cache'), '--request-timeout', '10s'];
  return new Promise((resolve, reject) => {
    execFile('kubectl', [...base, ...args], { env: { ...process.env, KUBECONFIG: '/dev/null', HOME: home }, timeout: 20_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kubectl ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

beforeAll(async () => {
  const clock = new PacedClock(3000, undefined, { skipStalls: true });
  world = createWorld(await loadScenario('scenarios/pdb-blocked.json'), { clock });
  const { api, kube } = await serve(world, {
    authorize: (r: ApiRequest) => {
      calls.add(`${GROUPS[r.resource.split('/')[0]] ?? 'core'}/${r.resource}:${r.verb}`);
      return true;
    },
  });
  apiUrl = api.url;
  const store = new MemoryRunStore();
  const engine = buildEngine({ nodeGroups: world.nodeGroups, clusterFor: () => kube, store, clock, policy: { isApprover: () => true, allowSelfApproval: true }, newId: () => 'run-rbac' });
  await engine.start();
  const actor = { user: 'UAPPROVER', at: clock.now() };
  const run = await engine.requestUpgrade({ ref: world.ref, version: '1.30' }, actor);
  await engine.approve(run.id, actor);
  // Each old node's drain waits on the ledger's PDB; force it, as a person would from Slack.
  const forced = new Set<string>();
  for (;;) {
    let current: Run | undefined;
    const deadline = Date.now() + 60_000;
    for (;;) {
      current = await store.get(run.id);
      const asks = current?.status === 'needs-decision' && !forced.has(current.decision!.node);
      if (current && (asks || current.status === 'succeeded' || current.status === 'failed')) break;
      if (Date.now() > deadline) throw new Error(`the run did not end or ask; it is ${current?.status}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    if (current.status !== 'needs-decision') break;
    forced.add(current.decision!.node);
    await engine.decide(run.id, current.decision!.node, 'force', { user: 'UAPPROVER', at: clock.now() });
  }
  await engine.stop();
  await kube.eventsSent();
  final = (await store.get(run.id))!;
}, 120_000);

afterAll(async () => {
  await closeAll();
  rmSync(home, { recursive: true, force: true });
});

describe('an upgrade over the Kubernetes API', () => {
  it('succeeds with a forced drain, leaving the world clean', () => {
    expect(final.status, final.outcome?.summary).toBe('succeeded');
    expect(ledgerProblems(world.ledger())).toEqual([]);
    expect(world.ledger().forcedDeletions).toBeGreaterThan(0);
  });

  it('needs exactly what the ClusterRole in manifests/ grants, nothing more', () => {
    const role = parseAllDocuments(readFileSync('manifests/rbac.yaml', 'utf8'))
      .map((d) => d.toJS() as { kind?: string; metadata?: { name?: string }; rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[] })
      .find((o) => o?.kind === 'ClusterRole' && o.metadata?.name === 'mngbot')!;
    const granted = new Set<string>();
    for (const rule of role.rules!) for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) granted.add(`${g || 'core'}/${r}:${v}`);
    expect([...calls].sort(), 'what the bot called').toEqual([...granted].sort());
  });

  it('tells the run on each node as Kubernetes Events that kubectl reads', async () => {
    const out = await kubectl(['get', 'events', '-A']);
    const lines = out.trim().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['NAMESPACE', 'LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    const reasons = new Set(lines.slice(1).map((l) => l.split(/\s+/)[3]));
    for (const r of ['MngbotTainted', 'MngbotDraining', 'MngbotEvictionBlocked', 'MngbotDrained', 'MngbotCordoned', 'MngbotTerminating', 'MngbotTerminated']) {
      expect(reasons, r).toContain(r);
    }
    const old = final.nodes.find((n) => n.role === 'old')!;
    const story = (await kubectl(['get', 'events', '-n', 'default', '--field-selector', `involvedObject.kind=Node,involvedObject.name=${old.name}`, '-o', 'json']));
    const items = (JSON.parse(story) as { items: { reason: string; type: string; message: string; involvedObject: { name: string } }[] }).items;
    expect(items.map((e) => e.reason)).toEqual([
      'MngbotTainted',
      'MngbotDraining',
      'MngbotEvictionBlocked',
      'MngbotDrained',
      'MngbotCordoned',
      'MngbotTerminating',
      'MngbotTerminated',
    ]);
    for (const e of items) {
      expect(e.involvedObject.name).toBe(old.name);
      expect(e.message).toContain('run-rbac');
    }
    expect(items.find((e) => e.reason === 'MngbotEvictionBlocked')).toMatchObject({ type: 'Warning', message: expect.stringMatching(/PDB payments\/ledger/) });
  });

  it('counted the same requests in its metrics', async () => {
    const value = async (c: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> }, labels: Record<string, string>) =>
      (await c.get()).values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((a, v) => a + v.value, 0);
    expect(await value(metrics.kubeCalls, { verb: 'patch', resource: 'nodes' })).toBeGreaterThan(0);
    expect(await value(metrics.kubeCalls, { verb: 'create', resource: 'events' })).toBeGreaterThan(0);
    expect(await value(metrics.kubeCalls, { verb: 'watch', resource: 'pods' })).toBeGreaterThan(0);
    // A blocked eviction is the API server's 429 with the PDB as its cause.
    expect(await value(metrics.kubeErrors, { verb: 'create', resource: 'pods/eviction', code: '429' })).toBeGreaterThan(0);
    expect(await value(metrics.kubeEventsDropped, {})).toBe(0);
  });
});
