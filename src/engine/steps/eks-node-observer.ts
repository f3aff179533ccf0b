// Strategy eks: EKS taints, drains, cordons and terminates the nodes itself. mngbot reads where each
// node is from what it can see — the EKS taint, pods leaving, the cordon, the instance terminating, the
// node object going — and moves its records through the same states the rolling strategy does, so the
// progress view, the events and the summary are the same whoever does the work.
import { plural } from '../plural.js';
import { hasNodegroupTaint, NODEGROUP_TAINT_KEY } from '../cluster-view.js';
import { describeBlockers, podsToMove } from '../drain.js';
import type { NodeInfo, PodInfo } from '../ports.js';
import { NODE_ORDER, type NodeRecord, type NodeState } from '../run.js';
import type { StepContext } from '../step-context.js';
import { oldInstanceIds } from './new-nodes.js';
import { newRecord } from './scale-back.js';

/** EKS gives a node's pods this long to leave; then it fails the update (PodEvictionFailure) or, forced, deletes them. */
export const EKS_EVICTION_LIMIT_MS = 15 * 60_000;
/** A drain still held up after this long gets a warning naming what holds it, while there is time to act. */
export const SLOW_DRAIN_WARNING_MS = 5 * 60_000;
/** After the cordon EKS waits this long before it terminates the node (and starts another drain). */
const CORDON_WAIT_MS = 60_000;

/** Lifecycle state by instance id from a look at the Auto Scaling group; an instance not in it is gone. */
export type InstanceStates = ReadonlyMap<string, string>;

const SETTLED: ReadonlySet<NodeState> = new Set(['terminated', 'skipped', 'failed']);
export const isSettledRecord = (rec: NodeRecord) => SETTLED.has(rec.state);

/** Before `terminating`: EKS has not yet let go of the node. */
export function beforeTerminating(rec: NodeRecord): boolean {
  return !SETTLED.has(rec.state) && NODE_ORDER.indexOf(rec.state) < NODE_ORDER.indexOf('terminating');
}

/** A record named after its instance: the instance never joined the cluster, so only Auto Scaling can say where it is. */
export const neverJoined = (rec: NodeRecord) => rec.name === rec.instanceId;

/** Records whose node is not in the cluster: the Auto Scaling group must be asked about them. */
export function needsInstanceLook(ctx: StepContext, rec: NodeRecord): boolean {
  if (SETTLED.has(rec.state)) return false;
  if (rec.state === 'cordoned') return true;
  return !ctx.view.node(rec.name) && (neverJoined(rec) || rec.state !== 'terminating');
}

/**
 * Moves every unsettled record as far as the evidence goes. Returns ms until a slow-drain warning is
 * due (Infinity when none is).
 */
export async function observeNodes(ctx: StepContext, instances: InstanceStates | undefined): Promise<number> {
  let dueIn = Infinity;
  // EKS drains at most maxUnavailable nodes at once, and a drain lasts until 60 s after its cordon.
  // While that many are known to be draining, no other tainted node can be: their pods need no
  // reading (on a large group that reading, at every change in the cluster, is most of the work).
  const draining = ctx.run.nodes.filter(
    (r) => r.state === 'evicting' || r.state === 'evicted' || (r.state === 'cordoned' && ctx.now - (r.at.cordoned ?? ctx.now) < CORDON_WAIT_MS),
  ).length;
  const lookForDrains = draining < (ctx.run.eks?.maxUnavailable ?? ctx.run.plan.maxUnavailable);
  for (const rec of ctx.run.nodes) {
    if (SETTLED.has(rec.state)) continue;
    observeNode(ctx, rec, instances, lookForDrains);
    if (rec.state === 'evicting') dueIn = Math.min(dueIn, await warnIfSlow(ctx, rec));
  }
  return dueIn;
}

/** What mngbot sees of one node now. */
class Evidence {
  /** The node object has gone: its instance was terminated. */
  nodeGone = false;
  instanceTerminating = false;
  instanceGone = false;
  private podList?: PodInfo[];

  constructor(
    private readonly ctx: StepContext,
    private readonly name: string,
    readonly node: NodeInfo | undefined,
    /** Whether EKS may have begun a drain mngbot has not seen yet (see observeNodes). */
    readonly lookForDrains: boolean,
  ) {}

  /** Pods a drain moves, read when first needed. */
  get pods(): PodInfo[] {
    return (this.podList ??= this.node ? podsToMove(this.ctx, this.name) : []);
  }
}

function observeNode(ctx: StepContext, rec: NodeRecord, instances: InstanceStates | undefined, lookForDrains: boolean): void {
  const node = ctx.view.node(rec.name);
  // Someone else's cordon from before the run says nothing about EKS.
  if (node && rec.state === 'waiting' && rec.wasCordoned === undefined) {
    rec.wasCordoned = node.unschedulable;
    ctx.changedInPlace(rec);
  }
  // The common case on a large group, at every change in the cluster: a node waiting its turn.
  if (node && !instances && !lookForDrains && !(node.unschedulable && !rec.wasCordoned)) {
    if (rec.state === 'tainted' || (rec.state === 'waiting' && !hasNodegroupTaint(node))) return;
  }
  const lifecycle = instances?.get(rec.instanceId);
  const ev = new Evidence(ctx, rec.name, node, lookForDrains);
  ev.nodeGone = !node && !neverJoined(rec);
  ev.instanceTerminating = lifecycle !== undefined && lifecycle.startsWith('Terminat');
  ev.instanceGone = instances !== undefined && (lifecycle === undefined || lifecycle === 'Terminated');
  for (;;) {
    const next = NODE_ORDER[NODE_ORDER.indexOf(rec.state) + 1];
    if (next === undefined || !reached(rec, next, ev)) return;
    enter(ctx, rec, next, ev);
  }
}

/** Does what mngbot sees show the node has got to `state`? Each later sign implies the earlier ones. */
function reached(rec: NodeRecord, state: NodeState, ev: Evidence): boolean {
  const { node } = ev;
  const ending = ev.nodeGone || ev.instanceTerminating || ev.instanceGone;
  const cordonedByEks = !!node && node.unschedulable && !rec.wasCordoned;
  const leaving = () =>
    (ev.lookForDrains || rec.role === 'surplus') && (ev.pods.some((p) => p.terminating) || ev.pods.length < (rec.podsToEvict ?? 0));
  switch (state) {
    case 'tainted':
      return ending || (!!node && hasNodegroupTaint(node)) || cordonedByEks;
    case 'evicting':
      // Old nodes are cordoned only once drained; a node EKS scales in is cordoned as its drain begins.
      return ending || cordonedByEks || leaving();
    case 'evicted':
      return ending || (!!node && ev.pods.length === 0);
    case 'cordoned':
      return ending || (!!node && node.unschedulable);
    case 'terminating':
      return ending;
    case 'terminated':
      // A node object goes once its instance has; an instance that never joined is asked about.
      return neverJoined(rec) ? ev.instanceGone : ev.nodeGone;
    default:
      return false;
  }
}

function enter(ctx: StepContext, rec: NodeRecord, state: NodeState, ev: Evidence): void {
  const name = rec.name;
  switch (state) {
    case 'tainted': {
      rec.podsToEvict = ev.pods.length;
      const detail =
        rec.role === 'surplus'
          ? `${name} cordoned by EKS: it drains it to bring the group back to its size`
          : ev.node && hasNodegroupTaint(ev.node)
            ? `${name} tainted ${NODEGROUP_TAINT_KEY}=unschedulable:NoSchedule by EKS`
            : `${name}: EKS has begun to replace it`;
      ctx.setNodeState(rec, 'tainted', detail);
      return;
    }
    case 'evicting': {
      rec.podsToEvict = Math.max(rec.podsToEvict ?? 0, ev.pods.length);
      ctx.setNodeState(rec, 'evicting', `${name}: EKS is evicting ${plural(rec.podsToEvict, 'pod')}`, { pods: rec.podsToEvict });
      countMoved(ctx, rec, ev.pods);
      return;
    }
    case 'evicted':
      countMoved(ctx, rec, []);
      ctx.setNodeState(rec, 'evicted', `${name}: ${plural(rec.evicted, 'pod')} evicted${rec.forced ? `, ${rec.forced} deleted by force` : ''} by EKS`);
      return;
    case 'cordoned':
      ctx.setNodeState(rec, 'cordoned', `${name} cordoned by EKS, which waits 60 s before terminating it`);
      return;
    case 'terminating':
      rec.decrement = rec.role === 'surplus';
      ctx.setNodeState(
        rec,
        'terminating',
        `${name}: instance ${rec.instanceId} terminating${rec.decrement ? ', desired size −1' : ', the group launches its replacement'}`,
      );
      return;
    case 'terminated':
      ctx.setNodeState(rec, 'terminated', `${name} terminated`);
      return;
  }
}

/**
 * Counts the pods that have left (or are leaving) the node since its drain began. EKS does not say
 * which it evicted and which it deleted: in a forced update, pods that leave after EKS's 15 minutes
 * are counted as deleted by force.
 */
function countMoved(ctx: StepContext, rec: NodeRecord, pods: PodInfo[]): void {
  const staying = pods.filter((p) => !p.terminating).length;
  if (pods.length > (rec.podsToEvict ?? 0)) ctx.changedInPlace(rec);
  rec.podsToEvict = Math.max(rec.podsToEvict ?? 0, pods.length);
  const moved = Math.max(0, rec.podsToEvict - staying);
  const counted = rec.evicted + rec.forced;
  if (moved <= counted) return;
  const n = moved - counted;
  ctx.changedInPlace(rec);
  if (ctx.run.plan.force && ctx.now - (rec.at.evicting ?? ctx.now) >= EKS_EVICTION_LIMIT_MS) {
    rec.forced += n;
    ctx.run.counters.forcedDeletions += n;
  } else {
    rec.evicted += n;
    ctx.run.counters.podsEvicted += n;
  }
  // No save of its own: the counts ride along with the next one, and a restarted bot, which
  // counts from the same baseline (podsToEvict), finds what was not saved still to count.
}

/** While EKS drains a node, keep the counts current; warn once when the drain is slow, naming what holds it. */
async function warnIfSlow(ctx: StepContext, rec: NodeRecord): Promise<number> {
  const pods = podsToMove(ctx, rec.name);
  countMoved(ctx, rec, pods);
  const eks = (ctx.run.eks ??= {});
  if (eks.warned?.includes(rec.name)) return Infinity;
  const stuck = pods.filter((p) => !p.terminating);
  if (stuck.length === 0) return Infinity;
  const dueAt = (rec.at.evicting ?? ctx.now) + SLOW_DRAIN_WARNING_MS;
  if (ctx.now < dueAt) return dueAt - ctx.now;
  const blockers = await describeBlockers(ctx, stuck);
  eks.warned = [...(eks.warned ?? []), rec.name];
  const minutes = Math.round((ctx.now - (rec.at.evicting ?? ctx.now)) / 60_000);
  const limitAt = Math.round(EKS_EVICTION_LIMIT_MS / 60_000);
  ctx.emit({
    kind: 'warning',
    node: rec.name,
    detail:
      `${rec.name}: EKS has been draining it for ${minutes} min and ${formatBlockers(blockers)} will not leave. ` +
      (ctx.run.plan.force
        ? `At ${limitAt} minutes EKS deletes them (the update was forced).`
        : `At ${limitAt} minutes EKS gives up and the update fails (PodEvictionFailure): let the PDB allow a disruption before then.`),
  });
  return Infinity;
}

export function formatBlockers(blockers: Awaited<ReturnType<typeof describeBlockers>>, limit = 8): string {
  const shown = blockers.slice(0, limit).map((b) => (b.pdb ? `${b.pod} (${b.pdb}: ${b.reason})` : `${b.pod} (${b.reason})`));
  const more = blockers.length > limit ? ` and ${blockers.length - limit} more` : '';
  return shown.join(', ') + more;
}

/**
 * EKS's scale-down drains new nodes to bring the group back to its size. Once no old node is left
 * for EKS to drain, a new node of the group that gets cordoned is one of those: it gets a record,
 * as the rolling strategy's surplus nodes do.
 */
export function noticeScaleDown(ctx: StepContext): void {
  const { run, view } = ctx;
  if (run.nodes.some((r) => r.role === 'old' && beforeTerminating(r))) return;
  const known = new Set(run.nodes.map((r) => r.name));
  const old = oldInstanceIds(ctx);
  for (const node of view.allNodes()) {
    if (node.nodegroup !== run.ref.nodegroup || known.has(node.name) || old.has(node.instanceId)) continue;
    if (!node.unschedulable && !hasNodegroupTaint(node)) continue;
    const rec = newRecord(node.name, node.instanceId, node.az, 'surplus');
    rec.wasCordoned = false;
    run.nodes.push(rec);
    ctx.touch();
  }
}
