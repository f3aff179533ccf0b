// Steps 5–7 for each node: evict → cordon → terminate, up to maxUnavailable nodes at once.
import { plural } from '../plural.js';
import { describeBlockers, drainRound, forcedGraceEnds, forceRemaining, podsHolding, podsToMove } from '../drain.js';
import { formatDuration } from '../duration.js';
import { PdbTurns } from '../pdb-turns.js';
import type { NodePatch, PodInfo } from '../ports.js';
import type { NodeRecord, NodeState } from '../run.js';
import type { StepContext } from '../step-context.js';
import { failRun } from './fail-run.js';
import { groupDrift } from './group-drift.js';
import { isMinimal, replacementsPending, takeOutOfService } from './minimal.js';
import { NodePicker } from './pick-node.js';
import { EXCLUDE_LB_LABEL, isExcludedFromLb, restoreNode } from './taint-nodes.js';

/** Nodes the run is working on, until their termination is sent. */
const IN_FLIGHT: ReadonlySet<NodeState> = new Set(['evicting', 'evicted', 'cordoned']);
const NOT_STARTED: ReadonlySet<NodeState> = new Set(['waiting', 'tainted']);
const SETTLED: ReadonlySet<NodeState> = new Set(['terminated', 'skipped', 'failed']);

export const isSettled = (rec: NodeRecord) => SETTLED.has(rec.state);
export const isInFlight = (rec: NodeRecord) => IN_FLIGHT.has(rec.state);
/**
 * Nodes that count against maxUnavailable: a cordoned node waiting for load balancers to let go of it
 * is empty already, so the next drain need not wait for it.
 */
export const holdsSlot = (rec: NodeRecord) => IN_FLIGHT.has(rec.state) && rec.deregisterUntil === undefined;

export interface PipelineResult {
  /** Every node record has reached terminated, skipped or failed. */
  settled: boolean;
  waitMs: number;
  reason: string;
  /** The run left the pipeline (it failed); the caller returns at once. */
  stopped?: boolean;
}

/**
 * `mayStart`: whether a tainted node may start draining now (asked once something could start);
 * `maxStarts`: start at most this many nodes in this call (the health gate's canary).
 */
export async function advanceNodes(ctx: StepContext, mayStart: () => boolean, maxStarts = Infinity): Promise<PipelineResult> {
  const { run } = ctx;
  let waitMs = ctx.settings.idleRecheckMs;
  let reason = 'waiting for nodes to drain and terminate';
  const cleaning = run.cleanupReason !== undefined;
  // The nodes in flight, not the group: a step's work follows what moves.
  const moving = ctx.byState.in(...IN_FLIGHT, 'terminating');
  const turns = await PdbTurns.take(ctx, draining(ctx, moving));
  for (const rec of moving) {
    if (!IN_FLIGHT.has(rec.state) && rec.state !== 'terminating') continue;
    waitMs = Math.min(waitMs, await advanceNode(ctx, rec, turns));
    if (!cleaning && run.cleanupReason) break;
  }
  const stoppedNow = !cleaning && run.cleanupReason !== undefined;
  if ((run.phase !== 'replace' && run.phase !== 'cleanup') || stoppedNow) return { settled: false, waitMs: 0, reason, stopped: true };

  const minimal = isMinimal(run);
  // MINIMAL: with no surge, a node out of service is capacity gone until its replacement is Ready, its
  // wait for load balancers included.
  const holds = minimal ? () => true : holdsSlot;
  let inFlight = ctx.byState.in(...IN_FLIGHT).filter(holds).length + (minimal ? replacementsPending(ctx) : 0);
  if (run.status === 'running' && !run.decision && !run.requests.pause && inFlight < run.plan.maxUnavailable) {
    const picker = new NodePicker(ctx);
    const last = ownNodeLast(ctx);
    let starts = 0;
    while (inFlight < run.plan.maxUnavailable && starts < maxStarts) {
      const rec = await picker.next(mayStart, run.nodes.length - ctx.byState.count(...NOT_STARTED), last);
      if (!rec) {
        if (picker.heldBack) reason = 'waiting for PDB budgets: every node left shares a spent budget with nodes draining now';
        break;
      }
      const need = podsToMove(ctx, rec.name).length;
      // MINIMAL leaves a waiting node schedulable: its own free slots are no room for its pods.
      const room = ctx.view.schedulableRoom() - (minimal ? ctx.view.roomOn(rec.name) : 0);
      if (need > room) {
        rec.waitingForRoomSince ??= ctx.now;
        ctx.touch(rec);
        const waited = ctx.now - rec.waitingForRoomSince;
        if (waited >= ctx.settings.capacityWaitTimeoutMs) {
          failRun(ctx, `no room for the pods of ${rec.name}: ${plural(need, 'pod')} to move, ${plural(room, 'free pod slot')} on schedulable nodes after ${Math.round(waited / 60_000)} minutes`);
          return { settled: false, waitMs: 0, reason, stopped: true };
        }
        reason = `waiting for room on new nodes: ${rec.name} has ${plural(need, 'pod')} to move, ${plural(Math.max(0, room), 'free slot')}`;
        break;
      }
      rec.waitingForRoomSince = undefined;
      if (minimal) await takeOutOfService(ctx, rec);
      rec.podsToEvict = need;
      ctx.setNodeState(rec, 'evicting', `${rec.name}: evicting ${plural(need, 'pod')}`, { pods: need });
      starts++;
      waitMs = Math.min(waitMs, await advanceNode(ctx, rec, turns));
      // A node with nothing to move is cordoned at once and waits for its load balancers without a
      // slot: the next drain starts now, not at the next wake-up.
      if (holds(rec)) inFlight++;
    }
  }
  return { settled: ctx.byState.count(...SETTLED) === run.nodes.length, waitMs, reason };
}

/** The node this mngbot runs on, while other nodes are left: it starts only once every other node is done (it moves itself off it last). */
function ownNodeLast(ctx: StepContext): NodeRecord | undefined {
  const own = ctx.settings.self?.node;
  const rec = own === undefined ? undefined : ctx.run.nodes.find((r) => r.name === own && r.state === 'tainted');
  return rec && ctx.run.nodes.some((r) => r !== rec && !SETTLED.has(r.state)) ? rec : undefined;
}

/** The nodes being drained (of those in flight), with the pods each still has to ask to leave. */
function draining(ctx: StepContext, moving: NodeRecord[]): { rec: NodeRecord; pods: PodInfo[] }[] {
  return moving
    .filter((rec) => rec.state === 'evicting' && rec.forcedAt === undefined)
    .map((rec) => {
      const pods = podsHolding(ctx, rec);
      const own = ownPod(ctx, pods);
      return { rec, pods: own ? pods.filter((p) => p !== own) : pods };
    });
}

/** One bounded move for one node; returns how long until it needs looking at again. */
async function advanceNode(ctx: StepContext, rec: NodeRecord, turns: PdbTurns): Promise<number> {
  const { run } = ctx;
  const idle = ctx.settings.idleRecheckMs;
  if (rec.state === 'evicting') {
    const remaining = podsHolding(ctx, rec);
    if (remaining.length > 0 && rec.forcedAt !== undefined) {
      // Forced already: the pods shut down within their own grace period; none is asked about again.
      if (remaining.some((p) => !p.terminating)) {
        await forceRemaining(ctx, rec);
        return 0;
      }
      return Math.max(0, Math.min(idle, ...remaining.map((p) => forcedGraceEnds(rec, p) - ctx.now)));
    }
    if (remaining.length > 0) {
      const deadline = (rec.at.evicting ?? ctx.now) + run.plan.drainTimeoutMs;
      if (ctx.now >= deadline) {
        const handled = await drainTimedOut(ctx, rec, remaining);
        if (handled !== undefined) return handled;
      }
      const own = ownPod(ctx, remaining);
      if (own && remaining.length === 1) return moveSelf(ctx, rec, own);
      return drainRound(ctx, rec, own ? remaining.filter((p) => p !== own) : remaining, deadline, turns);
    }
    if (run.decision?.node === rec.name) {
      run.decision = undefined;
      run.status = 'running';
      ctx.emit({ kind: 'status', status: 'running', detail: `${rec.name} drained after all; carrying on` });
    }
    rec.pdbWaits = rec.retryAt = rec.backoffMs = rec.unplacedBlock = undefined;
    ctx.setNodeState(rec, 'evicted', `${rec.name}: ${plural(rec.evicted, 'pod')} evicted${rec.forced ? `, ${rec.forced} deleted by force` : ''}`);
  }
  if (rec.state === 'evicted') {
    const node = ctx.view.node(rec.name);
    const patch: NodePatch = {};
    if (node && !node.unschedulable) patch.unschedulable = true;
    // Level-triggered: someone may have taken the label off since the taint step set it.
    if (node && rec.lbExclusion === 'ours' && !isExcludedFromLb(node)) patch.labels = { [EXCLUDE_LB_LABEL]: 'true' };
    if (patch.unschedulable || patch.labels) await ctx.cluster.patchNode(rec.name, patch);
    const waitMs = run.plan.deregistrationWaitMs ?? 0;
    // Recorded, not a timer: a restarted bot waits out the rest, and no longer than that.
    if (waitMs > 0) rec.deregisterUntil = ctx.now + waitMs;
    ctx.setNodeState(
      rec,
      'cordoned',
      waitMs > 0 ? `${rec.name} cordoned; load balancers deregister it for ${formatDuration(waitMs)} before it is terminated` : `${rec.name} cordoned`,
    );
  }
  if (rec.state === 'cordoned') {
    // Never terminate a node that still runs pods a person has not agreed to lose.
    if (podsHolding(ctx, rec).length > 0) return idle;
    if (rec.deregisterUntil !== undefined && ctx.now < rec.deregisterUntil) return rec.deregisterUntil - ctx.now;
    const g = await ctx.nodeGroups.describeNodegroup(run.ref);
    // The last look before an irreversible call: is the group still the one the run was changing?
    const drift = groupDrift(ctx, g);
    if (drift) {
      failRun(ctx, drift);
      return 0;
    }
    const extra = g.sizes.desired - run.original!.sizes.desired;
    const oldLeft = ctx.byState.countOld(...NOT_STARTED, ...IN_FLIGHT);
    // The last `surge` old nodes are not replaced: the surge's nodes take their place.
    const decrement = g.sizes.desired > g.sizes.min && (rec.role === 'surplus' || (extra > 0 && extra >= oldLeft));
    rec.decrement = decrement;
    rec.termination = { requestedAt: ctx.now, decrement };
    ctx.setNodeState(
      rec,
      'terminating',
      `${rec.name}: instance ${rec.instanceId} terminating${decrement ? ', desired size −1' : ', the group launches its replacement'}`,
    );
    await ctx.checkpoint();
    await sendTermination(ctx, rec);
    return 0;
  }
  if (rec.state === 'terminating' && rec.termination && rec.termination.sentAt === undefined) {
    // Recorded by a step that did not see the answer (a crash, a lost connection): the call may have
    // reached AWS. Look before sending it again.
    const instance = (await ctx.nodeGroups.listInstances(run.ref)).find((i) => i.instanceId === rec.instanceId);
    if (!instance || /^Terminat/.test(instance.lifecycleState)) {
      rec.termination.sentAt = ctx.now;
      ctx.touch(rec);
    } else {
      await sendTermination(ctx, rec);
    }
  }
  if (rec.state === 'terminating' && !ctx.view.node(rec.name)) {
    ctx.setNodeState(rec, 'terminated', `${rec.name} terminated`);
  }
  return idle;
}

function ownPod(ctx: StepContext, pods: PodInfo[]): PodInfo | undefined {
  const self = ctx.settings.self?.pod;
  return self && pods.find((p) => p.namespace === self.namespace && p.name === self.name);
}

/**
 * The last pod on mngbot's own node is mngbot: saved first, it leaves like any pod (the Eviction API);
 * when its own PodDisruptionBudget holds it (it is there to keep other drains off a bot mid-run), it
 * deletes itself with its grace period. It restarts on a new node and carries on from the record.
 */
async function moveSelf(ctx: StepContext, rec: NodeRecord, own: PodInfo): Promise<number> {
  if (own.terminating) return ctx.settings.idleRecheckMs;
  ctx.emit({ kind: 'warning', node: rec.name, detail: `mngbot runs on ${rec.name}: saving the run and moving itself to a new node; it carries on from there` });
  await ctx.checkpoint();
  const result = await ctx.cluster.evict(own);
  if (result.outcome === 'blocked') await ctx.cluster.deletePod(own);
  if (result.outcome !== 'gone') {
    rec.evicted++;
    ctx.run.counters.podsEvicted++;
  }
  ctx.touch(rec);
  return ctx.settings.idleRecheckMs;
}

async function sendTermination(ctx: StepContext, rec: NodeRecord): Promise<void> {
  await ctx.nodeGroups.terminateInstance(ctx.run.ref, rec.instanceId, { decrement: rec.termination!.decrement });
  rec.termination!.sentAt = ctx.now;
  ctx.touch(rec);
}

/** Past the drain timeout: force if the run was forced, ask a person otherwise. Undefined: keep trying. */
async function drainTimedOut(ctx: StepContext, rec: NodeRecord, remaining: ReturnType<typeof podsToMove>): Promise<number | undefined> {
  const { run } = ctx;
  if (run.plan.force) {
    const n = await forceRemaining(ctx, rec);
    ctx.emit({ kind: 'warning', node: rec.name, detail: `${rec.name}: drain timeout passed; deleted ${plural(n, 'pod')} by force, as the run was asked to` });
    return 0;
  }
  if (run.cleanupReason) {
    // While cleaning up nobody is asked again: the node stays, and the note says so.
    await restoreNode(ctx, rec.name, rec.wasCordoned);
    rec.note = `could not be drained during cleanup: ${remaining.map((p) => `${p.namespace}/${p.name}`).slice(0, 5).join(', ')}`;
    ctx.setNodeState(rec, 'failed', `${rec.name}: ${rec.note}`);
    return 0;
  }
  if (!run.decision) {
    const blockers = await describeBlockers(ctx, remaining);
    run.decision = { node: rec.name, since: ctx.now, blockers };
    run.status = 'needs-decision';
    const minutes = Math.round(run.plan.drainTimeoutMs / 60_000);
    ctx.emit({
      kind: 'blocked',
      node: rec.name,
      blockers,
      detail: `${rec.name}: drain blocked for ${minutes} min by ${blockers.map((b) => b.pdb ? `${b.pod} (PDB ${b.pdb})` : b.pod).join(', ')}: force, skip the node, or abort`,
    });
    ctx.emit({ kind: 'status', status: 'needs-decision', detail: `waiting for a decision on ${rec.name}` });
  }
  return undefined;
}
