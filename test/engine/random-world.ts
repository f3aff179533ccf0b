// Varied worlds from a seed, for the randomised engine tests.
import { imagesFor } from '../../src/sim/images.js';
import { Rng } from '../../src/sim/rng.js';
import { parseScenario, type Scenario } from '../../src/sim/scenario.js';

export function randomWorld(seed: number): Scenario {
  const rand = new Rng(seed);
  const r = () => rand.float();
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const azCount = int(1, 3);
  const azs = ['us-west-2a', 'us-west-2b', 'us-west-2c'].slice(0, azCount);
  const nodes = int(2, 14);
  const podsPerNode = int(12, 30);
  // Room for every pod even with a node or two missing, so drains can always proceed.
  const budget = Math.floor((nodes - 1) * (podsPerNode - 2) * 0.6);
  const workloads: unknown[] = [{ name: 'node-exporter', namespace: 'monitoring', kind: 'DaemonSet' }];
  let used = 0;
  const deployments = int(1, 4);
  for (let i = 0; i < deployments && used < budget; i++) {
    const replicas = Math.max(1, Math.min(int(1, 3 * nodes), budget - used));
    used += replicas;
    const pdbKind = int(0, 3);
    const pdb =
      pdbKind === 0 || replicas < 2
        ? undefined
        : pdbKind === 1
          ? { minAvailable: replicas - 1 }
          : pdbKind === 2
            ? { maxUnavailable: int(1, 2) }
            : { minAvailable: '50%' };
    workloads.push({
      name: `app-${i}`,
      namespace: `team-${i % 2}`,
      kind: int(0, 4) === 0 ? 'StatefulSet' : 'Deployment',
      replicas,
      gracePeriodSeconds: int(5, 60),
      ...(pdb ? { pdb } : {}),
    });
  }
  const faults: unknown[] = [];
  if (r() < 0.3) faults.push({ kind: 'launchFailure', count: int(1, 3) });
  if (r() < 0.3) faults.push({ kind: 'slowBoot', extraSeconds: int(60, 400), count: int(1, 2) });
  if (r() < 0.3) faults.push({ kind: 'throttle', api: 'aws', probability: 0.05 });
  if (r() < 0.2) faults.push({ kind: 'throttle', api: 'kube', probability: 0.03 });
  const maxUnavailable = int(1, 3);
  return parseScenario(
    {
      seed,
      cluster: { name: 'rand', version: '1.30', region: 'us-west-2' },
      nodegroup: {
        name: 'workers',
        managed: false,
        // Same minor: the upgrade moves to the newest AMI release of 1.30.
        ...(r() < 0.5 ? { version: '1.29' } : { version: '1.30', releaseVersion: imagesFor('AL2', '1.30')[0].releaseVersion }),
        amiType: 'AL2_x86_64',
        nodes,
        azs,
        min: int(1, nodes),
        max: nodes + int(0, 4),
        maxUnavailable,
        instanceType: 'm5.large',
        podsPerNode,
      },
      timings: { launchToReadySeconds: int(60, 180), podStartSeconds: int(2, 20), terminateSeconds: int(30, 120) },
      workloads,
      faults,
    },
    `random world ${seed}`,
  );
}
