// Step 3: the surge's nodes must be Ready, one at least in every AZ that has old nodes, before any drain.
import { plural } from '../plural.js';
import type { NodeInfo } from '../ports.js';
import type { StepContext, StepResult } from '../step-context.js';
import { sentence } from '../sentence.js';
import { failRun } from './fail-run.js';
import { checkGroup } from './group-drift.js';
import { readyNewNodes, trackNewNodes } from './new-nodes.js';

export async function awaitNewNodes(ctx: StepContext): Promise<StepResult> {
  const { run } = ctx;
  const seen = await trackNewNodes(ctx, { pollInstances: true });
  // The group says why, when someone changed it: that names the way back.
  if (seen.wrongImage) return failRun(ctx, (await checkGroup(ctx)) ?? seen.wrongImage);
  // The group has no watch: look at it whenever its instances are looked at.
  const drift = seen.polled ? await checkGroup(ctx) : undefined;
  if (drift) return failRun(ctx, drift);
  if (seen.polled) await reportLaunchFailures(ctx);
  const pollIn = seen.pollIn;
  const oldAzs = new Set(run.nodes.filter((n) => n.role === 'old' && n.state === 'waiting').map((n) => n.az));
  // Ready new nodes in every AZ that has old ones (or the whole surge Ready): the drains may begin.
  const proceed = (ready: NodeInfo[]): string[] | undefined => {
    const readyAzs = new Set(ready.map((n) => n.az));
    const missing = [...oldAzs].filter((az) => !readyAzs.has(az));
    if (missing.length > 0 && ready.length < run.plan.surge) return missing;
    ctx.setPhase('taint', `${plural(ready.length, 'new node')} Ready in ${[...readyAzs].sort().join(', ')}`);
    return undefined;
  };
  let missing = proceed(readyNewNodes(ctx));
  if (!missing) return { next: true };
  const waited = ctx.now - (run.phaseSince ?? ctx.now);
  if (waited >= ctx.settings.nodeReadyTimeoutMs) {
    // The watch may lag behind the cluster (a busy bot): fail the run only on what the API says now.
    missing = proceed(readyNewNodes(ctx, await ctx.cluster.listNodes()));
    if (!missing) return { next: true };
    const failures = (await ctx.nodeGroups.listScalingActivities(run.ref, run.phaseSince ?? 0))
      .filter((a) => a.status === 'Failed')
      .map((a) => a.description);
    // The same reason for every retry is one reason, said once with its count.
    const reasons = [...new Set(failures)].slice(-3).map((d) => {
      const n = failures.filter((f) => f === d).length;
      return n > 1 ? `${plural(n, 'time')}: ${sentence(d)}` : sentence(d);
    });
    const why = reasons.length ? ` The Auto Scaling group reports: ${reasons.join(' ')}` : '';
    return failRun(ctx, `NodeCreationFailure: no new node became Ready in ${missing.join(', ')} within ${Math.round(waited / 60_000)} minutes.${why}`);
  }
  return { wait: Math.min(pollIn, ctx.settings.nodeReadyTimeoutMs - waited), reason: `waiting for new nodes in ${missing.join(', ')}` };
}

/**
 * Launches the Auto Scaling group failed (InsufficientInstanceCapacity, …), each said once as it is
 * seen: the group retries on its own, but a person watching wants to know why the surge is slow.
 */
async function reportLaunchFailures(ctx: StepContext): Promise<void> {
  const { run } = ctx;
  const since = run.launchFailuresSeenAt ?? run.phaseSince ?? 0;
  const failed = (await ctx.nodeGroups.listScalingActivities(run.ref, since)).filter((a) => a.status === 'Failed' && a.at >= since);
  if (failed.length === 0) return;
  for (const a of failed) ctx.emit({ kind: 'warning', detail: `a launch failed; the Auto Scaling group tries again: ${a.description}` });
  run.launchFailuresSeenAt = Math.max(...failed.map((a) => a.at)) + 1;
  ctx.touch();
}
