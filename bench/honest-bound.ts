// makespan / lower bound (src/sim/lower-bound.ts) at maxUnavailable 1, 10 and 50 on large-450 and
// on tight-pdbs, with the default drain timeout, and `rolling` against EKS's own process on tight-pdbs.
// A run that ends blocked is shown as blocked: its makespan is when it stopped, not a ratio.
import { simulate, type SimReport } from '../src/app/simulate.js';
import { VirtualClock } from '../src/sim/clock.js';
import { loadScenario, type Scenario } from '../src/sim/scenario.js';
import { createWorld } from '../src/sim/world.js';
import { eksOwnProcess } from './eks-own-process.js';

const WORLDS = ['large-450', 'tight-pdbs'] as const;
const MAX_UNAVAILABLE = [1, 10, 50] as const;

/** The engine section's run (large-450 at its maxUnavailable 1) is not run twice. */
export interface EngineFigures {
  status: string;
  makespanSeconds: number;
  wallSeconds: number;
}

/**
 * The health gate's bake off: it is a wait chosen for safety, which neither the bound nor EKS's process
 * has; with it on, a healthy run takes at most the bake longer (test/engine/health-gate.test.ts).
 */
export const NO_BAKE = 0;

export async function benchHonestBound(large450AtOne: EngineFigures): Promise<Record<string, string>> {
  const figures: Record<string, string> = {};
  for (const name of WORLDS) {
    const scenario = await loadScenario(`scenarios/${name}.json`);
    let rollingAtOwn: SimReport | undefined;
    for (const k of MAX_UNAVAILABLE) {
      const bound = boundOf(scenario, k);
      let outcome: { status: string; makespanSeconds: number; replaced?: string; wallSeconds: number };
      if (name === 'large-450' && k === scenario.nodegroup.maxUnavailable) {
        outcome = large450AtOne;
      } else {
        const started = performance.now();
        const { report } = await simulate({ scenario, maxUnavailable: k, bakeMs: NO_BAKE });
        outcome = {
          status: report.status,
          makespanSeconds: report.makespanSeconds,
          replaced: `${report.nodes.replaced} of ${report.nodes.old} nodes`,
          wallSeconds: (performance.now() - started) / 1000,
        };
        if (k === scenario.nodegroup.maxUnavailable) rollingAtOwn = report;
      }
      const limit = `${bound.limitedBy}${bound.chainWorkload ? ` ${bound.chainWorkload}` : ''}`;
      const wall = `${outcome.wallSeconds.toFixed(1)} s wall`;
      figures[`${name} maxUnavailable ${k}`] =
        outcome.status === 'succeeded'
          ? `${(outcome.makespanSeconds / bound.seconds).toFixed(3)} = ${outcome.makespanSeconds} s / ${bound.seconds} s (${limit}); ${wall}`
          : `${outcome.status.toUpperCase()} after ${outcome.makespanSeconds} s${outcome.replaced ? `, ${outcome.replaced} replaced` : ''}; bound ${bound.seconds} s (${limit}); ${wall}`;
    }
    if (rollingAtOwn) {
      const started = performance.now();
      const eks = await eksOwnProcess(scenario);
      const ratio = rollingAtOwn.status === 'succeeded' && eks.status === 'Successful' ? `${(rollingAtOwn.makespanSeconds / eks.seconds).toFixed(3)} = ` : '';
      figures[`${name} rolling / EKS process`] =
        `${ratio}${rollingAtOwn.makespanSeconds} s (${rollingAtOwn.status}) / ${eks.seconds} s (${eks.status}) at maxUnavailable ${scenario.nodegroup.maxUnavailable}; ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s wall`;
    }
  }
  return figures;
}

/** The bound of the world as it begins: nothing needs to run. */
function boundOf(scenario: Scenario, maxUnavailable: number) {
  const b = createWorld(scenario, { clock: new VirtualClock() }).lowerBound({ maxUnavailable });
  return { ...b, seconds: Math.round(b.seconds) };
}
