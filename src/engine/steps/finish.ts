import type { NextStepFacts } from '../outcomes.js';
import type { Sizes } from '../ports.js';
import type { RunStatus } from '../run.js';
import type { StepContext, StepResult } from '../step-context.js';
import { formatDuration } from '../duration.js';
import { pick, plural } from '../plural.js';
import { measuredTimings } from '../estimate.js';
import { gateOutcome } from './health-gate.js';
import { restoreGroup } from './restore-group.js';

export async function finish(ctx: StepContext): Promise<StepResult> {
  const { changes, sizes } = await restoreGroup(ctx, { launchTemplate: false });
  const { run } = ctx;
  const old = run.nodes.filter((n) => n.role === 'old');
  const replaced = old.filter((n) => n.state === 'terminated').length;
  const skipped = old.filter((n) => n.state === 'skipped');
  for (const n of skipped) changes.push(`${n.name} was skipped and still runs ${run.plan.fromRelease}`);
  const o = run.original!.sizes;
  const summary =
    `Replaced ${replaced} of ${plural(old.length, 'node')} of ${run.ref.nodegroup} (${run.plan.fromVersion} → ${run.plan.toVersion}, ${run.plan.toRelease}) ` +
    `in ${formatDuration(Math.max(0, ctx.now - (run.startedAt ?? ctx.now)))}; ${plural(run.counters.podsEvicted, 'pod')} evicted` +
    (run.counters.forcedDeletions ? `, ${run.counters.forcedDeletions} deleted by force` : '') +
    (sizes && (sizes.min !== o.min || sizes.max !== o.max || sizes.desired !== o.desired)
      ? `; min/max/desired left at ${sizes.min}/${sizes.max}/${sizes.desired} (recorded ${o.min}/${o.max}/${o.desired}).`
      : `; min/max/desired back to ${o.min}/${o.max}/${o.desired}.`);
  // Every node skipped by a person: the group still runs the old image, which is not a success.
  const status = replaced === 0 && skipped.length > 0 ? 'nothing-replaced' : 'succeeded';
  const result = endRun(ctx, status, summary, changes, undefined, sizes);
  // The group's next plan estimates from what this one measured.
  if (status === 'succeeded') run.outcome!.measured = measuredTimings(run);
  return result;
}

export function endRun(ctx: StepContext, status: RunStatus, summary: string, changes: string[], next?: NextStepFacts, sizes?: Sizes): StepResult {
  const { run } = ctx;
  run.status = status;
  run.finishedAt = ctx.now;
  run.decision = undefined;
  const gate = gateOutcome(ctx);
  run.outcome = { status, summary, changes, ...(next ? { next } : {}), ...(sizes ? { sizes } : {}), ...(gate ? { gate } : {}) };
  ctx.setPhase('done', summary);
  ctx.emit({ kind: 'status', status, detail: summary });
  return { done: true };
}

/**
 * " after 12m 5s"; " before it started" for a run cancelled while it waited for its start; nothing when
 * the clock is behind the recorded start (a bot restarted on another clock): no negative durations.
 */
export function ranFor(ctx: StepContext): string {
  const started = ctx.run.startedAt;
  if (started === undefined) return ' before it started';
  return started <= ctx.now ? ` after ${formatDuration(ctx.now - started)}` : '';
}

/** The old nodes replaced, and the new nodes that stay in their place (not the old ones, which are gone). */
export function replacedText(ctx: StepContext, replaced: number): string {
  const { run } = ctx;
  const removed = new Set(run.nodes.filter((n) => n.role === 'surplus' && (n.state === 'terminated' || n.state === 'terminating')).map((n) => n.name));
  const staying = run.newNodes.flatMap((n) => (n.name && !removed.has(n.name) && ctx.view.node(n.name) ? [n.name] : []));
  const names = `${staying.slice(0, 10).join(', ')}${staying.length > 10 ? ', …' : ''}`;
  return (
    `${plural(replaced, 'old node')} replaced by nodes on ${run.plan.toRelease}` +
    (staying.length ? `; ${pick(staying.length, 'the new node stays', 'the new nodes stay')}: ${names}` : '')
  );
}
