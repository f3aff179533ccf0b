// The Run record: everything the engine needs to carry on after a restart lives here.
import type { Finding, NextStepFacts } from './outcomes.js';
import type { ContainerTrouble, GroupRef, Sizes } from './ports.js';

export type Strategy = 'rolling' | 'eks';

/**
 * EKS's updateStrategy: DEFAULT surges new nodes before any old one goes; MINIMAL (for GPU or
 * capacity-capped groups) launches nothing extra: old nodes are drained and terminated first, and the
 * group launches their replacements, so capacity dips by maxUnavailable nodes meanwhile.
 */
export type UpdateStrategy = 'default' | 'minimal';

export type { Finding, Severity } from './outcomes.js';

export interface PlanNode {
  name: string;
  instanceId: string;
  az: string;
  /** "major.minor" the kubelet reports. */
  version: string;
  imageId: string;
  /** Pods that would be evicted (not DaemonSet or mirror pods). */
  pods: number;
}

/** A number of nodes, or a share of the old nodes as EKS's maxUnavailablePercentage ("10%", at least one node). */
export type MaxUnavailable = number | `${number}%`;

export interface UpgradeRequest {
  ref: GroupRef;
  /** As typed: 1.30, v1.30 or 1.30.4. */
  version: string;
  releaseVersion?: string;
  maxUnavailable?: MaxUnavailable;
  surge?: number;
  strategy?: Strategy;
  updateStrategy?: UpdateStrategy;
  drainTimeoutMs?: number;
  /** After cordon, before terminate: how long load balancers get to deregister the node (0: none). */
  deregistrationWaitMs?: number;
  force?: boolean;
  /** A rollback: the nodes go back to what this names (app/rollback.ts builds it from the run rolled back). */
  rollback?: RollbackOf;
  /** How long the health gate watches the canary's pods before the next drain (0: no bake, it still watches). */
  bakeMs?: number;
}

/** What a rollback puts back: the image and launch-template version the group had before a run. */
export interface RollbackOf {
  /** The run whose replaced nodes go back. */
  runId: string;
  /** The image the group ran before that run (its plan's fromImageId). */
  imageId: string;
  /** What that run put the nodes on (its plan's toVersion and toRelease): what they go back from. */
  from: { version: string; release: string };
  /** Rolling: the launch-template version the group used before that run; the rollback points the group back at it. */
  launchTemplateVersion?: string;
  /** The run was still under way when the rollback was asked: who stopped it (cancelled) first, and when. */
  stopped?: Actor;
}

/** The health gate as planned (rolling): a canary, a bake, then a watch over the pods on new nodes. */
export interface GatePlan {
  /** After the canary's pods are Ready on new nodes, how long the run watches them before the next drain. */
  bakeMs: number;
  /** A pod on a new node restarting more often than this counts as failing. */
  restartThreshold: number;
  /**
   * Pods unhealthy on the old nodes before the run (names capped) and their workloads (all): pods of
   * those workloads are not blamed on the new image.
   */
  unhealthyBefore: { pods: string[]; total: number; workloads: string[] };
}

/** A pod on a new node the health gate finds failing. */
export interface UnhealthyPod {
  /** namespace/name */
  pod: string;
  node: string;
  ready: boolean;
  restarts: number;
  /** Its containers that wait or ended badly: CrashLoopBackOff, OOMKilled, exit codes. */
  containers: ContainerTrouble[];
  /** Not Ready this long (ms) without a container saying why. */
  notReadyForMs?: number;
}

/** What the health gate saw when it stopped the run: the question's facts. */
export interface GateReport {
  /** canary: while the first nodes' pods baked; watch: after the bake, before a later drain. */
  stage: 'canary' | 'watch';
  /** New nodes NotReady. */
  nodes: string[];
  pods: UnhealthyPod[];
  /** Failing pods past the first MAX_GATE_NAMES, only counted; likewise new nodes NotReady. */
  morePods?: number;
  moreNodes?: number;
  /** Failing pods (namespace/name) of workloads already unhealthy before the run: named, not blamed (the first MAX_GATE_NAMES). */
  notBlamed: string[];
  /** The canary's old nodes. */
  canary: string[];
}

/** The health gate as the run goes: where the canary is, and what people accepted. */
export interface GateState {
  /** The first old nodes drained: the canary. */
  canary: string[];
  /** Every pod on new nodes was Ready after the canary's drain: the bake runs from here. */
  readyAt?: number;
  /** The bake ended (passed, or a person chose Continue): from here the gate only watches. */
  passedAt?: number;
  /** Pods (uids) and new nodes a person chose to carry on past: not asked about again. */
  accepted: string[];
  /** How often the gate stopped the run. */
  stops: number;
  /** Who chose Continue last. */
  continuedBy?: string;
  /** Pods on how many new nodes it watched when it last stopped the run. */
  watched?: { pods: number; nodes: number };
  /** Who chose Roll back: the run stopped for it (the rollback is a run of its own). */
  rollbackBy?: string;
  /** Who ended the run at the gate (Abort or Roll back). */
  endedBy?: string;
}

/** A gate report names at most this many pods, nodes and pods not blamed; the rest are counted. */
export const MAX_GATE_NAMES = 50;

/** decision.node of a question the health gate asks (no node's name has a space). */
export const HEALTH_GATE = 'health gate';

export interface Plan {
  ref: GroupRef;
  strategy: Strategy;
  /** Present only for MINIMAL: no surge (plan.surge 0), terminate first. Absent: the default, surge first. */
  updateStrategy?: 'minimal';
  managed: boolean;
  clusterVersion: string;
  fromVersion: string;
  toVersion: string;
  fromRelease: string;
  toRelease: string;
  fromImageId: string;
  toImageId: string;
  amiType: string;
  surge: number;
  surgeReason: string;
  /** Nodes drained at once: the count, whatever form it was asked in. */
  maxUnavailable: number;
  /** As asked, when it was a share of the old nodes ("10%"); maxUnavailable is what it came to. */
  maxUnavailableAsked?: `${number}%`;
  drainTimeoutMs: number;
  /**
   * Between cordon and terminate, as EKS waits: load balancers deregister the empty node meanwhile.
   * Absent in runs planned before mngbot waited: no wait.
   */
  deregistrationWaitMs?: number;
  force: boolean;
  sizes: Sizes;
  azs: string[];
  nodes: PlanNode[];
  findings: Finding[];
  /** Absent: no health gate (the eks strategy, where EKS replaces the nodes, and plans made before it). */
  gate?: GatePlan;
  estimatedMs: number;
  /** What the estimate stands on; absent in plans made before it was said. */
  estimateFrom?: EstimateBasis;
  /** Shortest and longest it may take, when the estimate's timings are assumed rather than known. */
  estimateRangeMs?: [number, number];
  /** This plan rolls a run back: to its previous release (and, rolling, its launch-template version). */
  rollback?: RollbackOf;
  createdAt: number;
}

/** The world's own timings (a simulated world), a past run's measured ones, or real EKS's assumed. */
export type EstimateBasis = { kind: 'world' } | { kind: 'past-run'; runId: string } | { kind: 'assumed' };

/** How long this run's new nodes took to be Ready and its old instances to go (medians). */
export interface MeasuredTimings {
  launchToReadyMs?: number;
  terminateMs?: number;
}

export type RunStatus =
  | 'awaiting-approval'
  | 'scheduled'
  | 'running'
  | 'paused'
  | 'needs-decision'
  | 'succeeded'
  /** Ended with no old node replaced: people skipped every one. Not done, so not succeeded. */
  | 'nothing-replaced'
  | 'failed'
  | 'cancelled'
  | 'aborted'
  | 'rejected'
  | 'expired';

export const TERMINAL_STATUSES: readonly RunStatus[] = [
  'succeeded',
  'nothing-replaced',
  'failed',
  'cancelled',
  'aborted',
  'rejected',
  'expired',
];
/** Statuses in which the run owns its node group: no second run may start on it. */
export const ACTIVE_STATUSES: readonly RunStatus[] = ['scheduled', 'running', 'paused', 'needs-decision'];

export const isTerminal = (s: RunStatus) => TERMINAL_STATUSES.includes(s);
export const isActive = (s: RunStatus) => ACTIVE_STATUSES.includes(s);

export type Phase =
  | 'pending'
  | 'prepare'
  | 'surge'
  | 'await-new-nodes'
  | 'taint'
  | 'replace'
  | 'scale-back'
  | 'finish'
  | 'cleanup'
  | 'done';

export type NodeState =
  | 'waiting'
  | 'tainted'
  | 'evicting'
  | 'evicted'
  | 'cordoned'
  | 'terminating'
  | 'terminated'
  | 'failed'
  | 'skipped';

export const NODE_ORDER: readonly NodeState[] = [
  'waiting',
  'tainted',
  'evicting',
  'evicted',
  'cordoned',
  'terminating',
  'terminated',
];

/** Per-node transitions the engine may make; anything else is a bug. */
export const NODE_TRANSITIONS: Record<NodeState, readonly NodeState[]> = {
  waiting: ['tainted', 'skipped', 'failed'],
  tainted: ['evicting', 'skipped', 'failed', 'waiting'],
  evicting: ['evicted', 'skipped', 'failed', 'waiting'],
  evicted: ['cordoned', 'skipped', 'failed', 'waiting'],
  cordoned: ['terminating', 'skipped', 'failed', 'waiting'],
  terminating: ['terminated', 'failed'],
  terminated: [],
  failed: [],
  skipped: [],
};

export type NewNodeState = 'launching' | 'joined' | 'ready';

export interface NodeRecord {
  name: string;
  instanceId: string;
  az: string;
  /** old: runs the previous image; surplus: a new node removed to bring the group back to its size. */
  role: 'old' | 'surplus';
  state: NodeState;
  /** When the node entered each state it has been in. */
  at: Partial<Record<NodeState, number>>;
  /** Pods the drain had to move when it began. */
  podsToEvict?: number;
  evicted: number;
  forced: number;
  /** When its pods were first deleted by force: they keep their grace period, then the node moves on. */
  forcedAt?: number;
  /** Eviction retries: when the next attempt is due, and the backoff so far. */
  retryAt?: number;
  backoffMs?: number;
  /** PDB (namespace/name) → when this node first found its budget spent: its place in that PDB's queue. */
  pdbWaits?: Record<string, number>;
  /** A 429 for a pod whose PDB mngbot could not find: such pods are asked again on the backoff only. */
  unplacedBlock?: boolean;
  /** Terminated with decrement (absorbs the surge) rather than replaced. */
  decrement?: boolean;
  /**
   * Saved before TerminateInstanceInAutoScalingGroup is sent, so a bot killed around the call finds it
   * and looks at the instance instead of sending it again. `sentAt`: AWS accepted it, or the instance
   * was found leaving.
   */
  termination?: { requestedAt: number; decrement: boolean; sentAt?: number };
  /** Skipped because this person chose Skip node; a node the run never got to is skipped by nobody. */
  skippedBy?: string;
  /** An old node found in the group after the plan was made (replaced too, once). */
  foundLate?: boolean;
  /** Cordoned by someone else before the run: leave it cordoned when restoring. */
  wasCordoned?: boolean;
  /**
   * The exclude-from-external-load-balancers label, recorded (and saved) before the taint step sets it:
   * `ours` mngbot sets it and takes it back if the node stays; `theirs` the node had it before the run.
   */
  lbExclusion?: 'ours' | 'theirs';
  /**
   * Cordoned and empty: load balancers deregister the node until then, and it is terminated after.
   * A node in this wait holds no maxUnavailable slot.
   */
  deregisterUntil?: number;
  /** Since when a drain has waited for room on new nodes. */
  waitingForRoomSince?: number;
  note?: string;
}

export interface NewNodeRecord {
  instanceId: string;
  az: string;
  name?: string;
  state: NewNodeState;
  at: Partial<Record<NewNodeState, number>>;
}

export interface Actor {
  user: string;
  at: number;
  channel?: string;
}

export interface Blocker {
  /** namespace/name */
  pod: string;
  /** namespace/name of the PDB that blocks it, when one does. */
  pdb?: string;
  reason: string;
}

/** force, skip: a blocked drain's; continue, rollback: the health gate's; abort: either. */
export type DecisionChoice = 'force' | 'skip' | 'abort' | 'continue' | 'rollback';

export const DRAIN_CHOICES: readonly DecisionChoice[] = ['force', 'skip', 'abort'];
export const GATE_CHOICES: readonly DecisionChoice[] = ['continue', 'rollback', 'abort'];

export interface PendingDecision {
  /** The node whose drain is blocked, or HEALTH_GATE. */
  node: string;
  since: number;
  blockers: Blocker[];
  /** The health gate's question: what it found. */
  gate?: GateReport;
}

export interface RunOutcome {
  status: RunStatus;
  /** Ends with `next` in neutral words, when there is one (see outcome-text summaryText). */
  summary: string;
  next?: NextStepFacts;
  /** What the run changed that stays changed, in words (for aborted, cancelled and failed runs). */
  changes: string[];
  /** The group's min/max/desired as the run left it; absent when it never recorded them. */
  sizes?: Sizes;
  /** Measured in a run that succeeded: the group's next plan estimates from it. */
  measured?: MeasuredTimings;
  /** The health gate, as it went: for the summary. */
  gate?: GateOutcome;
}

export interface GateOutcome {
  bakeMs: number;
  canary: string[];
  /** passed: the bake ended well; continued: a person carried on past what it found; stopped: the run ended at it; not-reached: the run ended before the canary baked. */
  result: 'passed' | 'continued' | 'stopped' | 'not-reached';
  /** Pods on the run's new nodes that stay, and those nodes: when the gate stopped the run if it ended there, else when the run ended. */
  watched: { pods: number; nodes: number };
  stops: number;
  /** Stopped at the gate because this person asked for a rollback (a run of its own). */
  rollbackBy?: string;
}

export interface Run {
  id: string;
  /** Incremented on every save; compare-and-set guard. */
  rev: number;
  ref: GroupRef;
  strategy: Strategy;
  status: RunStatus;
  phase: Phase;
  plan: Plan;
  requestedBy: Actor;
  approvedBy?: Actor;
  decidedBy?: Actor & { decision: 'approved' | 'rejected' | 'expired' };
  createdAt: number;
  expiresAt?: number;
  /** Not before this time (maintenance windows, schedules). */
  notBefore?: number;
  /** Asked to run outside the node group's maintenance windows. */
  outsideWindows?: boolean;
  /** Paused because the maintenance window closed; resumes when the next one opens. */
  windowPause?: { since: number; opensAt?: number };
  /** Recorded before the first change; restoring reads this, never the current values. */
  original?: { sizes: Sizes; launchTemplateVersion: string; suspendedProcesses: string[] };
  target?: { launchTemplateVersion?: string; imageId: string; releaseVersion: string; version: string };
  nodes: NodeRecord[];
  newNodes: NewNodeRecord[];
  decision?: PendingDecision;
  /** The health gate's progress (rolling runs planned with a gate). */
  gate?: GateState;
  /** Decisions and cancellations wait here for the runner's next step. */
  requests: { decision?: { node: string; choice: DecisionChoice; by: Actor }; cancel?: Actor; pause?: Actor };
  /** Why the run is cleaning up. */
  cleanupReason?: { status: 'failed' | 'cancelled' | 'aborted'; message: string; next?: NextStepFacts };
  /** Strategy eks: what mngbot knows of the update EKS runs (UpdateNodegroupVersion, clientRequestToken = run id). */
  eks?: {
    /** Saved before the call: from here on an update may exist, whatever the bot remembers. */
    requestedAt?: number;
    updateId?: string;
    /** DescribeUpdate's last answer. */
    status?: 'InProgress' | 'Successful' | 'Failed' | 'Cancelled';
    lastActivityAt?: number;
    /** Last DescribeUpdate (it has no watch). */
    polledAt?: number;
    /** Nodes whose slow drain mngbot has already warned about. */
    warned?: string[];
    /** The group's own maxUnavailable, which EKS uses whatever the plan says. */
    maxUnavailable?: number;
    /**
     * A MINIMAL run sets the group's update strategy for itself (UpdateNodegroupConfig): what it was,
     * recorded before the change, and whether it has been put back.
     */
    updateStrategy?: { original: 'DEFAULT' | 'MINIMAL'; setAt?: number; restoredAt?: number };
  };
  /** Launch failures before this time were said already (the group's scaling activities have no watch). */
  launchFailuresSeenAt?: number;
  /** Last look at the Auto Scaling group's instances (it has no watch). */
  instancesPolledAt?: number;
  startedAt?: number;
  phaseSince?: number;
  finishedAt?: number;
  counters: { podsEvicted: number; forcedDeletions: number; apiErrors: number };
  outcome?: RunOutcome;
  /** Where the chat front end shows this run; opaque to the engine. */
  notify?: { channel?: string; planTs?: string; progressTs?: string; threadTs?: string; finalShown?: boolean };
}

/**
 * The record with every field in one order, absent ones undefined (JSON leaves them out): records that
 * gain fields in different orders as they move would each get their own hidden class, and a step's look
 * at every node would go through V8's slowest property lookups on a large group.
 */
export function shapedRecord(r: NodeRecord): NodeRecord {
  const { name, instanceId, az, role, state, at, podsToEvict, evicted, forced, forcedAt, retryAt, backoffMs, pdbWaits, unplacedBlock, decrement, termination, foundLate, wasCordoned, lbExclusion, deregisterUntil, waitingForRoomSince, note, ...rest } = r;
  // prettier-ignore
  return { name, instanceId, az, role, state, at, podsToEvict, evicted, forced, forcedAt, retryAt, backoffMs, pdbWaits, unplacedBlock, decrement, termination, foundLate, wasCordoned, lbExclusion, deregisterUntil, waitingForRoomSince, note, ...rest };
}

export function canTransition(from: NodeState, to: NodeState): boolean {
  return NODE_TRANSITIONS[from].includes(to);
}
