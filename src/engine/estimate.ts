// How long an upgrade will take, from the same model as the lower bound (lower-bound.ts): the old
// nodes' pods, their grace periods and PDBs, the surge, maxUnavailable and the deregistration wait.
// The estimate is never below the bound: the bound is what no run can beat, the estimate adds what
// the strategy is known to spend beyond it.
import { matchesLabels } from './pdb-index.js';
import { chainOf, lowerBound, oldWorldShape, type OldPod, type OldWorldShape } from './lower-bound.js';
import { DEFAULT_DEREGISTRATION_WAIT_MS } from './plan.js';
import type { PdbInfo, PodInfo } from './ports.js';
import { isTerminal, type MeasuredTimings, type Plan, type Run, type Strategy } from './run.js';

export interface PlanTimings {
  /** From launch to a Ready node. */
  launchToReadyMs?: number;
  /** From a pod's placement on a Ready node to its being Ready. */
  podStartMs?: number;
  /** From TerminateInstanceInAutoScalingGroup to the instance gone. */
  terminateMs?: number;
}

/**
 * What a real EKS node group takes (an EC2 instance joining and going Ready in about three minutes,
 * termination in about one and a half); a simulated world hands in its own (app/compose.ts).
 */
export const DEFAULT_TIMINGS: Required<PlanTimings> = { launchToReadyMs: 180_000, podStartMs: 15_000, terminateMs: 90_000 };

/**
 * What an assumed estimate may turn out to be on a real group: instances Ready in two minutes or in
 * five (EKS's node-creation timeouts run to twenty), pods starting in 5 s or a minute, instances gone
 * in one minute or three.
 */
export const FAST_TIMINGS: Required<PlanTimings> = { launchToReadyMs: 120_000, podStartMs: 5_000, terminateMs: 60_000 };
export const SLOW_TIMINGS: Required<PlanTimings> = { launchToReadyMs: 300_000, podStartMs: 60_000, terminateMs: 180_000 };

/**
 * What the estimate stands on, in words after it, each front end formatting durations its own way:
 * the range of an assumed estimate, or the past run it learnt from; nothing on a world's own timings.
 */
export function estimateNote(plan: Pick<Plan, 'estimateFrom' | 'estimateRangeMs'>, duration: (ms: number) => string): string {
  const from = plan.estimateFrom;
  if (from?.kind === 'past-run') return ` (with the boot and termination times run ${from.runId} measured)`;
  if (from?.kind === 'assumed' && plan.estimateRangeMs) {
    const [low, high] = plan.estimateRangeMs;
    return ` (${duration(low)} to ${duration(high)}: boot and termination times assumed, no past run of this group to learn from)`;
  }
  return '';
}

/** The medians of what a finished run measured: its new nodes' boots and its old instances' terminations. */
export function measuredTimings(run: Pick<Run, 'nodes' | 'newNodes'>): MeasuredTimings {
  const boots = run.newNodes.flatMap((n) => (n.at.launching !== undefined && n.at.ready !== undefined ? [n.at.ready - n.at.launching] : []));
  const ends = run.nodes.flatMap((n) => (n.at.terminating !== undefined && n.at.terminated !== undefined ? [n.at.terminated - n.at.terminating] : []));
  const launchToReadyMs = median(boots);
  const terminateMs = median(ends);
  return { ...(launchToReadyMs !== undefined ? { launchToReadyMs } : {}), ...(terminateMs !== undefined ? { terminateMs } : {}) };
}

function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** How often EKS's update workflow looks at the group, as its documented behaviour and the simulator do. */
const EKS_TICK_MS = 5_000;

export interface Estimate {
  estimatedMs: number;
  /** The lower bound it was built on. */
  lowerBoundMs: number;
}

/** The bound's shape read from what the plan sees: the old nodes' evictable pods and the PDBs over them. */
export function planShape(oldNodeNames: string[], evictable: PodInfo[], pdbs: PdbInfo[], timings: PlanTimings = {}): OldWorldShape {
  const t = { ...DEFAULT_TIMINGS, ...definedOnly(timings) };
  const podStartSeconds = t.podStartMs / 1000;
  const chains = new Map<PdbInfo, ReturnType<typeof chainOf>>();
  const chainFor = (pod: PodInfo) => {
    const pdb = pdbs.find((b) => b.namespace === pod.namespace && matchesLabels(b.selector, pod.labels));
    if (!pdb) return undefined;
    if (!chains.has(pdb)) {
      const covered = evictable.filter((p) => p.namespace === pdb.namespace && matchesLabels(pdb.selector, p.labels));
      const grace = Math.max(0, ...covered.map((p) => p.gracePeriodSeconds));
      // With every replica healthy, the budget allows this many at once.
      const allowed = pdb.expectedPods - pdb.desiredHealthy;
      const kind = pod.owner?.kind === 'StatefulSet' ? 'StatefulSet' : pod.owner?.kind === 'ReplicaSet' ? 'Deployment' : (pod.owner?.kind ?? 'Pod');
      chains.set(pdb, chainOf(`${pdb.namespace}/${pdb.name}`, kind, allowed, grace, podStartSeconds));
    }
    return chains.get(pdb);
  };
  const byNode = new Map<string, OldPod[]>(oldNodeNames.map((n) => [n, []]));
  for (const p of evictable) {
    const list = p.nodeName !== undefined ? byNode.get(p.nodeName) : undefined;
    if (!list) continue;
    const chain = chainFor(p);
    list.push({ gracePeriodSeconds: p.gracePeriodSeconds, ...(chain ? { chain } : {}) });
  }
  return oldWorldShape(byNode.values(), {
    launchToReadySeconds: t.launchToReadyMs / 1000,
    podStartSeconds,
    terminateSeconds: t.terminateMs / 1000,
  });
}

/**
 * rolling: the bound itself, which mngbot's own strategy reaches on worlds without faults (each pod
 * moves once, the next drain starts while a node waits for its load balancers).
 * eks: EKS's documented update, on top: it drains maxUnavailable old nodes at a time and waits its 60 s
 * after each before the next, then scales the surge back in one node at a time, each drained and
 * waited for in turn.
 * minimal (update strategy MINIMAL): waves of maxUnavailable nodes, each after the last one's
 * replacements are Ready.
 */
export function estimate(
  shape: OldWorldShape,
  o: { strategy: Strategy; maxUnavailable: number; surge: number; deregistrationWaitMs?: number; forced?: boolean; minimal?: boolean },
): Estimate {
  const waitSeconds = (o.deregistrationWaitMs ?? DEFAULT_DEREGISTRATION_WAIT_MS) / 1000;
  const bound = lowerBound(shape, {
    maxUnavailable: o.maxUnavailable,
    ...(o.forced ? { forced: true } : {}),
    deregistrationWaitSeconds: o.strategy === 'rolling' ? waitSeconds : DEFAULT_DEREGISTRATION_WAIT_MS / 1000,
  });
  let seconds = bound.seconds;
  if (o.strategy === 'eks') {
    const k = Math.max(1, o.maxUnavailable);
    const eksWait = DEFAULT_DEREGISTRATION_WAIT_MS / 1000;
    const tick = EKS_TICK_MS / 1000;
    const drain = o.forced ? shape.graceOnly : shape.drain;
    const upgrade = Math.max(drain.total / k, drain.longest) + Math.ceil(shape.nodes / k) * (eksWait + tick);
    // The surge's nodes hold the moved pods: each scale-in drains one of them, its pods leaving after their grace.
    const scaleIn = o.surge * (shape.graceOnly.longest + eksWait + 2 * tick);
    seconds = Math.max(seconds, bound.launch + tick + upgrade + scaleIn + bound.terminate);
  }
  if (o.minimal && shape.nodes > 0) {
    // MINIMAL: no surge to drain onto, so the nodes go in waves of maxUnavailable, each waiting for the
    // replacements of the one before: a wave is a drain, the deregistration wait and a launch (the
    // termination overlaps the launch), and the last termination comes after them all.
    const k = Math.max(1, o.maxUnavailable);
    const wait = o.strategy === 'rolling' ? waitSeconds : DEFAULT_DEREGISTRATION_WAIT_MS / 1000;
    const drain = o.forced ? shape.graceOnly : shape.drain;
    const waves = Math.ceil(shape.nodes / k);
    seconds = Math.max(seconds, waves * (drain.total / shape.nodes + wait + bound.launch) + bound.terminate);
  }
  return { estimatedMs: Math.ceil(seconds) * 1000, lowerBoundMs: Math.ceil(bound.seconds) * 1000 };
}

/**
 * Time left in a running run. Before any old node has finished its drain and gone, the plan's
 * estimate counted down from the start, with the drain timeout of every drain a person had to decide
 * (force or skip) on top, so it only goes up for that named cause. From then on, more and more the
 * pace this run has shown (drains finished per minute, and how long a drained node took to go),
 * weighted by the share of nodes done: an estimate that was off is corrected a node's share at a time,
 * so the figure does not jump. Undefined when the run waits on a person or a window, or has ended:
 * any figure would be a guess about them; 0 once past it.
 */
export function timeLeftMs(run: Pick<Run, 'status' | 'startedAt' | 'nodes'> & { plan: Pick<Plan, 'estimatedMs' | 'drainTimeoutMs'> }, now: number): number | undefined {
  if (isTerminal(run.status) || !run.startedAt || run.status !== 'running') return undefined;
  const old = run.nodes.filter((n) => n.role === 'old');
  const decided = old.filter((n) => n.state === 'skipped' || n.forced > 0).length;
  const countdown = Math.max(0, run.startedAt + run.plan.estimatedMs + decided * run.plan.drainTimeoutMs - now);
  const pace = measuredPace(old, now);
  if (!pace) return countdown;
  const share = pace.drained / old.length;
  return Math.max(0, Math.round(share * pace.leftMs + (1 - share) * countdown));
}

/** What the old nodes done so far say is left: the drains to come at the pace of those finished, then the slowest node's going. */
function measuredPace(old: Pick<Run, 'nodes'>['nodes'], now: number): { drained: number; leftMs: number } | undefined {
  const drainedAt = (n: (typeof old)[number]) => n.at.evicted ?? n.at.cordoned ?? n.at.terminating;
  const firstDrain = Math.min(...old.flatMap((n) => (n.at.evicting !== undefined ? [n.at.evicting] : [])));
  const gone = old.flatMap((n) => {
    const from = drainedAt(n);
    return from !== undefined && n.at.terminated !== undefined ? [n.at.terminated - from] : [];
  });
  const drained = old.filter((n) => n.state === 'skipped' || drainedAt(n) !== undefined).length;
  const goingMs = median(gone);
  if (goingMs === undefined || !Number.isFinite(firstDrain) || drained === 0) return undefined;
  const perDrainMs = (now - firstDrain) / drained;
  // Nodes drained and not yet gone finish on their own: the last of them bounds the end too.
  const going = Math.max(0, ...old.flatMap((n) => (n.state !== 'terminated' && n.state !== 'skipped' && drainedAt(n) !== undefined ? [drainedAt(n)! + goingMs - now] : [])));
  const toDrain = old.length - drained;
  return { drained, leftMs: Math.max(going, toDrain > 0 ? toDrain * perDrainMs + goingMs : 0) };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
