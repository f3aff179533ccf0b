// Scenario files: a simulated world as JSON. Every field is checked; an error names the path.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { expected, firstIssue, keyPath, shown, strictObject } from '../zod-issues.js';
import { UserError } from '../engine/errors.js';

export const AMI_TYPES = [
  'AL2_x86_64',
  'AL2_x86_64_GPU',
  'AL2_ARM_64',
  'AL2023_x86_64_STANDARD',
  'AL2023_ARM_64_STANDARD',
  'AL2023_x86_64_NVIDIA',
  'BOTTLEROCKET_x86_64',
  'BOTTLEROCKET_ARM_64',
] as const;

export const ASG_PROCESSES = [
  'Launch',
  'Terminate',
  'AddToLoadBalancer',
  'AlarmNotification',
  'AZRebalance',
  'HealthCheck',
  'InstanceRefresh',
  'ReplaceUnhealthy',
  'ScheduledActions',
] as const;

/** How pods of a badImage fault's workloads fail on the new image. */
export const BAD_IMAGE_MODES = ['crashLoop', 'oomKilled', 'notReady'] as const;
export type BadImageMode = (typeof BAD_IMAGE_MODES)[number];

export class ScenarioError extends UserError {
  override name = 'ScenarioError';
}

const K8S_VERSION = /^1\.\d{1,2}$/;
const RELEASE = /^1\.\d{1,2}\.\d+-\d{8}$/;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const INT_OR_PERCENT = 'an integer ≥ 0 or a percentage like "25%"';

const object = <T extends z.core.$ZodLooseShape>(shape: T) => strictObject(shape, { notObject: 'an object', unknownKey: 'unknown field' });

const text = (pattern?: RegExp, what = 'a string') => {
  const schema = z.string(expected(what)).min(1, expected(what));
  return pattern ? schema.regex(pattern, expected(what)) : schema;
};

const int = (min: number, max?: number) => {
  const what = expected(max === undefined ? `an integer ≥ ${min}` : `an integer in ${min}…${max}`);
  return z.number(what).int(what).min(min, what).max(max ?? Number.MAX_SAFE_INTEGER, what);
};

const oneOf = <const T extends readonly [string, ...string[]]>(choices: T) => z.enum(choices, expected(`one of ${choices.join(', ')}`));

const list = <T extends z.ZodType>(item: T) => z.array(item, expected('an array'));

/** Objects told apart by `kind`; an unknown kind is worded like any other bad choice. */
const byKind = <const T extends readonly [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]]>(kinds: readonly string[], options: T) =>
  z.discriminatedUnion('kind', options, {
    error: (issue) =>
      typeof issue.input !== 'object' || issue.input === null || Array.isArray(issue.input)
        ? `expected an object, got ${shown(issue.input)}`
        : `expected one of ${kinds.join(', ')}, got ${shown((issue.input as { kind?: unknown }).kind)}`,
  });

const intOrPercent = z.union(
  [
    z.number(expected(INT_OR_PERCENT)).int(expected(INT_OR_PERCENT)).min(0, expected(INT_OR_PERCENT)),
    z.string(expected(INT_OR_PERCENT)).regex(/^\d{1,3}%$/, expected(INT_OR_PERCENT)).refine((v) => Number(v.slice(0, -1)) <= 100, expected(INT_OR_PERCENT)),
  ],
  expected(INT_OR_PERCENT),
);

const pdb = object({ minAvailable: intOrPercent.optional(), maxUnavailable: intOrPercent.optional() }).refine(
  (p) => (p.minAvailable === undefined) !== (p.maxUnavailable === undefined),
  'give exactly one of minAvailable, maxUnavailable',
);
export type PdbSpec = z.output<typeof pdb>;

const workloadFields = {
  name: text(NAME, 'a DNS-1123 name'),
  namespace: text(NAME, 'a DNS-1123 name').default('default'),
  labels: z
    .record(z.string(), z.string(expected('a string')), expected('an object of strings'))
    .refine((labels) => Object.keys(labels).length > 0, expected('at least one label'))
    .optional(),
  pdb: pdb.optional(),
  gracePeriodSeconds: int(0).default(30),
  emptyDir: z.boolean(expected('a boolean')).default(false),
  dockerSocket: z.boolean(expected('a boolean')).default(false),
};

const workload = byKind(['Deployment', 'StatefulSet', 'DaemonSet', 'Pod'], [
  object({ ...workloadFields, kind: z.enum(['Deployment', 'StatefulSet']), replicas: int(0) }),
  // A bare Pod: one unless told.
  object({ ...workloadFields, kind: z.literal('Pod'), replicas: int(1).default(1) }),
  object({ ...workloadFields, kind: z.literal('DaemonSet'), replicas: z.never({ error: 'a DaemonSet has no replicas (one pod per node)' }).optional() }),
]).transform((w) => ({
  name: w.name,
  namespace: w.namespace,
  kind: w.kind,
  /** Deployments, StatefulSets and bare Pods; DaemonSets run one per node. */
  replicas: w.kind === 'DaemonSet' ? 1 : w.replicas,
  /** Pod labels and the PDB's selector; default { app: name }. */
  labels: w.labels ?? { app: w.name },
  ...(w.pdb ? { pdb: w.pdb } : {}),
  gracePeriodSeconds: w.gracePeriodSeconds,
  emptyDir: w.emptyDir,
  dockerSocket: w.dockerSocket,
}));
export type WorkloadSpec = z.output<typeof workload>;
export type WorkloadKind = WorkloadSpec['kind'];

const fault = byKind(
  ['launchFailure', 'slowBoot', 'stuckPod', 'throttle', 'crash', 'badImage'],
  [
    // The next `count` launches fail (InsufficientInstanceCapacity); the ASG retries after ~10 s.
    object({ kind: z.literal('launchFailure'), count: int(1) }),
    // The first `count` launches after the world starts take `extraSeconds` longer to become Ready.
    object({ kind: z.literal('slowBoot'), extraSeconds: int(1), count: int(1).default(1) }),
    // Pods of the workload accept eviction but keep terminating (a finalizer) until force-deleted.
    object({ kind: z.literal('stuckPod'), workload: text(), namespace: text().optional() }),
    // Each call to the API fails with a retryable throttling error with this probability.
    object({
      kind: z.literal('throttle'),
      api: oneOf(['aws', 'kube']),
      probability: z.number(expected('a number in 0…1')).min(0, expected('a number in 0…1')).max(1, expected('a number in 0…1')),
    }),
    // The bot crashes after N runner steps (used by the test harness, not the world).
    object({ kind: z.literal('crash'), afterSteps: int(1) }),
    // The new image breaks these workloads: their pods on nodes of any other image than the world began
    // with crash-loop (exit code 1), are OOMKilled (137) in a loop, or run but never become Ready. With
    // everywhere, they fail on the old image too (a broken app, not a broken image).
    object({
      kind: z.literal('badImage'),
      workloads: list(text(NAME, 'a workload name')).min(1, expected('at least one workload')),
      namespace: text().optional(),
      mode: oneOf(BAD_IMAGE_MODES).default('crashLoop'),
      // The pods start and run Ready this long first, then crash-loop (a leak, a code path reached
      // later): what a health gate that only looks at pods starting up never sees. Absent: from the start.
      crashAfterSeconds: int(1).optional(),
      // On every node, the old image's too: the workload was failing before any upgrade.
      everywhere: z.boolean(expected('a boolean')).default(false),
    }),
  ],
);
export type Fault = z.output<typeof fault>;

const scenarioSchema = object({
  seed: int(0, 0xffffffff).default(1),
  description: text().optional(),
  cluster: object({
    name: text(NAME, 'a cluster name'),
    version: text(K8S_VERSION, 'a Kubernetes version like "1.30"'),
    region: text(REGION, 'an AWS region like "us-west-2"'),
  }),
  nodegroup: object({
    name: text(NAME, 'a node group name'),
    managed: z.boolean(expected('a boolean')),
    version: text(K8S_VERSION, 'a Kubernetes version like "1.29"'),
    /** AMI release of the existing instances; the version's newest when absent. */
    releaseVersion: text(RELEASE, 'an AMI release like "1.29.3-20240531"').optional(),
    nodes: int(0),
    // Each one of the cluster's region: checked below, where the region is known.
    azs: list(z.string(expected('an Availability Zone like "us-west-2a"'))).min(1, expected('at least one Availability Zone')),
    min: int(0),
    max: int(1),
    maxUnavailable: int(1, 100).default(1),
    instanceType: text(/^[a-z0-9-]+\.[a-z0-9]+$/, 'an instance type like "m5.large"'),
    podsPerNode: int(1, 737),
    amiType: oneOf(AMI_TYPES).default('AL2_x86_64'),
    /** Auto Scaling processes already suspended. */
    suspendedProcesses: list(oneOf(ASG_PROCESSES)).default([]),
  }),
  timings: object({
    launchToReadySeconds: int(1).default(90),
    podStartSeconds: int(0).default(5),
    terminateSeconds: int(1).default(60),
  }).prefault({}),
  workloads: list(workload).default([]),
  faults: list(fault).default([]),
}).superRefine((s, ctx) => {
  // What holds across fields, checked once every field is good.
  const fail = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const { cluster, nodegroup: n } = s;
  n.azs.forEach((az, i) => {
    if (!az.startsWith(cluster.region) || !/^[a-z]$/.test(az.slice(cluster.region.length))) {
      fail(['nodegroup', 'azs', i], `expected an Availability Zone of ${cluster.region} like "${cluster.region}a", got ${shown(az)}`);
    }
  });
  if (new Set(n.azs).size !== n.azs.length) fail(['nodegroup', 'azs'], 'Availability Zones repeat');
  if (n.releaseVersion !== undefined && !n.releaseVersion.startsWith(`${n.version}.`)) {
    fail(['nodegroup', 'releaseVersion'], `release ${n.releaseVersion} is not a ${n.version} release`);
  }
  if (!(n.min <= n.nodes && n.nodes <= n.max)) fail(['nodegroup'], `need min ≤ nodes ≤ max, got ${n.min} ≤ ${n.nodes} ≤ ${n.max}`);
  if (minor(n.version) > minor(cluster.version)) {
    fail(['nodegroup', 'version'], `nodes (${n.version}) cannot be newer than the control plane (${cluster.version})`);
  }
  const seen = new Set<string>();
  s.workloads.forEach((w, i) => {
    const key = `${w.namespace}/${w.name}`;
    if (seen.has(key)) fail(['workloads', i, 'name'], `${key} is defined twice`);
    seen.add(key);
  });
  s.faults.forEach((f, i) => {
    if (f.kind === 'stuckPod' && !s.workloads.some((w) => w.name === f.workload && (f.namespace === undefined || w.namespace === f.namespace))) {
      fail(['faults', i, 'workload'], `no workload named ${f.namespace ? `${f.namespace}/` : ''}${f.workload}`);
    }
    if (f.kind === 'badImage') {
      if (f.crashAfterSeconds !== undefined && f.mode === 'notReady') {
        fail(['faults', i, 'crashAfterSeconds'], 'a notReady pod never crashes: give mode crashLoop or oomKilled, or leave crashAfterSeconds out');
      }
      if (f.crashAfterSeconds !== undefined && f.everywhere) {
        fail(['faults', i, 'crashAfterSeconds'], 'with everywhere the workload already fails on the old image: leave crashAfterSeconds out, or everywhere');
      }
      f.workloads.forEach((name, j) => {
        if (!s.workloads.some((w) => w.name === name && (f.namespace === undefined || w.namespace === f.namespace))) {
          fail(['faults', i, 'workloads', j], `no workload named ${f.namespace ? `${f.namespace}/` : ''}${name}`);
        }
      });
    }
  });
});
export type Scenario = z.output<typeof scenarioSchema>;

function minor(version: string): number {
  return Number(version.split('.')[1]);
}

/** Validates a parsed JSON value; `source` names it in errors (a file path, "inline"). */
export function parseScenario(obj: unknown, source = 'scenario'): Scenario {
  const parsed = scenarioSchema.safeParse(obj);
  if (parsed.success) return parsed.data;
  const { path, message } = firstIssue(parsed.error);
  throw new ScenarioError(`${source}: ${keyPath(['scenario', ...path])}: ${message}`);
}

/** Reads and validates a scenario file. */
export async function loadScenario(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(`${path}: cannot read the scenario (${(err as Error).message})`);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseScenario(obj, path);
}

/** The scenario's crash point for the test harness, if it has one. */
export function crashAfterSteps(scenario: Scenario): number | undefined {
  for (const f of scenario.faults) if (f.kind === 'crash') return f.afterSteps;
  return undefined;
}
