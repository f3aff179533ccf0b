// The main loop: drain, cordon and terminate old nodes until none is left.
import type { StepContext, StepResult } from '../step-context.js';
import { failRun } from './fail-run.js';
import { checkGroup } from './group-drift.js';
import { handleRequests } from './handle-requests.js';
import { trackNewNodes } from './new-nodes.js';
import { advanceNodes } from './node-pipeline.js';

export async function replaceNodes(ctx: StepContext): Promise<StepResult> {
  const changed = await handleRequests(ctx);
  if (changed) return changed;
  const seen = await trackNewNodes(ctx, { pollInstances: false });
  // The group says why, when someone changed it: that names the way back.
  if (seen.wrongImage) return failRun(ctx, (await checkGroup(ctx)) ?? seen.wrongImage);
  const r = await advanceNodes(ctx, () => true);
  if (r.stopped) return { next: true };
  if (r.settled) {
    ctx.setPhase('scale-back', 'every node handled; checking the group is back to its size');
    return { next: true };
  }
  return { wait: r.waitMs, reason: ctx.run.decision ? `waiting for a decision on ${ctx.run.decision.node}` : r.reason };
}
