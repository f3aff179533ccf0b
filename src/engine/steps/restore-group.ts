// Puts the group's settings back as recorded; what it cannot put back, it says.
import type { Sizes } from '../ports.js';
import type { StepContext } from '../step-context.js';
import { AZ_REBALANCE, SCALE_DOWN_DISABLED } from '../step-context.js';

/** What it could not put back, in words, and the sizes it left the group at. */
export async function restoreGroup(ctx: StepContext, opts: { launchTemplate: boolean }): Promise<{ changes: string[]; sizes?: Sizes }> {
  const { run, nodeGroups } = ctx;
  const o = run.original;
  if (!o) return { changes: [] };
  const changes: string[] = [];
  const g = await nodeGroups.describeNodegroup(run.ref);
  if (opts.launchTemplate && g.launchTemplate.version !== o.launchTemplateVersion) {
    if (g.launchTemplate.version === run.target?.launchTemplateVersion) {
      await nodeGroups.useLaunchTemplateVersion(run.ref, o.launchTemplateVersion);
      changes.push(`launch template back to version ${o.launchTemplateVersion}; version ${g.launchTemplate.version} (${run.plan.toRelease}) stays in the template, unused`);
    } else {
      // Not the version mngbot set: someone else chose it, and it is theirs to change.
      changes.push(
        `launch template left at version ${g.launchTemplate.version}, which someone else set during the run (it was ${o.launchTemplateVersion} before; mngbot had set ${run.target?.launchTemplateVersion ?? 'none yet'})`,
      );
    }
  }
  const max = Math.max(o.sizes.max, g.sizes.desired);
  if (g.sizes.min !== o.sizes.min || g.sizes.max !== max) await nodeGroups.setSizes(run.ref, { min: o.sizes.min, max });
  if (g.sizes.desired !== o.sizes.desired) {
    changes.push(
      `${run.ref.nodegroup} left at desired ${g.sizes.desired}, max ${max} (recorded ${o.sizes.desired}/${o.sizes.max}): drain the extra nodes and terminate them with decrement (aws autoscaling terminate-instance-in-auto-scaling-group --should-decrement-desired-capacity), or run the upgrade again`,
    );
  }
  if (!o.suspendedProcesses.includes(AZ_REBALANCE) && g.suspendedProcesses.includes(AZ_REBALANCE)) {
    await nodeGroups.resumeProcesses(run.ref, [AZ_REBALANCE]);
  }
  const ours = new Set(run.newNodes.map((n) => n.instanceId));
  for (const node of ctx.view.allNodes()) {
    if (ours.has(node.instanceId) && node.annotations[SCALE_DOWN_DISABLED] === 'true') {
      await ctx.cluster.patchNode(node.name, { annotations: { [SCALE_DOWN_DISABLED]: null } });
    }
  }
  return { changes, sizes: { min: o.sizes.min, max, desired: g.sizes.desired } };
}
