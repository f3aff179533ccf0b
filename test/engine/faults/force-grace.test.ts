// Force deletes pods with their own grace period (kubectl drain --force and EKS keep it): a
// StatefulSet's pod gets its 60 s to shut down. Before, force deleted with a grace period of 0.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../../src/sim/scenario.js';
import { simulate } from '../../../src/app/simulate.js';

describe('a forced drain', () => {
  it('lets every forced pod shut down within its own grace period before its node goes', async () => {
    const shutdowns = new Map<string, { from: number; to?: number; grace: number }>();
    const nodeGone = new Map<string, number>();
    const podNode = new Map<string, string>();
    const { report } = await simulate({
      scenario: await loadScenario('scenarios/pdb-blocked.json'),
      decide: 'force',
      onWorld: (world) => {
        world.cluster.state.observe((c) => {
          if (c.kind === 'node' && c.type === 'delete') nodeGone.set(c.node.name, world.clock.now());
          if (c.kind !== 'pod' || !c.pod.name.startsWith('ledger-')) return;
          const key = c.pod.uid;
          if (c.pod.nodeName) podNode.set(key, c.pod.nodeName);
          if (c.pod.terminating && !shutdowns.has(key)) shutdowns.set(key, { from: world.clock.now(), grace: c.pod.gracePeriodSeconds });
          if (c.type === 'delete' && shutdowns.has(key)) shutdowns.get(key)!.to = world.clock.now();
        });
      },
    });
    expect(report.status).toBe('succeeded');
    expect(report.forcedDeletions).toBeGreaterThan(0);
    const forced = [...shutdowns.entries()].filter(([, s]) => s.to !== undefined);
    expect(forced.length).toBeGreaterThanOrEqual(report.forcedDeletions);
    for (const [uid, s] of forced) {
      expect(s.to! - s.from, `ledger pod ${uid} shut down in ${(s.to! - s.from) / 1000} s`).toBeGreaterThanOrEqual(s.grace * 1000);
      const gone = nodeGone.get(podNode.get(uid)!);
      if (gone !== undefined) expect(gone).toBeGreaterThanOrEqual(s.to!);
    }
    expect(report.nodesTerminatedWithPods).toBe(0);
  });
});
