// Abort, cancel and failure all end here: old nodes get their taint and cordon back off, surplus
// instances are drained and removed with decrement, the group's settings return to the record.
import type { StepContext, StepResult } from '../step-context.js';
import { endRun, ranFor, replacedText } from './finish.js';
import { advanceNodes } from './node-pipeline.js';
import { pick, plural } from '../plural.js';
import { sentence } from '../sentence.js';
import { restoreGroup } from './restore-group.js';
import { addSurplus } from './scale-back.js';
import { removeUnreadyNewInstances } from './unready-instances.js';
import { restoreNode, taintNodes } from './taint-nodes.js';

const UNTOUCHED_AFTER_CLEANUP = new Set(['waiting', 'tainted', 'evicting', 'evicted', 'cordoned']);

export async function cleanup(ctx: StepContext): Promise<StepResult> {
  const { run } = ctx;
  const reason = run.cleanupReason!;
  delete run.requests.decision;
  delete run.requests.cancel;
  // A pause holds back new drains; the cleanup's own (surplus nodes) must go on, or a paused run never ends.
  delete run.requests.pause;
  for (const rec of run.nodes) {
    if (rec.role !== 'old' || !UNTOUCHED_AFTER_CLEANUP.has(rec.state)) continue;
    await restoreNode(ctx, rec.name, rec.wasCordoned);
    rec.note = `left on ${run.plan.fromRelease}`;
    ctx.setNodeState(rec, 'skipped', `${rec.name}: taint and cordon removed, left on ${run.plan.fromVersion}`);
  }
  if (run.nodes.some((r) => r.state === 'waiting')) return taintNodes(ctx);
  // Every old node left waiting was skipped above: the tainted nodes now are surplus ones, drained to go.
  const r = await advanceNodes(ctx, () => true);
  if (r.stopped) return { next: true };
  if (!r.settled) return { wait: r.waitMs, reason: `cleaning up: ${r.reason}` };
  if (run.original && !run.nodes.some((n) => n.role === 'surplus' && n.state === 'failed')) {
    if (await removeUnreadyNewInstances(ctx)) return { next: true };
    const surplus = await addSurplus(ctx);
    if (surplus !== 'wait' && surplus > 0) return { next: true };
    // Instances still launching are drained and removed like any surplus once Ready; only a group that
    // never gets them Ready is left larger than recorded (restoreGroup says so).
    if (surplus === 'wait' && ctx.now - (run.phaseSince ?? ctx.now) < ctx.settings.nodeReadyTimeoutMs) {
      return { wait: ctx.settings.idleRecheckMs, reason: 'cleaning up: waiting for the instances still launching to be Ready, to drain and remove them' };
    }
  }
  const { changes, sizes } = await restoreGroup(ctx, { launchTemplate: true });
  const replaced = run.nodes.filter((n) => n.role === 'old' && n.state === 'terminated').length;
  if (replaced) changes.unshift(replacedText(ctx, replaced));
  const left = run.nodes.filter((n) => n.role === 'old' && n.state === 'skipped').length;
  if (left) changes.push(`${plural(left, 'old node')} ${pick(left, 'stays', 'stay')} on ${run.plan.fromRelease}, untainted and schedulable`);
  for (const n of run.nodes.filter((x) => x.state === 'failed')) changes.push(`${n.name}: ${n.note ?? 'failed'}`);
  return endRun(ctx, reason.status, `${capitalise(reason.status)}${ranFor(ctx)}: ${sentence(reason.message)}`, changes, undefined, sizes);
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
