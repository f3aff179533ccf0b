// Each mistake in a scenario → the exact message, naming the file and the key path.
import { describe, expect, it } from 'vitest';
import { parseScenario, ScenarioError } from '../../src/sim/scenario.js';

const valid = () => ({
  seed: 7,
  cluster: { name: 'demo', version: '1.30', region: 'us-west-2' },
  nodegroup: {
    name: 'workers', managed: false, version: '1.29', nodes: 3, azs: ['us-west-2a', 'us-west-2b'], min: 3, max: 6,
    maxUnavailable: 1, instanceType: 'm5.large', podsPerNode: 29,
  } as Record<string, unknown>,
  workloads: [{ name: 'web', kind: 'Deployment', replicas: 2, pdb: { minAvailable: 1 } }] as Record<string, unknown>[],
  faults: [] as unknown[],
});
type Valid = ReturnType<typeof valid>;

const cases: [string, (s: Valid) => unknown, string][] = [
  ['not an object', () => [], 'x.json: scenario: expected an object, got []'],
  ['unknown top key', (s) => ({ ...s, seeds: 1 }), 'x.json: scenario.seeds: unknown field'],
  ['seed out of range', (s) => ({ ...s, seed: -1 }), 'x.json: scenario.seed: expected an integer in 0…4294967295, got -1'],
  ['podsPerNode', (s) => ({ ...s, nodegroup: { ...s.nodegroup, podsPerNode: 738 } }), 'x.json: scenario.nodegroup.podsPerNode: expected an integer in 1…737, got 738'],
  ['amiType', (s) => ({ ...s, nodegroup: { ...s.nodegroup, amiType: 'WINDOWS' } }), 'x.json: scenario.nodegroup.amiType: expected one of AL2_x86_64, AL2_x86_64_GPU, AL2_ARM_64, AL2023_x86_64_STANDARD, AL2023_ARM_64_STANDARD, AL2023_x86_64_NVIDIA, BOTTLEROCKET_x86_64, BOTTLEROCKET_ARM_64, got "WINDOWS"'],
  ['AZ of another region', (s) => ({ ...s, nodegroup: { ...s.nodegroup, azs: ['us-west-2a', 'eu-west-1a'] } }), 'x.json: scenario.nodegroup.azs[1]: expected an Availability Zone of us-west-2 like "us-west-2a", got "eu-west-1a"'],
  ['no AZ', (s) => ({ ...s, nodegroup: { ...s.nodegroup, azs: [] } }), 'x.json: scenario.nodegroup.azs: expected at least one Availability Zone, got []'],
  ['release of another version', (s) => ({ ...s, nodegroup: { ...s.nodegroup, releaseVersion: '1.30.1-20240601' } }), 'x.json: scenario.nodegroup.releaseVersion: release 1.30.1-20240601 is not a 1.29 release'],
  ['sizes', (s) => ({ ...s, nodegroup: { ...s.nodegroup, max: 2 } }), 'x.json: scenario.nodegroup: need min ≤ nodes ≤ max, got 3 ≤ 3 ≤ 2'],
  ['workload kind', (s) => ({ ...s, workloads: [{ name: 'web', kind: 'Job' }] }), 'x.json: scenario.workloads[0].kind: expected one of Deployment, StatefulSet, DaemonSet, Pod, got "Job"'],
  ['DaemonSet replicas', (s) => ({ ...s, workloads: [{ name: 'agent', kind: 'DaemonSet', replicas: 3 }] }), 'x.json: scenario.workloads[0].replicas: a DaemonSet has no replicas (one pod per node)'],
  ['labels', (s) => ({ ...s, workloads: [{ name: 'web', kind: 'Pod', labels: { app: 1 } }] }), 'x.json: scenario.workloads[0].labels.app: expected a string, got 1'],
  ['pdb percentage', (s) => ({ ...s, workloads: [{ name: 'web', kind: 'Pod', pdb: { maxUnavailable: '120%' } }] }), 'x.json: scenario.workloads[0].pdb.maxUnavailable: expected an integer ≥ 0 or a percentage like "25%", got "120%"'],
  ['pdb both', (s) => ({ ...s, workloads: [{ name: 'web', kind: 'Pod', pdb: {} }] }), 'x.json: scenario.workloads[0].pdb: give exactly one of minAvailable, maxUnavailable'],
  ['twice', (s) => ({ ...s, workloads: [...s.workloads, { name: 'web', kind: 'Pod' }] }), 'x.json: scenario.workloads[1].name: default/web is defined twice'],
  ['fault kind', (s) => ({ ...s, faults: [{ kind: 'meteor' }] }), 'x.json: scenario.faults[0].kind: expected one of launchFailure, slowBoot, stuckPod, throttle, crash, badImage, got "meteor"'],
  ['fault field', (s) => ({ ...s, faults: [{ kind: 'crash', afterSteps: 0 }] }), 'x.json: scenario.faults[0].afterSteps: expected an integer ≥ 1, got 0'],
  ['throttle api', (s) => ({ ...s, faults: [{ kind: 'throttle', api: 'gcp', probability: 0.1 }] }), 'x.json: scenario.faults[0].api: expected one of aws, kube, got "gcp"'],
  ['crash after no time', (s) => ({ ...s, faults: [{ kind: 'badImage', workloads: ['web'], crashAfterSeconds: 0 }] }), 'x.json: scenario.faults[0].crashAfterSeconds: expected an integer ≥ 1, got 0'],
  ['crash after "60s"', (s) => ({ ...s, faults: [{ kind: 'badImage', workloads: ['web'], crashAfterSeconds: '60s' }] }), 'x.json: scenario.faults[0].crashAfterSeconds: expected an integer ≥ 1, got "60s"'],
  ['notReady pods crashing later', (s) => ({ ...s, faults: [{ kind: 'badImage', workloads: ['web'], mode: 'notReady', crashAfterSeconds: 60 }] }), 'x.json: scenario.faults[0].crashAfterSeconds: a notReady pod never crashes: give mode crashLoop or oomKilled, or leave crashAfterSeconds out'],
  ['crashing later everywhere', (s) => ({ ...s, faults: [{ kind: 'badImage', workloads: ['web'], everywhere: true, crashAfterSeconds: 60 }] }), 'x.json: scenario.faults[0].crashAfterSeconds: with everywhere the workload already fails on the old image: leave crashAfterSeconds out, or everywhere'],
  ['stuck pod of another namespace', (s) => ({ ...s, faults: [{ kind: 'stuckPod', workload: 'web', namespace: 'shop' }] }), 'x.json: scenario.faults[0].workload: no workload named shop/web'],
];

describe('scenario errors name the file, the key path and what was expected', () => {
  it('the valid scenario they start from parses', () => {
    expect(parseScenario(valid(), 'x.json').workloads[0]).toMatchObject({ namespace: 'default', labels: { app: 'web' } });
  });

  for (const [name, change, message] of cases) {
    it(name, () => {
      let thrown: unknown;
      try {
        parseScenario(change(valid()), 'x.json');
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(ScenarioError);
      expect((thrown as Error).message).toBe(message);
    });
  }
});
