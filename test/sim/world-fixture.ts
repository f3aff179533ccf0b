// Small inline worlds for the simulator's tests.
import { VirtualClock } from '../../src/sim/clock.js';
import { parseScenario, type Scenario } from '../../src/sim/scenario.js';
import { createWorld, type SimWorld } from '../../src/sim/world.js';

export const START = Date.UTC(2026, 0, 1);

type Overrides = {
  nodegroup?: Record<string, unknown>;
  timings?: Record<string, unknown>;
  workloads?: unknown[];
  faults?: unknown[];
  seed?: number;
};

export function scenario(o: Overrides = {}): Scenario {
  return parseScenario(
    {
      seed: o.seed ?? 1,
      cluster: { name: 'c', version: '1.30', region: 'us-west-2' },
      nodegroup: {
        name: 'ng',
        managed: false,
        version: '1.29',
        nodes: 3,
        azs: ['us-west-2a', 'us-west-2b', 'us-west-2c'],
        min: 3,
        max: 9,
        maxUnavailable: 1,
        instanceType: 'm5.large',
        podsPerNode: 10,
        amiType: 'AL2_x86_64',
        ...o.nodegroup,
      },
      timings: { launchToReadySeconds: 90, podStartSeconds: 5, terminateSeconds: 60, ...o.timings },
      workloads: o.workloads ?? [],
      faults: o.faults ?? [],
    },
    'test',
  );
}

export function world(o: Overrides = {}, log = false): { w: SimWorld; clock: VirtualClock } {
  const clock = new VirtualClock(START);
  return { w: createWorld(scenario(o), { clock, log }), clock };
}

/** Advances the clock to `ms` after START, firing everything due on the way. */
export function advanceTo(clock: VirtualClock, ms: number): void {
  for (;;) {
    const next = clock.nextAt();
    if (next === undefined || next > START + ms) break;
    clock.advance();
  }
}

export const flush = () => new Promise<void>((r) => setImmediate(r));
