// Strategy eks: EKS has no API to cancel or pause a node group update. Once mngbot has asked for one,
// a cancel or a pause cannot be honoured; pretending otherwise (stopping to follow while EKS goes on)
// would leave a group changing with nobody reporting it. So the request is refused, with what does
// happen and where to follow it: at once by the command (eksRefusal), and by the run itself for a
// request that reached it anyway (refuseEksRequests).
import { Refusal } from '../errors.js';
import { eksCarriesOn, NEUTRAL_WORDS } from '../outcome-text.js';
import type { Run } from '../run.js';
import type { StepContext } from '../step-context.js';

/** Why a cancel or pause cannot stop this run, when it cannot; undefined when it can. */
export function eksRefusal(run: Run, action: 'cancel' | 'pause'): Refusal | undefined {
  if (run.strategy !== 'eks' || !run.eks?.requestedAt || run.cleanupReason) return undefined;
  return new Refusal({ code: 'eks-cannot-stop', fields: { runId: run.id, action, ...updateOf(run) } });
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

function updateOf(run: Run): { fromRelease: string; updateId?: string } {
  return { fromRelease: run.plan.fromRelease, ...(run.eks?.updateId ? { updateId: run.eks.updateId } : {}) };
}

// A progress event's detail is plain text today, so the run's own notice is worded neutrally.
function carriesOn(run: Run): string {
  return eksCarriesOn({ runId: run.id, ...updateOf(run) }, NEUTRAL_WORDS);
}
