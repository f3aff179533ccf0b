// Update strategy MINIMAL in the rolling strategy: no surge. The old nodes stay schedulable until their
// turn (the pods of a drained node have nowhere else to go), a node is tainted and labelled only when
// its drain starts, and a slot stays taken until the replacement the group launches for a terminated
// node is Ready: the group is never more than maxUnavailable nodes short.
import { hasNodegroupTaint } from '../cluster-view.js';
import type { NodePatch } from '../ports.js';
import type { NodeRecord, Run } from '../run.js';
import type { StepContext } from '../step-context.js';
import { EXCLUDE_LB_LABEL, isExcludedFromLb, UNSCHEDULABLE_TAINT } from './taint-nodes.js';

export const isMinimal = (run: Run) => run.plan.updateStrategy === 'minimal';

/**
 * Old nodes terminated to be replaced (not with decrement) whose replacement is not Ready yet: each
 * keeps the group one node short, so each holds a maxUnavailable slot.
 */
export function replacementsPending(ctx: StepContext): number {
  const { run } = ctx;
  let gone = 0;
  for (const r of run.nodes) if (r.role === 'old' && r.termination && !r.termination.decrement) gone++;
  if (gone === 0) return 0;
  const ready = run.newNodes.filter((n) => n.state === 'ready').length;
  return Math.max(0, gone - ready);
}

/** Just before its drain: the taint and the load-balancer label the taint step left off. */
export async function takeOutOfService(ctx: StepContext, rec: NodeRecord): Promise<void> {
  const node = ctx.view.node(rec.name);
  if (!node) return;
  const patch: NodePatch = {};
  if (!hasNodegroupTaint(node)) patch.addTaints = [UNSCHEDULABLE_TAINT];
  if (rec.lbExclusion === 'ours' && !isExcludedFromLb(node)) patch.labels = { [EXCLUDE_LB_LABEL]: 'true' };
  if (patch.addTaints || patch.labels) await ctx.cluster.patchNode(rec.name, patch);
}
