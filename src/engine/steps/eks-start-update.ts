// Strategy eks, step 2: ask EKS for the update (UpdateNodegroupVersion). The run id is the
// clientRequestToken, so asking again — after a crash between the call and the save — returns the
// update the first call started instead of starting a second one.
import { errorMessage, UserError } from '../errors.js';
import type { StepContext, StepResult } from '../step-context.js';
import { ensureMinimal } from './eks-update-strategy.js';
import { failRun } from './fail-run.js';

export async function startEksUpdate(ctx: StepContext): Promise<StepResult> {
  const { run } = ctx;
  const { plan } = run;
  if (!run.eks?.requestedAt && (run.status === 'paused' || run.windowPause)) {
    // Once asked, EKS cannot be held back: so it is not asked while the run is paused or its window is closed.
    return { wait: ctx.settings.idleRecheckMs, reason: 'paused before EKS was asked to update the group: nothing has changed yet' };
  }
  if (!run.eks?.requestedAt) {
    const minimal = await ensureMinimal(ctx);
    if (minimal) return minimal;
  }
  if (!run.eks?.requestedAt) {
    // Saved before the call: a bot that dies before it saves the answer knows an update may exist
    // (a cancel is refused from here on, and the call is repeated with the same token).
    run.eks = { ...run.eks, requestedAt: ctx.now };
    ctx.touch();
    return { next: true };
  }
  // EKS drains as many nodes at once as the group's update config says, not as the request did.
  const eks = run.eks;
  const group = await ctx.nodeGroups.describeNodegroup(run.ref);
  if (eks.maxUnavailable === undefined && group.maxUnavailable !== plan.maxUnavailable) {
    ctx.emit({
      kind: 'warning',
      detail:
        `EKS replaces up to ${group.maxUnavailable} node${group.maxUnavailable === 1 ? '' : 's'} at a time, as ${run.ref.nodegroup}'s update config says, not ${plan.maxUnavailable}: ` +
        'UpdateNodegroupVersion takes no maxUnavailable (aws eks update-nodegroup-config --update-config sets it)',
    });
  }
  eks.maxUnavailable = group.maxUnavailable;
  let updateId: string;
  try {
    updateId = await ctx.nodeGroups.startVersionUpdate(run.ref, {
      version: plan.toVersion,
      releaseVersion: plan.toRelease,
      force: plan.force,
      token: run.id,
    });
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    // EKS answered no: nothing was started, so there is nothing to follow or to leave behind (but an
    // update strategy this run set, which its cleanup puts back).
    run.eks = eks.updateStrategy ? { updateStrategy: eks.updateStrategy } : undefined;
    return failRun(ctx, `EKS refused the update of ${run.ref.nodegroup}: ${errorMessage(err)}`);
  }
  Object.assign(eks, { updateId, status: 'InProgress' as const });
  run.target = { imageId: plan.toImageId, releaseVersion: plan.toRelease, version: plan.toVersion };
  ctx.setPhase(
    'surge',
    `EKS update ${updateId} started (UpdateNodegroupVersion to ${plan.toVersion}, ${plan.toRelease}${plan.force ? ', forced' : ''}): ` +
      (plan.updateStrategy === 'minimal'
        ? 'update strategy MINIMAL: no surge; EKS drains and terminates old nodes first and the group launches their replacements'
        : `EKS raises max and desired by ${plan.surge} (${plan.surgeReason})`),
  );
  return { next: true };
}
