// A bot too busy to read its watch in time: the cluster moved on (the new nodes are Ready), the
// events arrive late. The node-ready timeout must be judged on what the API says, not on the lagging
// cache — on a loaded machine this failed whole runs with NodeCreationFailure while nodes were Ready.
import { describe, expect, it } from 'vitest';
import { createSimDeps } from '../../../src/app/compose.js';
import type { Cluster, ClusterEvent } from '../../../src/engine/ports.js';
import { ledgerProblems } from '../../../src/sim/ledger.js';
import { runUntil, VirtualClock } from '../../../src/sim/clock.js';
import { loadScenario } from '../../../src/sim/scenario.js';
import { isTerminal } from '../../../src/engine/run.js';

/** The same cluster, with every watch event after the first resync delivered `lagMs` of simulated time late. */
function laggingWatch(cluster: Cluster, clock: VirtualClock, lagMs: number): Cluster {
  return new Proxy(cluster, {
    get(target, prop, receiver) {
      if (prop !== 'watch') return Reflect.get(target, prop, receiver);
      return (onEvent: (e: ClusterEvent) => void) => {
        let resynced = false;
        return target.watch((e) => {
          if (!resynced) {
            resynced = e.kind === 'resync';
            return onEvent(e);
          }
          clock.schedule(clock.now() + lagMs, () => onEvent(e));
        });
      };
    },
  });
}

describe('a watch that lags behind the cluster', () => {
  it('does not fail the run for new nodes that are Ready by the time the timeout is judged', async () => {
    const scenario = await loadScenario('scenarios/demo.json');
    const clock = new VirtualClock();
    const { app, engine, world, store } = createSimDeps(scenario, {
      clock,
      // Late by more than the node-ready timeout (20 minutes).
      ports: (p) => ({ ...p, cluster: laggingWatch(p.cluster, clock, 25 * 60_000) }),
    });
    const asked = await app.requestUpgrade({ choices: { version: '1.30' }, by: app.actor('sim') });
    if (asked.kind !== 'requested') throw new Error(asked.kind);
    await app.approve(asked.run.id, app.actor('sim'));
    let done = false;
    engine.onEvent((e) => {
      if (e.kind === 'status' && isTerminal(e.status)) done = true;
    });
    await runUntil(clock, () => done, { maxSimMs: 7 * 24 * 3_600_000 });
    await engine.stop();
    const run = (await store.get(asked.run.id))!;
    expect(run.status, run.outcome?.summary).toBe('succeeded');
    expect(ledgerProblems(world.ledger())).toEqual([]);
  });
});
