// The health gate on the simulator's virtual clock: a canary, a bake, a watch before every drain, and
// the question (continue, roll back, abort) when the new image breaks pods.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { simulate, type SimResult } from '../../src/app/simulate.js';
import { HEALTH_GATE, type GateReport } from '../../src/engine/run.js';
import { loadScenario, parseScenario, type Scenario } from '../../src/sim/scenario.js';
import type { SimWorld } from '../../src/sim/world.js';
import { assertCleanRun } from './clean-run.js';

/** bad-image.json with its faults replaced (and reports, which no PDB covers, scaled). */
async function badImage(faults: unknown[], reports = 2): Promise<Scenario> {
  const s = JSON.parse(await readFile('scenarios/bad-image.json', 'utf8')) as { workloads: { name: string; replicas?: number }[] };
  for (const w of s.workloads) if (w.name === 'reports') w.replicas = reports;
  return parseScenario({ ...s, faults });
}

/** The pods each old node holds when the world begins (DaemonSets' aside). */
function podsByNode(world: SimWorld): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of world.pods()) {
    if (!p.nodeName || p.owner?.kind === 'DaemonSet') continue;
    out.set(p.nodeName, [...(out.get(p.nodeName) ?? []), `${p.namespace}/${p.name}`]);
  }
  return out;
}

/** Simulates, keeping the old nodes' pods as the world began. */
async function run(scenario: Scenario, opts: Partial<Parameters<typeof simulate>[0]> = {}): Promise<SimResult & { before: Map<string, string[]> }> {
  let before = new Map<string, string[]>();
  const result = await simulate({ scenario, onWorld: (w) => void (before = podsByNode(w)), ...opts });
  return { ...result, before };
}

function stopReport(result: SimResult): GateReport {
  const decision = result.run.decision;
  expect(decision?.node, result.run.outcome?.summary).toBe(HEALTH_GATE);
  return decision!.gate!;
}

describe('the health gate on a bad image', () => {
  it('stops after the canary, naming the crashing pods, before a second old node is drained', async () => {
    const result = await run(await loadScenario('scenarios/bad-image.json'));
    const { report, run: r, world, before } = result;
    expect(report.status).toBe('blocked');
    expect(r.status).toBe('needs-decision');
    const gate = stopReport(result);
    expect(gate.stage).toBe('canary');
    expect(gate.canary).toHaveLength(1);
    expect(gate.pods.length).toBeGreaterThan(0);
    for (const p of gate.pods) {
      expect(p.pod).toMatch(/^shop\/web-/);
      expect(p.containers[0]).toMatchObject({ name: 'web', waiting: 'CrashLoopBackOff', terminated: { reason: 'Error', exitCode: 1 } });
      expect(world.nodes().find((n) => n.name === p.node)?.labels['eks.amazonaws.com/nodegroup-image']).toBe(r.plan.toImageId);
    }
    // The world's view: every old node but the canary keeps every pod it began with.
    const [canary] = gate.canary;
    const now = podsByNode(world);
    for (const [node, pods] of before) {
      if (node === canary) continue;
      expect(now.get(node), `${node} lost pods`).toEqual(pods);
    }
    expect(result.events.filter((e) => e.kind === 'node' && e.state === 'evicting').map((e) => e.kind === 'node' && e.node)).toEqual([canary]);
    expect(gate.notBlamed).toEqual([]);
  });

  it('names OOMKilled and its exit code when the new image runs out of memory', async () => {
    const result = await run(await badImage([{ kind: 'badImage', workloads: ['web'], mode: 'oomKilled' }]));
    const gate = stopReport(result);
    expect(gate.pods[0].containers[0]).toMatchObject({ waiting: 'CrashLoopBackOff', terminated: { reason: 'OOMKilled', exitCode: 137 } });
  });

  it('stops on pods that run but never get Ready, once they had five minutes', async () => {
    const result = await run(await badImage([{ kind: 'badImage', workloads: ['web'], mode: 'notReady' }]));
    const gate = stopReport(result);
    expect(gate.pods[0]).toMatchObject({ ready: false, restarts: 0, containers: [] });
    expect(gate.pods[0].notReadyForMs).toBeGreaterThanOrEqual(5 * 60_000);
  });

  it('Abort leaves the fleet clean: the surge scaled back, nothing tainted or cordoned, no pod lost', async () => {
    const { report, run: r } = await run(await loadScenario('scenarios/bad-image.json'), { decide: 'abort' });
    expect(r.status).toBe('aborted');
    expect(r.outcome?.summary).toMatch(/aborted by sim at the health gate/);
    expect(r.outcome?.gate).toMatchObject({ result: 'stopped', stops: 1 });
    expect(report).toMatchObject({ podsLost: 0, pdbViolations: 0, terminatedTwice: 0, nodesTerminatedWithPods: 0, leftTainted: 0, leftCordoned: 0 });
    expect(report.asg.after).toEqual(report.asg.before);
  });

  it('Roll back stops the run where it is and says a rollback was asked for', async () => {
    const { report, run: r } = await run(await loadScenario('scenarios/bad-image.json'), { decide: 'rollback', decidedBy: 'U0ROLLER' });
    expect(r.status).toBe('aborted');
    expect(r.outcome?.gate).toMatchObject({ result: 'stopped', rollbackBy: 'U0ROLLER' });
    expect(r.outcome?.summary).toMatch(/U0ROLLER asked for a rollback/);
    expect(report).toMatchObject({ podsLost: 0, leftTainted: 0, leftCordoned: 0 });
    expect(report.asg.after).toEqual(report.asg.before);
  });

  it('Continue carries on, and the gate asks again when the next drains move more pods onto the bad image', async () => {
    // reports has no PDB: nothing holds the drains of its crashing pods, so only the gate asks.
    const scenario = await badImage([{ kind: 'badImage', workloads: ['reports'], mode: 'crashLoop' }], 9);
    const { report, run: r, events } = await run(scenario, { decide: 'continue' });
    expect(report.status).toBe('succeeded');
    expect(report.nodes.replaced).toBe(9);
    expect(r.outcome?.gate?.result, JSON.stringify(r.outcome?.gate)).toBe('continued');
    expect(r.outcome?.gate?.stops).toBeGreaterThan(1);
    // Each stop named pods nobody had accepted yet.
    const stops = events.flatMap((e) => (e.kind === 'gate' && e.stage === 'stopped' ? [e.report!] : []));
    const named = stops.flatMap((s) => s.pods.map((p) => p.pod));
    expect(new Set(named).size).toBe(named.length);
    expect(stops.slice(1).every((s) => s.stage === 'watch')).toBe(true);
  });

  it('refuses a blocked drain\'s answer at the gate, and the gate\'s at a blocked drain', async () => {
    await expect(run(await loadScenario('scenarios/bad-image.json'), { decide: 'force' })).rejects.toThrow(/force is not an answer to the health gate: choose continue, rollback, abort/);
    await expect(run(await loadScenario('scenarios/pdb-blocked.json'), { decide: 'continue' })).rejects.toThrow(/continue is not an answer to a blocked drain/);
  });
});

describe('the health gate on an image whose pods run Ready, then crash', () => {
  // The view relists (dropWatches: a 410 Gone; a restarted bot's first list is the same) at `relistAt`:
  // the pods moved so far come into it Ready, and their crash is a change on the same node, which the
  // view once left out of the pods the gate looks at (54f8df2). Without the relist they came in
  // Pending and stayed among them, and a gate missing the crash could not be told apart.
  async function crashLater(scenario: Scenario, relistAt: 'baking' | 'passed') {
    let world!: SimWorld;
    const result = await run(scenario, {
      onWorld: (w) => void (world = w),
      onEvent: (e) => {
        if (e.kind === 'gate' && e.stage === relistAt) world.cluster.dropWatches();
      },
    });
    const at = (stage: string) => result.events.find((e) => e.kind === 'gate' && e.stage === stage)?.at;
    const drains = result.events.flatMap((e) => (e.kind === 'node' && e.state === 'evicting' ? [e.at] : []));
    return { ...result, gate: stopReport(result), bakingAt: at('baking')!, passedAt: at('passed'), stoppedAt: at('stopped')!, drains };
  }

  it('bad-image-late.json: stops within the bake when they are OOMKilled a minute after Ready, before a second old node is drained', async () => {
    const { gate, bakingAt, stoppedAt, drains, run: r } = await crashLater(await loadScenario('scenarios/bad-image-late.json'), 'baking');
    // Ready first: the bake began, and the crash stopped it.
    expect(bakingAt).toBeDefined();
    expect(stoppedAt - bakingAt, 'ms from the bake\'s start to the stop: the canary\'s crash went unseen through the bake').toBeLessThan(r.plan.gate!.bakeMs);
    expect(gate.stage).toBe('canary');
    expect(drains, 'old nodes drained').toHaveLength(1);
    expect(gate.pods.length).toBeGreaterThan(0);
    for (const p of gate.pods) {
      expect(p.pod).toMatch(/^shop\/web-/);
      expect(p.ready).toBe(false);
      expect(p.restarts).toBeGreaterThan(0);
      expect(p.containers[0]).toMatchObject({ name: 'web', waiting: 'CrashLoopBackOff', terminated: { reason: 'OOMKilled', exitCode: 137 } });
    }
  });

  it('stops at the look before a later drain when they crash after the bake passed', async () => {
    const crashAfterSeconds = 420;
    const scenario = await badImage([{ kind: 'badImage', workloads: ['web'], mode: 'crashLoop', crashAfterSeconds }]);
    const { gate, bakingAt, passedAt, drains } = await crashLater(scenario, 'passed');
    expect(passedAt).toBeDefined();
    expect(gate.stage).toBe('watch');
    // The run carried on after the bake...
    expect(drains.filter((at) => at >= passedAt!).length).toBeGreaterThan(0);
    // ...until the canary's pods, Ready by the bake's start, crashed: no drain started after that.
    const crashedBy = bakingAt + crashAfterSeconds * 1000;
    expect(drains.filter((at) => at > crashedBy).map((at) => `${(at - crashedBy) / 1000} s after the crash`), 'drains started after the canary\'s pods crashed').toEqual([]);
    expect(gate.pods.length).toBeGreaterThan(0);
    for (const p of gate.pods) {
      expect(p.pod).toMatch(/^shop\/web-/);
      expect(p.containers[0]).toMatchObject({ name: 'web', waiting: 'CrashLoopBackOff', terminated: { reason: 'Error', exitCode: 1 } });
    }
  });
});

describe('the health gate on a healthy world', () => {
  it('passes, and the bake makes the run longer by at most the bake', async () => {
    const scenario = await loadScenario('scenarios/demo.json');
    const baked = await simulate({ scenario });
    const unbaked = await simulate({ scenario, bakeMs: 0 });
    assertCleanRun(baked, 'baked');
    assertCleanRun(unbaked, 'no bake');
    const figures = `makespan ${baked.report.makespanSeconds} s baked, ${unbaked.report.makespanSeconds} s without`;
    expect(baked.report.makespanSeconds - unbaked.report.makespanSeconds, figures).toBeLessThanOrEqual(300);
    expect(baked.report.makespanSeconds, figures).toBeGreaterThan(unbaked.report.makespanSeconds);
    expect(baked.run.outcome?.gate).toMatchObject({ result: 'passed', bakeMs: 300_000, stops: 0, canary: [expect.any(String)] });
    // No second drain before the canary's pods were Ready and had baked five minutes.
    const baking = baked.events.find((e) => e.kind === 'gate' && e.stage === 'baking')!;
    const drains = baked.events.filter((e) => e.kind === 'node' && e.state === 'evicting');
    expect(drains[1].at - baking.at).toBeGreaterThanOrEqual(300_000);
    expect(baked.run.plan.estimatedMs - unbaked.run.plan.estimatedMs).toBeGreaterThanOrEqual(300_000);
  });

  it('names pods that failed before the run apart, without blaming the new image for them', async () => {
    const result = await run(
      await badImage([
        { kind: 'badImage', workloads: ['web'], mode: 'crashLoop' },
        { kind: 'badImage', workloads: ['reports'], mode: 'oomKilled', everywhere: true },
      ], 9),
    );
    const gate = stopReport(result);
    expect(gate.pods.map((p) => p.pod).every((p) => p.startsWith('shop/web-'))).toBe(true);
    expect(gate.notBlamed.length).toBeGreaterThan(0);
    expect(gate.notBlamed.every((p) => p.startsWith('bank/reports-'))).toBe(true);
    expect(result.run.plan.findings.find((f) => f.code === 'unhealthy-before')?.subjects.every((s) => s.startsWith('bank/reports-'))).toBe(true);
  });

  it('does not blame the new image for pods that failed before the run', async () => {
    const result = await run(await badImage([{ kind: 'badImage', workloads: ['reports'], mode: 'crashLoop', everywhere: true }]), { bakeMs: 60_000 });
    assertCleanRun(result, 'reports failing everywhere');
    expect(result.run.outcome?.gate).toMatchObject({ result: 'passed', stops: 0 });
    const finding = result.run.plan.findings.find((f) => f.code === 'unhealthy-before');
    expect(finding?.severity).toBe('info');
    expect(result.run.plan.gate?.unhealthyBefore.workloads).toEqual([expect.stringMatching(/^bank\/ReplicaSet\/reports-/)]);
    // Still failing on the new nodes at the end.
    expect(result.world.pods().filter((p) => p.name.startsWith('reports-') && p.troubled?.[0]?.waiting === 'CrashLoopBackOff')).toHaveLength(2);
  });
});
