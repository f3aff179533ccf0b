import { describe, expect, it } from 'vitest';
import { simulate } from '../../src/app/simulate.js';
import { randomWorld } from '../engine/random-world.js';
import { cases } from '../quick.js';
import { scenario, world } from './world-fixture.js';

// L 90, s0 20, T 60 unless a test says otherwise.
const timings = { launchToReadySeconds: 90, podStartSeconds: 20, terminateSeconds: 60 };
const fourNodes = { nodes: 4, min: 4, max: 12 };

describe('lower bound', () => {
  it('a Deployment whose PDB allows one disruption, one pod on each of 4 nodes: the chain (4 − 1)·s0 + g', () => {
    const { w } = world({
      nodegroup: fourNodes,
      timings,
      workloads: [{ name: 'web', kind: 'Deployment', replicas: 4, pdb: { maxUnavailable: 1 }, gracePeriodSeconds: 30 }],
    });
    // Each node drains 30 s: Σ 120. The chain: three replacements must each be Ready (20 s) before the next eviction.
    expect(w.lowerBoundSeconds({ maxUnavailable: 1 })).toBe(90 + 120 + 60);
    expect(w.lowerBoundSeconds({ maxUnavailable: 2 })).toBe(90 + 3 * 20 + 30 + 60);
    expect(w.lowerBound({ maxUnavailable: 4 })).toMatchObject({ seconds: 90 + 90 + 60, limitedBy: 'chain', chainWorkload: 'default/web' });
  });

  it('a StatefulSet waits for its pod to stop too: the chain (R − 1)·(s0 + g) + g', () => {
    const { w } = world({
      timings,
      workloads: [{ name: 'db', kind: 'StatefulSet', replicas: 3, pdb: { maxUnavailable: 1 }, gracePeriodSeconds: 40 }],
    });
    expect(w.lowerBoundSeconds({ maxUnavailable: 3 })).toBe(90 + 2 * (20 + 40) + 40 + 60);
  });

  it('counts rounds of the disruptions a PDB allows, from minAvailable or a percentage', () => {
    const at = (pdb: unknown) =>
      world({ nodegroup: fourNodes, timings, workloads: [{ name: 'web', kind: 'Deployment', replicas: 4, pdb, gracePeriodSeconds: 30 }] }).w.lowerBoundSeconds({
        maxUnavailable: 4,
      });
    expect(at({ maxUnavailable: '50%' })).toBe(90 + 20 + 30 + 60);
    expect(at({ minAvailable: 3 })).toBe(90 + 3 * 20 + 30 + 60);
    // 75% of 4 rounds up to 3 must stay: one disruption at a time.
    expect(at({ minAvailable: '75%' })).toBe(90 + 3 * 20 + 30 + 60);
    expect(at({ maxUnavailable: 4 })).toBe(90 + 30 + 60);
  });

  it('spaces pods of one PDB on the same node within that node’s drain', () => {
    // Two nodes, two pods of web each: each node drains at least s0 + g.
    const { w } = world({
      nodegroup: { nodes: 2, min: 2, max: 6 },
      timings,
      workloads: [{ name: 'web', kind: 'Deployment', replicas: 4, pdb: { maxUnavailable: 1 }, gracePeriodSeconds: 30 }],
    });
    expect(w.lowerBoundSeconds({ maxUnavailable: 1 })).toBe(90 + 2 * (20 + 30) + 60);
  });

  it('takes the longest single drain when the others are short', () => {
    const { w } = world({
      timings,
      workloads: [
        { name: 'slow', kind: 'Deployment', replicas: 1, gracePeriodSeconds: 600 },
        { name: 'fast', kind: 'Deployment', replicas: 2, gracePeriodSeconds: 5 },
      ],
    });
    expect(w.lowerBound({ maxUnavailable: 3 })).toMatchObject({ seconds: 90 + 600 + 60, limitedBy: 'longest drain' });
  });

  it('adds no chain for DaemonSets, bare pods, or a PDB that allows nothing; their pods still count in the drains', () => {
    const { w } = world({
      nodegroup: fourNodes,
      timings,
      workloads: [
        { name: 'ds', kind: 'DaemonSet', pdb: { maxUnavailable: 1 }, gracePeriodSeconds: 900 },
        { name: 'solo', kind: 'Pod', replicas: 4, pdb: { maxUnavailable: 1 }, gracePeriodSeconds: 50 },
        { name: 'pinned', kind: 'Deployment', replicas: 4, pdb: { minAvailable: 4 }, gracePeriodSeconds: 30 },
      ],
    });
    expect(w.lowerBound({ maxUnavailable: 4 })).toMatchObject({ seconds: 90 + 50 + 60, limitedBy: 'spread' });
    expect(w.lowerBoundSeconds({ maxUnavailable: 1 })).toBe(90 + 4 * 50 + 60);
  });

  it('drops the PDB terms for a run that force-deleted pods, keeping each node’s largest grace', () => {
    const { w } = world({
      nodegroup: fourNodes,
      timings,
      workloads: [{ name: 'web', kind: 'Deployment', replicas: 4, pdb: { maxUnavailable: 1 }, gracePeriodSeconds: 30 }],
    });
    expect(w.lowerBoundSeconds({ maxUnavailable: 4, forced: true })).toBe(90 + 30 + 60);
  });

  it('is not beaten by the engine where the chain is what limits it', async () => {
    const s = scenario({
      nodegroup: fourNodes,
      timings,
      workloads: [{ name: 'web', kind: 'Deployment', replicas: 4, pdb: { maxUnavailable: 1 }, gracePeriodSeconds: 30 }],
    });
    const { report } = await simulate({ scenario: s, maxUnavailable: 4 });
    expect(report.status).toBe('succeeded');
    // launch + chain + terminate, and the last node's deregistration wait (60 s by default) before its termination.
    expect(report.lowerBoundSeconds).toBe(90 + 90 + 60 + 60);
    expect(report.makespanSeconds).toBeGreaterThanOrEqual(report.lowerBoundSeconds);
  });

  it('never exceeds the makespan of a finished run over seeded random worlds, at their maxUnavailable and at 10', async () => {
    for (let seed = 1; seed <= cases(30, 6); seed++) {
      const scenario = randomWorld(seed);
      for (const maxUnavailable of [scenario.nodegroup.maxUnavailable, 10]) {
        const { report } = await simulate({ scenario, maxUnavailable });
        if (report.status !== 'succeeded') continue;
        expect(report.makespanSeconds, `seed ${seed} at ${maxUnavailable}`).toBeGreaterThanOrEqual(report.lowerBoundSeconds);
      }
    }
  });
});
