// Steps 1 and 2: a launch-template version with the target image, then the surge.
import { AZ_REBALANCE, type StepContext, type StepResult } from '../step-context.js';

/** Records the group as it was, before anything changes. Its own step, so the record is saved first. */
export async function recordOriginal(ctx: StepContext): Promise<StepResult> {
  const { run } = ctx;
  if (!run.original) {
    const g = await ctx.nodeGroups.describeNodegroup(run.ref);
    run.original = { sizes: { ...g.sizes }, launchTemplateVersion: g.launchTemplate.version, suspendedProcesses: [...g.suspendedProcesses] };
    run.startedAt ??= ctx.now;
    ctx.touch();
  }
  ctx.setPhase('prepare', `recorded ${run.ref.nodegroup} as it was: min ${run.original.sizes.min}, max ${run.original.sizes.max}, desired ${run.original.sizes.desired}, launch template version ${run.original.launchTemplateVersion}`);
  return { next: true };
}

export async function pointAtTargetImage(ctx: StepContext): Promise<StepResult> {
  const { run, nodeGroups } = ctx;
  const { plan } = run;
  // A rollback points the group back at the version it used before, user data and all, rather than a copy.
  const version = plan.rollback?.launchTemplateVersion ?? (await nodeGroups.ensureLaunchTemplateVersion(run.ref, plan.toImageId, run.id));
  run.target = { launchTemplateVersion: version, imageId: plan.toImageId, releaseVersion: plan.toRelease, version: plan.toVersion };
  const g = await nodeGroups.describeNodegroup(run.ref);
  if (g.launchTemplate.version !== version) await nodeGroups.useLaunchTemplateVersion(run.ref, version);
  // While instances are replaced one AZ at a time, AZ rebalancing would terminate nodes nobody drained.
  if (!g.suspendedProcesses.includes(AZ_REBALANCE)) await nodeGroups.suspendProcesses(run.ref, [AZ_REBALANCE]);
  ctx.setPhase('surge', `launch template version ${version} uses ${plan.toImageId} (${plan.toRelease}); AZRebalance suspended`);
  return { next: true };
}

export async function surge(ctx: StepContext): Promise<StepResult> {
  const { run } = ctx;
  const o = run.original!.sizes;
  const want = { max: o.max + run.plan.surge, desired: o.desired + run.plan.surge };
  const g = await ctx.nodeGroups.describeNodegroup(run.ref);
  if (g.sizes.max !== want.max || g.sizes.desired !== want.desired) await ctx.nodeGroups.setSizes(run.ref, want);
  ctx.setPhase('await-new-nodes', `surge of ${run.plan.surge}: max ${o.max} → ${want.max}, desired ${o.desired} → ${want.desired}`);
  return { next: true };
}
