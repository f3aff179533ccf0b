// Scenario files: a simulated world as JSON. Every field is checked; an error names the path.
import { readFile } from 'node:fs/promises';
import { UserError } from '../engine/errors.js';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Pod';

export interface PdbSpec {
  minAvailable?: number | string;
  maxUnavailable?: number | string;
}

export interface WorkloadSpec {
  name: string;
  namespace: string;
  kind: WorkloadKind;
  /** Deployments, StatefulSets and bare Pods (default 1); DaemonSets run one per node. */
  replicas: number;
  /** Pod labels and the PDB's selector; default { app: name }. */
  labels: Record<string, string>;
  pdb?: PdbSpec;
  gracePeriodSeconds: number;
  emptyDir: boolean;
  dockerSocket: boolean;
}

export type Fault =
  /** The next `count` launches fail (InsufficientInstanceCapacity); the ASG retries after ~10 s. */
  | { kind: 'launchFailure'; count: number }
  /** The first `count` launches after the world starts take `extraSeconds` longer to become Ready. */
  | { kind: 'slowBoot'; extraSeconds: number; count: number }
  /** Pods of the workload accept eviction but keep terminating (a finalizer) until force-deleted. */
  | { kind: 'stuckPod'; workload: string; namespace?: string }
  /** Each call to the API fails with a retryable throttling error with this probability. */
  | { kind: 'throttle'; api: 'aws' | 'kube'; probability: number }
  /** The bot crashes after N runner steps (used by the test harness, not the world). */
  | { kind: 'crash'; afterSteps: number };

export interface Scenario {
  seed: number;
  description?: string;
  cluster: { name: string; version: string; region: string };
  nodegroup: {
    name: string;
    managed: boolean;
    version: string;
    /** AMI release of the existing instances; the version's newest when absent. */
    releaseVersion?: string;
    nodes: number;
    azs: string[];
    min: number;
    max: number;
    maxUnavailable: number;
    instanceType: string;
    podsPerNode: number;
    amiType: string;
    /** Auto Scaling processes already suspended. */
    suspendedProcesses: string[];
  };
  timings: { launchToReadySeconds: number; podStartSeconds: number; terminateSeconds: number };
  workloads: WorkloadSpec[];
  faults: Fault[];
}

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

export class ScenarioError extends UserError {
  override name = 'ScenarioError';
}

type Json = Record<string, unknown>;

/** Reads one JSON object, refusing fields it was not told about. */
class Fields {
  private readonly obj: Json;

  constructor(
    value: unknown,
    readonly path: string,
    allowed: readonly string[],
    private readonly source: string,
  ) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.fail(path, 'an object', value);
    }
    this.obj = value as Json;
    for (const key of Object.keys(this.obj)) {
      if (!allowed.includes(key)) throw new ScenarioError(`${source}: ${path}.${key}: unknown field`);
    }
  }

  fail(path: string, expected: string, got: unknown): ScenarioError {
    const shown = got === undefined ? 'nothing' : JSON.stringify(got);
    return new ScenarioError(`${this.source}: ${path}: expected ${expected}, got ${shown}`);
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined;
  }

  raw(key: string): unknown {
    return this.obj[key];
  }

  at(key: string): string {
    return `${this.path}.${key}`;
  }

  string(key: string, fallback?: string, pattern?: RegExp, describe = 'a string'): string {
    const v = this.obj[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string' || v === '' || (pattern && !pattern.test(v))) throw this.fail(this.at(key), describe, v);
    return v;
  }

  optionalString(key: string, pattern?: RegExp, describe = 'a string'): string | undefined {
    return this.has(key) ? this.string(key, undefined, pattern, describe) : undefined;
  }

  int(key: string, min: number, fallback?: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.obj[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw this.fail(this.at(key), max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer in ${min}…${max}`, v);
    }
    return v;
  }

  number(key: string, min: number, max: number): number {
    const v = this.obj[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw this.fail(this.at(key), `a number in ${min}…${max}`, v);
    }
    return v;
  }

  bool(key: string, fallback?: boolean): boolean {
    const v = this.obj[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'boolean') throw this.fail(this.at(key), 'a boolean', v);
    return v;
  }

  array(key: string, fallback?: unknown[]): unknown[] {
    const v = this.obj[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (!Array.isArray(v)) throw this.fail(this.at(key), 'an array', v);
    return v;
  }

  oneOf<T extends string>(key: string, choices: readonly T[], fallback?: T): T {
    const v = this.obj[key];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string' || !choices.includes(v as T)) throw this.fail(this.at(key), `one of ${choices.join(', ')}`, v);
    return v as T;
  }

  object(key: string, allowed: readonly string[]): Fields {
    return new Fields(this.obj[key], this.at(key), allowed, this.source);
  }
}

const K8S_VERSION = /^1\.\d{1,2}$/;
const RELEASE = /^1\.\d{1,2}\.\d+-\d{8}$/;
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const INT_OR_PERCENT = 'an integer ≥ 0 or a percentage like "25%"';

function minor(version: string): number {
  return Number(version.split('.')[1]);
}

function intOrPercent(f: Fields, key: string): number | string | undefined {
  const v = f.raw(key);
  if (v === undefined) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,3}%$/.test(v) && Number(v.slice(0, -1)) <= 100) return v;
  throw f.fail(f.at(key), INT_OR_PERCENT, v);
}

function parseWorkload(value: unknown, path: string, source: string): WorkloadSpec {
  const f = new Fields(
    value,
    path,
    ['name', 'namespace', 'kind', 'replicas', 'labels', 'pdb', 'gracePeriodSeconds', 'emptyDir', 'dockerSocket'],
    source,
  );
  const name = f.string('name', undefined, NAME, 'a DNS-1123 name');
  const kind = f.oneOf('kind', ['Deployment', 'StatefulSet', 'DaemonSet', 'Pod'] as const);
  let replicas = 1;
  if (kind === 'DaemonSet') {
    if (f.has('replicas')) throw new ScenarioError(`${source}: ${f.at('replicas')}: a DaemonSet has no replicas (one pod per node)`);
  } else if (kind === 'Pod') {
    replicas = f.int('replicas', 1, 1);
  } else {
    replicas = f.int('replicas', 0);
  }
  let labels: Record<string, string> = { app: name };
  if (f.has('labels')) {
    const raw = f.raw('labels');
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw f.fail(f.at('labels'), 'an object of strings', raw);
    labels = {};
    for (const [k, v] of Object.entries(raw)) {
      if (typeof v !== 'string') throw f.fail(`${f.at('labels')}.${k}`, 'a string', v);
      labels[k] = v;
    }
    if (Object.keys(labels).length === 0) throw f.fail(f.at('labels'), 'at least one label', raw);
  }
  let pdb: PdbSpec | undefined;
  if (f.has('pdb')) {
    const p = f.object('pdb', ['minAvailable', 'maxUnavailable']);
    pdb = { minAvailable: intOrPercent(p, 'minAvailable'), maxUnavailable: intOrPercent(p, 'maxUnavailable') };
    if ((pdb.minAvailable === undefined) === (pdb.maxUnavailable === undefined)) {
      throw new ScenarioError(`${source}: ${p.path}: give exactly one of minAvailable, maxUnavailable`);
    }
    if (pdb.minAvailable === undefined) delete pdb.minAvailable;
    if (pdb.maxUnavailable === undefined) delete pdb.maxUnavailable;
  }
  return {
    name,
    namespace: f.string('namespace', 'default', NAME, 'a DNS-1123 name'),
    kind,
    replicas,
    labels,
    ...(pdb ? { pdb } : {}),
    gracePeriodSeconds: f.int('gracePeriodSeconds', 0, 30),
    emptyDir: f.bool('emptyDir', false),
    dockerSocket: f.bool('dockerSocket', false),
  };
}

function parseFault(value: unknown, path: string, source: string, workloads: WorkloadSpec[]): Fault {
  const kindOf = new Fields(value, path, ['kind', 'count', 'extraSeconds', 'workload', 'namespace', 'api', 'probability', 'afterSteps'], source);
  const kind = kindOf.oneOf('kind', ['launchFailure', 'slowBoot', 'stuckPod', 'throttle', 'crash'] as const);
  switch (kind) {
    case 'launchFailure': {
      const f = new Fields(value, path, ['kind', 'count'], source);
      return { kind, count: f.int('count', 1) };
    }
    case 'slowBoot': {
      const f = new Fields(value, path, ['kind', 'extraSeconds', 'count'], source);
      return { kind, extraSeconds: f.int('extraSeconds', 1), count: f.int('count', 1, 1) };
    }
    case 'stuckPod': {
      const f = new Fields(value, path, ['kind', 'workload', 'namespace'], source);
      const workload = f.string('workload');
      const namespace = f.optionalString('namespace');
      if (!workloads.some((w) => w.name === workload && (namespace === undefined || w.namespace === namespace))) {
        throw new ScenarioError(`${source}: ${f.at('workload')}: no workload named ${namespace ? `${namespace}/` : ''}${workload}`);
      }
      return namespace === undefined ? { kind, workload } : { kind, workload, namespace };
    }
    case 'throttle': {
      const f = new Fields(value, path, ['kind', 'api', 'probability'], source);
      return { kind, api: f.oneOf('api', ['aws', 'kube'] as const), probability: f.number('probability', 0, 1) };
    }
    case 'crash': {
      const f = new Fields(value, path, ['kind', 'afterSteps'], source);
      return { kind, afterSteps: f.int('afterSteps', 1) };
    }
  }
}

/** Validates a parsed JSON value; `source` names it in errors (a file path, "inline"). */
export function parseScenario(obj: unknown, source = 'scenario'): Scenario {
  const top = new Fields(obj, 'scenario', ['seed', 'description', 'cluster', 'nodegroup', 'timings', 'workloads', 'faults'], source);
  const seed = top.int('seed', 0, 1, 0xffffffff);
  const description = top.optionalString('description');

  const c = top.object('cluster', ['name', 'version', 'region']);
  const cluster = {
    name: c.string('name', undefined, NAME, 'a cluster name'),
    version: c.string('version', undefined, K8S_VERSION, 'a Kubernetes version like "1.30"'),
    region: c.string('region', undefined, /^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region like "us-west-2"'),
  };

  const n = top.object('nodegroup', [
    'name', 'managed', 'version', 'releaseVersion', 'nodes', 'azs', 'min', 'max', 'maxUnavailable',
    'instanceType', 'podsPerNode', 'amiType', 'suspendedProcesses',
  ]);
  const azs = n.array('azs').map((az, i) => {
    if (typeof az !== 'string' || !az.startsWith(cluster.region) || !/^[a-z]$/.test(az.slice(cluster.region.length))) {
      throw n.fail(`${n.at('azs')}[${i}]`, `an Availability Zone of ${cluster.region} like "${cluster.region}a"`, az);
    }
    return az;
  });
  if (azs.length === 0) throw n.fail(n.at('azs'), 'at least one Availability Zone', []);
  if (new Set(azs).size !== azs.length) throw new ScenarioError(`${source}: ${n.at('azs')}: Availability Zones repeat`);
  const suspended = n.array('suspendedProcesses', []).map((p, i) => {
    if (typeof p !== 'string' || !(ASG_PROCESSES as readonly string[]).includes(p)) {
      throw n.fail(`${n.at('suspendedProcesses')}[${i}]`, `one of ${ASG_PROCESSES.join(', ')}`, p);
    }
    return p;
  });
  const nodegroup = {
    name: n.string('name', undefined, NAME, 'a node group name'),
    managed: n.bool('managed'),
    version: n.string('version', undefined, K8S_VERSION, 'a Kubernetes version like "1.29"'),
    releaseVersion: n.optionalString('releaseVersion', RELEASE, 'an AMI release like "1.29.3-20240531"'),
    nodes: n.int('nodes', 0),
    azs,
    min: n.int('min', 0),
    max: n.int('max', 1),
    maxUnavailable: n.int('maxUnavailable', 1, 1, 100),
    instanceType: n.string('instanceType', undefined, /^[a-z0-9-]+\.[a-z0-9]+$/, 'an instance type like "m5.large"'),
    podsPerNode: n.int('podsPerNode', 1, undefined, 737),
    amiType: n.oneOf('amiType', AMI_TYPES, 'AL2_x86_64'),
    suspendedProcesses: suspended,
  };
  if (nodegroup.releaseVersion === undefined) delete nodegroup.releaseVersion;
  else if (!nodegroup.releaseVersion.startsWith(`${nodegroup.version}.`)) {
    throw new ScenarioError(`${source}: ${n.at('releaseVersion')}: release ${nodegroup.releaseVersion} is not a ${nodegroup.version} release`);
  }
  if (!(nodegroup.min <= nodegroup.nodes && nodegroup.nodes <= nodegroup.max)) {
    throw new ScenarioError(`${source}: ${n.path}: need min ≤ nodes ≤ max, got ${nodegroup.min} ≤ ${nodegroup.nodes} ≤ ${nodegroup.max}`);
  }
  if (minor(nodegroup.version) > minor(cluster.version)) {
    throw new ScenarioError(`${source}: ${n.at('version')}: nodes (${nodegroup.version}) cannot be newer than the control plane (${cluster.version})`);
  }

  const timings = top.has('timings')
    ? (() => {
        const t = top.object('timings', ['launchToReadySeconds', 'podStartSeconds', 'terminateSeconds']);
        return {
          launchToReadySeconds: t.int('launchToReadySeconds', 1, 90),
          podStartSeconds: t.int('podStartSeconds', 0, 5),
          terminateSeconds: t.int('terminateSeconds', 1, 60),
        };
      })()
    : { launchToReadySeconds: 90, podStartSeconds: 5, terminateSeconds: 60 };

  const workloads = top.array('workloads', []).map((w, i) => parseWorkload(w, `${top.at('workloads')}[${i}]`, source));
  const seen = new Set<string>();
  workloads.forEach((w, i) => {
    const key = `${w.namespace}/${w.name}`;
    if (seen.has(key)) throw new ScenarioError(`${source}: ${top.at('workloads')}[${i}].name: ${key} is defined twice`);
    seen.add(key);
  });
  const faults = top.array('faults', []).map((f, i) => parseFault(f, `${top.at('faults')}[${i}]`, source, workloads));

  return { seed, ...(description ? { description } : {}), cluster, nodegroup, timings, workloads, faults };
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
