// Step 4: nothing new lands on the nodes that are about to go.
import { hasNodegroupTaint, NODEGROUP_TAINT_KEY } from '../cluster-view.js';
import type { Taint } from '../ports.js';
import type { StepContext, StepResult } from '../step-context.js';

export const UNSCHEDULABLE_TAINT: Taint = { key: NODEGROUP_TAINT_KEY, value: 'unschedulable', effect: 'NoSchedule' };

export async function taintNodes(ctx: StepContext): Promise<StepResult> {
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
    if (!hasNodegroupTaint(node)) await ctx.cluster.patchNode(rec.name, { addTaints: [UNSCHEDULABLE_TAINT] });
    ctx.setNodeState(rec, 'tainted', `${rec.name} tainted ${NODEGROUP_TAINT_KEY}=unschedulable:NoSchedule`);
    tainted++;
  }
  ctx.setPhase(ctx.run.cleanupReason ? 'cleanup' : 'replace', `${tainted} nodes tainted`);
  return { next: true };
}

/** Takes back the taint and (unless someone else had cordoned it) the cordon. */
export async function restoreNode(ctx: StepContext, name: string, wasCordoned: boolean | undefined): Promise<boolean> {
  const node = ctx.view.node(name);
  if (!node) return false;
  const patch: { removeTaints?: string[]; unschedulable?: boolean } = {};
  if (hasNodegroupTaint(node)) patch.removeTaints = [NODEGROUP_TAINT_KEY];
  if (node.unschedulable && !wasCordoned) patch.unschedulable = false;
  if (patch.removeTaints || patch.unschedulable === false) await ctx.cluster.patchNode(name, patch);
  return true;
}
