// Strategy `eks`: EKS drives the update (UpdateNodegroupVersion); mngbot follows it node by node.
// For managed node groups, whose Auto Scaling group and launch template belong to EKS. mngbot changes
// nothing in the group itself: it records the group, asks EKS once (the run id is the request token),
// then reads the cluster, DescribeUpdate and the Auto Scaling group to report what EKS does, with the
// same node states and events as the rolling strategy.
import type { StepContext, StepResult } from '../step-context.js';
import { eksCleanup } from '../steps/eks-cleanup.js';
import { followEksUpdate } from '../steps/eks-follow-update.js';
import { refuseEksRequests } from '../steps/eks-requests.js';
import { startEksUpdate } from '../steps/eks-start-update.js';
import { restoreUpdateStrategy } from '../steps/eks-update-strategy.js';
import { finish } from '../steps/finish.js';
import { handleRequests } from '../steps/handle-requests.js';
import { recordOriginal } from '../steps/prepare.js';

export async function eksStep(ctx: StepContext): Promise<StepResult> {
  const { run } = ctx;
  if (run.phase === 'done') return { done: true };
  if (run.phase === 'cleanup') return eksCleanup(ctx);
  if (run.eks?.requestedAt) {
    // EKS may be updating the group: it cannot be cancelled or paused from here on.
    refuseEksRequests(ctx);
  } else {
    // Before EKS is asked, a cancel or pause works as in a rolling run: nothing has changed yet.
    const changed = await handleRequests(ctx);
    if (changed) return changed;
  }
  switch (run.phase) {
    case 'pending':
      return recordOriginal(ctx);
    case 'prepare':
      return startEksUpdate(ctx);
    case 'finish':
      // EKS has put the sizes back; finish only checks, takes our annotations off and sums up.
      await restoreUpdateStrategy(ctx);
      return finish(ctx);
    default:
      return followEksUpdate(ctx);
  }
}
