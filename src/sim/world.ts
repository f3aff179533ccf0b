// Builds the simulated world from a scenario and wires its parts: EC2/Auto Scaling instances
// become Kubernetes nodes, EKS drives managed updates, the ledger watches for harm.
import type { GroupInstance, GroupRef, NodeInfo, PodInfo, ScalingActivity, Sizes, UpdateInfo } from '../engine/ports.js';
import { ApiMeter, type ApiCalls } from './api-meter.js';
import { AutoScalingGroup, type InstanceHooks, type InstanceRec } from './auto-scaling-group.js';
import type { SimClock } from './clock.js';
import { EKS_TAINT, type ManagedGroupState } from './eks-update.js';
import { amiFamilyOf, findImage, imageById } from './images.js';
import { KubeState } from './kube-state.js';
import { LaunchTemplate } from './launch-template.js';
import { emptyLedger, type LedgerReport } from './ledger.js';
import { lowerBound, oldWorldShape, type LowerBound } from './lower-bound.js';
import { deriveSeed, Rng, stableHex } from './rng.js';
import { crashAfterSteps, type Scenario } from './scenario.js';
import { SimCluster } from './sim-cluster.js';
import { SimNodeGroups } from './sim-node-groups.js';

export interface WorldOptions {
  clock: SimClock;
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Keep a line per change (world.log()); off by default, large worlds make many. */
  log?: boolean;
}

export interface SimInstance extends GroupInstance {
  nodeName: string;
  launchedAt: number;
}

export interface SimWorld {
  readonly scenario: Scenario;
  readonly seed: number;
  readonly clock: SimClock;
  readonly ref: GroupRef;
  readonly nodeGroups: SimNodeGroups;
  readonly cluster: SimCluster;
  /** The image every instance ran when the world began. */
  readonly initialImageId: string;
  /** Names of the nodes that existed when the world began (the ones an upgrade replaces). */
  readonly initialNodes: readonly string[];
  /** From a crash fault: the harness stops the bot after this many runner steps. */
  readonly crashAfterSteps?: number;
  /** Counts every call of the bot and injects the throttling faults (changeable while the world runs). */
  readonly meter: ApiMeter;
  /** What the AWS wire server (aws-http/) serves beyond the NodeGroups port. */
  readonly aws: {
    readonly asg: AutoScalingGroup;
    /** EKS's record of the group (meaningful for a managed group only). */
    readonly managedGroup: ManagedGroupState;
  };
  ledger(): LedgerReport;
  apiCalls(): ApiCalls;
  /** See lower-bound.ts; `forced`: the run force-deleted pods, so the PDB terms do not bind it. */
  lowerBound(opts: Parameters<typeof lowerBound>[1]): LowerBound;
  lowerBoundSeconds(opts: Parameters<typeof lowerBound>[1]): number;
  /** Auto Scaling group members now (Pending, InService, Terminating). */
  instances(): SimInstance[];
  nodes(): NodeInfo[];
  pods(): PodInfo[];
  groupSizes(): Sizes;
  /** The largest max and desired the group has had since the world began (no surge: never above the first). */
  peakSizes(): Pick<Sizes, 'max' | 'desired'>;
  /** The launch template version the Auto Scaling group launches now. */
  launchTemplateVersion(): string;
  suspendedProcesses(): string[];
  activities(): ScalingActivity[];
  eksUpdates(): UpdateInfo[];
  /** TerminateInstanceInAutoScalingGroup requests per instance id, accepted or refused. */
  terminationRequests(): Record<string, number>;
  /** Lines recorded when created with { log: true }. */
  log(): string[];
}

const DAY_MS = 86_400_000;

export function createWorld(scenario: Scenario, opts: WorldOptions): SimWorld {
  const { clock } = opts;
  const seed = opts.seed ?? scenario.seed;
  const rng = new Rng(deriveSeed(seed, 'world'));
  const ng = scenario.nodegroup;
  const cl = scenario.cluster;
  const lines: string[] = [];
  const log = opts.log
    ? (line: string) => lines.push(`${new Date(clock.now()).toISOString()} ${line}`)
    : undefined;

  const counters = emptyLedger();
  const kube = new KubeState(clock, rng, scenario, counters, log);
  const image = findImage(amiFamilyOf(ng.amiType), ng.version, ng.releaseVersion);
  const startedAt = clock.now();

  const lt = new LaunchTemplate(
    `lt-0${rng.hex(16)}`,
    ng.managed ? `eks-${stableHex(`${cl.name}/${ng.name}/lt`, 8)}` : `${cl.name}-${ng.name}`,
    image.imageId,
    ng.managed ? 'EKS managed node group' : 'created for the self-managed node group',
    startedAt - 30 * DAY_MS,
  );
  const asgName = ng.managed ? `eks-${ng.name}-${rng.uuid()}` : `${cl.name}-${ng.name}`;

  const labelsFor = (i: InstanceRec): Record<string, string> => ({
    'kubernetes.io/hostname': i.nodeName,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': ng.amiType.includes('ARM') ? 'arm64' : 'amd64',
    'node.kubernetes.io/instance-type': ng.instanceType,
    'topology.kubernetes.io/region': cl.region,
    'topology.kubernetes.io/zone': i.az,
    'eks.amazonaws.com/nodegroup-image': i.imageId,
    ...(ng.managed
      ? { 'eks.amazonaws.com/nodegroup': ng.name, 'eks.amazonaws.com/capacityType': 'ON_DEMAND' }
      : { 'alpha.eksctl.io/nodegroup-name': ng.name, 'alpha.eksctl.io/cluster-name': cl.name }),
  });
  const register = (i: InstanceRec, ready: boolean) =>
    kube.addNode({
      name: i.nodeName,
      instanceId: i.id,
      az: i.az,
      labels: labelsFor(i),
      kubeletVersion: imageById(i.imageId)!.kubeletVersion,
      allocatablePods: ng.podsPerNode,
      createdAt: ready ? i.launchedAt : clock.now(),
      ready,
      newImage: i.imageId !== image.imageId,
    });
  const hooks: InstanceHooks = {
    registered: (i) => register(i, false),
    ready: (i) => kube.setNodeReady(i.nodeName, true),
    shuttingDown: (i) => kube.setNodeGoing(i.nodeName),
    gone: (i) => {
      if (kube.removeNode(i.nodeName) > 0) counters.nodesTerminatedWithPods++;
    },
  };
  const asg = new AutoScalingGroup(asgName, [...ng.azs], lt, scenario, clock, rng, hooks, counters, log);

  kube.build(() => {
    for (let k = 0; k < ng.nodes; k++) {
      const i = asg.addExisting(ng.azs[k % ng.azs.length], startedAt - 30 * DAY_MS + k * 1000);
      register(i, true);
    }
  });
  const initialNodes = [...kube.nodes.keys()];
  const shape = oldWorldShape(kube.nodes.values(), scenario.timings);

  const group: ManagedGroupState = {
    status: 'ACTIVE',
    version: image.version,
    releaseVersion: image.releaseVersion,
    imageId: image.imageId,
    updateStrategy: 'DEFAULT',
  };
  const meter = new ApiMeter(scenario, new Rng(deriveSeed(seed, 'faults')));
  const nodeGroups = new SimNodeGroups({ scenario, clock, rng, asg, kube, meter, group, log });
  const cluster = new SimCluster(kube, meter);
  const crash = crashAfterSteps(scenario);

  return {
    scenario,
    seed,
    clock,
    ref: { cluster: cl.name, nodegroup: ng.name },
    nodeGroups,
    cluster,
    initialImageId: image.imageId,
    initialNodes,
    ...(crash !== undefined ? { crashAfterSteps: crash } : {}),
    meter,
    aws: { asg, managedGroup: group },
    ledger: () => {
      let podsLost = counters.unmanagedPodsLost;
      for (const w of kube.workloads) {
        // A StatefulSet ordinal still exists while its pod terminates; a ReplicaSet counts only live pods.
        if (w.spec.kind === 'Deployment') podsLost += Math.max(0, w.spec.replicas - w.active);
        if (w.spec.kind === 'StatefulSet') podsLost += Math.max(0, w.spec.replicas - w.existing);
      }
      let leftTainted = 0;
      let leftCordoned = 0;
      for (const n of kube.nodes.values()) {
        if (n.going) continue; // on its way out with its instance
        if (n.info.taints.some((t) => t.key === EKS_TAINT.key && t.effect === 'NoSchedule')) leftTainted++;
        if (n.info.unschedulable) leftCordoned++;
      }
      let pendingPods = 0;
      for (const p of kube.pods.values()) if (p.info.phase === 'Pending' && !p.info.terminating) pendingPods++;
      return { ...counters, podsLost, leftTainted, leftCordoned, pendingPods };
    },
    apiCalls: () => meter.snapshot(),
    lowerBound: (opts) => lowerBound(shape, opts),
    lowerBoundSeconds: (opts) => lowerBound(shape, opts).seconds,
    instances: () =>
      [...asg.instances.values()].map((i) => ({
        instanceId: i.id,
        az: i.az,
        lifecycleState: i.state,
        imageId: i.imageId,
        launchTemplateVersion: i.ltVersion,
        nodeName: i.nodeName,
        launchedAt: i.launchedAt,
      })),
    nodes: () => kube.listNodes(),
    pods: () => kube.listPods(),
    groupSizes: () => ({ ...asg.sizes }),
    peakSizes: () => ({ ...asg.peak }),
    launchTemplateVersion: () => asg.ltVersion,
    suspendedProcesses: () => [...asg.suspended],
    activities: () => asg.activitiesSince(0),
    eksUpdates: () => nodeGroups.eksUpdates(),
    terminationRequests: () => Object.fromEntries(asg.terminationRequests),
    log: () => [...lines],
  };
}
