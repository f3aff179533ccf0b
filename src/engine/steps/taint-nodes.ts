// Step 4: nothing new lands on the nodes that are about to go, and load balancers start letting go of
// them (as EKS does: the taint and the exclude-from-external-load-balancers label together).
import { plural } from '../plural.js';
import { hasNodegroupTaint, NODEGROUP_TAINT_KEY } from '../cluster-view.js';
import type { NodeInfo, NodePatch, Taint } from '../ports.js';
import type { NodeRecord } from '../run.js';
import type { StepContext, StepResult } from '../step-context.js';

export const UNSCHEDULABLE_TAINT: Taint = { key: NODEGROUP_TAINT_KEY, value: 'unschedulable', effect: 'NoSchedule' };

/**
 * Kubernetes' own label: the service controller and the AWS Load Balancer Controller take a node that
 * has it out of their load balancers' targets (whatever its value).
 */
export const EXCLUDE_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

export const isExcludedFromLb = (node: NodeInfo) => Object.hasOwn(node.labels, EXCLUDE_LB_LABEL);

export async function taintNodes(ctx: StepContext): Promise<StepResult> {
  // Whose label it is goes on record, and is saved, before any label is set: a bot killed after the
  // patch would otherwise find the label and take it for someone else's, and leave it behind.
  let recorded = false;
  for (const rec of ctx.run.nodes) {
    if (rec.state !== 'waiting' || rec.lbExclusion !== undefined) continue;
    const node = ctx.view.node(rec.name);
    if (!node) continue;
    rec.lbExclusion = isExcludedFromLb(node) ? 'theirs' : 'ours';
    ctx.touch(rec);
    recorded = true;
  }
  if (recorded) await ctx.checkpoint();

  let tainted = 0;
  for (const rec of ctx.run.nodes) {
    if (rec.state !== 'waiting') continue;
    const node = ctx.view.node(rec.name);
    if (!node) {
      ctx.setNodeState(rec, 'skipped', `${rec.name} is no longer in the cluster`);
      rec.note = 'gone before the run reached it';
      continue;
    }
    rec.wasCordoned ??= node.unschedulable;
    if (ctx.run.plan.updateStrategy === 'minimal' && !ctx.run.cleanupReason) {
      // No surge: the other old nodes are where a drained node's pods go. Tainted when its drain starts.
      ctx.setNodeState(rec, 'tainted', `${rec.name} waits its turn, still schedulable (update strategy MINIMAL: it is tainted when its drain starts)`);
      tainted++;
      continue;
    }
    const patch: NodePatch = {};
    if (!hasNodegroupTaint(node)) patch.addTaints = [UNSCHEDULABLE_TAINT];
    if (rec.lbExclusion === 'ours' && !isExcludedFromLb(node)) patch.labels = { [EXCLUDE_LB_LABEL]: 'true' };
    if (patch.addTaints || patch.labels) await ctx.cluster.patchNode(rec.name, patch);
    ctx.setNodeState(rec, 'tainted', `${rec.name} tainted ${NODEGROUP_TAINT_KEY}=unschedulable:NoSchedule and labelled ${EXCLUDE_LB_LABEL}`);
    tainted++;
  }
  const minimal = ctx.run.plan.updateStrategy === 'minimal' && !ctx.run.cleanupReason;
  ctx.setPhase(ctx.run.cleanupReason ? 'cleanup' : 'replace', minimal ? `${plural(tainted, 'node')} to replace, one turn at a time` : `${plural(tainted, 'node')} tainted`);
  return { next: true };
}

/**
 * Takes back the taint, the load-balancer label mngbot set and (unless someone else had cordoned it)
 * the cordon. Reads the node, not the record: whatever a killed bot got to do is undone.
 */
export async function restoreNode(ctx: StepContext, name: string, wasCordoned: boolean | undefined): Promise<boolean> {
  const node = ctx.view.node(name);
  if (!node) return false;
  const rec: NodeRecord | undefined = ctx.run.nodes.find((r) => r.name === name);
  const patch: NodePatch = {};
  if (hasNodegroupTaint(node)) patch.removeTaints = [NODEGROUP_TAINT_KEY];
  if (node.unschedulable && !wasCordoned) patch.unschedulable = false;
  if (rec?.lbExclusion === 'ours' && isExcludedFromLb(node)) patch.labels = { [EXCLUDE_LB_LABEL]: null };
  if (rec?.deregisterUntil !== undefined) {
    rec.deregisterUntil = undefined;
    ctx.touch(rec);
  }
  if (patch.removeTaints || patch.unschedulable === false || patch.labels) await ctx.cluster.patchNode(name, patch);
  return true;
}
