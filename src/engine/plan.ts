// The plan of an upgrade: versions, strategy, surge and its reason, the nodes to replace, preflight findings.
// Pure: everything it needs is handed in, so it can be shown for approval before anything changes.
import { FatalError, UserError } from './errors.js';
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
import type { Finding, Plan, PlanNode, Severity, Strategy, UpgradeRequest } from './run.js';
import { amiFamilyMaxVersion, checkTarget, compareVersions, kubeletMinor, kubeletSkew, parseVersion } from './version.js';

export const DEFAULT_DRAIN_TIMEOUT_MS = 15 * 60_000;

export interface PlanTimings {
  /** From launch to a Ready node. */
  launchToReadyMs?: number;
  /** Draining one batch of maxUnavailable nodes. */
  drainMs?: number;
  /** Terminating the last batch and scaling back. */
  terminateMs?: number;
}

export const DEFAULT_TIMINGS: Required<PlanTimings> = { launchToReadyMs: 90_000, drainMs: 60_000, terminateMs: 60_000 };

/** At most this many names in a finding's subjects and in any list inside its message. */
export const MAX_SUBJECTS = 20;

export interface PlanDefaults {
  /** Used when the request names none and it suits the group; otherwise the group's own strategy. */
  strategy?: Strategy;
  maxUnavailable?: number;
  /** 15 minutes when unset. */
  drainTimeoutMs?: number;
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
  timings?: PlanTimings;
  now: number;
  /** Where this mngbot runs, when it knows. */
  self?: SelfPod;
}

const SEVERITY_RANK: Record<Severity, number> = { block: 0, warn: 1, info: 2 };

/**
 * Builds the plan, or throws UserError when the request cannot be carried out as asked
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
  });
  const imageVersion = parseVersion(image.version);
  if (imageVersion.text !== target.version) {
    throw new FatalError(`image ${image.imageId} is for Kubernetes ${image.version}, not the requested ${target.version}`);
  }

  const strategy = chooseStrategy(request.strategy, input.defaults.strategy, group);
  const maxUnavailable = chooseMaxUnavailable(request, input.defaults, group);
  const { surge, surgeReason } = chooseSurge(request.surge, strategy, group, input.instances, maxUnavailable);
  const drainTimeoutMs = request.drainTimeoutMs ?? input.defaults.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  if (!Number.isFinite(drainTimeoutMs) || drainTimeoutMs <= 0) {
    throw new UserError(`the drain timeout must be a positive duration (got ${drainTimeoutMs} ms)`);
  }

  const nodes = oldNodes(input);
  if (nodes.length === 0) {
    const live = input.instances.filter(isLive);
    throw new UserError(
      live.length === 0
        ? `nothing to do: ${group.name} has no running instances to replace`
        : `nothing to do: every node of ${group.name} already runs ${image.releaseVersion}`,
    );
  }

  const force = request.force ?? false;
  const findings = preflight(input, { nodes, target, surge, force, strategy });
  const own = selfFinding(input.self, nodes);
  if (own) findings.push(own);

  return {
    ref: { ...request.ref },
    strategy,
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
    drainTimeoutMs,
    force,
    sizes: { ...group.sizes },
    azs: [...group.azs],
    nodes,
    findings,
    estimatedMs: estimateMs(nodes.length, maxUnavailable, input.timings),
    createdAt: input.now,
  };
}

/** mngbot runs on a node it would replace: say how that goes, and how to avoid it. */
function selfFinding(self: SelfPod | undefined, nodes: PlanNode[]): Finding | undefined {
  const node = self && nodes.find((n) => n.name === self.node);
  if (!node || !self) return undefined;
  const pod = self.pod ? `${self.pod.namespace}/${self.pod.name}` : 'its pod';
  return {
    severity: 'warn',
    code: 'mngbot-on-node',
    message:
      `mngbot itself (${pod}) runs on ${node.name}: that node is replaced last; mngbot saves the run, moves itself to a new node and carries on there. ` +
      `Its data volume is in ${node.az}, where the surge has new nodes. To keep mngbot off the groups it upgrades, label a stable node group mngbot.io/home=true (the manifests prefer it).`,
    subjects: [node.name],
  };
}

/** The findings a person cannot approve past. */
export function blockingFindings(plan: Pick<Plan, 'findings'>): Finding[] {
  return plan.findings.filter((f) => f.severity === 'block');
}

/**
 * Rough duration: the surge's nodes come up together (launchToReady), then the old nodes drain
 * maxUnavailable at a time (drainMs per batch), then the last terminations and the scale-back (terminateMs).
 */
export function estimateMs(nodeCount: number, maxUnavailable: number, timings: PlanTimings = {}): number {
  const t = { ...DEFAULT_TIMINGS, ...definedOnly(timings) };
  const batches = Math.ceil(nodeCount / Math.max(1, maxUnavailable));
  return t.launchToReadyMs + batches * t.drainMs + t.terminateMs;
}

/** EKS's surge: max(2 × AZs of the group, maxUnavailable), with the reason in words. */
export function eksSurge(azCount: number, maxUnavailable: number): { surge: number; surgeReason: string } {
  const azs = Math.max(1, azCount);
  const surge = Math.max(2 * azs, maxUnavailable);
  return {
    surge,
    surgeReason: `max(2 × ${azs} AZ${azs === 1 ? '' : 's'}, maxUnavailable ${maxUnavailable}) = ${surge}, as EKS does`,
  };
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
  if (requested === 'rolling' && group.managed) {
    throw new UserError(
      `${group.name} is an EKS managed node group: the rolling strategy would edit its Auto Scaling group and launch template` +
        ` directly, which EKS does not support (it reports Ec2LaunchTemplateVersionMismatch); use --strategy eks`,
      'use --strategy eks',
    );
  }
  if (requested === 'eks' && !group.managed) {
    throw new UserError(
      `${group.name} is a self-managed node group: EKS has no update API for it (UpdateNodegroupVersion is for managed` +
        ` node groups only); use --strategy rolling`,
      'use --strategy rolling',
    );
  }
  if (requested !== 'eks' && requested !== 'rolling') {
    throw new UserError(`unknown strategy "${String(requested)}": use --strategy eks or --strategy rolling`);
  }
  return requested;
}

function chooseMaxUnavailable(request: UpgradeRequest, defaults: PlanDefaults, group: NodeGroupInfo): number {
  const [value, source] =
    request.maxUnavailable !== undefined
      ? [request.maxUnavailable, '--max-unavailable']
      : defaults.maxUnavailable !== undefined
        ? [defaults.maxUnavailable, 'the configured default maxUnavailable']
        : group.maxUnavailable !== undefined && group.maxUnavailable !== null
          ? [group.maxUnavailable, `the update config of ${group.name} (maxUnavailable)`]
          : [1, 'the default'];
  if (!Number.isInteger(value) || value < 1) {
    throw new UserError(`${source} must be a whole number of at least 1 (got ${value})`, 'use a whole number ≥ 1');
  }
  return value;
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
      throw new UserError(
        `--surge applies to the rolling strategy only: EKS chooses its own surge for managed node groups` +
          ` (${eksSurge(azCount(group, instances), maxUnavailable).surgeReason}); leave --surge out`,
        'leave --surge out',
      );
    }
    if (!Number.isInteger(requested) || requested < 1) {
      throw new UserError(`--surge must be a whole number of at least 1 (got ${requested})`, 'use a whole number ≥ 1');
    }
    return { surge: requested, surgeReason: 'set by --surge' };
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

// ---- findings ----

interface Context {
  nodes: PlanNode[];
  target: ReturnType<typeof checkTarget>;
  surge: number;
  force: boolean;
  strategy: Strategy;
}

function preflight(input: PlanInput, ctx: Context): Finding[] {
  const { group, cluster, image } = input;
  const findings: Finding[] = [];
  const add = (severity: Severity, code: string, message: string, subjects: string[] = []) =>
    findings.push({ severity, code, message, subjects: subjects.slice(0, MAX_SUBJECTS) });

  const oldNames = new Set(ctx.nodes.map((n) => n.name));
  const onOld = input.pods.filter((p) => p.nodeName !== undefined && oldNames.has(p.nodeName));
  const evictable = onOld.filter(isEvictable);

  if (group.status !== 'ACTIVE') {
    add(
      'block',
      'nodegroup-not-active',
      `node group ${group.name} is ${group.status}, not ACTIVE: it cannot be upgraded until it is;` +
        ` wait for the current change to finish, or repair the group (see its health issues) if it is DEGRADED`,
      [group.name],
    );
  }
  if (cluster.status !== 'ACTIVE') {
    add(
      'block',
      'cluster-not-active',
      `cluster ${cluster.name} is ${cluster.status}, not ACTIVE: EKS refuses node group updates meanwhile;` +
        ` wait for it to be ACTIVE`,
      [cluster.name],
    );
  }

  const al2Max = amiFamilyMaxVersion(group.amiFamily);
  if (al2Max !== undefined && compareVersions(ctx.target.version, al2Max) > 0) {
    add(
      'block',
      'al2-end',
      `Amazon Linux 2 AMIs stop at ${al2Max}: ${group.name} (${group.amiType}) cannot go to ${ctx.target.version};` +
        ` move the node group to AL2023 or Bottlerocket`,
      [group.name],
    );
  }

  // Unmanaged pods: kubectl drain refuses them without --force; nothing re-creates them.
  const bare = evictable.filter((p) => !p.owner);
  if (bare.length > 0) {
    const names = bare.map(podName);
    add(
      ctx.force ? 'warn' : 'block',
      'unmanaged-pod',
      `${plural(bare.length, 'pod')} on old nodes ${bare.length === 1 ? 'has' : 'have'} no controller (${list(names)}):` +
        ` kubectl drain refuses these too; they will be deleted, not re-created;` +
        (ctx.force ? ' --force given, so that is accepted' : ' use --force to accept'),
      names,
    );
  }

  // PDBs that allow no disruption now: the drain will wait on them and ask.
  const stuck: { pdb: string; pods: string[] }[] = [];
  for (const pdb of input.pdbs) {
    if (pdb.disruptionsAllowed > 0) continue;
    const pods = evictable.filter((p) => p.namespace === pdb.namespace && selects(pdb.selector, p.labels));
    if (pods.length > 0) stuck.push({ pdb: `${pdb.namespace}/${pdb.name}`, pods: pods.map(podName) });
  }
  if (stuck.length > 0) {
    const shown = stuck.slice(0, 5).map((s) => `${s.pdb} (${list(s.pods, 5)})`);
    const more = stuck.length > shown.length ? ` and ${stuck.length - shown.length} more` : '';
    add(
      'warn',
      'pdb-no-disruption',
      `${plural(stuck.length, 'PodDisruptionBudget')} allow${stuck.length === 1 ? 's' : ''} no disruption now, so` +
        ` ${stuck.length === 1 ? 'its' : 'their'} pods on old nodes cannot be evicted until ${stuck.length === 1 ? 'it does' : 'they do'}:` +
        ` ${shown.join('; ')}${more}. The drain will wait and ask what to do`,
      stuck.map((s) => s.pdb),
    );
  }

  const withEmptyDir = evictable.filter((p) => p.emptyDir);
  if (withEmptyDir.length > 0) {
    const names = withEmptyDir.map(podName);
    add(
      'warn',
      'emptydir',
      `${plural(withEmptyDir.length, 'pod')} on old nodes keep${withEmptyDir.length === 1 ? 's' : ''} data in emptyDir` +
        ` volumes (${list(names)}): that data is lost when ${withEmptyDir.length === 1 ? 'it is' : 'they are'} evicted`,
      names,
    );
  }

  // Workloads whose only pod sits on an old node: a short outage while it moves.
  const replicas = new Map<string, number>();
  for (const p of input.pods) {
    if (!p.owner || p.owner.kind === 'DaemonSet' || p.terminating || p.phase === 'Succeeded' || p.phase === 'Failed') {
      continue;
    }
    const key = workloadKey(p);
    replicas.set(key, (replicas.get(key) ?? 0) + 1);
  }
  const single = evictable.filter((p) => p.owner && replicas.get(workloadKey(p)) === 1);
  if (single.length > 0) {
    add(
      'warn',
      'single-replica',
      `${plural(single.length, 'workload')} run${single.length === 1 ? 's' : ''} a single pod, on an old node` +
        ` (${list(single.map(workloadKey))}): ${single.length === 1 ? 'it is' : 'they are'} briefly unavailable while the pod moves`,
      single.map(podName),
    );
  }

  // Kubernetes 1.24 removed dockershim: containerd is the only runtime from then on.
  const from = parseVersion(group.version);
  if (compareVersions(from, '1.24') < 0 && compareVersions(ctx.target.version, '1.24') >= 0) {
    const docker = onOld.filter((p) => p.dockerSocket && !p.terminating && p.phase !== 'Succeeded' && p.phase !== 'Failed');
    if (docker.length > 0) {
      const names = docker.map(podName);
      add(
        'warn',
        'dockershim',
        `from 1.24 containerd is the only container runtime and there is no Docker socket on the nodes;` +
          ` ${plural(docker.length, 'pod')} mount${docker.length === 1 ? 's' : ''} it (${list(names)})` +
          ` and will fail on the new nodes: move ${docker.length === 1 ? 'it' : 'them'} to the containerd socket first`,
        names,
      );
    } else {
      add(
        'info',
        'dockershim',
        `from 1.24 containerd replaces Docker as the container runtime; no pod on the old nodes mounts the Docker socket`,
      );
    }
  }

  // Skew now, by node (a group can be mixed) and for the group.
  const lagging = ctx.nodes.filter((n) => !kubeletSkew(cluster.version, n.version).supported);
  const groupSkew = ctx.target.currentSkew;
  if (lagging.length > 0 || !groupSkew.supported) {
    const worst = lagging.map((n) => kubeletSkew(cluster.version, n.version)).sort((a, b) => b.behind - a.behind)[0] ?? groupSkew;
    const after = ctx.target.afterSkew;
    add(
      'warn',
      'version-skew',
      `${lagging.length > 0 ? plural(lagging.length, 'node') : `node group ${group.name}`} run${lagging.length > 1 ? '' : 's'}` +
        ` Kubernetes ${worst.kubelet}, ${describeSkew(worst.behind)} the control plane (${worst.controlPlane});` +
        ` Kubernetes supports kubelets up to ${worst.allowed} minors older (3 from 1.28, 2 before).` +
        (after.supported
          ? ' This upgrade brings them within the supported skew'
          : ` After this upgrade they are still ${describeSkew(after.behind)} it: plan a further upgrade`),
      lagging.length > 0 ? lagging.map((n) => n.name) : [group.name],
    );
  }

  if (ctx.surge > ctx.nodes.length) {
    add(
      'info',
      'surge-exceeds-nodes',
      `the surge (${ctx.surge}) is larger than the ${plural(ctx.nodes.length, 'node')} to replace:` +
        ` the group briefly runs more new nodes than it needs and removes the extra ones when scaling back`,
    );
  }

  if (ctx.target.sameVersion) {
    add(
      'info',
      'same-version',
      `${group.name} already runs ${ctx.target.version}: this moves it from AMI release ${group.releaseVersion}` +
        ` to ${image.releaseVersion}`,
    );
  }
  if (ctx.target.patch !== undefined && !image.releaseVersion.startsWith(`${ctx.target.version}.${ctx.target.patch}-`)) {
    add(
      'info',
      'patch-ignored',
      `EKS picks the patch version through the AMI release: ${request(input)} asked for` +
        ` ${ctx.target.version}.${ctx.target.patch}, the release used is ${image.releaseVersion}`,
    );
  }

  const notJoined = ctx.nodes.filter((n) => n.name === n.instanceId && !input.nodes.some((k) => k.instanceId === n.instanceId));
  if (notJoined.length > 0) {
    const names = notJoined.map((n) => n.instanceId);
    add(
      'info',
      'instance-not-joined',
      `${plural(notJoined.length, 'instance')} of ${group.name} ${notJoined.length === 1 ? 'is' : 'are'} not a node of the` +
        ` cluster (${list(names)}): ${notJoined.length === 1 ? 'it is' : 'they are'} replaced without a drain`,
      names,
    );
  }

  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_RANK[a.f.severity] - SEVERITY_RANK[b.f.severity] || a.i - b.i)
    .map(({ f }) => f);
}

function request(input: PlanInput): string {
  return `the request (${input.request.version.trim()})`;
}

function describeSkew(behind: number): string {
  if (behind < 0) return `${plural(-behind, 'minor')} newer than`;
  return `${plural(behind, 'minor')} behind`;
}

/** policy/v1: an empty selector selects every pod in the namespace. */
function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

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

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "a, b, c and 17 more": at most `limit` names. */
function list(names: string[], limit = MAX_SUBJECTS): string {
  if (names.length <= limit) return names.join(', ');
  return `${names.slice(0, limit).join(', ')} and ${names.length - limit} more`;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
