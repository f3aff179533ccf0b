import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/sim/clock.js';
import { loadScenario, parseScenario, ScenarioError } from '../../src/sim/scenario.js';
import { createWorld } from '../../src/sim/world.js';

const base = () => ({
  seed: 7,
  cluster: { name: 'demo', version: '1.30', region: 'us-west-2' },
  nodegroup: {
    name: 'workers', managed: false, version: '1.29', nodes: 3, azs: ['us-west-2a'], min: 3, max: 6,
    maxUnavailable: 1, instanceType: 'm5.large', podsPerNode: 29, amiType: 'AL2_x86_64',
  } as Record<string, unknown>,
  workloads: [{ name: 'web', namespace: 'shop', kind: 'Deployment', replicas: 2, pdb: { minAvailable: 1 } }] as Record<string, unknown>[],
  faults: [] as unknown[],
});

const err = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    return (e as Error).message;
  }
  throw new Error('no error');
};

describe('scenario validation', () => {
  it('names an unknown field by its path', () => {
    const s = base();
    s.nodegroup.nodez = 9;
    expect(err(() => parseScenario(s, 'x.json'))).toBe('x.json: scenario.nodegroup.nodez: unknown field');
    const t = base();
    t.workloads[0].pdb = { minAvailable: 1, maxUnavalable: 1 };
    expect(err(() => parseScenario(t, 'x.json'))).toContain('scenario.workloads[0].pdb.maxUnavalable: unknown field');
    const u = base();
    u.faults = [{ kind: 'launchFailure', count: 1, workload: 'web' }];
    expect(err(() => parseScenario(u, 'x.json'))).toContain('scenario.faults[0].workload: unknown field');
  });

  it('names a wrong type by its path and the expected type', () => {
    const s = base();
    s.nodegroup.nodes = '9';
    expect(err(() => parseScenario(s, 'x.json'))).toBe('x.json: scenario.nodegroup.nodes: expected an integer ≥ 0, got "9"');
    const t = base();
    t.nodegroup.managed = 'no';
    expect(err(() => parseScenario(t))).toContain('scenario.nodegroup.managed: expected a boolean');
    const u = base();
    u.workloads[0].kind = 'Job';
    expect(err(() => parseScenario(u))).toContain('scenario.workloads[0].kind: expected one of Deployment, StatefulSet, DaemonSet, Pod');
    const v = base();
    v.faults = [{ kind: 'throttle', api: 'aws', probability: 2 }];
    expect(err(() => parseScenario(v))).toContain('scenario.faults[0].probability: expected a number in 0…1');
  });

  it('checks what holds across fields', () => {
    const s = base();
    s.nodegroup.version = '1.31';
    expect(err(() => parseScenario(s))).toContain('cannot be newer than the control plane');
    const t = base();
    t.faults = [{ kind: 'stuckPod', workload: 'nope' }];
    expect(err(() => parseScenario(t))).toContain('scenario.faults[0].workload: no workload named nope');
    const u = base();
    u.workloads[0].pdb = { minAvailable: 1, maxUnavailable: 1 };
    expect(err(() => parseScenario(u))).toContain('exactly one of');
    const v = base();
    v.nodegroup.min = 5;
    expect(err(() => parseScenario(v))).toContain('min ≤ nodes ≤ max');
  });

  it('fills defaults and exposes faults', () => {
    const s = base();
    s.faults = [{ kind: 'crash', afterSteps: 4 }, { kind: 'slowBoot', extraSeconds: 300, count: 1 }];
    const p = parseScenario(s);
    expect(p.timings).toEqual({ launchToReadySeconds: 90, podStartSeconds: 5, terminateSeconds: 60 });
    expect(p.workloads[0]).toMatchObject({ gracePeriodSeconds: 30, labels: { app: 'web' }, emptyDir: false, dockerSocket: false });
    expect(p.faults).toEqual([{ kind: 'crash', afterSteps: 4 }, { kind: 'slowBoot', extraSeconds: 300, count: 1 }]);
    const w = createWorld(p, { clock: new VirtualClock() });
    expect(w.crashAfterSteps).toBe(4);
  });

  it('loads and builds every shipped scenario', async () => {
    const files = readdirSync('scenarios').filter((f) => f.endsWith('.json'));
    expect(files).toEqual(expect.arrayContaining(['demo.json', 'large-450.json', 'pdb-blocked.json', 'launch-failures.json', 'eks-workshop.json']));
    for (const f of files) {
      const s = await loadScenario(`scenarios/${f}`);
      const w = createWorld(s, { clock: new VirtualClock() });
      expect(w.nodes().length, f).toBe(s.nodegroup.nodes);
      expect(w.ledger().pendingPods, f).toBe(0);
      expect(w.pods().every((p) => p.phase === 'Running' && p.ready), f).toBe(true);
    }
  });

  it('rejects a missing file and bad JSON clearly', async () => {
    await expect(loadScenario('scenarios/nope.json')).rejects.toThrow(/nope.json: cannot read/);
    const dir = mkdtempSync(join(tmpdir(), 'scenario-'));
    writeFileSync(join(dir, 'bad.json'), '{ "seed": 1, }');
    await expect(loadScenario(join(dir, 'bad.json'))).rejects.toThrow(/bad.json: not valid JSON/);
  });
});
