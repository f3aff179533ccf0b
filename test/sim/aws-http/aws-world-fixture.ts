// A simulated world served over the AWS wire protocols on 127.0.0.1, and the real EksNodeGroups
// adapter pointed at it; beside it, a twin world built from the same scenario and seed that the
// in-process SimNodeGroups acts on, so the two can be compared call for call.
import { EksNodeGroups, type EksClusterSettings } from '../../../src/aws/eks-node-groups.js';
import { parseConfigObject } from '../../../src/config.js';
import { VirtualClock } from '../../../src/sim/clock.js';
import { serveAwsApi, type AwsApiServer } from '../../../src/sim/aws-http/serve-aws-api.js';
import { parseScenario, type Scenario } from '../../../src/sim/scenario.js';
import { mngbotConfig } from '../../../src/sim/world-files.js';
import { createWorld, type SimWorld } from '../../../src/sim/world.js';

export const START = Date.UTC(2026, 0, 1);
export const CREDENTIALS = { accessKeyId: 'AKIDSIMULATEDTEST01', secretAccessKey: 'not-checked' };

export function scenarioOf(o: { managed?: boolean; amiType?: string; version?: string; releaseVersion?: string; seed?: number; faults?: unknown[] } = {}): Scenario {
  const managed = o.managed ?? false;
  return parseScenario(
    {
      seed: o.seed ?? 11,
      cluster: { name: 'prod', version: '1.30', region: 'eu-west-1' },
      nodegroup: {
        name: managed ? 'apps' : 'workers',
        managed,
        version: o.version ?? '1.29',
        ...(o.releaseVersion ? { releaseVersion: o.releaseVersion } : {}),
        nodes: 4,
        azs: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
        min: 3,
        max: 8,
        maxUnavailable: managed ? 2 : 1,
        instanceType: 'm6i.large',
        podsPerNode: 20,
        amiType: o.amiType ?? 'AL2023_x86_64_STANDARD',
      },
      timings: { launchToReadySeconds: 60, podStartSeconds: 2, terminateSeconds: 30 },
      workloads: [
        { name: 'web', namespace: 'shop', kind: 'Deployment', replicas: 6, pdb: { maxUnavailable: 1 }, gracePeriodSeconds: 10 },
        { name: 'agent', namespace: 'ops', kind: 'DaemonSet' },
      ],
      faults: o.faults ?? [],
    },
    'aws-world-fixture',
  );
}

export interface Served {
  world: SimWorld;
  clock: VirtualClock;
  api: AwsApiServer;
  adapter: EksNodeGroups;
}

const open: Served[] = [];

/** The scenario's world behind serveAwsApi, and EksNodeGroups configured from the world's own mngbot config. */
export async function serveWorldAws(scenario: Scenario, adapterOpts: { maxAttempts?: number } = {}): Promise<Served> {
  const clock = new VirtualClock(START);
  const world = createWorld(scenario, { clock });
  const api = await serveAwsApi(world, { host: '127.0.0.1', port: 0 });
  const adapter = new EksNodeGroups({ endpoint: api.url, credentials: CREDENTIALS, clusters: adapterClusters(scenario, world.aws.asg.name), ...adapterOpts });
  const served = { world, clock, api, adapter };
  open.push(served);
  return served;
}

/** The clusters EksNodeGroups is given: exactly what the world process writes with --config. */
export function adapterClusters(scenario: Scenario, asgName: string): Record<string, EksClusterSettings> {
  const file = parseConfigObject(mngbotConfig(scenario, asgName));
  return Object.fromEntries(
    file.clusters.map((c) => [c.name, { region: c.region!, ...(c.selfManaged ? { selfManaged: c.selfManaged } : {}) }]),
  );
}

/** The same world again, for SimNodeGroups to act on in-process. */
export function twin(scenario: Scenario): { world: SimWorld; clock: VirtualClock } {
  const clock = new VirtualClock(START);
  return { world: createWorld(scenario, { clock }), clock };
}

export async function closeServed(): Promise<void> {
  for (const s of open.splice(0)) {
    s.adapter.destroy();
    await s.api.close();
  }
}

/** Fires every timer due within the next `ms` of simulated time. */
export function advance(clock: VirtualClock, ms: number): void {
  const until = clock.now() + ms;
  for (;;) {
    const next = clock.nextAt();
    if (next === undefined || next > until) break;
    clock.advance();
  }
}
