// The main loop: drain, cordon and terminate old nodes until none is left.
import type { StepContext, StepResult } from '../step-context.js';
import { failRun } from './fail-run.js';
import { checkGroup } from './group-drift.js';
import { handleRequests } from './handle-requests.js';
import { trackNewNodes } from './new-nodes.js';
import { gateHold, type GateHold } from './health-gate.js';
import { advanceNodes } from './node-pipeline.js';

export async function replaceNodes(ctx: StepContext): Promise<StepResult> {
  const changed = await handleRequests(ctx);
  if (changed) return changed;
  const seen = await trackNewNodes(ctx, { pollInstances: false });
  // The group says why, when someone changed it: that names the way back.
  if (seen.wrongImage) return failRun(ctx, (await checkGroup(ctx)) ?? seen.wrongImage);
  const first = gateHold(ctx, false);
  // After the canary the gate looks when a drain is about to start, after the nodes in flight moved:
  // the pods the last drain sent to new nodes are the ones to see.
  let atStart: GateHold | undefined;
  const r = await advanceNodes(ctx, () => !first.hold && !(atStart ??= gateHold(ctx, true)).hold, canaryStartsLeft(ctx));
  const gate = atStart ?? first;
  if (r.stopped) return { next: true };
  if (r.settled) {
    ctx.setPhase('scale-back', 'every node handled; checking the group is back to its size');
    return { next: true };
  }
  // The canary drained in this step: the gate looks at its pods now rather than at the next wake-up.
  if (gate.canaryDraining && !ctx.run.nodes.some((r) => ctx.run.gate?.canary.includes(r.name) && r.state === 'evicting')) return { next: true };
  if (gate.hold && gate.reason) return { wait: Math.min(r.waitMs, gate.waitMs), reason: gate.reason };
  return { wait: r.waitMs, reason: ctx.run.decision ? `waiting for a decision on ${ctx.run.decision.node}` : r.reason };
}

/** Before the health gate has passed, only the canary may start: the first maxUnavailable nodes. */
function canaryStartsLeft(ctx: StepContext): number {
  const { run } = ctx;
  if (!run.plan.gate || run.gate?.passedAt !== undefined) return Infinity;
  return Math.max(0, run.plan.maxUnavailable - run.nodes.filter((r) => r.role === 'old' && r.at.evicting !== undefined).length);
}
