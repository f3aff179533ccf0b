// EKS's load-balancer safety, kept by `rolling`: old nodes are labelled
// node.kubernetes.io/exclude-from-external-load-balancers with the taint, and after the cordon the run
// waits (60 s by default) before terminating, without holding a maxUnavailable slot meanwhile.
import { describe, expect, it } from 'vitest';
import { simulate, type SimResult, type SimulateOptions } from '../../src/app/simulate.js';
import type { ProgressEvent } from '../../src/engine/events.js';
import { loadScenario, parseScenario } from '../../src/sim/scenario.js';
import type { SimWorld } from '../../src/sim/world.js';
import { cases } from '../quick.js';
import { lbOrderProblems, leftLabelled, orderProblems, watchMarks, type NodeMarks } from './node-order.js';
import { randomWorld } from './random-world.js';
import { NASTY } from './faults/nasty-world.js';

const EXCLUDE_LB = 'node.kubernetes.io/exclude-from-external-load-balancers';

async function watched(opts: SimulateOptions): Promise<SimResult & { marks: Map<string, NodeMarks> }> {
  let marks = new Map<string, NodeMarks>();
  const result = await simulate({
    ...opts,
    onWorld: async (world: SimWorld) => {
      marks = watchMarks(world);
      await opts.onWorld?.(world);
    },
  });
  return { ...result, marks };
}

const nodeAt = (events: ProgressEvent[], node: string, state: string) =>
  events.find((e) => e.kind === 'node' && e.node === node && e.state === state)?.at;


describe('rolling keeps EKS\'s load-balancer safety', () => {
  it('every old node: taint and label → evicting → cordoned → the wait → terminating, over seeded worlds', async () => {
    for (let seed = 1; seed <= cases(20, 6); seed++) {
      const scenario = randomWorld(seed);
      for (const waitMs of [undefined, 90_000]) {
        const r = await watched({ scenario, maxUnavailable: scenario.nodegroup.maxUnavailable, ...(waitMs !== undefined ? { deregistrationWaitMs: waitMs } : {}) });
        const label = `seed ${seed}, wait ${waitMs ?? 'default'}`;
        expect(r.report.status, `${label}: ${r.run.outcome?.summary}`).toBe('succeeded');
        expect(r.run.plan.deregistrationWaitMs, label).toBe(waitMs ?? 60_000);
        expect([...orderProblems(r.events), ...lbOrderProblems(r.events, r.marks, waitMs ?? 60_000)], label).toEqual([]);
        expect(leftLabelled(r.world), label).toEqual([]);
        expect(r.report.leftTainted + r.report.leftCordoned + r.report.terminatedTwice + r.report.pdbViolations + r.report.podsLost, label).toBe(0);
      }
    }
  });

  it('the tainted event says the node is labelled, the cordoned one how long load balancers get', async () => {
    const r = await simulate({ scenario: await loadScenario('scenarios/demo.json') });
    const node = r.run.nodes[0].name;
    const tainted = r.events.find((e) => e.kind === 'node' && e.node === node && e.state === 'tainted');
    const cordoned = r.events.find((e) => e.kind === 'node' && e.node === node && e.state === 'cordoned');
    expect(tainted?.detail).toContain(EXCLUDE_LB);
    expect(cordoned?.detail).toMatch(/load balancers deregister it for 1m 0s/);
  });

  it('the wait holds no slot: at maxUnavailable 1 the next drain starts before the previous node is terminated', async () => {
    const r = await simulate({ scenario: await loadScenario('scenarios/demo.json'), maxUnavailable: 1 });
    expect(r.report.status).toBe('succeeded');
    const old = r.run.nodes.filter((n) => n.role === 'old');
    const overlaps = old.filter((a) => {
      const cordoned = nodeAt(r.events, a.name, 'cordoned')!;
      const terminating = nodeAt(r.events, a.name, 'terminating')!;
      return old.some((b) => b !== a && (nodeAt(r.events, b.name, 'evicting') ?? Infinity) >= cordoned && nodeAt(r.events, b.name, 'evicting')! < terminating);
    });
    expect(overlaps.length).toBeGreaterThan(0);
    // Still one drain at a time: the slot is for draining nodes.
    const drains = old.map((n) => [nodeAt(r.events, n.name, 'evicting')!, nodeAt(r.events, n.name, 'evicted')!] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < drains.length; i++) expect(drains[i][0]).toBeGreaterThanOrEqual(drains[i - 1][1]);
  });

  it('the wait is recorded: a bot killed after every saved step still waits it out, and no longer than once', async () => {
    const r = await watched({ scenario: await loadScenario('scenarios/demo.json'), kill: { everySave: true } });
    expect(r.report.status, r.run.outcome?.summary).toBe('succeeded');
    expect(r.report.restarts).toBeGreaterThan(20);
    expect([...orderProblems(r.events), ...lbOrderProblems(r.events, r.marks, 60_000)]).toEqual([]);
    expect(leftLabelled(r.world)).toEqual([]);
    for (const n of r.run.nodes.filter((x) => x.role === 'old')) {
      expect(n.deregisterUntil, n.name).toBe(n.at.cordoned! + 60_000);
      expect(n.at.terminating, n.name).toBe(n.deregisterUntil);
    }
  });

  it('--deregistration-wait 0 behaves as before: no wait recorded, terminating as soon as cordoned, one node at a time', async () => {
    const r = await watched({ scenario: await loadScenario('scenarios/demo.json'), maxUnavailable: 1, deregistrationWaitMs: 0 });
    expect(r.report.status).toBe('succeeded');
    expect(r.run.plan.deregistrationWaitMs).toBe(0);
    expect(orderProblems(r.events)).toEqual([]);
    expect(lbOrderProblems(r.events, r.marks, 0)).toEqual([]);
    const old = r.run.nodes.filter((n) => n.role === 'old');
    for (const n of old) {
      expect(n.deregisterUntil).toBeUndefined();
      expect(nodeAt(r.events, n.name, 'terminating')).toBe(nodeAt(r.events, n.name, 'cordoned'));
      expect(r.events.find((e) => e.kind === 'node' && e.node === n.name && e.state === 'cordoned')?.detail).toBe(`${n.name} cordoned`);
    }
    // As before: the next drain starts once the previous node's termination is sent.
    const spans = old.map((n) => [nodeAt(r.events, n.name, 'evicting')!, nodeAt(r.events, n.name, 'terminating')!] as const).sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) expect(spans[i][0]).toBeGreaterThanOrEqual(spans[i - 1][1]);
    expect(leftLabelled(r.world)).toEqual([]);
  });

  it('the wait adds about one wait to the run, not one a node', async () => {
    const scenario = await loadScenario('scenarios/demo.json');
    const without = await simulate({ scenario, maxUnavailable: 1, deregistrationWaitMs: 0 });
    const withWait = await simulate({ scenario, maxUnavailable: 1 });
    const nodes = withWait.report.nodes.old;
    expect(withWait.report.makespanSeconds - without.report.makespanSeconds).toBeLessThan((nodes * 60) / 2);
  });
});

describe('the label goes back when the run does not finish', () => {
  it('abort at a blocked drain: no node keeps the label', async () => {
    const r = await watched({ scenario: await loadScenario('scenarios/pdb-blocked.json'), decide: 'abort' });
    expect(r.run.status).toBe('aborted');
    expect([...r.marks.values()].some((m) => m.labelledAt !== undefined)).toBe(true);
    expect(leftLabelled(r.world)).toEqual([]);
    expect(r.report.leftTainted + r.report.leftCordoned).toBe(0);
  });

  it('skip at a blocked drain: the skipped node is neither tainted nor labelled', async () => {
    const r = await simulate({ scenario: await loadScenario('scenarios/pdb-blocked.json'), decide: 'skip' });
    expect(r.run.nodes.some((n) => n.state === 'skipped')).toBe(true);
    expect(leftLabelled(r.world)).toEqual([]);
  });

  it.each([10_000, 3 * 60_000, 6 * 60_000, 9 * 60_000, 12 * 60_000])('cancelled %i ms in: no node keeps the label', async (ms) => {
    const r = await simulate({ scenario: await loadScenario('scenarios/demo.json'), cancelAfterMs: ms });
    expect(r.run.status, r.run.outcome?.summary).toBe('cancelled');
    expect(leftLabelled(r.world)).toEqual([]);
    expect(r.report.leftTainted + r.report.leftCordoned).toBe(0);
    expect(r.report.asg.after).toEqual(r.report.asg.before);
  });

  it('a label someone else put on a node before the run stays on it', async () => {
    const scenario = await loadScenario('scenarios/pdb-blocked.json');
    let theirs = '';
    const r = await simulate({
      scenario,
      decide: 'abort',
      onWorld: async (world) => {
        theirs = world.initialNodes[0];
        await world.cluster.patchNode(theirs, { labels: { [EXCLUDE_LB]: 'true' } });
      },
    });
    expect(r.run.status).toBe('aborted');
    expect(r.run.nodes.find((n) => n.name === theirs)?.lbExclusion).toBe('theirs');
    expect(leftLabelled(r.world)).toEqual([theirs]);
  });
});

describe('a bot killed at any call', () => {
  it('leaves no label behind and never terminates twice', async () => {
    const problems: string[] = [];
    for (let n = 1; n <= cases(120, 30); n++) {
      const r = await watched({ scenario: parseScenario(NASTY, 'nasty'), kill: { afterCalls: [n, n + 3] } });
      const order = [...orderProblems(r.events), ...lbOrderProblems(r.events, r.marks, 60_000)];
      const labelled = leftLabelled(r.world);
      if (r.report.terminatedTwice || r.report.status !== 'succeeded' || labelled.length || order.length) {
        problems.push(`killed after call ${n}: ${r.report.status} terminatedTwice=${r.report.terminatedTwice} labelled=${labelled.join(',')} ${order.join('; ')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('and cancelled meanwhile: no label left, nothing terminated twice', async () => {
    const problems: string[] = [];
    for (let n = 1; n <= cases(60, 15); n++) {
      // The taint step comes at 90 s, the last termination at 210 s: cancelled in between, nodes are labelled.
      const r = await simulate({ scenario: parseScenario(NASTY, 'nasty'), cancelAfterMs: 95_000 + (n % 5) * 20_000, kill: { afterCalls: [2 * n, 2 * n + 5] } });
      const labelled = leftLabelled(r.world);
      if (r.report.terminatedTwice || labelled.length || r.report.leftTainted || r.report.leftCordoned || r.run.status !== 'cancelled') {
        problems.push(`killed after call ${2 * n}: ${r.report.status} terminatedTwice=${r.report.terminatedTwice} labelled=${labelled.join(',')} tainted=${r.report.leftTainted}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
