// The first step after a (re)start: the world may have moved on while nobody watched.
import type { StepContext } from '../step-context.js';
import { plural } from '../plural.js';
import { failRun } from './fail-run.js';
import { checkGroup } from './group-drift.js';

export async function reconcile(ctx: StepContext): Promise<void> {
  const { run } = ctx;
  if (run.phase === 'pending' || run.phase === 'done') return;
  const found: string[] = [];
  // A step drains, cordons and terminates in one go, and is saved after: a termination may have been
  // accepted just before the bot stopped. Never send it twice.
  const inFlight = run.nodes.filter((n) => n.state === 'evicting' || n.state === 'evicted' || n.state === 'cordoned');
  if (inFlight.length > 0) {
    const live = new Map((await ctx.nodeGroups.listInstances(run.ref)).map((i) => [i.instanceId, i.lifecycleState]));
    for (const rec of inFlight) {
      const state = live.get(rec.instanceId);
      if (state === undefined || state.startsWith('Terminat')) {
        // Forward only: a record saved as cordoned is past evicted already.
        if (rec.state === 'evicting') ctx.setNodeState(rec, 'evicted', `${rec.name}: found drained when the bot came back`);
        if (rec.state === 'evicted') ctx.setNodeState(rec, 'cordoned', `${rec.name}: found cordoned when the bot came back`);
        ctx.setNodeState(rec, 'terminating', `${rec.name}: its instance was already terminating when the bot came back`);
        found.push(`${rec.name} already terminating`);
      }
    }
  }
  // Intents known, look at the group: while the bot was away, someone may have changed it.
  const drift = await checkGroup(ctx);
  const busy = run.nodes.filter((n) => ['evicting', 'evicted', 'cordoned', 'terminating'].includes(n.state));
  const done = run.nodes.filter((n) => n.state === 'terminated').length;
  ctx.emit({
    kind: 'resumed',
    detail:
      `mngbot restarted and picked this run up again in phase ${run.phase}: ${done} of ${plural(run.nodes.length, 'node')} done` +
      (busy.length ? `, in flight: ${busy.map((n) => `${n.name} (${n.state})`).join(', ')}` : '') +
      (found.length ? `; found ${found.join(', ')}` : ''),
  });
  if (drift) failRun(ctx, drift);
}
