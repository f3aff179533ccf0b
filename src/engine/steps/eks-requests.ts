// Strategy eks: EKS has no API to cancel or pause a node group update. Once mngbot has asked for one,
// a cancel or a pause cannot be honoured; pretending otherwise (stopping to follow while EKS goes on)
// would leave a group changing with nobody reporting it. So the request is refused, with what does
// happen and where to follow it: at once by the command (eksRefusal), and by the run itself for a
// request that reached it anyway (refuseEksRequests).
import { UserError } from '../errors.js';
import type { Run } from '../run.js';
import type { StepContext } from '../step-context.js';

/** Why a cancel or pause cannot stop this run, when it cannot; undefined when it can. */
export function eksRefusal(run: Run, action: 'cancel' | 'pause'): UserError | undefined {
  if (run.strategy !== 'eks' || !run.eks?.requestedAt || run.cleanupReason) return undefined;
  return new UserError(`run ${run.id} cannot be ${action === 'cancel' ? 'cancelled' : 'paused'}: ${carriesOn(run)}`, `follow it with /mng status ${run.id}`);
}

export function refuseEksRequests(ctx: StepContext): void {
  const { run } = ctx;
  const req = run.requests;
  if (req.cancel) {
    const by = req.cancel.user;
    delete req.cancel;
    ctx.emit({ kind: 'warning', detail: `cancel asked by ${by} refused: ${carriesOn(run)}` });
  }
  if (req.pause) {
    const by = req.pause.user;
    delete req.pause;
    ctx.emit({ kind: 'warning', detail: `pause asked by ${by} refused: ${carriesOn(run)}` });
  }
  if (req.decision) {
    // Nothing waits for a person in an EKS update: EKS itself decides (15 minutes, then fail or force).
    delete req.decision;
    ctx.touch();
  }
}

function carriesOn(run: Run): string {
  const update = run.eks?.updateId ? `update ${run.eks.updateId}` : 'the update mngbot asked for';
  return (
    `EKS has no way to stop a node group update once it has started, so ${update} carries on and mngbot keeps ` +
    `following it to the end (follow it with /mng status ${run.id}). What EKS replaces stays replaced; if it fails, ` +
    `EKS leaves the rest of the group on ${run.plan.fromRelease} and mngbot says what is left.`
  );
}
