// The engine's view of the outside world. Adapters (aws/, kube/, sim/, store/) implement these;
// the engine imports nothing else. Every type here is an engine type, never an SDK type.

export interface GroupRef {
  cluster: string;
  nodegroup: string;
}

export interface Sizes {
  min: number;
  max: number;
  desired: number;
}

export interface ClusterInfo {
  name: string;
  /** Control-plane Kubernetes version, "major.minor". */
  version: string;
  region: string;
  status: string;
}

export type AmiFamily = 'AL2' | 'AL2023' | 'BOTTLEROCKET' | 'CUSTOM';

export type EksUpdateStrategy = 'DEFAULT' | 'MINIMAL';

export interface NodeGroupInfo {
  cluster: string;
  name: string;
  /** EKS managed node group (true) or a self-managed Auto Scaling group (false). */
  managed: boolean;
  /** EKS status: ACTIVE, UPDATING, DEGRADED, CREATING, DELETING… Self-managed groups report ACTIVE. */
  status: string;
  /** Kubernetes "major.minor" of the group's current image. */
  version: string;
  /** AMI release version of the current image, e.g. 1.29.3-20240531. */
  releaseVersion: string;
  amiFamily: AmiFamily;
  /** e.g. AL2_x86_64, AL2023_x86_64_STANDARD, BOTTLEROCKET_ARM_64. */
  amiType: string;
  imageId: string;
  asgName: string;
  launchTemplate: { id: string; version: string };
  azs: string[];
  sizes: Sizes;
  /** The group's update config; 1 when unset, as EKS. */
  maxUnavailable: number;
  /** A managed group's update config: DEFAULT (surge first) or MINIMAL (terminate first). Absent: self-managed, or not said. */
  updateStrategy?: EksUpdateStrategy;
  instanceType: string;
  /** Auto Scaling processes suspended before mngbot touched the group. */
  suspendedProcesses: string[];
}

export interface GroupInstance {
  instanceId: string;
  az: string;
  /** Auto Scaling lifecycle state: Pending, InService, Terminating, Terminated, … */
  lifecycleState: string;
  imageId: string;
  launchTemplateVersion?: string;
}

export interface ImageRelease {
  version: string;
  releaseVersion: string;
  imageId: string;
}

/** A release of an EKS-optimized image and when AWS published it. */
export interface PublishedRelease {
  releaseVersion: string;
  publishedAt: number;
}

/** The releases AWS publishes (SSM public parameters): what the AMI watch compares node groups with. */
export interface ImageReleases {
  /** Every release for the group's image family and a Kubernetes "major.minor", oldest first; empty when none is published (custom AMIs). */
  listReleases(ref: GroupRef, version: string): Promise<PublishedRelease[]>;
}

export interface UpdateInfo {
  id: string;
  /** EKS update status: InProgress, Successful, Failed, Cancelled. */
  status: 'InProgress' | 'Successful' | 'Failed' | 'Cancelled';
  errors: { code: string; message: string; resourceIds: string[] }[];
}

export interface ScalingActivity {
  id: string;
  at: number;
  /** Successful, Failed, InProgress, … */
  status: string;
  description: string;
  instanceId?: string;
}

/** Node groups as AWS sees them: EKS, Auto Scaling, EC2 launch templates, SSM image parameters. */
export interface NodeGroups {
  /** Resolves with the control plane's version and status; rejects with a UserError for an unknown cluster. */
  describeCluster(cluster: string): Promise<ClusterInfo>;
  /** Names of the node groups mngbot can see in the cluster (managed and configured self-managed). */
  listNodegroups(cluster: string): Promise<string[]>;
  /** The group as it is now; rejects with a UserError for an unknown group. */
  describeNodegroup(ref: GroupRef): Promise<NodeGroupInfo>;
  /** The Auto Scaling group's members now, with the image each runs. */
  listInstances(ref: GroupRef): Promise<GroupInstance[]>;
  /** The image for a Kubernetes version and family: the latest release, or the named release. */
  resolveImage(ref: GroupRef, version: string, releaseVersion?: string): Promise<ImageRelease>;
  /**
   * A launch-template version of the group's template with the image. Idempotent on token:
   * a second call with the same token returns the version the first created.
   */
  ensureLaunchTemplateVersion(ref: GroupRef, imageId: string, token: string): Promise<string>;
  /** Points the Auto Scaling group at a version of its launch template. */
  useLaunchTemplateVersion(ref: GroupRef, version: string): Promise<void>;
  /** Sets the given sizes; resolves when the Auto Scaling group accepted them, not when instances exist. */
  setSizes(ref: GroupRef, sizes: Partial<Sizes>): Promise<void>;
  /**
   * Resolves when the termination is accepted, not when the instance is gone. With decrement the
   * desired size drops by one and nothing replaces it; without, the group launches a replacement.
   */
  terminateInstance(ref: GroupRef, instanceId: string, opts: { decrement: boolean }): Promise<void>;
  suspendProcesses(ref: GroupRef, processes: string[]): Promise<void>;
  resumeProcesses(ref: GroupRef, processes: string[]): Promise<void>;
  /** EKS UpdateNodegroupVersion. Idempotent on token: the same token returns the same update. */
  startVersionUpdate(
    ref: GroupRef,
    req: { version?: string; releaseVersion?: string; force: boolean; token: string },
  ): Promise<string>;
  /**
   * EKS UpdateNodegroupConfig with updateConfig.updateStrategy. Resolves once EKS accepted it; the
   * group is UPDATING until the change is applied (describeNodegroup shows it).
   */
  setUpdateStrategy(ref: GroupRef, strategy: EksUpdateStrategy, token: string): Promise<void>;
  /** EKS DescribeUpdate. */
  describeUpdate(ref: GroupRef, updateId: string): Promise<UpdateInfo>;
  /** The Auto Scaling group's activities since the given time, oldest first. */
  listScalingActivities(ref: GroupRef, sinceMs: number): Promise<ScalingActivity[]>;
}

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

export interface NodeInfo {
  name: string;
  /** From spec.providerID (aws:///us-west-2a/i-0abc…). */
  instanceId: string;
  az: string;
  /** From labels: eks.amazonaws.com/nodegroup, or alpha.eksctl.io/nodegroup-name for self-managed groups. */
  nodegroup?: string;
  /** status.nodeInfo.kubeletVersion, e.g. v1.29.3-eks-ae9a62a. */
  kubeletVersion: string;
  ready: boolean;
  unschedulable: boolean;
  taints: Taint[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** status.allocatable.pods */
  allocatablePods: number;
  createdAt: number;
}

export interface PodInfo {
  namespace: string;
  name: string;
  uid: string;
  nodeName?: string;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';
  ready: boolean;
  /** Has a deletionTimestamp: on its way out. */
  terminating: boolean;
  /** The controlling owner reference, if any. */
  owner?: { kind: string; name: string };
  labels: Record<string, string>;
  /** A static pod's mirror (kubernetes.io/config.mirror annotation). */
  mirror: boolean;
  /** Mounts an emptyDir volume whose data goes with the node. */
  emptyDir: boolean;
  /** Mounts /var/run/docker.sock (or dockershim.sock) from the host. */
  dockerSocket: boolean;
  gracePeriodSeconds: number;
  /** Container restarts, summed over its containers (status.containerStatuses[].restartCount). Absent: 0. */
  restarts?: number;
  /** Containers that are not running well, with why: only those, so a healthy pod carries none. */
  troubled?: ContainerTrouble[];
}

/** A container that waits or ended badly, as its status says (what a person reads to judge a new image). */
export interface ContainerTrouble {
  name: string;
  /** state.waiting.reason: CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError… */
  waiting?: string;
  /** lastState.terminated (or state.terminated): why its previous run ended, e.g. OOMKilled, exit code 137. */
  terminated?: { reason?: string; exitCode: number };
  restarts: number;
}

export interface PdbInfo {
  namespace: string;
  name: string;
  /** spec.selector.matchLabels */
  selector: Record<string, string>;
  minAvailable?: number | string;
  maxUnavailable?: number | string;
  /** status.disruptionsAllowed */
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
}

export type ClusterEvent =
  | { kind: 'node'; type: 'upsert' | 'delete'; node: NodeInfo }
  | { kind: 'pod'; type: 'upsert' | 'delete'; pod: PodInfo }
  /** A full picture: sent first, and again whenever the watch had to re-list. */
  | { kind: 'resync'; nodes: NodeInfo[]; pods: PodInfo[] };

export interface ClusterWatch {
  /** Resolves once the first resync has been delivered. */
  ready: Promise<void>;
  stop(): void;
}

export type EvictionResult =
  | { outcome: 'accepted' }
  /** 429: a PodDisruptionBudget allows no disruption now. */
  | { outcome: 'blocked'; message: string }
  /** The pod no longer exists. */
  | { outcome: 'gone' };

export interface NodePatch {
  addTaints?: Taint[];
  /** Keys of taints to remove. */
  removeTaints?: string[];
  unschedulable?: boolean;
  /** null removes the annotation. */
  annotations?: Record<string, string | null>;
  /** null removes the label; setting a label it already has, or removing one it lacks, changes nothing. */
  labels?: Record<string, string | null>;
}

/** What mngbot did to a node, as a Kubernetes Event on it (kubectl describe node, kubectl get events). */
export interface NodeNote {
  node: string;
  /** CamelCase, e.g. MngbotTainted, MngbotEvictionBlocked. */
  reason: string;
  /** A sentence a person reads, naming the run. */
  message: string;
  type: 'Normal' | 'Warning';
  runId: string;
  /** Clock time, ms. */
  at: number;
}

/** The Kubernetes cluster the node group serves. */
export interface Cluster {
  listNodes(): Promise<NodeInfo[]>;
  listPods(opts?: { nodeName?: string }): Promise<PodInfo[]>;
  listPdbs(): Promise<PdbInfo[]>;
  /**
   * Streams node and pod changes, starting with a resync. Survives dropped connections on its own
   * (resumes from the last resourceVersion, re-lists on 410 Gone, sending a new resync).
   */
  watch(onEvent: (event: ClusterEvent) => void): ClusterWatch;
  /** Applies the patch to the node; taint and label changes are idempotent. Resolves when the API server accepted it. */
  patchNode(name: string, patch: NodePatch): Promise<void>;
  /** Creates a policy/v1 Eviction; resolves when it is accepted, not when the pod is gone. */
  evict(pod: { namespace: string; name: string }): Promise<EvictionResult>;
  /** Deletes the pod regardless of PodDisruptionBudgets (forced drains only). */
  deletePod(pod: { namespace: string; name: string }): Promise<void>;
  /**
   * Records an Event on the node. Returns at once: the adapter sends it in the background, and a
   * failure is logged, never thrown (Events tell the story; they never hold a run up).
   */
  recordEvent?(note: NodeNote): void;
}

/** A node group's maintenance windows, as the engine needs them. */
export interface WindowGate {
  /** Open at `now`: until when. Closed: when it next opens (undefined: no opening ahead). */
  at(now: number): { open: true; closesAt: number } | { open: false; opensAt?: number };
  /** "Sat 02:00 CET, in 3 days": for messages. */
  describe(ms: number, now: number): string;
}

/** Time. Virtual in the simulator, real in production. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after ms; resolves early (without error) when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Calls fn after ms unless called off first; returns the way to call it off (a wait without an AbortSignal's cost). */
  after(ms: number, fn: () => void): () => void;
  /**
   * Its milliseconds per real millisecond, when it runs faster than the people reading its times (a
   * paced simulated world): a deadline they act on is shown divided by it. Absent: real time.
   */
  readonly pace?: number;
}

import type { Run } from './run.js';
import type { ProgressEvent } from './events.js';

export interface AuditEntry {
  at: number;
  user: string;
  action: string;
  runId?: string;
  channel?: string;
  detail?: string;
}

/**
 * The node records (old and new) a caller changed since it last saved the run: a save encodes those,
 * not the whole group. Absent: any of them may have changed.
 */
export type ChangedRecords = ReadonlySet<object>;

/** Where runs live between steps and across restarts. */
export interface RunStore {
  get(id: string): Promise<Run | undefined>;
  /** Newest first. */
  list(filter?: { cluster?: string; nodegroup?: string; statuses?: readonly Run['status'][] }): Promise<Run[]>;
  /** Stores a new run; rejects with a UserError naming the active run when its node group already has one. */
  create(run: Run): Promise<void>;
  /**
   * Stores the run, and appends its new events, in one write: if the stored revision is still run.rev;
   * then increments run.rev. Rejects with ConflictError otherwise. A run entering an active status is
   * refused (UserError) while another active run holds its node group.
   */
  save(run: Run, events?: ProgressEvent[], changed?: ChangedRecords): Promise<void>;
  /** The newest events, oldest first, and how many older ones were dropped. */
  events(runId: string, limit?: number): Promise<{ events: ProgressEvent[]; dropped: number }>;
  audit(entry: AuditEntry): Promise<void>;
  auditLog(limit?: number): Promise<AuditEntry[]>;
}
