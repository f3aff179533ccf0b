import type { NextStepFacts } from '../outcomes.js';
import type { RunStatus } from '../run.js';
import type { StepContext, StepResult } from '../step-context.js';
import { formatDuration } from '../duration.js';
import { restoreGroup } from './restore-group.js';

export async function finish(ctx: StepContext): Promise<StepResult> {
  const changes = await restoreGroup(ctx, { launchTemplate: false });
  const { run } = ctx;
  const old = run.nodes.filter((n) => n.role === 'old');
  const replaced = old.filter((n) => n.state === 'terminated').length;
  const skipped = old.filter((n) => n.state === 'skipped');
  for (const n of skipped) changes.push(`${n.name} was skipped and still runs ${run.plan.fromRelease}`);
  const o = run.original!.sizes;
  const summary =
    `Replaced ${replaced} of ${old.length} nodes of ${run.ref.nodegroup} (${run.plan.fromVersion} → ${run.plan.toVersion}, ${run.plan.toRelease}) ` +
    `in ${formatDuration(ctx.now - (run.startedAt ?? ctx.now))}; ${run.counters.podsEvicted} pods evicted` +
    (run.counters.forcedDeletions ? `, ${run.counters.forcedDeletions} deleted by force` : '') +
    `; min/max/desired back to ${o.min}/${o.max}/${o.desired}.`;
  // Every node skipped by a person: the group still runs the old image, which is not a success.
  return endRun(ctx, replaced === 0 && skipped.length > 0 ? 'nothing-replaced' : 'succeeded', summary, changes);
}

export function endRun(ctx: StepContext, status: RunStatus, summary: string, changes: string[], next?: NextStepFacts): StepResult {
  const { run } = ctx;
  run.status = status;
  run.finishedAt = ctx.now;
  run.decision = undefined;
  run.outcome = { status, summary, changes, ...(next ? { next } : {}) };
  ctx.setPhase('done', summary);
  ctx.emit({ kind: 'status', status, detail: summary });
  return { done: true };
}
