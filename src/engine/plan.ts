// The plan of an upgrade: versions, strategy, surge and its reason, the nodes to replace, preflight findings.
// Pure: everything it needs is handed in, so it can be shown for approval before anything changes.
import { FatalError, Refusal } from './errors.js';
import { estimate, FAST_TIMINGS, planShape, SLOW_TIMINGS, type PlanTimings } from './estimate.js';
import { NEUTRAL_WORDS, SURGE_ASKED, findingText } from './outcome-text.js';
import type { Finding, FindingFacts, Named, Severity } from './outcomes.js';
import { plural } from './plural.js';
import { takesPods } from './cluster-view.js';
import { matchesLabels } from './pdb-index.js';
import type { SelfPod } from './step-context.js';
import type {
  ClusterInfo,
  GroupInstance,
  ImageRelease,
  NodeGroupInfo,
  NodeInfo,
  PdbInfo,
  PodInfo,
} from './ports.js';
import { DEFAULT_RESTART_THRESHOLD, healthKey, unhealthyBeforeRun } from './pod-health.js';
import type { EstimateBasis, GatePlan, Plan, PlanNode, Strategy, UpgradeRequest } from './run.js';
import { amiFamilyMaxVersion, checkTarget, compareVersions, kubeletMinor, kubeletSkew, parseVersion } from './version.js';

export const DEFAULT_DRAIN_TIMEOUT_MS = 15 * 60_000;
/** EKS waits this long between cordon and terminate, for load balancers to deregister the node. */
export const DEFAULT_DEREGISTRATION_WAIT_MS = 60_000;

export { DEFAULT_TIMINGS, type PlanTimings } from './estimate.js';

/** At most this many names in a finding's subjects and in any list inside its message. */
export const MAX_SUBJECTS = 20;

export interface PlanDefaults {
  /** Used when the request names none and it suits the group; otherwise the group's own strategy. */
  strategy?: Strategy;
  maxUnavailable?: number;
  /** 15 minutes when unset. */
  drainTimeoutMs?: number;
  /** 60 s (as EKS) when unset; 0: none. */
  deregistrationWaitMs?: number;
  /** The health gate's bake; none when unset (Engine.plan sets DEFAULT_BAKE_MS). */
  bakeMs?: number;
  /** Restarts past which a pod on a new node fails the health gate; DEFAULT_RESTART_THRESHOLD when unset. */
  restartThreshold?: number;
}

export interface PlanInput {
  request: UpgradeRequest;
  cluster: ClusterInfo;
  group: NodeGroupInfo;
  /** The Auto Scaling group's members. */
  instances: GroupInstance[];
  /** The cluster's nodes (all of them; joined to instances by instance id). */
  nodes: NodeInfo[];
  /** The cluster's pods (all of them: single-replica detection counts replicas cluster-wide). */
  pods: PodInfo[];
  pdbs: PdbInfo[];
  /** The target image, resolved for request.version (and request.releaseVersion). */
  image: ImageRelease;
  defaults: PlanDefaults;
  /** The world's pace (launch, pod start, termination) for the estimate; real EKS's when not known. */
  timings?: PlanTimings;
  /** Where the timings come from: a past run of the group's (measured), or the world's own. Absent with no timings: assumed. */
  timingsFrom?: EstimateBasis;
  now: number;
  /** Where this mngbot runs, when it knows. */
  self?: SelfPod;
}

const SEVERITY_RANK: Record<Severity, number> = { block: 0, warn: 1, info: 2 };

/**
 * Builds the plan, or throws a Refusal when the request cannot be carried out as asked
 * (bad or impossible version, unsuitable strategy, bad sizes, nothing to do).
 * Problems a person may accept or fix before approving are findings, not errors.
 */
export function makePlan(input: PlanInput): Plan {
  const { request, cluster, group, image } = input;

  // Versions first: nothing else matters when the target is wrong.
  const target = checkTarget({
    target: request.version,
    controlPlane: cluster.version,
    nodegroup: group.version,
    names: { cluster: cluster.name, nodegroup: group.name },
    ...(request.rollback && !group.managed ? { allowOlder: true } : {}),
  });
  const imageVersion = parseVersion(image.version);
  if (imageVersion.text !== target.version) {
    throw new FatalError(`image ${image.imageId} is for Kubernetes ${image.version}, not the requested ${target.version}`);
  }

  const strategy = chooseStrategy(request.strategy, input.defaults.strategy, group);
  const nodes = oldNodes(input);
  const asked = chooseMaxUnavailable(request, input.defaults, group, nodes.length);
  const { maxUnavailableAsked } = asked;
  // More at once than there are old nodes buys nothing: the group cannot use it.
  const maxUnavailable = nodes.length > 0 ? Math.min(asked.maxUnavailable, nodes.length) : asked.maxUnavailable;
  const minimal = request.updateStrategy === 'minimal';
  if (minimal && request.surge !== undefined) throw new Refusal({ code: 'surge-with-minimal', fields: { surge: request.surge } });
  const chosen = minimal ? { surge: 0, surgeReason: MINIMAL_SURGE_REASON } : chooseSurge(request.surge, strategy, group, input.instances, maxUnavailable);
  // rolling launches its surge itself: no more new nodes than old ones to replace (EKS picks its own).
  const surge = strategy === 'rolling' && nodes.length > 0 ? Math.min(chosen.surge, nodes.length) : chosen.surge;
  const surgeReason = surge < chosen.surge ? `${chosen.surgeReason}, capped at the ${plural(nodes.length, 'old node')}` : chosen.surgeReason;
  const capped: CappedAsk[] = [
    ...(request.maxUnavailable !== undefined && maxUnavailable < asked.maxUnavailable
      ? [{ option: 'max-unavailable' as const, asked: asked.maxUnavailable, cap: maxUnavailable }]
      : []),
    ...(request.surge !== undefined && surge < chosen.surge ? [{ option: 'surge' as const, asked: request.surge, cap: surge }] : []),
  ];
  const drainTimeoutMs = request.drainTimeoutMs ?? input.defaults.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  if (!Number.isFinite(drainTimeoutMs) || drainTimeoutMs <= 0) {
    throw new Refusal({ code: 'bad-drain-timeout', fields: { gotMs: drainTimeoutMs } });
  }

  const deregistrationWaitMs = request.deregistrationWaitMs ?? input.defaults.deregistrationWaitMs ?? DEFAULT_DEREGISTRATION_WAIT_MS;
  if (!Number.isFinite(deregistrationWaitMs) || deregistrationWaitMs < 0) {
    throw new FatalError(`the deregistration wait must be 0 or a positive duration (got ${deregistrationWaitMs} ms)`);
  }

  if (nodes.length === 0) {
    const live = input.instances.filter(isLive);
    throw new Refusal({ code: 'nothing-to-do', fields: { nodegroup: group.name, ...(live.length > 0 ? { release: image.releaseVersion } : {}) } });
  }

  const force = request.force ?? false;
  const findings = preflight(input, { nodes, target, surge, force, capped, minimal, maxUnavailable });
  const gate = strategy === 'eks' ? undefined : gatePlan(input, nodes);
  if (gate && gate.unhealthyBefore.total > 0) {
    const { pods, total, workloads } = gate.unhealthyBefore;
    findings.push(finding('info', { code: 'unhealthy-before', fields: { pods: { names: pods, total }, workloads: workloads.length } }, pods));
  }

  return {
    ref: { ...request.ref },
    strategy,
    ...(minimal ? { updateStrategy: 'minimal' as const } : {}),
    managed: group.managed,
    clusterVersion: parseVersion(cluster.version).text,
    fromVersion: parseVersion(group.version).text,
    toVersion: target.version,
    fromRelease: group.releaseVersion,
    toRelease: image.releaseVersion,
    fromImageId: group.imageId,
    toImageId: image.imageId,
    amiType: group.amiType,
    surge,
    surgeReason,
    maxUnavailable,
    ...(maxUnavailableAsked ? { maxUnavailableAsked } : {}),
    drainTimeoutMs,
    // EKS keeps its own wait: the plan's is mngbot's.
    ...(strategy === 'rolling' ? { deregistrationWaitMs } : {}),
    force,
    sizes: { ...group.sizes },
    azs: [...group.azs],
    nodes,
    findings,
    ...(gate ? { gate } : {}),
    ...planEstimate(input, nodes, { strategy, maxUnavailable, surge, deregistrationWaitMs, ...(minimal ? { minimal } : {}) }, nodes.length > maxUnavailable ? (gate?.bakeMs ?? 0) : 0),
    ...(request.rollback ? { rollback: { ...request.rollback } } : {}),
    createdAt: input.now,
  };
}

/**
 * The estimate on the world's timings or a past run's; on assumed ones (real EKS's, no run of the group
 * to learn from) with the range the timings may turn out to make it.
 */
function planEstimate(input: PlanInput, nodes: PlanNode[], o: Parameters<typeof estimate>[1], bakeMs: number): Pick<Plan, 'estimatedMs' | 'estimateFrom' | 'estimateRangeMs'> {
  const on = (timings: PlanTimings | undefined) => {
    const shape = planShape(nodes.map((n) => n.name), input.pods.filter(isEvictable), input.pdbs, timings);
    return estimate(shape, o).estimatedMs + gateDelayMs(shape, bakeMs);
  };
  const estimatedMs = on(input.timings);
  if (input.timings) return { estimatedMs, estimateFrom: input.timingsFrom ?? { kind: 'world' } };
  return { estimatedMs, estimateFrom: { kind: 'assumed' }, estimateRangeMs: [Math.min(estimatedMs, on(FAST_TIMINGS)), Math.max(estimatedMs, on(SLOW_TIMINGS))] };
}

/**
 * What the health gate adds (bakeMs 0 and no drain after the canary: nothing): nothing starts until the
 * canary has drained, its pods have started on new nodes and the bake has passed, so the drains that
 * would have overlapped the canary's longest one wait for it.
 */
function gateDelayMs(shape: ReturnType<typeof planShape>, bakeMs: number): number {
  if (bakeMs === 0) return 0;
  const { drain, nodes } = shape;
  const overlapLostS = nodes > 0 ? Math.max(0, drain.longest - drain.total / nodes) : 0;
  return bakeMs + Math.round((shape.timings.podStartSeconds + overlapLostS) * 1000);
}

/** The health gate (rolling): its bake, its restart threshold, and the pods it must not blame on the new image. */
function gatePlan(input: PlanInput, nodes: PlanNode[]): GatePlan {
  const bakeMs = input.request.bakeMs ?? input.defaults.bakeMs ?? 0;
  if (!Number.isFinite(bakeMs) || bakeMs < 0) throw new FatalError(`the bake time must be 0 or a positive duration (got ${bakeMs} ms)`);
  const oldNames = new Set(nodes.map((n) => n.name));
  const sick = input.pods.filter((p) => p.nodeName !== undefined && oldNames.has(p.nodeName) && unhealthyBeforeRun(p));
  return {
    bakeMs,
    restartThreshold: input.defaults.restartThreshold ?? DEFAULT_RESTART_THRESHOLD,
    unhealthyBefore: { pods: sick.slice(0, MAX_SUBJECTS).map(podName), total: sick.length, workloads: [...new Set(sick.map(healthKey))] },
  };
}

/** The findings a person cannot approve past. */
export function blockingFindings(plan: Pick<Plan, 'findings'>): Finding[] {
  return plan.findings.filter((f) => f.severity === 'block');
}

/** plan.surgeReason of a MINIMAL plan. */
export const MINIMAL_SURGE_REASON = 'none: update strategy MINIMAL terminates old nodes before their replacements launch';

/** EKS's surge: max(2 × AZs of the group, maxUnavailable), with the reason in words. */
export function eksSurge(azCount: number, maxUnavailable: number): { surge: number; surgeReason: string } {
  const azs = Math.max(1, azCount);
  const surge = Math.max(2 * azs, maxUnavailable);
  return { surge, surgeReason: `max(2 × ${plural(azs, 'AZ')}, maxUnavailable ${maxUnavailable}) = ${surge}, as EKS does` };
}

// ---- choices ----

function naturalStrategy(group: NodeGroupInfo): Strategy {
  return group.managed ? 'eks' : 'rolling';
}

function chooseStrategy(requested: Strategy | undefined, configured: Strategy | undefined, group: NodeGroupInfo): Strategy {
  if (requested === undefined) {
    // A configured default cannot know every group: one that does not suit this group yields to the group's own.
    return configured !== undefined && configured === naturalStrategy(group) ? configured : naturalStrategy(group);
  }
  if ((requested === 'rolling' && group.managed) || (requested === 'eks' && !group.managed)) {
    throw new Refusal({ code: 'strategy-unsuited', fields: { nodegroup: group.name, requested } });
  }
  if (requested !== 'eks' && requested !== 'rolling') {
    throw new Refusal({ code: 'unknown-strategy', fields: { requested: String(requested) } });
  }
  return requested;
}

/** EKS's maxUnavailablePercentage: that share of the old nodes, rounded down, at least 1, at most 100 at once. */
export function nodesForPercentage(percent: number, oldNodes: number): number {
  return Math.min(100, Math.max(1, Math.floor((percent * oldNodes) / 100)));
}

function chooseMaxUnavailable(
  request: UpgradeRequest,
  defaults: PlanDefaults,
  group: NodeGroupInfo,
  oldNodes: number,
): { maxUnavailable: number; maxUnavailableAsked?: `${number}%` } {
  const [value, source] =
    request.maxUnavailable !== undefined
      ? [request.maxUnavailable, 'request' as const]
      : defaults.maxUnavailable !== undefined
        ? [defaults.maxUnavailable, 'default' as const]
        : group.maxUnavailable !== undefined && group.maxUnavailable !== null
          ? [group.maxUnavailable, 'group' as const]
          : [1, 'built-in' as const];
  if (typeof value === 'string') {
    const percent = /^\d{1,3}%$/.test(value) ? Number(value.slice(0, -1)) : NaN;
    if (!(percent >= 1 && percent <= 100)) throw new Refusal({ code: 'bad-max-unavailable', fields: { source, nodegroup: group.name, got: value } });
    return { maxUnavailable: nodesForPercentage(percent, oldNodes), maxUnavailableAsked: `${percent}%` };
  }
  if (!Number.isInteger(value) || value < 1) {
    throw new Refusal({ code: 'bad-max-unavailable', fields: { source, nodegroup: group.name, got: value } });
  }
  return { maxUnavailable: value };
}

function chooseSurge(
  requested: number | undefined,
  strategy: Strategy,
  group: NodeGroupInfo,
  instances: GroupInstance[],
  maxUnavailable: number,
): { surge: number; surgeReason: string } {
  if (requested !== undefined) {
    if (strategy === 'eks') {
      throw new Refusal({ code: 'surge-with-eks', fields: { eksSurgeReason: eksSurge(azCount(group, instances), maxUnavailable).surgeReason } });
    }
    if (!Number.isInteger(requested) || requested < 1) throw new Refusal({ code: 'bad-surge', fields: { got: requested } });
    return { surge: requested, surgeReason: SURGE_ASKED };
  }
  return eksSurge(azCount(group, instances), maxUnavailable);
}

function azCount(group: NodeGroupInfo, instances: GroupInstance[]): number {
  const azs = group.azs.length > 0 ? group.azs : instances.map((i) => i.az);
  return new Set(azs).size;
}

// ---- nodes ----

function isLive(i: GroupInstance): boolean {
  // Pending, Pending:Wait, Pending:Proceed and InService; not Standby, Terminating…, Detaching…
  return i.lifecycleState === 'InService' || i.lifecycleState.startsWith('Pending');
}

/** A pod the drain evicts: not DaemonSet-owned, not a static pod's mirror, not on its way out, not finished. */
export function isEvictable(p: PodInfo): boolean {
  return (
    p.owner?.kind !== 'DaemonSet' && !p.mirror && !p.terminating && p.phase !== 'Succeeded' && p.phase !== 'Failed'
  );
}

function oldNodes(input: PlanInput): PlanNode[] {
  const byInstance = new Map(input.nodes.map((n) => [n.instanceId, n]));
  const podsByNode = new Map<string, number>();
  for (const p of input.pods) {
    if (p.nodeName && isEvictable(p)) podsByNode.set(p.nodeName, (podsByNode.get(p.nodeName) ?? 0) + 1);
  }
  const groupVersion = parseVersion(input.group.version).text;
  const nodes = input.instances
    .filter((i) => isLive(i) && i.imageId !== input.image.imageId)
    .map((i): PlanNode => {
      const node = byInstance.get(i.instanceId);
      // An instance that has not joined the cluster still has to go; it is named by its instance id.
      return {
        name: node?.name ?? i.instanceId,
        instanceId: i.instanceId,
        az: i.az || node?.az || '',
        version: (node && safeKubeletMinor(node.kubeletVersion)) || groupVersion,
        imageId: i.imageId,
        pods: node ? (podsByNode.get(node.name) ?? 0) : 0,
      };
    });
  return nodes.sort((a, b) => cmp(a.az, b.az) || cmp(a.name, b.name));
}

function safeKubeletMinor(v: string): string | undefined {
  try {
    return kubeletMinor(v);
  } catch {
    return undefined;
  }
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

// ---- findings: one check per finding family, each returning data ----

/** An option the request set past what the group can use, and what the plan uses instead. */
interface CappedAsk {
  option: 'max-unavailable' | 'surge';
  asked: number;
  cap: number;
}

interface Choices {
  nodes: PlanNode[];
  target: ReturnType<typeof checkTarget>;
  surge: number;
  force: boolean;
  capped: CappedAsk[];
  minimal: boolean;
  maxUnavailable: number;
}

interface Context extends Choices {
  input: PlanInput;
  /** Pods on the nodes to replace, and those of them the drain evicts. */
  onOld: PodInfo[];
  evictable: PodInfo[];
}

type Check = (ctx: Context) => Finding | undefined;

function preflight(input: PlanInput, choices: Choices): Finding[] {
  const oldNames = new Set(choices.nodes.map((n) => n.name));
  const onOld = input.pods.filter((p) => p.nodeName !== undefined && oldNames.has(p.nodeName));
  const ctx: Context = { ...choices, input, onOld, evictable: onOld.filter(isEvictable) };
  return CHECKS.flatMap((check) => check(ctx) ?? [])
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_RANK[a.f.severity] - SEVERITY_RANK[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
}

function finding(severity: Severity, facts: FindingFacts, subjects: string[] = []): Finding {
  const f = { severity, ...facts, subjects: subjects.slice(0, MAX_SUBJECTS), message: '' } as Finding;
  f.message = findingText(f, NEUTRAL_WORDS);
  return f;
}

const groupNotActive: Check = ({ input: { group } }) =>
  group.status === 'ACTIVE'
    ? undefined
    : finding('block', { code: 'nodegroup-not-active', fields: { nodegroup: group.name, status: group.status } }, [group.name]);

const clusterNotActive: Check = ({ input: { cluster } }) =>
  cluster.status === 'ACTIVE'
    ? undefined
    : finding('block', { code: 'cluster-not-active', fields: { cluster: cluster.name, status: cluster.status } }, [cluster.name]);

const al2End: Check = ({ input: { group }, target }) => {
  const lastVersion = amiFamilyMaxVersion(group.amiFamily);
  if (lastVersion === undefined || compareVersions(target.version, lastVersion) <= 0) return undefined;
  return finding('block', { code: 'al2-end', fields: { nodegroup: group.name, amiType: group.amiType, lastVersion, target: target.version } }, [group.name]);
};

/** kubectl drain refuses pods without a controller unless forced: nothing re-creates them. */
const unmanagedPods: Check = ({ evictable, force }) => {
  const names = evictable.filter((p) => !p.owner).map(podName);
  if (names.length === 0) return undefined;
  return finding(force ? 'warn' : 'block', { code: 'unmanaged-pod', fields: { pods: named(names), forced: force } }, names);
};

/** PDBs that allow no disruption now: the drain will wait on them and ask. */
const stuckBudgets: Check = ({ input, evictable }) => {
  const stuck: { pdb: string; pods: string[] }[] = [];
  for (const pdb of input.pdbs) {
    if (pdb.disruptionsAllowed > 0) continue;
    const pods = evictable.filter((p) => p.namespace === pdb.namespace && matchesLabels(pdb.selector, p.labels));
    if (pods.length > 0) stuck.push({ pdb: `${pdb.namespace}/${pdb.name}`, pods: pods.map(podName) });
  }
  if (stuck.length === 0) return undefined;
  const budgets = stuck.slice(0, 5).map((s) => ({ pdb: s.pdb, pods: named(s.pods, 5) }));
  return finding('warn', { code: 'pdb-no-disruption', fields: { budgets, total: stuck.length } }, stuck.map((s) => s.pdb));
};

const emptyDirPods: Check = ({ evictable }) => {
  const names = evictable.filter((p) => p.emptyDir).map(podName);
  return names.length === 0 ? undefined : finding('warn', { code: 'emptydir', fields: { pods: named(names) } }, names);
};

/** Workloads whose only pod sits on an old node: a short outage while it moves. */
const singleReplicas: Check = ({ input, evictable }) => {
  const replicas = new Map<string, number>();
  for (const p of input.pods) {
    if (!p.owner || p.owner.kind === 'DaemonSet' || p.terminating || p.phase === 'Succeeded' || p.phase === 'Failed') continue;
    const key = workloadKey(p);
    replicas.set(key, (replicas.get(key) ?? 0) + 1);
  }
  const single = evictable.filter((p) => p.owner && replicas.get(workloadKey(p)) === 1);
  if (single.length === 0) return undefined;
  return finding('warn', { code: 'single-replica', fields: { workloads: named(single.map(workloadKey)) } }, single.map(podName));
};

/** Kubernetes 1.24 removed dockershim: containerd is the only runtime from then on. */
const dockershim: Check = ({ input: { group }, target, onOld }) => {
  if (compareVersions(parseVersion(group.version), '1.24') >= 0 || compareVersions(target.version, '1.24') < 0) return undefined;
  const names = onOld.filter((p) => p.dockerSocket && !p.terminating && p.phase !== 'Succeeded' && p.phase !== 'Failed').map(podName);
  return finding(names.length > 0 ? 'warn' : 'info', { code: 'dockershim', fields: { pods: named(names) } }, names);
};

/** Skew now, by node (a group can be mixed) and for the group. */
const versionSkew: Check = ({ input: { cluster, group }, nodes, target }) => {
  const lagging = nodes.filter((n) => !kubeletSkew(cluster.version, n.version).supported);
  if (lagging.length === 0 && target.currentSkew.supported) return undefined;
  const worst = lagging.map((n) => kubeletSkew(cluster.version, n.version)).sort((a, b) => b.behind - a.behind)[0] ?? target.currentSkew;
  const after = target.afterSkew;
  return finding(
    'warn',
    {
      code: 'version-skew',
      fields: {
        nodes: lagging.length,
        nodegroup: group.name,
        kubelet: worst.kubelet,
        controlPlane: worst.controlPlane,
        behind: worst.behind,
        allowed: worst.allowed,
        ...(after.supported ? {} : { behindAfter: after.behind }),
      },
    },
    lagging.length > 0 ? lagging.map((n) => n.name) : [group.name],
  );
};

/** The person asked for more than the group can use: say what happens instead. */
const askedPastCap: Check = ({ capped, nodes, surge }) =>
  capped.length === 0
    ? undefined
    : finding('warn', { code: 'capped-to-group', fields: { asked: capped.map(({ option, asked, cap }) => ({ option, asked, cap })), nodes: nodes.length, surge } });

const surgeExceedsNodes: Check = ({ surge, nodes }) =>
  surge > nodes.length ? finding('info', { code: 'surge-exceeds-nodes', fields: { surge, nodes: nodes.length } }) : undefined;

const sameVersion: Check = ({ input: { group, image }, target }) =>
  target.sameVersion
    ? finding('info', {
        code: 'same-version',
        fields: { nodegroup: group.name, version: target.version, fromRelease: group.releaseVersion, toRelease: image.releaseVersion },
      })
    : undefined;

const patchIgnored: Check = ({ input: { request, image }, target }) => {
  if (target.patch === undefined || image.releaseVersion.startsWith(`${target.version}.${target.patch}-`)) return undefined;
  return finding('info', {
    code: 'patch-ignored',
    fields: { requested: request.version.trim(), asked: `${target.version}.${target.patch}`, release: image.releaseVersion },
  });
};

const instancesNotJoined: Check = ({ input, nodes }) => {
  const names = nodes.filter((n) => n.name === n.instanceId && !input.nodes.some((k) => k.instanceId === n.instanceId)).map((n) => n.instanceId);
  if (names.length === 0) return undefined;
  return finding('info', { code: 'instance-not-joined', fields: { nodegroup: input.group.name, instances: named(names) } }, names);
};

/** mngbot runs on a node it would replace: say how that goes, and how to avoid it. */
const botOnNode: Check = ({ input: { self }, nodes }) => {
  const node = self && nodes.find((n) => n.name === self.node);
  if (!node || !self) return undefined;
  const pod = self.pod ? { pod: `${self.pod.namespace}/${self.pod.name}` } : {};
  return finding('warn', { code: 'mngbot-on-node', fields: { ...pod, node: node.name, az: node.az } }, [node.name]);
};

/** MINIMAL's trade, said up front: no node is added, so the group runs short while nodes are replaced. */
const minimalDip: Check = ({ minimal, maxUnavailable, nodes, input: { group } }) =>
  minimal
    ? finding('info', { code: 'minimal-capacity-dip', fields: { nodegroup: group.name, maxUnavailable, nodes: nodes.length, desired: group.sizes.desired } })
    : undefined;

/**
 * MINIMAL has no new node to wait for: a PodDisruptionBudget that can never allow an eviction (its
 * minAvailable is every pod it covers, or its maxUnavailable is 0) would stop the first drain for
 * good. The surge's new nodes do not help such a budget either, but with MINIMAL the node it blocks
 * is already out of service: refused before anything starts.
 */
const minimalPdbNeverAllows: Check = ({ minimal, input, evictable }) => {
  if (!minimal) return undefined;
  const stuck: { pdb: string; pods: string[] }[] = [];
  for (const pdb of input.pdbs) {
    if (!neverAllows(pdb)) continue;
    const pods = evictable.filter((p) => p.namespace === pdb.namespace && matchesLabels(pdb.selector, p.labels));
    if (pods.length > 0) stuck.push({ pdb: `${pdb.namespace}/${pdb.name}`, pods: pods.map(podName) });
  }
  if (stuck.length === 0) return undefined;
  const budgets = stuck.slice(0, 5).map((s) => ({ pdb: s.pdb, pods: named(s.pods, 5) }));
  return finding('block', { code: 'minimal-pdb-blocks', fields: { budgets, total: stuck.length } }, stuck.map((s) => s.pdb));
};

/** A budget no number of healthy pods opens: minAvailable of all its pods (or 100%), or maxUnavailable 0. */
function neverAllows(pdb: PdbInfo): boolean {
  const all = (v: number | string | undefined) => v === '100%' || (typeof v === 'number' && v >= pdb.expectedPods && pdb.expectedPods > 0);
  const none = (v: number | string | undefined) => v === 0 || v === '0%';
  return all(pdb.minAvailable) || none(pdb.maxUnavailable);
}

/**
 * MINIMAL moves the pods of the nodes it drains onto the nodes that stay: the busiest maxUnavailable
 * old nodes' pods must fit in the free pod slots of every other schedulable node, or a drain waits
 * for room that only its own replacement would bring.
 */
const minimalNoRoom: Check = ({ minimal, maxUnavailable, nodes, input }) => {
  if (!minimal) return undefined;
  const podsOn = new Map<string, number>();
  for (const p of input.pods) if (p.nodeName) podsOn.set(p.nodeName, (podsOn.get(p.nodeName) ?? 0) + 1);
  const busiest = [...nodes].sort((a, b) => b.pods - a.pods || cmp(a.name, b.name)).slice(0, maxUnavailable);
  const leaving = new Set(busiest.map((n) => n.name));
  const need = busiest.reduce((sum, n) => sum + n.pods, 0);
  let room = 0;
  for (const n of input.nodes) {
    if (leaving.has(n.name) || !takesPods(n)) continue;
    room += Math.max(0, n.allocatablePods - (podsOn.get(n.name) ?? 0));
  }
  // Pods already waiting for a node take the room first.
  room -= input.pods.filter((p) => !p.nodeName && p.phase === 'Pending').length;
  if (need <= room) return undefined;
  return finding(
    'block',
    { code: 'minimal-no-room', fields: { need, room: Math.max(0, room), nodes: named(busiest.map((n) => n.name)), maxUnavailable } },
    busiest.map((n) => n.name),
  );
};

const CHECKS: Check[] = [
  groupNotActive,
  clusterNotActive,
  al2End,
  unmanagedPods,
  stuckBudgets,
  emptyDirPods,
  singleReplicas,
  dockershim,
  versionSkew,
  askedPastCap,
  surgeExceedsNodes,
  sameVersion,
  patchIgnored,
  instancesNotJoined,
  botOnNode,
  minimalDip,
  minimalPdbNeverAllows,
  minimalNoRoom,
];

/** policy/v1: an empty selector selects every pod in the namespace. */
const podName = (p: PodInfo) => `${p.namespace}/${p.name}`;

/** The workload a pod belongs to; a ReplicaSet named after its Deployment's pod-template-hash is shown as the Deployment. */
function workloadKey(p: PodInfo): string {
  const owner = p.owner!;
  const hash = p.labels['pod-template-hash'];
  if (owner.kind === 'ReplicaSet' && hash && owner.name.endsWith(`-${hash}`)) {
    return `${p.namespace}/Deployment/${owner.name.slice(0, -hash.length - 1)}`;
  }
  return `${p.namespace}/${owner.kind}/${owner.name}`;
}

/** At most `limit` names, and how many there are. */
function named(names: string[], limit = MAX_SUBJECTS): Named {
  return { names: names.slice(0, limit), total: names.length };
}
