// EKS's own managed update of a world, driven by the simulated EKS service alone: the baseline
// `rolling` is measured against.
import { runUntil, VirtualClock } from '../src/sim/clock.js';
import type { Scenario } from '../src/sim/scenario.js';
import { createWorld } from '../src/sim/world.js';

/** Seconds from the request to the update's end, and how it ended (Successful, Failed). */
export async function eksOwnProcess(scenario: Scenario): Promise<{ seconds: number; status: string }> {
  const clock = new VirtualClock();
  const world = createWorld({ ...scenario, nodegroup: { ...scenario.nodegroup, managed: true } }, { clock });
  const start = clock.now();
  const id = await world.nodeGroups.startVersionUpdate(world.ref, { version: scenario.cluster.version, force: false, token: 'bench' });
  let status = 'InProgress';
  await runUntil(clock, () => status !== 'InProgress', { maxSimMs: 30 * 24 * 3600_000 });
  // The loop's done() cannot await: read the outcome from the world after each jump instead.
  status = (await world.nodeGroups.describeUpdate(world.ref, id)).status;
  while (status === 'InProgress') {
    if (!clock.advance()) break;
    await new Promise((r) => setImmediate(r));
    status = world.eksUpdates().find((u) => u.id === id)?.status ?? status;
  }
  return { seconds: Math.round((clock.now() - start) / 1000), status };
}
