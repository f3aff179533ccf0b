// Step 8: the group goes back to its recorded size by terminating drained instances with decrement,
// never by lowering desired (which lets the group kill any instance, undrained).
import { plural } from '../plural.js';
import { podsToMove } from '../drain.js';
import { shapedRecord, type NodeRecord } from '../run.js';
import type { StepContext, StepResult } from '../step-context.js';
import { failRun } from './fail-run.js';
import { groupDrift } from './group-drift.js';
import { readyNewNodes } from './new-nodes.js';

export async function scaleBack(ctx: StepContext): Promise<StepResult> {
  const { run } = ctx;
  const drift = groupDrift(ctx, await ctx.nodeGroups.describeNodegroup(run.ref));
  if (drift) return failRun(ctx, drift);
  const surplus = await addSurplus(ctx);
  if (surplus === 'wait') return waitForSurplus(ctx);
  if (surplus > 0) {
    ctx.setPhase('taint', `${plural(surplus, 'instance')} above the recorded size: draining the emptiest new nodes to terminate them with decrement`);
    return { next: true };
  }
  const known = new Set(run.nodes.map((n) => n.instanceId));
  const leftovers = (await ctx.nodeGroups.listInstances(run.ref)).filter(
    (i) => (i.lifecycleState === 'Pending' || i.lifecycleState === 'InService') && i.imageId !== run.plan.toImageId && !known.has(i.instanceId),
  );
  // The run's own replacements on the old image, or a second round of old instances: the group keeps
  // launching the old image, and replacing them again would never end.
  const ours = new Set(run.newNodes.map((n) => n.instanceId));
  const relaunched = leftovers.filter((i) => ours.has(i.instanceId));
  if (relaunched.length > 0 || (leftovers.length > 0 && run.nodes.some((n) => n.foundLate))) {
    const which = (relaunched.length ? relaunched : leftovers).slice(0, 5).map((i) => `${i.instanceId} (${i.imageId})`).join(', ');
    return failRun(
      ctx,
      `the group keeps launching instances on the old image (${which}), not ${run.plan.toImageId} (${run.plan.toRelease}): its launch template was changed or overridden. ` +
        `mngbot stops rather than replace nodes with old ones`,
    );
  }
  const added = addOldNodes(ctx, leftovers.map((i) => i.instanceId));
  if (added > 0) {
    ctx.setPhase('taint', `${added} more nodes still run the old image; replacing them too`);
    return { next: true };
  }
  ctx.setPhase('finish', 'no node runs the old image');
  return { next: true };
}

function waitForSurplus(ctx: StepContext): StepResult {
  const waited = ctx.now - (ctx.run.phaseSince ?? ctx.now);
  if (waited >= ctx.settings.nodeReadyTimeoutMs) {
    return failRun(ctx, 'the group has more instances than recorded, but not enough Ready nodes to drain and remove');
  }
  return { wait: ctx.settings.idleRecheckMs, reason: 'waiting for new nodes to be Ready before removing the surplus' };
}

/** Adds node records for the instances above the recorded desired size; 'wait' if too few are Ready yet. */
export async function addSurplus(ctx: StepContext): Promise<number | 'wait'> {
  const { run } = ctx;
  const g = await ctx.nodeGroups.describeNodegroup(run.ref);
  const o = run.original!.sizes;
  if (g.sizes.desired < o.desired) await ctx.nodeGroups.setSizes(run.ref, { desired: o.desired });
  const extra = g.sizes.desired - o.desired;
  if (extra <= 0) return 0;
  const taken = new Set(run.nodes.map((n) => n.name));
  const candidates = readyNewNodes(ctx)
    .filter((n) => !taken.has(n.name))
    .map((n) => ({ n, pods: podsToMove(ctx, n.name).length }))
    .sort((a, b) => a.pods - b.pods || a.n.name.localeCompare(b.n.name));
  if (candidates.length < extra) return 'wait';
  for (const { n } of candidates.slice(0, extra)) {
    run.nodes.push(newRecord(n.name, n.instanceId, n.az, 'surplus', n.unschedulable));
  }
  ctx.touch();
  return extra;
}

function addOldNodes(ctx: StepContext, instanceIds: string[]): number {
  let added = 0;
  for (const id of instanceIds) {
    const node = ctx.view.nodeByInstance(id);
    if (!node) continue;
    ctx.run.nodes.push({ ...newRecord(node.name, id, node.az, 'old', node.unschedulable), foundLate: true });
    added++;
  }
  if (added) ctx.touch();
  return added;
}

export function newRecord(name: string, instanceId: string, az: string, role: NodeRecord['role'], wasCordoned?: boolean): NodeRecord {
  return shapedRecord({ name, instanceId, az, role, state: 'waiting', at: {}, evicted: 0, forced: 0, ...(wasCordoned ? { wasCordoned } : {}) });
}
