// Strategy eks, steps 3–7: EKS scales up, taints, drains, cordons, terminates and scales down; mngbot
// follows it node by node. The cluster's watch shows most of it at once; DescribeUpdate and the Auto
// Scaling group have no watch, so they are looked at every so often — more often only when a node is
// about to be terminated.
import { plural } from '../plural.js';
import type { UpdateInfo } from '../ports.js';
import type { NewNodeRecord } from '../run.js';
import type { StepContext, StepResult } from '../step-context.js';
import {
  beforeTerminating,
  type InstanceStates,
  isSettledRecord,
  needsInstanceLook,
  noticeScaleDown,
  observeNodes,
} from './eks-node-observer.js';
import { describeUpdateFailure } from './eks-update-failure.js';
import { failRun } from './fail-run.js';
import { oldInstanceIds, readyNewNodes, trackNewNodes } from './new-nodes.js';

/** DescribeUpdate has no watch: how often to ask. */
export const EKS_UPDATE_POLL_MS = 30_000;
/** A cordoned node that went NotReady is probably shutting down: look at its instance sooner. */
const SHUTDOWN_POLL_MS = 5_000;
/** After EKS reports success, how long the cluster's watch may lag before leftovers are called out. */
const SETTLE_AFTER_SUCCESS_MS = 2 * EKS_UPDATE_POLL_MS;

export async function followEksUpdate(ctx: StepContext): Promise<StepResult> {
  const { run } = ctx;
  if (run.phase === 'surge') {
    ctx.setPhase('await-new-nodes', `EKS launches ${plural(run.plan.surge, 'new node')}; it taints the old ones once a new node is Ready in every AZ`);
  }
  const instances = await lookAtInstances(ctx, 'follow');
  await trackNewNodes(ctx, { pollInstances: false });
  noticeScaleDown(ctx);
  const warnIn = await observeNodes(ctx, instances);
  advancePhase(ctx);

  const eks = run.eks!;
  let update: UpdateInfo | undefined;
  // A failure seen before (the step that saw it may have stopped short) is asked about again for its errors.
  if (ctx.now >= (eks.polledAt ?? -Infinity) + EKS_UPDATE_POLL_MS || eks.status === 'Failed' || eks.status === 'Cancelled') {
    if (eks.status !== 'Successful') {
      update = await ctx.nodeGroups.describeUpdate(run.ref, eks.updateId!);
      // Only news is worth a save: a restarted bot that finds an old polledAt merely asks again.
      if (update.status !== eks.status) ctx.touch();
      eks.status = update.status;
      eks.polledAt = ctx.now;
    }
  }
  if (update && (update.status === 'Failed' || update.status === 'Cancelled')) {
    const failure = await describeUpdateFailure(ctx, update);
    return failRun(ctx, failure.message, 'failed', failure.next);
  }
  if (eks.status === 'Successful') return afterSuccess(ctx);

  const waits = [warnIn, (eks.polledAt ?? ctx.now) + EKS_UPDATE_POLL_MS - ctx.now, ctx.settings.idleRecheckMs, instancesDueIn(ctx, 'follow')];
  return { wait: Math.max(0, Math.min(...waits)), reason: waitReason(ctx) };
}

/** EKS reported success: records catch up with the cluster, then the run finishes as a rolling run does. */
async function afterSuccess(ctx: StepContext): Promise<StepResult> {
  const { run } = ctx;
  const open = run.nodes.filter((r) => !isSettledRecord(r));
  if (open.length === 0) {
    ctx.setPhase('finish', `EKS update ${run.eks!.updateId} Successful: every node runs ${run.plan.toRelease}`);
    return { next: true };
  }
  const waited = ctx.now - (run.eks!.polledAt ?? ctx.now);
  // An instance on its way out finishes going; anything else gets the watch's lag to show up.
  if (open.some((r) => r.state === 'terminating') || waited < SETTLE_AFTER_SUCCESS_MS) {
    const settleIn = waited < SETTLE_AFTER_SUCCESS_MS ? SETTLE_AFTER_SUCCESS_MS - waited : Infinity;
    const wait = Math.min(instancesDueIn(ctx, 'settle'), settleIn, ctx.settings.idleRecheckMs);
    return { wait: Math.max(0, wait), reason: `EKS update ${run.eks!.updateId} Successful; waiting for the last nodes to go` };
  }
  for (const rec of open) {
    rec.note = `EKS reported the update Successful, but ${rec.name} was still there (${rec.state})`;
    ctx.setNodeState(rec, 'skipped', `${rec.name}: ${rec.note}`);
  }
  return { next: true };
}

/** The phases follow EKS's own: scale up (surge, await-new-nodes), upgrade (taint, replace), scale down. */
function advancePhase(ctx: StepContext): void {
  const { run } = ctx;
  const old = run.nodes.filter((r) => r.role === 'old');
  if (run.phase === 'await-new-nodes' && old.some((r) => r.state !== 'waiting')) {
    const ready = readyNewNodes(ctx);
    const azs = [...new Set(ready.map((n) => n.az))].sort();
    const tainted = old.filter((r) => r.state !== 'waiting' && r.state !== 'skipped').length;
    ctx.setPhase('taint', `${plural(ready.length, 'new node')} Ready in ${azs.join(', ') || 'no AZ yet'}; EKS tainted ${plural(tainted, 'old node')}`);
    ctx.setPhase('replace', `EKS drains the old nodes, up to ${run.eks?.maxUnavailable ?? run.plan.maxUnavailable} at a time, picked at random`);
  }
  if (run.phase === 'replace' && !old.some(beforeTerminating)) {
    ctx.setPhase('scale-back', `every old node drained; EKS scales the group back to desired ${run.original?.sizes.desired ?? run.plan.sizes.desired}`);
  }
}

type Purpose = 'follow' | 'settle';

/** Whether the Auto Scaling group has something to tell now, and how soon to look. */
function instancePollInterval(ctx: StepContext, purpose: Purpose): number | undefined {
  const { run } = ctx;
  let interval: number | undefined;
  const consider = (ms: number) => (interval = interval === undefined ? ms : Math.min(interval, ms));
  // Launches show in the group before their nodes join the cluster.
  if (purpose === 'follow' && run.phase === 'await-new-nodes') consider(ctx.settings.instancePollMs);
  for (const rec of run.nodes) {
    if (!needsInstanceLook(ctx, rec)) continue;
    const node = ctx.view.node(rec.name);
    consider(rec.state === 'cordoned' && node && !node.ready ? SHUTDOWN_POLL_MS : ctx.settings.instancePollMs);
  }
  return interval;
}

function instancesDueIn(ctx: StepContext, purpose: Purpose): number {
  const interval = instancePollInterval(ctx, purpose);
  if (interval === undefined) return Infinity;
  return Math.max(0, (ctx.run.instancesPolledAt ?? -Infinity) + interval - ctx.now);
}

/**
 * Looks at the Auto Scaling group when something waits on it and the last look is old enough;
 * records instances it launches. Undefined when it did not look.
 */
export async function lookAtInstances(ctx: StepContext, purpose: Purpose = 'follow'): Promise<InstanceStates | undefined> {
  const { run } = ctx;
  if (instancesDueIn(ctx, purpose) > 0) return undefined;
  // Saved with the next change, not on its own (a restarted bot merely looks again).
  run.instancesPolledAt = ctx.now;
  const list = await ctx.nodeGroups.listInstances(run.ref);
  const old = oldInstanceIds(ctx);
  const known = new Set(run.newNodes.map((n) => n.instanceId));
  for (const inst of list) {
    if (old.has(inst.instanceId) || known.has(inst.instanceId)) continue;
    if (inst.lifecycleState !== 'Pending' && inst.lifecycleState !== 'InService') continue;
    if (ctx.view.nodeByInstance(inst.instanceId)) continue; // joined already: trackNewNodes records it
    const rec: NewNodeRecord = { instanceId: inst.instanceId, az: inst.az, state: 'launching', at: { launching: ctx.now } };
    run.newNodes.push(rec);
    ctx.emit({ kind: 'new-node', node: inst.instanceId, state: 'launching', detail: `instance ${inst.instanceId} launching in ${inst.az}` });
  }
  return new Map(list.map((i) => [i.instanceId, i.lifecycleState]));
}

function waitReason(ctx: StepContext): string {
  const { run } = ctx;
  const id = run.eks?.updateId;
  switch (run.phase) {
    case 'await-new-nodes': {
      const ready = readyNewNodes(ctx).length;
      return `EKS update ${id}: scaling up, ${ready} of ${plural(run.plan.surge, 'new node')} Ready`;
    }
    case 'scale-back':
      return `EKS update ${id}: scaling the group back`;
    default: {
      const busy = run.nodes.filter((r) => !isSettledRecord(r) && r.state !== 'waiting' && r.state !== 'tainted');
      return `EKS update ${id}: draining ${busy.map((r) => `${r.name} (${r.state})`).join(', ') || 'the next node'}`;
    }
  }
}
