import { describe, expect, it } from 'vitest';
import type { ClusterEvent } from '../../src/engine/ports.js';
import { runUntil, VirtualClock } from '../../src/sim/clock.js';
import { loadScenario } from '../../src/sim/scenario.js';
import { createWorld } from '../../src/sim/world.js';

/** Runs a managed update with faults and returns everything observable, as text. */
async function trace(seed: number): Promise<string[]> {
  const s = await loadScenario('scenarios/eks-workshop.json');
  s.faults = [
    { kind: 'launchFailure', count: 1 },
    { kind: 'slowBoot', extraSeconds: 60, count: 1 },
    { kind: 'throttle', api: 'aws', probability: 0.3 },
  ];
  const clock = new VirtualClock();
  const w = createWorld(s, { clock, seed, log: true });
  const out: string[] = [];
  const fmt = (e: ClusterEvent) =>
    e.kind === 'resync'
      ? `resync ${e.nodes.map((n) => n.name).join(',')} ${e.pods.map((p) => `${p.name}@${p.nodeName}`).join(',')}`
      : e.kind === 'node'
        ? `${e.type} node ${e.node.name} ${e.node.instanceId} ready=${e.node.ready} ${JSON.stringify(e.node.taints)}`
        : `${e.type} pod ${e.pod.uid} ${e.pod.name} ${e.pod.phase} ${e.pod.nodeName}`;
  w.cluster.watch((e) => out.push(`${clock.now()} ${fmt(e)}`));
  let id: string | undefined;
  while (!id) {
    try {
      id = await w.nodeGroups.startVersionUpdate(w.ref, { version: '1.23', force: false, token: 'tok' });
    } catch (e) {
      out.push(`${clock.now()} ${(e as Error).message}`);
    }
  }
  await runUntil(clock, () => w.eksUpdates()[0].status !== 'InProgress');
  out.push(...w.log(), JSON.stringify(w.activities()), JSON.stringify(w.eksUpdates()), JSON.stringify(w.ledger()));
  return out;
}

describe('determinism', () => {
  it('the same seed gives an identical event log; another seed a different one', async () => {
    const a = await trace(42);
    const b = await trace(42);
    expect(a.length).toBeGreaterThan(100);
    expect(b).toEqual(a);
    const c = await trace(43);
    expect(c).not.toEqual(a);
  });
});
